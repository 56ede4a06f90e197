"""The index's on-disk records and their validation: file names, manifest, document records.

Everything read from disk is checked here before use; a bad value is an ``IndexCorruptError``
that names the file and says to rebuild, never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from duizhao import __version__
from duizhao.config import FORMAT_VERSION
from duizhao.errors import IndexCorruptError

CURRENT = "CURRENT"
LOCK = ".lock"
MANIFEST = "manifest.json"
DOCUMENTS = "documents.json"
TAXONOMY = "taxonomy.json"
LABELS = "labels.npy"  # (rows, 3) int16: role, section, dimension as taxonomy key positions
DELETED = "deleted.npy"  # (rows,) bool: tombstones left by remove / replace
DENSE_META = "dense.json"
ALSO_IN = "also_in.json"  # optional: passage id → further documents holding it (added by add)
# Per segment (``s0001.passages.jsonl`` …): files one write makes and no later write changes.
PASSAGES = "passages.jsonl"
OFFSETS = "offsets.npy"  # (n + 1,) int64 byte offsets of each record in passages.jsonl
IDS = "ids.npy"  # (n,) bytes: passage ids, for corrections and id lookups without parsing
DOC_CODES = "doc_codes.npy"  # (n,) int32 into the segment's docs.json
DOCS = "docs.json"
VECTORS = "vectors.npy"
TOKENS = "tokens.jsonl"
TEXTS = "texts.bin"  # each passage's text alone, UTF-8: what ranking reads per candidate
TEXT_OFFSETS = "text_offsets.npy"
# Written since the point-title change; a segment without them has its titles worked out
# from its texts when ranked (older indexes open as before).
TITLES = "titles.bin"  # each passage's point title, simplified, UTF-8 (ranking.title_match)
TITLE_OFFSETS = "title_offsets.npy"
CHARS = "chars.npy"  # (n,) int32: each text's length in characters (the short-passage penalty)
RANKING_FILES = (TITLES, TITLE_OFFSETS, CHARS)
SEGMENT_FILES = (PASSAGES, OFFSETS, IDS, DOC_CODES, DOCS, VECTORS, TOKENS, TEXTS, TEXT_OFFSETS,
                 "keyword.json",
                 "keyword_indptr.npy", "keyword_rows.npy", "keyword_tf.npy",
                 "keyword_doc_len.npy")
REQUIRED = (DOCUMENTS, TAXONOMY, LABELS, DELETED, DENSE_META)  # corrections: store/overlay.py
_SEGMENT_RE = re.compile(r"^s[0-9]{4,8}$")
_VERSION_RE = re.compile(r"^v-[0-9A-Za-z_-]{1,80}$")
_FILE_RE = re.compile(r"^[0-9A-Za-z_][0-9A-Za-z_.-]{0,80}$")
_REBUILD = "请重新运行 duizhao build 重建索引。"
_REBUILD_EN = "Run `duizhao build` again to rebuild it."


@dataclass(frozen=True)
class EncoderInfo:
    """What made the vectors; a search or ``add`` must use the same encoder."""

    name: str
    dim: int
    normalized: bool = True


@dataclass
class DocumentRecord:
    """One source document in the index: what ``add`` compares to decide what to re-embed."""

    doc: str
    content_hash: str
    title: str = ""
    role: str = ""
    passage_ids: list[str] = field(default_factory=list)
    passage_hashes: list[str] = field(default_factory=list)  # text_hash of each passage

    def to_json(self) -> dict[str, Any]:
        return {"doc": self.doc, "content_hash": self.content_hash, "title": self.title,
                "role": self.role, "passage_ids": self.passage_ids,
                "passage_hashes": self.passage_hashes}

    @classmethod
    def from_json(cls, data: Any) -> DocumentRecord:
        _expect(isinstance(data, dict), DOCUMENTS, "entries must be objects")
        for key in ("doc", "content_hash"):
            _expect(isinstance(data.get(key), str), DOCUMENTS, f"'{key}' must be a string")
        ids, hashes = data.get("passage_ids", []), data.get("passage_hashes", [])
        _expect(_str_list(ids) and _str_list(hashes), DOCUMENTS, "passage lists must be strings")
        return cls(data["doc"], data["content_hash"], str(data.get("title", "")),
                   str(data.get("role", "")), list(ids), list(hashes))


@dataclass
class Manifest:
    """manifest.json: format, tool, encoder and taxonomy versions, counts, file checksums."""

    encoder: EncoderInfo
    taxonomy_version: str
    taxonomy_digest: str
    counts: dict[str, int]
    ann: str
    files: dict[str, dict[str, Any]]  # name → {"size": int, "sha256": str}
    created: str
    updated: str
    format_version: int = FORMAT_VERSION
    tool_version: str = __version__
    tokenizer_digest: str = ""  # tokenize.tokenizer_digest() of the stored keyword tokens
    segments: list[dict[str, Any]] = field(default_factory=list)  # [{"name", "rows"}] in order

    @property
    def rows(self) -> int:
        """Physical rows: every segment's, tombstoned ones included."""
        return sum(int(s["rows"]) for s in self.segments)

    def segment_file(self, segment: str, name: str) -> str:
        return f"{segment}.{name}"

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version, "tool": "duizhao",
            "tool_version": self.tool_version, "created": self.created, "updated": self.updated,
            "encoder": {"name": self.encoder.name, "dim": self.encoder.dim,
                        "normalized": self.encoder.normalized},
            "taxonomy": {"version": self.taxonomy_version, "digest": self.taxonomy_digest},
            "tokenizer": {"digest": self.tokenizer_digest},
            "counts": self.counts, "ann": self.ann, "segments": self.segments,
            "files": self.files,
        }

    def signed(self) -> dict[str, Any]:
        """The JSON with its own checksum: what open checks instead of hashing every file."""
        data = self.to_json()
        data["checksum"] = manifest_checksum(data)
        return data

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        _expect(isinstance(data, dict), MANIFEST, "not a JSON object")
        version = data.get("format_version")
        _expect(isinstance(version, int) and not isinstance(version, bool), MANIFEST,
                "'format_version' must be an integer")
        _check_format(version)
        enc, tax = data.get("encoder"), data.get("taxonomy")
        _expect(isinstance(enc, dict) and isinstance(enc.get("name"), str)
                and _is_int(enc.get("dim")) and enc["dim"] > 0
                and isinstance(enc.get("normalized"), bool), MANIFEST, "bad 'encoder'")
        _expect(isinstance(tax, dict) and isinstance(tax.get("version"), str)
                and isinstance(tax.get("digest"), str), MANIFEST, "bad 'taxonomy'")
        counts, files = data.get("counts"), data.get("files")
        _expect(isinstance(counts, dict) and all(_is_int(v) for v in counts.values()),
                MANIFEST, "bad 'counts'")
        _expect(isinstance(files, dict) and all(
            isinstance(n, str) and _FILE_RE.match(n) and isinstance(f, dict)
            and _is_int(f.get("size")) and isinstance(f.get("sha256"), str)
            for n, f in files.items()), MANIFEST, "bad 'files'")
        for key in ("created", "updated", "ann", "tool_version"):
            _expect(isinstance(data.get(key), str), MANIFEST, f"'{key}' must be a string")
        _expect(data.get("checksum") == manifest_checksum(data), MANIFEST,
                "does not match its checksum")
        segments = data.get("segments")
        _expect(isinstance(segments, list) and all(
            isinstance(s, dict) and isinstance(s.get("name"), str)
            and _SEGMENT_RE.match(s["name"]) and _is_int(s.get("rows")) for s in segments)
            and len({s["name"] for s in segments}) == len(segments), MANIFEST, "bad 'segments'")
        tokenizer = data.get("tokenizer", {})
        _expect(isinstance(tokenizer, dict) and isinstance(tokenizer.get("digest", ""), str),
                MANIFEST, "bad 'tokenizer'")
        return cls(EncoderInfo(enc["name"], enc["dim"], enc["normalized"]), tax["version"],
                   tax["digest"], dict(counts), data["ann"], dict(files), data["created"],
                   data["updated"], version, data["tool_version"],
                   tokenizer.get("digest", ""), [dict(s) for s in segments])


def manifest_checksum(data: dict[str, Any]) -> str:
    """sha256 of the manifest's JSON without its ``checksum`` key (keys sorted)."""
    body = {k: v for k, v in data.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False)
                          .encode("utf-8")).hexdigest()



def text_hash(text: str) -> str:
    """Hash of a passage's exact text: equal hashes mean a stored vector can be reused."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]



def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()



def _check_format(version: int) -> None:
    if version < FORMAT_VERSION:
        raise IndexCorruptError(
            f"索引格式版本 {version} 已过时（当前为 {FORMAT_VERSION}）。{_REBUILD}",
            f"Index format {version} is older than this duizhao's ({FORMAT_VERSION}). "
            f"{_REBUILD_EN}")
    if version > FORMAT_VERSION:
        raise IndexCorruptError(
            f"索引格式版本 {version} 比本程序新（当前为 {FORMAT_VERSION}）。"
            "请升级 duizhao，或用本版本重新运行 duizhao build。",
            f"Index format {version} is newer than this duizhao's ({FORMAT_VERSION}). "
            "Upgrade duizhao, or rebuild with `duizhao build`.")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _expect(ok: bool, where: str, what: str) -> None:
    if not ok:
        raise IndexCorruptError(f"索引已损坏：{where} 内容无效（{what}）。{_REBUILD}",
                                f"Index is corrupt: {where}: {what}. {_REBUILD_EN}")


def _corrupt(directory: Path, what: str) -> IndexCorruptError:
    return IndexCorruptError(f"索引已损坏：{directory}（{what}）。{_REBUILD}",
                             f"Index is corrupt: {directory} ({what}). {_REBUILD_EN}")


def find_document(doc: str, documents: list[DocumentRecord]) -> DocumentRecord | None:
    """The record indexed under ``doc``: as stored, as given from here, or resolved."""
    absolute = os.path.abspath(doc)
    for record in documents:
        if record.doc == doc or os.path.normpath(record.doc) in (os.path.normpath(doc), absolute):
            return record
    target = Path(doc).resolve()
    return next((r for r in documents if Path(r.doc).resolve() == target), None)
