"""Reading an index: resolve ``CURRENT`` once, check sizes and the manifest, map the arrays.

Opening costs the same for ten passages or a million: no file is hashed (``verify.py`` does
that, and every writer), arrays are memory-mapped with ``allow_pickle=False`` and checked for
shape, dtype and fit, and passage records are parsed only when asked for.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from duizhao.errors import DuizhaoError, IndexCorruptError, IndexMissingError
from duizhao.models import Passage
from duizhao.store.format import (
    _REBUILD,
    _REBUILD_EN,
    _VERSION_RE,
    ALSO_IN,
    CURRENT,
    DELETED,
    DOCUMENTS,
    LABELS,
    MANIFEST,
    PASSAGES,
    RANKING_FILES,
    REQUIRED,
    SEGMENT_FILES,
    TAXONOMY,
    TOKENS,
    DocumentRecord,
    EncoderInfo,
    Manifest,
    _corrupt,
    _expect,
    _str_list,
)
from duizhao.store.overlay import apply_corrections, orphaned, read_corrections
from duizhao.store.segments import LABEL_KINDS, SegmentArrays, load_array, read_tokens
from duizhao.store.table import PassageTable, VectorTable
from duizhao.taxonomy import Taxonomy, taxonomy_from_json

if TYPE_CHECKING:
    from duizhao.dense import DenseIndex
    from duizhao.keyword import KeywordIndex


@dataclass
class LoadedIndex:
    """One version of an index, opened in constant time: arrays memory-mapped, records lazy.

    ``passages`` and ``vectors`` are the public view (live rows, tombstones skipped);
    ``labels``, ``deleted`` and the dense/keyword indexes are by physical row.
    """

    directory: Path
    manifest: Manifest
    passages: PassageTable
    vectors: VectorTable
    taxonomy: Taxonomy
    corrections: dict[str, dict[str, str]]  # the user's, from index/corrections.json
    version_dir: Path
    labels: np.ndarray
    deleted: np.ndarray
    segments: list[SegmentArrays]
    raw_labels: np.ndarray
    also_in: dict[str, list[str]]
    dense: DenseIndex | None = None
    keyword: KeywordIndex | None = None
    orphaned: list[tuple[str, str, str]] = field(default_factory=list)  # not applied
    _documents: list[DocumentRecord] | None = None

    @property
    def encoder(self) -> EncoderInfo:
        return self.manifest.encoder

    @property
    def documents(self) -> list[DocumentRecord]:
        """Document records, parsed on first use (writers need them, searches do not)."""
        if self._documents is None:
            self._documents = [DocumentRecord.from_json(d)
                               for d in _read_json(self.version_dir / DOCUMENTS, list)]
        return self._documents

    @property
    def live_rows(self) -> np.ndarray:
        return np.flatnonzero(~self.deleted)

    def tokens(self) -> list[list[str]]:
        """The keyword tokens of every live passage, in passage order (kept so a rewrite need
        not re-tokenize what is already there)."""
        out: list[list[str]] = []
        for seg in self.segments:
            out.extend(read_tokens(self.version_dir / f"{seg.name}.{TOKENS}"))
        _expect(len(out) == len(self.deleted), TOKENS,
                f"{len(out)} lines, expected {len(self.deleted)}")
        return [out[i] for i in self.live_rows] if self.deleted.any() else out

    def document_rows(self, doc: str) -> list[int]:
        """Live physical rows whose passage comes from ``doc`` (from the doc code arrays)."""
        out, start = [], 0
        for seg in self.segments:
            if doc in seg.docs:
                code = seg.docs.index(doc)
                out += [start + r for r in np.flatnonzero(np.asarray(seg.doc_codes) == code)
                        .tolist() if not self.deleted[start + r]]
            start += len(seg.ids)
        return out

    def find_rows(self, passage_id: str, prefix: bool = False) -> list[int]:
        """Live physical rows whose id is ``passage_id`` (or, failing that and with ``prefix``,
        starts with it), from the segments' id arrays."""
        exact = self.rows_of([passage_id])
        if exact or not prefix:
            return list(exact.values())
        wanted = passage_id.encode("utf-8")
        out, start = [], 0
        for seg in self.segments:
            ids = np.asarray(seg.ids)
            for local in np.flatnonzero(np.char.startswith(ids, wanted)).tolist():
                if not self.deleted[start + local]:
                    out.append(start + local)
            start += len(ids)
        return out

    def rows_of(self, ids: list[str]) -> dict[str, int]:
        """Physical rows of the given passage ids (live rows only; unknown ids left out)."""
        wanted = np.asarray([i.encode("utf-8") for i in ids], dtype="S") if ids else None
        found: dict[str, int] = {}
        start = 0
        for seg in self.segments:
            if wanted is not None and len(seg.ids):
                hit = np.flatnonzero(np.isin(np.asarray(seg.ids), wanted))
                for local in hit.tolist():
                    row = start + local
                    if not self.deleted[row]:
                        found[bytes(seg.ids[local]).decode("utf-8")] = row
            start += len(seg.ids)
        return found


def live_version(directory: Path) -> Path | None:
    """The live version directory, or None when there is none or ``CURRENT`` is damaged
    (for writers, which must go on: a build replaces a damaged index)."""
    try:
        return current_version(directory)
    except DuizhaoError:
        return None


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


def open_index(directory: Path, search: bool = True, brief: bool = False) -> LoadedIndex:
    """Load and check the live version; ``search=False`` skips the dense and keyword indexes,
    ``brief`` maps the dense ANN instead of reading it (``DenseIndex.load(mapped=True)``).

    A writer may swap versions while we read; if files vanish under us and ``CURRENT`` has
    moved on, read the new version instead.
    """
    directory = Path(directory)
    for attempt in range(3):
        version = current_version(directory)
        try:
            return _load_version(directory, version, search, brief)
        except (FileNotFoundError, IndexCorruptError) as exc:
            if attempt == 2 or current_version(directory) == version:
                if isinstance(exc, FileNotFoundError):
                    missing = Path(exc.filename or "?").name
                    raise _corrupt(directory, f"{missing} is missing") from exc
                raise
    raise AssertionError("unreachable")


def _load_version(directory: Path, version: Path, search: bool,
                  brief: bool = False) -> LoadedIndex:
    try:
        manifest = Manifest.from_json(json.loads((version / MANIFEST).read_text("utf-8")))
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _corrupt(directory, f"{MANIFEST}: {exc}") from exc
    wanted = list(REQUIRED) + [manifest.segment_file(s["name"], f)
                               for s in manifest.segments for f in SEGMENT_FILES]
    missing = [name for name in wanted if name not in manifest.files]
    _expect(not missing, MANIFEST, f"does not list {', '.join(missing)}")
    for name, entry in manifest.files.items():
        _check_size(version / name, entry, directory)
    rows = manifest.rows
    try:
        taxonomy = taxonomy_from_json((version / TAXONOMY).read_text("utf-8"), str(version))
    except (DuizhaoError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        raise _corrupt(directory, f"{TAXONOMY}: {exc}") from exc
    segments = [SegmentArrays(version, s["name"], int(s["rows"]), manifest.encoder.dim,
                              all(manifest.segment_file(s["name"], f) in manifest.files
                                  for f in RANKING_FILES))
                for s in manifest.segments]
    raw_labels = np.asarray(load_array(version / LABELS, mmap=True))
    deleted = load_array(version / DELETED)
    _check_labels(raw_labels, rows, taxonomy)
    _expect(deleted.dtype == bool and deleted.shape == (rows,), DELETED, "bad tombstones")
    live = int(rows - np.count_nonzero(deleted))
    n = manifest.counts.get("passages", -1)
    _expect(live == n, PASSAGES, f"{live} passages, manifest says {n}")
    corrections = read_corrections(directory, legacy_version=version)
    also_in = _read_also_in(version / ALSO_IN) if ALSO_IN in manifest.files else {}
    labels = overlay_labels(np.array(raw_labels), segments, corrections, taxonomy)
    live_rows = np.flatnonzero(~deleted) if live < rows else None
    passages = PassageTable([s.passages for s in segments], [s.offsets for s in segments],
                            taxonomy, _overlay(corrections, also_in, taxonomy), live_rows,
                            texts=[(s.texts, s.text_offsets) for s in segments],
                            titles=[s.titles for s in segments], chars=[s.chars for s in segments])
    vectors = VectorTable([s.vectors for s in segments], manifest.encoder.dim, live_rows,
                          files=[s.vector_file for s in segments])
    loaded = LoadedIndex(directory, manifest, passages, vectors, taxonomy, corrections, version,
                         labels, deleted, segments, raw_labels, also_in,
                         orphaned=orphaned(corrections, taxonomy))
    if search:
        loaded.dense, loaded.keyword = _load_search(version, manifest, vectors.physical(),
                                                    directory, brief)
    return loaded


def _check_size(path: Path, entry: dict[str, Any], directory: Path) -> None:
    """Opening checks sizes only; ``verify_index`` (and every writer) checks contents."""
    try:
        info = path.lstat()  # never follow a link: one to /dev/zero would hang the read
    except FileNotFoundError as exc:
        raise _corrupt(directory, f"{path.name} is missing") from exc
    if not stat.S_ISREG(info.st_mode):
        raise _corrupt(directory, f"{path.name} is not a regular file")
    size = info.st_size
    if size != entry["size"]:
        raise _corrupt(directory, f"{path.name} has {size} bytes, manifest says {entry['size']}")


def _check_labels(labels: np.ndarray, rows: int, taxonomy: Taxonomy) -> None:
    _expect(labels.dtype == np.int16 and labels.shape == (rows, 3), LABELS, "bad shape")
    for col, kind in enumerate(LABEL_KINDS):
        if rows:
            column = labels[:, col]
            _expect(int(column.min()) >= 0 and int(column.max()) < len(taxonomy.keys(kind)),
                    LABELS, f"unknown {kind} code")


def _overlay(corrections: dict[str, dict[str, str]], also_in: dict[str, list[str]],
             taxonomy: Taxonomy) -> Callable[[Passage], Passage] | None:
    """What is applied to each record as it is read: label corrections, further documents."""
    if not corrections and not also_in:
        return None
    def apply(passage: Passage) -> Passage:
        more = also_in.get(passage.id)
        if more:
            passage.also_in = [*passage.also_in, *(d for d in more if d not in passage.also_in)]
        return apply_corrections(passage, corrections, taxonomy)

    return apply


def _read_also_in(path: Path) -> dict[str, list[str]]:
    data = _read_json(path, dict)
    _expect(all(isinstance(k, str) and _str_list(v) for k, v in data.items()), ALSO_IN,
            "must map passage id → [document, …]")
    return {k: list(v) for k, v in data.items()}


def overlay_labels(labels: np.ndarray, segments: list[SegmentArrays],
                   corrections: dict[str, dict[str, str]], taxonomy: Taxonomy) -> np.ndarray:
    """The stored label codes with the user's corrections applied (documents first, then
    passages, as ``corrections.apply_corrections`` does for records)."""
    if not corrections:
        return labels
    codes = {kind: {k: i for i, k in enumerate(taxonomy.keys(kind))} for kind in LABEL_KINDS}

    def put(rows: np.ndarray, fix: dict[str, str]) -> None:
        for col, kind in enumerate(LABEL_KINDS):
            code = codes[kind].get(fix.get(kind, ""))
            if code is not None:
                labels[rows, col] = code

    start = 0
    for seg in segments:
        for doc_code, doc in enumerate(seg.docs):
            fix = corrections.get("doc:" + doc)
            if fix:
                put(start + np.flatnonzero(np.asarray(seg.doc_codes) == doc_code), fix)
        start += len(seg.ids)
    ids = [k for k in corrections if not k.startswith("doc:")]
    if ids:
        wanted = np.asarray([i.encode("utf-8") for i in ids], dtype="S")
        start = 0
        for seg in segments:
            ids_here = np.asarray(seg.ids)
            for local in np.flatnonzero(np.isin(ids_here, wanted)).tolist():
                put(np.asarray([start + local]),
                    corrections[bytes(ids_here[local]).decode("utf-8")])
            start += len(seg.ids)
    return labels


def _read_json(path: Path, kind: type) -> Any:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise IndexCorruptError(f"索引已损坏：{path.name} 无法解析（{exc}）。{_REBUILD}",
                                f"Index is corrupt: {path.name} is not valid JSON ({exc}). "
                                f"{_REBUILD_EN}") from exc
    _expect(isinstance(data, kind), path.name, f"expected a JSON {kind.__name__}")
    return data


def _load_search(version: Path, manifest: Manifest, vectors: VectorTable,
                 directory: Path, brief: bool = False) -> tuple[DenseIndex, KeywordIndex]:
    from duizhao.dense import DenseIndex
    from duizhao.keyword import POST_LEN, KeywordIndex

    try:
        dense = DenseIndex.load(version, vectors, mapped=brief)
        keyword = KeywordIndex.load(version, tuple(f"{s['name']}." for s in manifest.segments),
                                    mmap=True, post_len=tuple(
                                        f"{s['name']}.keyword_{POST_LEN}.npy" in manifest.files
                                        for s in manifest.segments))
    except DuizhaoError:
        raise
    except Exception as exc:  # faiss raises assorted types on a bad file
        raise _corrupt(directory, f"dense/keyword index: {exc}") from exc
    _expect(keyword.size == manifest.rows, "keyword index",
            f"{keyword.size} rows, expected {manifest.rows}")
    return dense, keyword
