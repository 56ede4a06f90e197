"""Writing an index: one writer at a time, a complete new version, then an atomic swap.

A writer builds the new version in ``.tmp-…`` beside the live one (same filesystem), fsyncs
every file and the directory, renames it to ``v-…`` and only then replaces ``CURRENT`` with
``os.replace``. A writer killed at any point leaves the previous version live; the next writer
removes what it left behind.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from duizhao.config import TEST_PAUSE_ENV
from duizhao.errors import IndexError_, IndexLockedError, UsageError, os_reason
from duizhao.models import Passage

if TYPE_CHECKING:
    from duizhao.store.load import LoadedIndex

from duizhao.store.format import (
    _VERSION_RE,
    ALSO_IN,
    CURRENT,
    DELETED,
    DOCUMENTS,
    LABELS,
    LOCK,
    MANIFEST,
    TAXONOMY,
    DocumentRecord,
    EncoderInfo,
    Manifest,
    file_sha256,
    text_hash,
)
from duizhao.store.load import live_version
from duizhao.store.overlay import CORRECTIONS, read_corrections, write_corrections
from duizhao.store.segments import NpyRows, write_segment
from duizhao.taxonomy import Taxonomy

_held: set[Path] = set()


@contextmanager
def writer_lock(directory: Path) -> Iterator[None]:
    """Hold the index's writer lock; a second writer gets ``IndexLockedError`` at once."""
    directory = Path(directory)
    path = directory / LOCK
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise _unwritable(directory, exc) from exc
    key = directory.resolve()
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
        except OSError as exc:  # disk full, permissions: the live version is untouched
            raise _unwritable(directory, exc) from exc
        finally:
            _held.discard(key)
    finally:
        os.close(fd)  # closing releases the lock


def _unwritable(directory: Path, exc: OSError) -> UsageError:
    return UsageError(
        f"无法写入索引目录 {directory}：{os_reason(exc)}。原有索引未改动；"
        "请检查路径、权限和磁盘空间，或用 --index 指定其他目录。",
        f"Cannot write the index directory {directory}: {exc.strerror or exc}. The previous "
        "index is unchanged; check the path, permissions and free space, or use --index.")


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


def write_index(directory: Path, passages: Iterable[Passage], vectors: Any,
                encoder_info: EncoderInfo, taxonomy: Taxonomy,
                corrections: dict[str, dict[str, str]], *,
                documents: list[DocumentRecord] | None = None,
                tokens: Any = None,
                created: str | None = None, tokenizer: str | None = None) -> Manifest:
    """Write a complete new version and make it live atomically (takes the lock if not held).

    ``passages`` may be any iterable (read once, in order); ``vectors`` and ``tokens`` may
    then be callables given the written passages file, yielding blocks of rows / token lists
    (a streaming build: nothing is held for every passage at once; ``documents`` required).

    ``tokenizer`` is the digest of what made ``tokens`` (default: the current tokenizer; a
    rewrite that reuses stored tokens passes the stored digest on).
    """
    directory = Path(directory)
    if directory.resolve() not in _held:
        with writer_lock(directory):
            return write_index(directory, passages, vectors, encoder_info, taxonomy,
                               corrections, documents=documents, tokens=tokens, created=created,
                               tokenizer=tokenizer)
    if isinstance(vectors, np.ndarray):
        passages = list(passages)
        n = len(passages)
        if vectors.shape != (n, encoder_info.dim):
            raise ValueError(f"vectors {vectors.shape} do not match {n} passages × "
                             f"{encoder_info.dim}")
    if tokens is None:
        from duizhao.tokenize import tokenize

        passages = list(passages)
        tokens = [tokenize(p.text) for p in passages]
    if documents is None:
        passages = list(passages)
        documents = documents_from_passages(passages)
    cleanup(directory)
    tmp = directory / f".tmp-{uuid.uuid4().hex[:12]}"
    tmp.mkdir()
    segment = "s0001"
    _, labels = write_segment(tmp, segment, passages, vectors, tokens, encoder_info.dim,
                              taxonomy)
    n = len(labels)
    np.save(tmp / LABELS, labels, allow_pickle=False)
    np.save(tmp / DELETED, np.zeros(n, dtype=bool), allow_pickle=False)
    _write_json(tmp / DOCUMENTS, [d.to_json() for d in documents])
    (tmp / TAXONOMY).write_text(taxonomy.to_json(), "utf-8")
    ann = _write_dense(tmp)
    pause("before_manifest")
    now = _now()
    manifest = Manifest(
        encoder=encoder_info, taxonomy_version=taxonomy.version, taxonomy_digest=taxonomy.digest,
        counts={"passages": n, "documents": len(documents), "corrections": len(corrections)},
        ann=ann, files={}, created=created or now, updated=now,
        tokenizer_digest=tokenizer if tokenizer is not None else _current_tokenizer(),
        segments=[{"name": segment, "rows": n}])
    _commit(directory, tmp, manifest, {}, corrections)
    return manifest


def append_index(old: LoadedIndex, passages: list[Passage], vectors: np.ndarray,
                 tokens: list[list[str]], documents: list[DocumentRecord],
                 corrections: dict[str, dict[str, str]], drop_rows: np.ndarray,
                 also_in: dict[str, list[str]] | None = None) -> Manifest:
    """A new version = ``old`` + one segment of ``passages`` − tombstoned ``drop_rows``.

    Proportional to the change: every file of ``old`` is hard-linked (same inode; stored
    segment files are never modified) and keeps its checksum; only the new segment and the
    small per-row arrays (labels, tombstones) and JSON files are written and hashed.
    """
    directory = old.directory
    assert directory.resolve() in _held, "append_index needs the writer lock"
    dim = old.encoder.dim
    if vectors.shape != (len(passages), dim):
        raise ValueError(f"vectors {vectors.shape} do not match {len(passages)} passages × {dim}")
    cleanup(directory)
    tmp = directory / f".tmp-{uuid.uuid4().hex[:12]}"
    tmp.mkdir()
    keep = {name: entry for name, entry in old.manifest.files.items()
            if name not in _REWRITTEN}
    for name in keep:
        _link(old.version_dir / name, tmp / name)
    segments = [dict(s) for s in old.manifest.segments]
    labels = np.array(old.raw_labels)
    deleted = old.deleted.copy()
    deleted[np.asarray(drop_rows, dtype=np.int64)] = True
    if passages:
        number = max(int(s["name"][1:]) for s in segments) + 1 if segments else 1
        segment = f"s{number:04d}"
        _, new_labels = write_segment(tmp, segment, passages, vectors, tokens, dim,
                                      old.taxonomy)
        segments.append({"name": segment, "rows": len(passages)})
        labels = np.concatenate([labels, new_labels])
        deleted = np.concatenate([deleted, np.zeros(len(passages), dtype=bool)])
    np.save(tmp / LABELS, labels, allow_pickle=False)
    np.save(tmp / DELETED, deleted, allow_pickle=False)
    _write_json(tmp / DOCUMENTS, [d.to_json() for d in documents])
    (tmp / TAXONOMY).write_text(old.taxonomy.to_json(), "utf-8")
    also_in = old.also_in if also_in is None else also_in
    if also_in:
        _write_json(tmp / ALSO_IN, also_in)
    pause("before_manifest")
    live = int(len(deleted) - np.count_nonzero(deleted))
    m = old.manifest
    manifest = Manifest(
        encoder=m.encoder, taxonomy_version=m.taxonomy_version, taxonomy_digest=m.taxonomy_digest,
        counts={"passages": live, "documents": len(documents), "corrections": len(corrections)},
        ann=m.ann, files={}, created=m.created, updated=_now(),
        tokenizer_digest=m.tokenizer_digest, segments=segments)
    _commit(directory, tmp, manifest, keep, corrections)
    return manifest


_REWRITTEN = {LABELS, DELETED, DOCUMENTS, TAXONOMY, MANIFEST, ALSO_IN}


def _link(source: Path, target: Path) -> None:
    """Hard-link an unchanged file into the new version (copy where links are refused)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _commit(directory: Path, tmp: Path, manifest: Manifest, known: dict[str, dict[str, Any]],
            corrections: dict[str, dict[str, str]]) -> None:
    """Checksum what is new, write the signed manifest, fsync, rename, swap ``CURRENT``."""
    for path in sorted(tmp.iterdir()):
        if path.name in known:
            manifest.files[path.name] = dict(known[path.name])
            continue
        _fsync(path)
        manifest.files[path.name] = {"size": path.stat().st_size, "sha256": file_sha256(path)}
    _write_json(tmp / MANIFEST, manifest.signed())
    _fsync(tmp / MANIFEST)
    _fsync(tmp)
    version = directory / f"v-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    os.rename(tmp, version)
    _fsync(directory)
    _keep_corrections(directory, corrections)
    pause("before_swap")
    pointer = directory / f"{CURRENT}.tmp"
    pointer.write_text(version.name + "\n", "utf-8")
    _fsync(pointer)
    os.replace(pointer, directory / CURRENT)
    _fsync(directory)
    pause("after_swap")
    cleanup(directory)


def _keep_corrections(directory: Path, corrections: dict[str, dict[str, str]]) -> None:
    """Add ``corrections`` to the user's file beside the versions; never drop one (a damaged
    file stops the write: it is named, not replaced)."""
    held = read_corrections(directory, live_version(directory))
    merged = {key: {**held.get(key, {}), **corrections.get(key, {})}
              for key in {**held, **corrections}}
    if merged != held or not (directory / CORRECTIONS).is_file():
        write_corrections(directory, merged)


def _current_tokenizer() -> str:
    from duizhao.tokenize import tokenizer_digest

    return tokenizer_digest()


def check_tokenizer(manifest: Manifest, directory: Path) -> None:
    """Refuse keyword tokens made by another dictionary: they would silently stop matching."""
    stored = manifest.tokenizer_digest
    if stored and stored != _current_tokenizer():
        raise IndexError_(
            f"索引 {directory} 的关键词分词来自另一版本的词典（多半是升级了 duizhao）。"
            f"请重建索引：duizhao build --index {directory}",
            f"The keyword tokens in {directory} were made with another tokenizer dictionary "
            f"(duizhao was probably upgraded). Rebuild: duizhao build --index {directory}")


def _write_dense(tmp: Path) -> str:
    """The ANN over the vectors just written, read back in blocks (not mapped: a build's
    memory stays bounded whatever the size of the vectors file)."""
    from duizhao.dense import DenseIndex

    rows = NpyRows(tmp / "s0001.vectors.npy")
    try:
        dense = DenseIndex.build(rows)
    finally:
        rows.close()
    dense.save(tmp)
    return dense.kind


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
    version = live_version(directory)
    live = version.name if version is not None else None
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
        sys.stderr.write(f"{TEST_PAUSE_ENV} reached: {point}\n")
        sys.stderr.flush()
        time.sleep(float(seconds or 30))



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


def rewrite_index(old: LoadedIndex, passages: list[Passage],
                  corrections: dict[str, dict[str, str]],
                  documents: list[DocumentRecord]) -> None:
    """Write ``passages`` (a subset of ``old``'s) reusing every stored vector and token list."""
    rows = {p.id: i for i, p in enumerate(old.passages)}
    take = [rows[p.id] for p in passages]
    old_tokens = old.tokens()
    write_index(old.directory, passages, old.vectors[take], old.encoder, old.taxonomy,
                corrections, documents=documents, tokens=[old_tokens[i] for i in take],
                created=old.manifest.created,
                tokenizer=old.manifest.tokenizer_digest)
