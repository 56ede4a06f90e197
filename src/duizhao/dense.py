"""Dense retrieval: exact inner product over memory-mapped vectors, IVF-SQ8 above a size.

Vectors are L2-normalised, so inner product is cosine similarity. They are held once: the
store's float32 ``vectors.npy`` files, memory-mapped (``store.table.VectorTable``). Up to
``FLAT_MAX`` rows every search is an exact scan of them. Above it, the rows present at the
last full build get an IVF index with 8-bit scalar-quantised codes (a quarter of the floats'
size, the only copy in RAM); its top ``RESCORE`` candidates are re-scored exactly from the
float32 rows, so scores and order among candidates are exact and only recall can suffer
(measured in benchmarks/results.md). Rows appended later by ``add`` (further segments) are
always scanned exactly and merged in.

Filters are chosen by selectivity: a filter that keeps at most ``EXACT_FILTER_MAX`` rows is
scored exactly over just those rows (a graph or list walk would reject most of what it
visits), so its results equal brute force. A broader filter is applied inside the IVF scan
through an ``IDSelectorBitmap`` with ``nprobe`` raised by the filter's selectivity, then
re-scored; if that comes back short the rows are scanned exactly. Either way no row outside
the filter is ever returned. faiss is imported lazily.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

FLAT_MAX = 20_000  # up to this many vectors: exact search is fast enough and always right
EXACT_FILTER_MAX = 20_000  # a filter keeping at most this many rows is searched exactly
NPROBE = 32  # IVF lists visited per unfiltered query
NPROBE_MAX = 256  # … and at most this many when a broad filter raises it
RESCORE = 4  # candidates re-scored exactly: RESCORE × k, at least RESCORE_MIN
RESCORE_MIN = 200
TRAIN_PER_LIST = 40  # k-means training sample: this many vectors per list (faiss's advice)
SUBSET_CACHE_BYTES = 96 * 2**20  # gathered filter subsets kept between queries
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


def train_ivf(vectors: Any, rows: int, seed: int = 0) -> Any:
    """An IVF-SQ8 index over the first ``rows`` vectors (added in blocks: bounded memory)."""
    faiss = _faiss()
    _threads(0)
    dim = int(vectors.shape[1])
    nlist = max(16, int(2 * math.sqrt(rows)))
    sample = np.sort(np.random.default_rng(seed).choice(
        rows, size=min(rows, TRAIN_PER_LIST * nlist), replace=False))
    train = np.ascontiguousarray(_take(vectors, sample), dtype=np.float32)
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                          faiss.METRIC_INNER_PRODUCT)
    index.train(train)
    del train
    for start in range(0, rows, 65_536):
        block = _take(vectors, np.arange(start, min(rows, start + 65_536)))
        index.add(np.ascontiguousarray(block, dtype=np.float32))
    index.nprobe = NPROBE
    return index


def _take(vectors: Any, rows: np.ndarray) -> np.ndarray:
    take = getattr(vectors, "take", None)
    if take is not None and not isinstance(vectors, np.ndarray):
        return np.asarray(take(rows), dtype=np.float32)
    return np.asarray(vectors[rows], dtype=np.float32)


class DenseIndex:
    """Cosine search over a vector table; row ``i`` is passage ``i``.

    ``ann`` (optional) covers rows ``[0, ann.ntotal)``; later rows are scanned exactly.
    """

    def __init__(self, vectors: Any, ann: Any = None) -> None:
        self.vectors = vectors
        self.ann = ann
        self.kind = "ivf-sq8" if ann is not None else "flat"

    @property
    def size(self) -> int:
        return int(len(self.vectors))

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def ann_rows(self) -> int:
        return int(self.ann.ntotal) if self.ann is not None else 0

    @classmethod
    def build(cls, vectors: Any, flat_max: int = FLAT_MAX) -> DenseIndex:
        if isinstance(vectors, np.ndarray):
            vectors = np.ascontiguousarray(vectors, dtype=np.float32)
            if vectors.ndim != 2:
                raise ValueError(f"vectors must be 2-D, got shape {vectors.shape}")
        n = len(vectors)
        return cls(vectors, train_ivf(vectors, n) if n > flat_max else None)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None,
               exact_max: int | None = None, supplement: bool = False,
               rescore: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Best ``k`` rows by cosine among ``allowed`` rows: ``(scores, rows)``, best first.

        ``allowed`` is a boolean mask over rows or an array of row numbers; fewer than ``k``
        rows come back only when fewer are allowed. ``exact_max`` overrides
        ``EXACT_FILTER_MAX``. ``supplement``: the caller only gathers extra candidates (the
        labels a request implies), so above ``exact_max`` the ANN is asked as for an
        unfiltered query (no raised ``nprobe``, no exact scan when its lists hold few
        allowed rows) and may return fewer than ``k``: at a million rows the raised probes
        and fallback scans of such pools were a third of a query's time. ``rescore=False``:
        the IVF's candidates keep their 8-bit scores instead of being re-scored from the
        float rows, for a caller that scores the rows it keeps exactly itself (hybrid fusion
        does): at a million rows re-scoring gathered ~750 scattered rows a query.
        """
        limit = EXACT_FILTER_MAX if exact_max is None else exact_max
        n = self.size
        q = np.ascontiguousarray(np.asarray(query, dtype=np.float32).reshape(-1))
        mask = allowed_mask(allowed, n)
        n_allowed = n if mask is None else int(np.count_nonzero(mask))
        k = min(int(k), n_allowed)
        if k <= 0:
            return np.empty(0, dtype=np.float32), np.empty(0, dtype=np.int64)
        if self.ann is None or (mask is not None and n_allowed <= limit):
            return self._exact(q, k, None if mask is None else np.flatnonzero(mask))
        found = self._approximate(q, k, mask, n_allowed, supplement, rescore)
        if found is None and supplement:
            return np.empty(0, dtype=np.float32), np.empty(0, dtype=np.int64)
        if found is None:
            return self._exact(q, k, None if mask is None else np.flatnonzero(mask))
        return found

    def _exact(self, q: np.ndarray, k: int,
               rows: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Exact top ``k`` by FAISS's own scan (the same arithmetic and tie order as a flat
        FAISS index, so results do not move when the storage changes)."""
        faiss = _faiss()
        _threads(1)
        if rows is not None:
            blocks = [(self._subset(rows), rows.astype(np.int64))]
        else:
            parts = getattr(self.vectors, "parts", [self.vectors])
            blocks, start = [], 0
            for part in parts:
                blocks.append((part, np.arange(start, start + len(part), dtype=np.int64)))
                start += len(part)
        scores, found = [], []
        for block, block_rows in blocks:
            if len(block) == 0:
                continue
            d, i = faiss.knn(q.reshape(1, -1), block, min(k, len(block)),
                             metric=faiss.METRIC_INNER_PRODUCT)
            keep = i[0] >= 0
            scores.append(d[0][keep])
            found.append(block_rows[i[0][keep]])
        if not scores:
            return np.empty(0, dtype=np.float32), np.empty(0, dtype=np.int64)
        return best_k(np.concatenate(scores), np.concatenate(found), k)

    def _subset(self, rows: np.ndarray) -> np.ndarray:
        """The rows' vectors gathered into one array, kept for the next query with the same
        filter (a session or a batch repeats filters; gathering is most of a filtered scan)."""
        key = hashlib.blake2b(np.ascontiguousarray(rows, dtype=np.int64).tobytes(),
                              digest_size=16).digest()
        cache: OrderedDict[bytes, np.ndarray] = self.__dict__.setdefault("_subsets", OrderedDict())
        hit = cache.get(key)
        if hit is not None:
            cache.move_to_end(key)
            return hit
        block = np.ascontiguousarray(_take(self.vectors, rows), dtype=np.float32)
        cache[key] = block
        while sum(b.nbytes for b in cache.values()) > SUBSET_CACHE_BYTES and len(cache) > 1:
            cache.popitem(last=False)
        return block

    def _approximate(self, q: np.ndarray, k: int, mask: np.ndarray | None,
                     n_allowed: int, supplement: bool = False, rescore: bool = True
                     ) -> tuple[np.ndarray, np.ndarray] | None:
        faiss = _faiss()
        _threads(1)
        m = self.ann_rows
        want = min(max(RESCORE * k, RESCORE_MIN) if rescore else k, m)
        nprobe = NPROBE
        params = None
        bits = None
        if mask is not None:
            if not supplement:
                nprobe = min(NPROBE_MAX, int(NPROBE * self.size / max(n_allowed, 1)))
            bits = np.packbits(mask[:m], bitorder="little")
            selector = faiss.IDSelectorBitmap(m, faiss.swig_ptr(bits))
            params = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)
        else:
            params = faiss.SearchParametersIVF(nprobe=nprobe)
        approx, found = self.ann.search(q.reshape(1, -1), want, params=params)
        del bits  # the selector points into it: keep it alive until here
        cand = found[0][found[0] >= 0].astype(np.int64)
        approx = approx[0][found[0] >= 0]
        tail = np.arange(m, self.size, dtype=np.int64)
        if mask is not None:
            tail = tail[mask[m:]]
            if len(cand) < min(k, int(np.count_nonzero(mask[:m]))) and not supplement:
                return None  # the probed lists held too few allowed rows: scan exactly
        rows = np.concatenate([cand, tail])
        scores = (_scores(self.vectors, q, rows) if rescore else  # tail rows: always exact
                  np.concatenate([approx.astype(np.float32), _scores(self.vectors, q, tail)]))
        return best_k(scores, rows, k)

    def save(self, directory: Path, prefix: str = "") -> list[str]:
        """The ANN as FAISS's own file (+ a JSON note); the vectors are the store's."""
        directory = Path(directory)
        meta = {"kind": self.kind, "size": self.size, "dim": self.dim, "ann_rows": self.ann_rows}
        (directory / f"{prefix}{META_FILE}").write_text(json.dumps(meta), encoding="utf-8")
        names = [f"{prefix}{META_FILE}"]
        if self.ann is not None:
            _faiss().write_index(self.ann, str(directory / f"{prefix}{INDEX_FILE}"))
            names.append(f"{prefix}{INDEX_FILE}")
        return names

    @classmethod
    def load(cls, directory: Path, vectors: Any, prefix: str = "",
             mapped: bool = False) -> DenseIndex:
        """Over ``vectors`` (the store's); the ANN file is checked against them.

        ``mapped``: map the ANN's lists from the file instead of reading them, for a process
        that asks a query or two (one ``duizhao search``). Opening then costs next to
        nothing (11 ms instead of 0.4 s at 126k rows), but each search is slower (~4 ms
        more at 126k), so a shell or a batch reads the lists."""
        directory = Path(directory)
        meta = json.loads((directory / f"{prefix}{META_FILE}").read_text(encoding="utf-8"))
        ann = None
        if meta.get("kind") == "ivf-sq8":
            faiss = _faiss()
            flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if mapped else 0
            ann = faiss.read_index(str(directory / f"{prefix}{INDEX_FILE}"), flags)
            if (int(ann.d) != int(vectors.shape[1]) or int(ann.ntotal) != int(meta["ann_rows"])
                    or int(ann.ntotal) > len(vectors)):
                raise ValueError("the ANN index does not match the vectors")
            ann.nprobe = NPROBE
        elif meta.get("kind") != "flat":
            raise ValueError(f"unknown dense index kind {meta.get('kind')!r}")
        return cls(vectors, ann)


def _scores(vectors: Any, q: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    if isinstance(vectors, np.ndarray):
        return (vectors if rows is None else vectors[rows]) @ q
    return np.asarray(vectors.scores(q, rows), dtype=np.float32)


def best_k(scores: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best ``k`` (score, row) pairs, best first; among equal scores the lower row (as FAISS's
    heap keeps the first row seen), so results do not depend on the selection algorithm."""
    if len(rows) > k:
        kth = -np.partition(-scores, k - 1)[k - 1]
        better = np.flatnonzero(scores > kth)
        tied = np.flatnonzero(scores == kth)
        tied = tied[np.argsort(rows[tied], kind="stable")][:k - len(better)]
        part = np.concatenate([better, tied])
        scores, rows = scores[part], rows[part]
    order = np.lexsort((rows, -scores))
    return scores[order].astype(np.float32), rows[order]
