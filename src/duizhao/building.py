"""A fresh index in bounded memory, resumable: passages stream through files, never a list.

Why: building a million passages held every passage, every vector and every token list at
once (13.4 GB). Here ingest writes each new passage to a spool file as its document is read
(only ids and document records stay in memory); the library's label model is trained from
the spool (bounded sample) and applied while the spool is copied into the segment; vectors
are encoded in blocks of ``BLOCK`` straight into ``vectors.npy``; tokens go block by block
into the keyword postings. Every encoded block is also kept under ``index/.build-<encoder>/``
keyed by the hash of the text embedded, so a build that is interrupted (killed, power cut)
and run again re-embeds nothing it had finished. The cache is removed when the build
succeeds. Progress with the time left is drawn only on a terminal.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from duizhao.models import Passage
from duizhao.progress import Progress
from duizhao.store import DocumentRecord, text_hash

if TYPE_CHECKING:
    from duizhao.library import BuildReport
    from duizhao.taxonomy import Taxonomy

BLOCK = 2048  # passages encoded, cached and written at a time
BUILD_PREFIX = ".build-"


class Spool:
    """Ingest state for a fresh build: passages go to a file at once, repeats merge by id."""

    def __init__(self, taxonomy: Taxonomy, corrections: dict[str, dict[str, str]],
                 path: Path) -> None:
        from duizhao.corrections import apply_corrections

        self.taxonomy = taxonomy
        self.corrections = dict(corrections)
        self.documents: dict[str, DocumentRecord] = {}
        self.by_hash: dict[str, str] = {}
        self.first_doc: dict[str, int] = {}  # passage id → code of the document holding it
        self.doc_names: list[str] = []
        self.also_in: dict[str, list[str]] = {}  # only for passages repeated verbatim
        self.repeated = 0
        self.dropped = 0
        self.count = 0
        self.path = path
        self._out = path.open("w", encoding="utf-8")
        self._apply = apply_corrections

    def offer(self, record: DocumentRecord, passages: list[Passage],
              report: BuildReport) -> None:
        """Take one ingested document unless its content is already here (as ``Assembly``)."""
        same = self.by_hash.get(record.content_hash)
        if same == record.doc or record.doc in self.documents:
            report.unchanged.append(record.doc)
            return
        if same is not None:
            report.duplicates.append((record.doc, same))
            return
        report.added.append(record.doc)
        self.documents[record.doc] = record
        self.by_hash[record.content_hash] = record.doc
        code = len(self.doc_names)
        self.doc_names.append(record.doc)
        for passage in passages:
            first = self.first_doc.get(passage.id)
            if first is None:
                self.first_doc[passage.id] = code
                passage = self._apply(passage, self.corrections)
                self._out.write(json.dumps(passage.to_json(), ensure_ascii=False) + "\n")
                self.count += 1
                continue
            holder = self.doc_names[first]
            also = self.also_in.setdefault(passage.id, [])
            if passage.doc != holder and passage.doc not in also:
                also.append(passage.doc)
                self.repeated += 1

    def close(self) -> None:
        self._out.close()

    def passages(self) -> Iterator[Passage]:
        """The spooled passages in order, repeats' other documents filled in."""
        for passage in read_passages(self.path):
            also = self.also_in.get(passage.id)
            if also:
                passage.also_in = list(also)
            yield passage


def read_passages(path: Path) -> Iterator[Passage]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield Passage.from_json(json.loads(line))


class EmbedCache:
    """Vectors encoded by an unfinished build, by the hash of the embedded text."""

    def __init__(self, index_dir: Path, encoder_name: str, dim: int) -> None:
        key = hashlib.sha256(f"{encoder_name}\0{dim}".encode()).hexdigest()[:12]
        self.dir = index_dir / f"{BUILD_PREFIX}{key}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.dim = dim
        self._chunks: list[np.ndarray] = []
        hashes, where = [], []
        for path in sorted(self.dir.glob("hashes-*.npy")):
            try:
                h = np.load(path, allow_pickle=False)
                v = np.load(self.dir / path.name.replace("hashes-", "vectors-"),
                            mmap_mode="r", allow_pickle=False)
            except (OSError, ValueError, EOFError):
                continue  # a chunk cut short by the interruption: encode it again
            if h.dtype.kind != "S" or v.shape != (len(h), dim) or v.dtype != np.float32:
                continue
            hashes.append(h)
            where.append(np.stack([np.full(len(h), len(self._chunks)), np.arange(len(h))], 1))
            self._chunks.append(v)
        self.next = len(list(self.dir.glob("hashes-*.npy")))
        self._hashes = np.concatenate(hashes) if hashes else np.zeros(0, "S16")
        self._where = np.concatenate(where) if where else np.zeros((0, 2), np.int64)
        order = np.argsort(self._hashes, kind="stable")
        self._hashes, self._where = self._hashes[order], self._where[order]

    @property
    def size(self) -> int:
        return len(self._hashes)

    def vectors(self, texts: list[str], encode: Any) -> tuple[np.ndarray, int]:
        """Vectors of ``texts``: cached ones read back, the rest encoded and cached."""
        keys = np.asarray([text_hash(t).encode() for t in texts], dtype="S16")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        at = np.searchsorted(self._hashes, keys) if len(self._hashes) else np.zeros(len(keys),
                                                                                      np.int64)
        hit = (at < len(self._hashes)) & (self._hashes[np.minimum(at, len(self._hashes) - 1)]
                                          == keys) if len(self._hashes) else np.zeros(
            len(keys), bool)
        for i in np.flatnonzero(hit):
            chunk, row = self._where[at[i]]
            out[i] = self._chunks[int(chunk)][int(row)]
        todo = np.flatnonzero(~hit)
        if len(todo):
            fresh = np.asarray(encode([texts[i] for i in todo]), dtype=np.float32)
            out[todo] = fresh
            self._store(keys[todo], fresh)
        return out, len(todo)

    def _store(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        name = f"{self.next:06d}.npy"
        self.next += 1
        np.save(self.dir / f"vectors-{name}", vectors, allow_pickle=False)
        tmp = self.dir / f".hashes-{name}"
        np.save(tmp, keys, allow_pickle=False)
        os.replace(tmp, self.dir / f"hashes-{name}")  # the chunk counts once this name exists

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def blocks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    block: list[Any] = []
    for item in items:
        block.append(item)
        if len(block) >= size:
            yield block
            block = []
    if block:
        yield block


def stream_build(index_dir: Path, spool: Spool, encoder: Any, taxonomy: Taxonomy,
                 report: BuildReport, progress: bool, created: str | None = None) -> None:
    """Write the spooled passages as the new index (caller holds the writer lock)."""
    from duizhao.label import library_model, refine_passage
    from duizhao.library import embedding_text
    from duizhao.store import EncoderInfo, pause, write_index
    from duizhao.tokenize import tokenize

    model = library_model(spool.passages(), taxonomy)
    total = spool.count

    def final() -> Iterator[Passage]:
        for passage in spool.passages():
            yield refine_passage(passage, model, taxonomy) if model is not None else passage

    cache = EmbedCache(index_dir, encoder.name, int(encoder.dim))
    if cache.size:
        report.warnings.append(f"接着上次中断的建库继续：{cache.size} 段已编码，不再重复编码。")

    def vectors(written: Path) -> Iterator[np.ndarray]:
        bar = Progress("编码", unit="段", enabled=progress, total=total)
        for block in blocks(read_passages(written), BLOCK):
            vecs, encoded = cache.vectors(
                [embedding_text(p) for p in block],
                lambda texts: encoder.encode(texts, batch_size=64, progress=False))
            report.embedded += encoded
            report.reused += len(block) - encoded
            bar.step(len(block))
            yield vecs
        bar.close()
        pause("after_embed")

    def tokens(written: Path) -> Iterator[list[str]]:
        bar = Progress("分词", unit="段", enabled=progress, total=total)
        for passage in read_passages(written):
            bar.step()
            yield [sys.intern(t) for t in tokenize(passage.text)]
        bar.close()

    info = EncoderInfo(encoder.name, int(encoder.dim), bool(encoder.normalized))
    write_index(index_dir, final(), vectors, info, taxonomy, spool.corrections,
                documents=list(spool.documents.values()), tokens=tokens, created=created)
    cache.remove()
