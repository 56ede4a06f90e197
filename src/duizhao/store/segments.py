"""Segments: the passages, vectors, tokens and keyword postings of one write, never changed.

Why: a write proportional to the change. A full build writes one segment; ``add`` writes one
more segment for the new passages only, and the new version directory hard-links every file
of the previous version (same inode, no copy), so nothing stored is rewritten or re-hashed.
Files of segment ``s0001``: ``s0001.passages.jsonl`` (one JSON record per line) with
``s0001.offsets.npy`` (byte offsets, for reading one record), ``ids.npy``, ``doc_codes.npy``
+ ``docs.json`` (each row's document), ``vectors.npy`` (float32, written in blocks),
``tokens.jsonl`` and the keyword postings (``keyword.json``, ``keyword_*.npy``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from duizhao.errors import IndexCorruptError
from duizhao.markers import simplified_title
from duizhao.models import Passage
from duizhao.store.format import (
    _REBUILD,
    _REBUILD_EN,
    CHARS,
    DOC_CODES,
    DOCS,
    IDS,
    OFFSETS,
    PASSAGES,
    TEXT_OFFSETS,
    TEXTS,
    TITLE_OFFSETS,
    TITLES,
    TOKENS,
    VECTORS,
    _expect,
)
from duizhao.taxonomy import Kind

LABEL_KINDS: tuple[Kind, ...] = ("role", "section", "dimension")


class VectorWriter:
    """A ``.npy`` float32 (rows, dim) file written block by block (header fixed at the end)."""

    def __init__(self, path: Path, dim: int) -> None:
        self.path, self.dim, self.rows = path, dim, 0
        self._out = path.open("wb")
        self._header(0)

    def _header(self, rows: int) -> None:
        header = {"descr": "<f4", "fortran_order": False, "shape": (rows, self.dim)}
        np.lib.format.write_array_header_2_0(self._out, header)  # fixed-size: rewritable

    def write(self, block: np.ndarray) -> None:
        block = np.ascontiguousarray(block, dtype="<f4").reshape(-1, self.dim)
        self._out.write(block.tobytes())
        self.rows += len(block)

    def close(self) -> None:
        self._out.seek(0)
        self._header(self.rows)
        self._out.close()


def write_segment(directory: Path, name: str, passages: Iterable[Passage], vectors: Any,
                  tokens: Any, dim: int, taxonomy: Any) -> tuple[list[str], np.ndarray]:
    """Write one segment; returns (file names, its (n, 3) int16 label codes).

    ``vectors`` is one array, or a callable given the written passages file that yields
    blocks of rows in passage order; ``tokens`` a list of token lists or such a callable
    yielding one list per passage (a streaming build reads the passages back, block by block).
    """
    from duizhao.keyword import Postings

    codes = {kind: {k: i for i, k in enumerate(taxonomy.keys(kind))} for kind in LABEL_KINDS}
    offsets = [0]
    text_offsets = [0]
    title_offsets = [0]
    chars: list[int] = []
    ids: list[bytes] = []
    docs: dict[str, int] = {}
    doc_codes: list[int] = []
    labels: list[tuple[int, int, int]] = []
    with (directory / f"{name}.{PASSAGES}").open("wb") as out, \
            (directory / f"{name}.{TEXTS}").open("wb") as text_out, \
            (directory / f"{name}.{TITLES}").open("wb") as title_out:
        for p in passages:
            line = (json.dumps(p.to_json(), ensure_ascii=False) + "\n").encode("utf-8")
            out.write(line)
            offsets.append(offsets[-1] + len(line))
            text = p.text.encode("utf-8")
            text_out.write(text)
            text_offsets.append(text_offsets[-1] + len(text))
            title = simplified_title(p.text).encode("utf-8")
            title_out.write(title)
            title_offsets.append(title_offsets[-1] + len(title))
            chars.append(len(p.text))
            ids.append(p.id.encode("utf-8"))
            doc_codes.append(docs.setdefault(p.doc, len(docs)))
            labels.append((codes["role"][p.role.value], codes["section"][p.section.value],
                           codes["dimension"][p.dimension.value]))
    np.save(directory / f"{name}.{OFFSETS}", np.asarray(offsets, np.int64), allow_pickle=False)
    np.save(directory / f"{name}.{TEXT_OFFSETS}", np.asarray(text_offsets, np.int64),
            allow_pickle=False)
    np.save(directory / f"{name}.{TITLE_OFFSETS}", np.asarray(title_offsets, np.int64),
            allow_pickle=False)
    np.save(directory / f"{name}.{CHARS}", np.asarray(chars, np.int32), allow_pickle=False)
    np.save(directory / f"{name}.{IDS}", np.asarray(ids, dtype="S") if ids
            else np.zeros(0, "S16"), allow_pickle=False)
    np.save(directory / f"{name}.{DOC_CODES}", np.asarray(doc_codes, np.int32),
            allow_pickle=False)
    (directory / f"{name}.{DOCS}").write_text(json.dumps(list(docs), ensure_ascii=False),
                                              "utf-8")
    written = directory / f"{name}.{PASSAGES}"
    if callable(vectors):
        vectors = vectors(written)
    if callable(tokens):
        tokens = tokens(written)
    writer = VectorWriter(directory / f"{name}.{VECTORS}", dim)
    for block in ([vectors] if isinstance(vectors, np.ndarray) else vectors):
        writer.write(block)
    writer.close()
    _expect(writer.rows == len(ids), VECTORS, f"{writer.rows} vectors for {len(ids)} passages")

    def token_lines() -> Iterator[list[str]]:
        with (directory / f"{name}.{TOKENS}").open("w", encoding="utf-8") as out:
            for t in tokens:
                out.write(json.dumps(t, ensure_ascii=False) + "\n")
                yield t

    names = Postings.build(token_lines()).save(directory, f"{name}.")
    return ([f"{name}.{n}" for n in (PASSAGES, OFFSETS, IDS, DOC_CODES, DOCS, VECTORS, TOKENS,
                                     TEXTS, TEXT_OFFSETS, TITLES, TITLE_OFFSETS, CHARS)]
            + names, np.asarray(labels, np.int16).reshape(-1, 3))


class NpyRows:
    """Rows of a 2-D float32 ``.npy`` read with ``os.pread``: pages read for a build are not
    mapped into it, so they do not count towards its memory."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as f:
            version = np.lib.format.read_magic(f)
            shape, fortran, dtype = (np.lib.format.read_array_header_1_0(f) if version == (1, 0)
                                     else np.lib.format.read_array_header_2_0(f))
            self._offset = f.tell()
        if fortran or dtype != np.float32 or len(shape) != 2:
            raise ValueError(f"{path.name}: expected a C-order float32 matrix")
        self.shape = (int(shape[0]), int(shape[1]))
        self._row = 4 * self.shape[1]
        self._fd = os.open(path, os.O_RDONLY)

    def __len__(self) -> int:
        return self.shape[0]

    def take(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) and np.all(np.diff(rows) == 1):  # one contiguous read
            start = self._offset + self._row * int(rows[0])
            data = os.pread(self._fd, self._row * len(rows), start)
            return np.frombuffer(data, dtype=np.float32).reshape(len(rows), self.shape[1])
        out = np.empty((len(rows), self.shape[1]), dtype=np.float32)
        for i, row in enumerate(rows.tolist()):
            out[i] = np.frombuffer(os.pread(self._fd, self._row, self._offset + self._row * row),
                                   dtype=np.float32)
        return out

    def close(self) -> None:
        os.close(self._fd)


class SegmentArrays:
    """One segment's arrays, memory-mapped and checked against each other (no hashing)."""

    def __init__(self, version: Path, name: str, rows: int, dim: int,
                 ranking_files: bool = False) -> None:
        """``ranking_files``: the manifest lists the segment's titles and character counts
        (segments written before they existed work them out when ranked)."""

        def load(what: str) -> np.ndarray:
            # a plain ndarray view of the mapping: numpy.memmap's indexing is slow in Python
            return np.asarray(load_array(version / f"{name}.{what}", mmap=True))

        self.name = name
        self.passages = version / f"{name}.{PASSAGES}"
        self.texts = version / f"{name}.{TEXTS}"
        self.offsets = load(OFFSETS)
        self.text_offsets = load(TEXT_OFFSETS)
        self.ids = load(IDS)
        self.doc_codes = load(DOC_CODES)
        self.vectors = load(VECTORS)
        self.vector_file = version / f"{name}.{VECTORS}"
        try:
            docs = json.loads((version / f"{name}.{DOCS}").read_text("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise IndexCorruptError(f"索引已损坏：{DOCS} 无法解析（{exc}）。{_REBUILD}",
                                    f"Index is corrupt: {DOCS} ({exc}). {_REBUILD_EN}") from exc
        _expect(isinstance(docs, list) and all(isinstance(d, str) for d in docs), DOCS,
                "must be a list of paths")
        self.docs: list[str] = docs
        size = self.passages.stat().st_size
        _expect(self.offsets.dtype == np.int64 and self.offsets.shape == (rows + 1,)
                and int(self.offsets[0]) == 0 and int(self.offsets[-1]) == size
                and bool(np.all(np.diff(self.offsets) > 0)), OFFSETS,
                f"{name}: offsets do not fit {PASSAGES}")
        _expect(self.text_offsets.dtype == np.int64 and self.text_offsets.shape == (rows + 1,)
                and int(self.text_offsets[0]) == 0
                and int(self.text_offsets[-1]) == self.texts.stat().st_size
                and bool(np.all(np.diff(self.text_offsets) >= 0)), TEXT_OFFSETS,
                f"{name}: offsets do not fit {TEXTS}")
        self.titles: tuple[Path, np.ndarray] | None = None
        self.chars: np.ndarray | None = None
        if ranking_files:
            titles, title_offsets, self.chars = (version / f"{name}.{TITLES}", load(TITLE_OFFSETS),
                                                 load(CHARS))
            _expect(title_offsets.dtype == np.int64 and title_offsets.shape == (rows + 1,)
                    and int(title_offsets[0]) == 0
                    and int(title_offsets[-1]) == titles.stat().st_size
                    and bool(np.all(np.diff(title_offsets) >= 0)), TITLE_OFFSETS,
                    f"{name}: offsets do not fit {TITLES}")
            _expect(self.chars.dtype == np.int32 and self.chars.shape == (rows,), CHARS,
                    f"{name}: bad character counts")
            self.titles = (titles, title_offsets)
        _expect(self.ids.dtype.kind == "S" and self.ids.shape == (rows,), IDS, f"{name}: bad ids")
        _expect(self.doc_codes.dtype == np.int32 and self.doc_codes.shape == (rows,)
                and (rows == 0 or 0 <= int(self.doc_codes.min())
                     and int(self.doc_codes.max()) < len(docs)), DOC_CODES,
                f"{name}: bad document codes")
        _expect(self.vectors.dtype == np.float32 and self.vectors.shape == (rows, dim),
                VECTORS, f"shape {self.vectors.shape} {self.vectors.dtype}, expected "
                f"({rows}, {dim}) float32")


def load_array(path: Path, mmap: bool = False) -> np.ndarray:
    """A ``.npy`` file, never unpickled; any failure names the file."""
    try:
        array = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except FileNotFoundError:
        raise
    except (ValueError, OSError, EOFError) as exc:
        raise IndexCorruptError(f"索引已损坏：{path.name} 无法读取（{exc}）。{_REBUILD}",
                                f"Index is corrupt: cannot read {path.name} ({exc}). "
                                f"{_REBUILD_EN}") from exc
    _expect(isinstance(array, np.ndarray), path.name, "not an array")
    return array


def read_tokens(path: Path) -> Iterator[list[str]]:
    import sys

    from duizhao.store.format import _str_list

    with path.open(encoding="utf-8") as lines:
        for line in lines:
            try:
                tokens = json.loads(line)
            except ValueError:
                tokens = None
            _expect(_str_list(tokens), TOKENS, "each line must be a list of strings")
            yield [sys.intern(t) for t in tokens]
