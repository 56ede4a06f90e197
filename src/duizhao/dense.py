"""Dense (vector) index: FAISS inner product over unit vectors, i.e. cosine similarity.

Below ``FLAT_MAX`` passages the index is exact (``IndexFlatIP``); above it, HNSW
(``IndexHNSWFlat`` with ``METRIC_INNER_PRODUCT``), chosen automatically at build time.

Filters are applied inside the FAISS search with an ``IDSelectorBitmap`` passed through
``SearchParameters``, never by fetching more and dropping afterwards, so a filtered search
returns the best allowed rows however rare they are. HNSW can miss allowed rows when the
filter is selective (the graph walk rarely meets them), so for HNSW we raise ``efSearch``
with the filter's selectivity, and when the filter keeps few rows (``EXACT_FILTER_MAX``) or
the graph walk comes back short, we search the HNSW's own flat storage exactly with the same
selector. faiss is imported lazily.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

FLAT_MAX = 20_000  # up to this many vectors: exact search is fast enough and always right
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 64
EXACT_FILTER_MAX = 20_000  # a filter keeping at most this many rows is searched exactly
INDEX_FILE = "dense.faiss"
META_FILE = "dense.json"


def _faiss() -> Any:
    import faiss

    return faiss


def _threads(n: int) -> None:
    """Set FAISS's OpenMP threads (measured on 2 cores, see benchmarks/results.md).

    A single-query search gains nothing from OpenMP threads, and while faiss's thread pool is
    up the encoder's BLAS calls that follow it ran ~50× slower (220 ms instead of 4 ms per
    query). So searches run with one thread; builds use every core again.
    """
    import os

    faiss = _faiss()
    n = max(1, n if n > 0 else (os.cpu_count() or 1))
    if faiss.omp_get_max_threads() != n:
        faiss.omp_set_num_threads(n)


def allowed_mask(allowed: np.ndarray | None, n: int) -> np.ndarray | None:
    """A boolean row mask from a mask or an array of row numbers (``None`` = all rows)."""
    if allowed is None:
        return None
    allowed = np.asarray(allowed)
    if allowed.dtype == bool:
        if allowed.shape != (n,):
            raise ValueError(f"mask has shape {allowed.shape}, expected ({n},)")
        return allowed
    mask = np.zeros(n, dtype=bool)
    mask[allowed.astype(np.int64)] = True
    return mask


class DenseIndex:
    """A FAISS index over the store's vectors; row ``i`` is passage ``i``."""

    def __init__(self, index: Any, kind: str) -> None:
        self.index = index
        self.kind = kind  # "flat" | "hnsw"

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @property
    def dim(self) -> int:
        return int(self.index.d)

    @classmethod
    def build(cls, vectors: np.ndarray, flat_max: int = FLAT_MAX,
              hnsw_m: int = HNSW_M, ef_construction: int = HNSW_EF_CONSTRUCTION) -> DenseIndex:
        faiss = _faiss()
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ValueError(f"vectors must be 2-D, got shape {vectors.shape}")
        dim = vectors.shape[1]
        if len(vectors) <= flat_max:
            index = faiss.IndexFlatIP(dim)
            kind = "flat"
        else:
            index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = ef_construction
            kind = "hnsw"
        if len(vectors):
            _threads(0)
            index.add(vectors)
        return cls(index, kind)

    def add(self, vectors: np.ndarray) -> None:
        """Append rows (the store appends passages in the same order)."""
        _threads(0)
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(self, query: np.ndarray, k: int,
               allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Best ``k`` rows by cosine among ``allowed`` rows: ``(scores, rows)``, best first.

        ``allowed`` is a boolean mask over rows or an array of row numbers; fewer than ``k``
        rows come back only when fewer are allowed.
        """
        faiss = _faiss()
        _threads(1)
        n = self.size
        q = np.ascontiguousarray(np.asarray(query, dtype=np.float32).reshape(1, -1))
        mask = allowed_mask(allowed, n)
        n_allowed = n if mask is None else int(mask.sum())
        k = min(int(k), n_allowed)
        if k <= 0:
            return np.empty(0, dtype=np.float32), np.empty(0, dtype=np.int64)
        if mask is None:
            if self.kind == "hnsw":
                params = faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, 2 * k))
                return self._run(self.index, q, k, params)
            return self._run(self.index, q, k, None)
        bits = np.packbits(mask, bitorder="little")
        selector = faiss.IDSelectorBitmap(n, faiss.swig_ptr(bits))
        if self.kind == "hnsw" and n_allowed > EXACT_FILTER_MAX:
            fraction = n_allowed / n
            ef = int(min(max(HNSW_EF_SEARCH, 2 * k) / fraction, 4096))
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=ef)
            scores, rows = self._run(self.index, q, k, params)
            if len(rows) >= k:
                return scores, rows
        storage = faiss.downcast_index(self.index.storage) if self.kind == "hnsw" else self.index
        scores, rows = self._run(storage, q, k, faiss.SearchParameters(sel=selector))
        del bits  # the selector points into it: keep it alive until here
        return scores, rows

    @staticmethod
    def _run(index: Any, q: np.ndarray, k: int, params: Any) -> tuple[np.ndarray, np.ndarray]:
        scores, rows = index.search(q, k, params=params) if params is not None else index.search(
            q, k)
        keep = rows[0] >= 0
        return scores[0][keep].astype(np.float32), rows[0][keep].astype(np.int64)

    def save(self, directory: Path) -> list[str]:
        """Write plain files (FAISS's own format + a JSON note); returns their names."""
        directory = Path(directory)
        _faiss().write_index(self.index, str(directory / INDEX_FILE))
        meta = {"kind": self.kind, "size": self.size, "dim": self.dim}
        (directory / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
        return [INDEX_FILE, META_FILE]

    @classmethod
    def load(cls, directory: Path) -> DenseIndex:
        directory = Path(directory)
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        index = _faiss().read_index(str(directory / INDEX_FILE))
        return cls(index, str(meta["kind"]))
