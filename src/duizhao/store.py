"""The index directory on disk: versioned, checksummed, swapped atomically, one writer at a time.

Layout of an index directory::

    index/
      CURRENT            name of the live version ("v-…"), replaced atomically with os.replace
      .lock              writer lock (fcntl; released by the kernel if the writer dies)
      v-20250101T…-ab12/ one complete version: manifest.json + the data files it lists
      .tmp-…/            a version being written; never read, removed by the next writer

A writer builds a complete version in a temp directory beside the live one (same filesystem),
fsyncs it, renames it to ``v-…`` and only then points ``CURRENT`` at it. A reader resolves
``CURRENT`` once and reads one version, so it never sees a half-written index, and a killed
writer leaves the previous version live. Loading trusts nothing: every file is checked against
the size and sha256 in the manifest, arrays are loaded with ``allow_pickle=False``, JSON fields
are type-checked, and any mismatch is an ``IndexCorruptError`` that says to rebuild.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from duizhao import __version__
from duizhao.config import FORMAT_VERSION, TEST_PAUSE_ENV
from duizhao.errors import (
    DuizhaoError,
    IndexCorruptError,
    IndexLockedError,
    IndexMissingError,
)
from duizhao.models import Passage
from duizhao.taxonomy import Taxonomy, taxonomy_from_json

if TYPE_CHECKING:
    from duizhao.dense import DenseIndex
    from duizhao.keyword import KeywordIndex

CURRENT = "CURRENT"
LOCK = ".lock"
MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
VECTORS = "vectors.npy"
DOCUMENTS = "documents.json"
TAXONOMY = "taxonomy.json"
CORRECTIONS = "corrections.json"
TOKENS = "tokens.jsonl"
REQUIRED = (PASSAGES, VECTORS, DOCUMENTS, TAXONOMY, CORRECTIONS, TOKENS)
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

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version, "tool": "duizhao",
            "tool_version": self.tool_version, "created": self.created, "updated": self.updated,
            "encoder": {"name": self.encoder.name, "dim": self.encoder.dim,
                        "normalized": self.encoder.normalized},
            "taxonomy": {"version": self.taxonomy_version, "digest": self.taxonomy_digest},
            "counts": self.counts, "ann": self.ann, "files": self.files,
        }

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
        return cls(EncoderInfo(enc["name"], enc["dim"], enc["normalized"]), tax["version"],
                   tax["digest"], dict(counts), data["ann"], dict(files), data["created"],
                   data["updated"], version, data["tool_version"])


@dataclass
class LoadedIndex:
    """One version of an index, fully loaded and checked."""

    directory: Path
    manifest: Manifest
    passages: list[Passage]
    vectors: np.ndarray
    taxonomy: Taxonomy
    documents: list[DocumentRecord]
    corrections: dict[str, dict[str, str]]
    version_dir: Path
    dense: DenseIndex | None = None
    keyword: KeywordIndex | None = None

    @property
    def encoder(self) -> EncoderInfo:
        return self.manifest.encoder

    def tokens(self) -> list[list[str]]:
        """The keyword tokens of every passage, in passage order (kept so ``add`` need not
        re-tokenize what is already there)."""
        return _read_tokens(self.version_dir / TOKENS, len(self.passages))


def text_hash(text: str) -> str:
    """Hash of a passage's exact text: equal hashes mean a stored vector can be reused."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------- reading


def current_version(directory: Path) -> Path:
    """The live version directory, or ``IndexMissingError`` when there is none."""
    pointer = directory / CURRENT
    if not pointer.is_file():
        raise IndexMissingError(
            f"没有找到索引：{directory}。请先运行 duizhao build（或用 --index 指定索引目录）。",
            f"No index found at {directory}. Run `duizhao build` first "
            "(or point --index at an index directory).")
    try:
        name = pointer.read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise _corrupt(directory, f"{CURRENT}: {exc}") from exc
    if not _VERSION_RE.match(name) or not (directory / name).is_dir():
        raise _corrupt(directory, f"{CURRENT} names a missing version '{name[:80]}'")
    return directory / name


def open_index(directory: Path, search: bool = True) -> LoadedIndex:
    """Load and check the live version; ``search=False`` skips the dense and keyword indexes.

    A writer may swap versions while we read; if files vanish under us and ``CURRENT`` has
    moved on, read the new version instead.
    """
    directory = Path(directory)
    for attempt in range(3):
        version = current_version(directory)
        try:
            return _load_version(directory, version, search)
        except (FileNotFoundError, IndexCorruptError) as exc:
            if attempt == 2 or current_version(directory) == version:
                if isinstance(exc, FileNotFoundError):
                    missing = Path(exc.filename or "?").name
                    raise _corrupt(directory, f"{missing} is missing") from exc
                raise
    raise AssertionError("unreachable")


def _load_version(directory: Path, version: Path, search: bool) -> LoadedIndex:
    try:
        manifest = Manifest.from_json(json.loads((version / MANIFEST).read_text("utf-8")))
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _corrupt(directory, f"{MANIFEST}: {exc}") from exc
    missing = [name for name in REQUIRED if name not in manifest.files]
    _expect(not missing, MANIFEST, f"does not list {', '.join(missing)}")
    for name, entry in manifest.files.items():
        _verify_file(version / name, entry, directory)
    n = manifest.counts.get("passages", -1)
    try:
        taxonomy = taxonomy_from_json((version / TAXONOMY).read_text("utf-8"), str(version))
    except (DuizhaoError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        raise _corrupt(directory, f"{TAXONOMY}: {exc}") from exc
    passages = _read_passages(version / PASSAGES, taxonomy)
    _expect(len(passages) == n, PASSAGES, f"{len(passages)} passages, manifest says {n}")
    vectors = _read_vectors(version / VECTORS, n, manifest.encoder.dim)
    documents = [DocumentRecord.from_json(d) for d in _read_json(version / DOCUMENTS, list)]
    corrections = _read_corrections(version / CORRECTIONS)
    loaded = LoadedIndex(directory, manifest, passages, vectors, taxonomy, documents,
                         corrections, version)
    if search:
        loaded.dense, loaded.keyword = _load_search(version, n, directory)
    return loaded


def _verify_file(path: Path, entry: dict[str, Any], directory: Path) -> None:
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise _corrupt(directory, f"{path.name} is missing") from exc
    if size != entry["size"]:
        raise _corrupt(directory, f"{path.name} has {size} bytes, manifest says {entry['size']}")
    if file_sha256(path) != entry["sha256"]:
        raise _corrupt(directory, f"{path.name} does not match its checksum")


def _read_passages(path: Path, taxonomy: Taxonomy) -> list[Passage]:
    passages: list[Passage] = []
    keys = {kind: set(taxonomy.keys(kind)) for kind in ("role", "section", "dimension")}
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            try:
                data = json.loads(line)
                _expect(isinstance(data, dict), PASSAGES, "line is not an object")
                passage = Passage.from_json(data)
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
                raise IndexCorruptError(
                    f"索引已损坏：{PASSAGES} 第 {number} 行无法解析（{exc}）。{_REBUILD}",
                    f"Index is corrupt: {PASSAGES} line {number} is invalid ({exc}). "
                    f"{_REBUILD_EN}") from exc
            for kind, allowed in keys.items():
                value = getattr(passage, kind).value
                _expect(value in allowed, PASSAGES, f"line {number}: unknown {kind} '{value}'")
            passages.append(passage)
    _expect(len({p.id for p in passages}) == len(passages), PASSAGES, "duplicate passage ids")
    return passages


def _read_vectors(path: Path, n: int, dim: int) -> np.ndarray:
    try:
        vectors = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise IndexCorruptError(f"索引已损坏：{VECTORS} 无法读取（{exc}）。{_REBUILD}",
                                f"Index is corrupt: cannot read {VECTORS} ({exc}). "
                                f"{_REBUILD_EN}") from exc
    _expect(isinstance(vectors, np.ndarray) and vectors.dtype == np.float32
            and vectors.shape == (n, dim), VECTORS,
            f"shape {getattr(vectors, 'shape', '?')} {getattr(vectors, 'dtype', '?')}, "
            f"expected ({n}, {dim}) float32")
    _expect(bool(np.isfinite(vectors).all()), VECTORS, "holds NaN or infinite values")
    return vectors


def _read_json(path: Path, kind: type) -> Any:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise IndexCorruptError(f"索引已损坏：{path.name} 无法解析（{exc}）。{_REBUILD}",
                                f"Index is corrupt: {path.name} is not valid JSON ({exc}). "
                                f"{_REBUILD_EN}") from exc
    _expect(isinstance(data, kind), path.name, f"expected a JSON {kind.__name__}")
    return data


def _read_corrections(path: Path) -> dict[str, dict[str, str]]:
    data = _read_json(path, dict)
    _expect(all(isinstance(k, str) and isinstance(v, dict)
                and all(isinstance(a, str) and isinstance(b, str) for a, b in v.items())
                for k, v in data.items()), CORRECTIONS, "must map passage id → {kind: value}")
    return {k: dict(v) for k, v in data.items()}


def _read_tokens(path: Path, n: int) -> list[list[str]]:
    out: list[list[str]] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            try:
                tokens = json.loads(line)
            except ValueError as exc:
                raise IndexCorruptError(f"索引已损坏：{TOKENS} 无法解析。{_REBUILD}",
                                        f"Index is corrupt: {TOKENS} is invalid. "
                                        f"{_REBUILD_EN}") from exc
            _expect(_str_list(tokens), TOKENS, "each line must be a list of strings")
            out.append(tokens)
    _expect(len(out) == n, TOKENS, f"{len(out)} lines, expected {n}")
    return out


def _load_search(version: Path, n: int, directory: Path) -> tuple[DenseIndex, KeywordIndex]:
    from duizhao.dense import DenseIndex
    from duizhao.keyword import KeywordIndex

    try:
        dense = DenseIndex.load(version)
        keyword = KeywordIndex.load(version)
    except DuizhaoError:
        raise
    except Exception as exc:  # faiss/bm25s raise assorted types on a bad file
        raise _corrupt(directory, f"dense/keyword index: {exc}") from exc
    size = getattr(dense, "size", n)
    _expect(size == n, "dense index", f"{size} vectors, expected {n}")
    return dense, keyword


# ---------------------------------------------------------------- writing


_held: set[Path] = set()


@contextmanager
def writer_lock(directory: Path) -> Iterator[None]:
    """Hold the index's writer lock; a second writer gets ``IndexLockedError`` at once."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    key = directory.resolve()
    path = directory / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if key in _held or not _try_lock(fd):
            raise IndexLockedError(
                f"索引正被另一个进程写入：{directory}。请等待其完成；"
                f"若没有其他 duizhao 进程在运行，可删除过期的锁文件 {path}。",
                f"Another duizhao process is writing this index ({directory}); wait for it, or "
                f"remove the stale lock file {path} if no other duizhao process is running.")
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        _held.add(key)
        try:
            yield
        finally:
            _held.discard(key)
    finally:
        os.close(fd)  # closing releases the lock


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: best effort, no lock
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def write_index(directory: Path, passages: list[Passage], vectors: np.ndarray,
                encoder_info: EncoderInfo, taxonomy: Taxonomy,
                corrections: dict[str, dict[str, str]], *,
                documents: list[DocumentRecord] | None = None,
                tokens: list[list[str]] | None = None,
                created: str | None = None) -> Manifest:
    """Write a complete new version and make it live atomically (takes the lock if not held)."""
    directory = Path(directory)
    if directory.resolve() not in _held:
        with writer_lock(directory):
            return write_index(directory, passages, vectors, encoder_info, taxonomy,
                               corrections, documents=documents, tokens=tokens, created=created)
    n = len(passages)
    if vectors.shape != (n, encoder_info.dim):
        raise ValueError(f"vectors {vectors.shape} do not match {n} passages × {encoder_info.dim}")
    if tokens is None:
        from duizhao.tokenize import tokenize

        tokens = [tokenize(p.text) for p in passages]
    if documents is None:
        documents = documents_from_passages(passages)
    cleanup(directory)
    tmp = directory / f".tmp-{uuid.uuid4().hex[:12]}"
    tmp.mkdir()
    _write_lines(tmp / PASSAGES, (p.to_json() for p in passages))
    np.save(tmp / VECTORS, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
    _write_json(tmp / DOCUMENTS, [d.to_json() for d in documents])
    (tmp / TAXONOMY).write_text(taxonomy.to_json(), "utf-8")
    _write_json(tmp / CORRECTIONS, corrections)
    _write_lines(tmp / TOKENS, iter(tokens))
    ann = _write_search(tmp, vectors, tokens)
    pause("before_manifest")
    now = _now()
    manifest = Manifest(
        encoder=encoder_info, taxonomy_version=taxonomy.version, taxonomy_digest=taxonomy.digest,
        counts={"passages": n, "documents": len(documents), "corrections": len(corrections)},
        ann=ann, files={}, created=created or now, updated=now)
    for path in sorted(tmp.iterdir()):
        _fsync(path)
        manifest.files[path.name] = {"size": path.stat().st_size, "sha256": file_sha256(path)}
    _write_json(tmp / MANIFEST, manifest.to_json())
    _fsync(tmp / MANIFEST)
    _fsync(tmp)
    version = directory / f"v-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    os.rename(tmp, version)
    _fsync(directory)
    pause("before_swap")
    pointer = directory / f"{CURRENT}.tmp"
    pointer.write_text(version.name + "\n", "utf-8")
    _fsync(pointer)
    os.replace(pointer, directory / CURRENT)
    _fsync(directory)
    pause("after_swap")
    cleanup(directory)
    return manifest


def _write_search(tmp: Path, vectors: np.ndarray, tokens: list[list[str]]) -> str:
    from duizhao.dense import DenseIndex
    from duizhao.keyword import KeywordIndex

    dense = DenseIndex.build(np.ascontiguousarray(vectors, dtype=np.float32))
    dense.save(tmp)
    KeywordIndex.build(tokens).save(tmp)
    return str(getattr(dense, "kind", "flat"))


def documents_from_passages(passages: list[Passage]) -> list[DocumentRecord]:
    """Document records rebuilt from passages (for callers that have no ingest records)."""
    docs: dict[str, DocumentRecord] = {}
    for p in passages:
        for doc in [p.doc, *p.also_in]:
            record = docs.setdefault(doc, DocumentRecord(doc, p.doc_hash if doc == p.doc else "",
                                                         p.title, p.role.value))
            record.passage_ids.append(p.id)
            record.passage_hashes.append(text_hash(p.text))
    return list(docs.values())


def cleanup(directory: Path) -> None:
    """Remove temp dirs left by killed writers and versions no longer live (writer only)."""
    try:
        live = current_version(directory).name
    except DuizhaoError:
        live = None
    for child in directory.iterdir():
        stale_tmp = child.name.startswith(".tmp-")
        old = _VERSION_RE.match(child.name) and child.name != live
        if child.is_dir() and not child.is_symlink() and (stale_tmp or old):
            shutil.rmtree(child, ignore_errors=True)
    (directory / f"{CURRENT}.tmp").unlink(missing_ok=True)


def pause(point: str) -> None:
    """Test hook: with DUIZHAO_TEST_PAUSE_AT=point:seconds, sleep here (to be killed)."""
    spec = os.environ.get(TEST_PAUSE_ENV, "")
    name, _, seconds = spec.partition(":")
    if name == point:
        import sys

        sys.stderr.write(f"{TEST_PAUSE_ENV} reached: {point}\n")
        sys.stderr.flush()
        time.sleep(float(seconds or 30))


# ---------------------------------------------------------------- helpers


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _write_lines(path: Path, records: Iterator[Any]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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
