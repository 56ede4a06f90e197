"""Keyword index: BM25 (Lucene variant, as in bm25s) over jieba tokens, in plain numpy.

Why our own code rather than ``bm25s`` at query time: the index must load without pickle and
in constant time (memory-mapped arrays; a cold ``duizhao search`` imports neither bm25s nor
scipy), filters must apply before top-k, and ``duizhao add`` must extend the index without
touching what is stored. So we keep raw postings (term → rows, term frequencies) plus document
lengths, one CSR block per segment, and compute BM25 for the query's terms at search time
with collection statistics summed over the segments:

    score(d, q) = Σ_t∈q  idf(t) · tf / (tf + k1 · (1 − b + b · |d| / avgdl))
    idf(t)      = ln(1 + (N − df + 0.5) / (df + 0.5))

(a test checks these scores against bm25s's ``method="lucene"``). Each query term counts once.
Only rows matching at least one query term are candidates, and ``allowed`` masks rows before
the top-k is taken. Building is memory-bounded: tokens are turned into compact arrays a chunk
at a time and placed by a counting sort, never as one Python list per (passage, term) pair.
Files per block: ``{prefix}keyword.json`` (vocabulary, parameters) and ``.npy`` arrays loaded
with ``allow_pickle=False`` (memory-mapped when opened from an index).
"""

from __future__ import annotations

import json
import os
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from duizhao.dense import allowed_mask, best_k
from duizhao.errors import IndexCorruptError

K1 = 1.5
B = 0.75
META_FILE = "keyword.json"
ARRAYS = ("indptr", "rows", "tf", "doc_len")
POST_LEN = "post_len"  # optional: each posting's document length (written since it existed)
CHUNK = 20_000  # passages turned into arrays at a time while building
HEAD_MIN = 20_000  # top_each: best candidates kept for every mask (see there)
HEAD_FACTOR = 50
HOT_DF = 20_000  # a term posting to at least this many rows of a block keeps its BM25 parts …
HOT_BYTES = 160 * 2**20  # … in memory, up to this much in all (least recently used go first)
_EMPTY = (np.empty(0, dtype=np.float32), np.empty(0, dtype=np.int64))


class Postings:
    """One segment's postings in CSR form: ``rows[indptr[t]:indptr[t+1]]`` hold term ``t``."""

    def __init__(self, vocab: list[str], indptr: np.ndarray, rows: np.ndarray | FileSpans,
                 tf: np.ndarray | FileSpans, doc_len: np.ndarray,
                 post_len: np.ndarray | FileSpans | None = None) -> None:
        """``post_len``: each posting's document length, beside its tf, so scoring a term
        reads its postings in order instead of gathering ``doc_len`` row by row (blocks
        written before it existed have ``None`` and gather)."""
        self.vocab = vocab
        self.term_id = {term: i for i, term in enumerate(vocab)}
        self.indptr, self.rows, self.tf, self.doc_len = indptr, rows, tf, doc_len
        self.post_len = post_len

    @property
    def size(self) -> int:
        return int(len(self.doc_len))

    @classmethod
    def build(cls, token_lists: Iterable[list[str]]) -> Postings:
        vocab: list[str] = []
        term_id: dict[str, int] = {}
        chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        lens: list[np.ndarray] = []
        terms: list[int] = []
        rows: list[int] = []
        tfs: list[int] = []
        chunk_lens: list[int] = []
        row = 0

        def flush() -> None:
            chunks.append((np.asarray(terms, np.int32), np.asarray(rows, np.int32),
                           np.asarray(tfs, np.float32)))
            lens.append(np.asarray(chunk_lens, np.float32))
            for items in (terms, rows, tfs, chunk_lens):
                items.clear()

        for tokens in token_lists:
            chunk_lens.append(len(tokens))
            for term, count in Counter(tokens).items():
                tid = term_id.get(term)
                if tid is None:
                    tid = term_id[term] = len(vocab)
                    vocab.append(term)
                terms.append(tid)
                rows.append(row)
                tfs.append(count)
            row += 1
            if len(chunk_lens) >= CHUNK:
                flush()
        flush()
        counts = np.zeros(len(vocab), dtype=np.int64)
        for t, _, _ in chunks:
            counts += np.bincount(t, minlength=len(vocab))
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        out_rows = np.empty(int(indptr[-1]), dtype=np.int32)
        out_tf = np.empty(int(indptr[-1]), dtype=np.float32)
        cursor = indptr[:-1].copy()
        for t, r, f in chunks:  # chunks are in row order, so each term's rows stay ascending
            order = np.argsort(t, kind="stable")
            ts = t[order]
            rank = np.arange(len(ts)) - np.searchsorted(ts, ts, side="left")
            pos = cursor[ts] + rank
            out_rows[pos], out_tf[pos] = r[order], f[order]
            cursor += np.bincount(ts, minlength=len(vocab))
        chunks.clear()
        doc_len = np.concatenate(lens)
        return cls(vocab, indptr, out_rows, out_tf, doc_len, doc_len[out_rows])

    def save(self, directory: Path, prefix: str = "", k1: float = K1, b: float = B) -> list[str]:
        meta = {"format": 2, "k1": k1, "b": b, "size": self.size, "vocab": self.vocab}
        (directory / f"{prefix}{META_FILE}").write_text(json.dumps(meta, ensure_ascii=False),
                                                        "utf-8")
        names = [f"{prefix}{META_FILE}"]
        for name in (*ARRAYS, POST_LEN) if self.post_len is not None else ARRAYS:
            np.save(directory / f"{prefix}keyword_{name}.npy", getattr(self, name),
                    allow_pickle=False)
            names.append(f"{prefix}keyword_{name}.npy")
        return names

    @classmethod
    def load(cls, directory: Path, prefix: str = "", mmap: bool = False,
             post_len: bool = False) -> tuple[Postings, float, float]:
        """The block and its (k1, b); arrays checked for shape and dtype, never unpickled.
        ``post_len``: the block has its postings' document lengths (the caller's manifest
        lists the file)."""
        meta = json.loads((directory / f"{prefix}{META_FILE}").read_text("utf-8"))
        arrays: dict[str, Any] = {name: np.load(directory / f"{prefix}keyword_{name}.npy",
                                mmap_mode="r" if mmap else None, allow_pickle=False)
                  for name in ((*ARRAYS, POST_LEN) if post_len else ARRAYS)}
        vocab = meta["vocab"]
        indptr = arrays["indptr"]
        if not (isinstance(vocab, list) and all(isinstance(t, str) for t in vocab)
                and indptr.shape == (len(vocab) + 1,) and indptr.dtype == np.int64
                and arrays["rows"].dtype == np.int32 and arrays["tf"].dtype == np.float32
                and arrays["rows"].shape == arrays["tf"].shape
                and arrays["doc_len"].shape == (int(meta["size"]),)
                and (len(vocab) == 0 or int(indptr[-1]) == len(arrays["rows"]))):
            raise ValueError(f"{prefix}keyword arrays do not fit together")
        if post_len and not (arrays[POST_LEN].dtype == np.float32
                             and arrays[POST_LEN].shape == arrays["rows"].shape):
            raise ValueError(f"{prefix}keyword_{POST_LEN}.npy does not fit the postings")
        arrays = {k: np.asarray(v) for k, v in arrays.items()}  # views: memmap indexing is slow
        if mmap:  # a search reads its terms' spans only, and keeps none of them
            for name in ("rows", "tf", POST_LEN):
                if name in arrays:
                    arrays[name] = FileSpans(directory / f"{prefix}keyword_{name}.npy")
        indptr = arrays["indptr"]
        return (cls(list(vocab), indptr, arrays["rows"], arrays["tf"], arrays["doc_len"],
                    arrays.get(POST_LEN)),
                float(meta["k1"]), float(meta["b"]))


class FileSpans:
    """A 1-D ``.npy`` array read one span at a time with ``os.pread``.

    Why not a memory map: every page of a mapping a process has read counts in its memory,
    and the common terms of a million passages post to most rows, so after a few hundred
    queries a searching process held most of the postings (hundreds of MB). Spans read this
    way are freed with the query; the OS's file cache keeps them fast.
    """

    def __init__(self, path: Path) -> None:
        mapped = np.load(path, mmap_mode="r", allow_pickle=False)
        self.dtype = mapped.dtype
        self.shape = mapped.shape
        self._start = int(mapped.offset)
        self._item = int(mapped.dtype.itemsize)
        del mapped
        self._fd = os.open(path, os.O_RDONLY)

    def __len__(self) -> int:
        return int(self.shape[0])

    def __getitem__(self, span: slice) -> np.ndarray:
        begin, end, step = span.indices(len(self))
        if step != 1:
            raise ValueError("FileSpans reads contiguous spans only")
        count = max(0, end - begin)
        data = os.pread(self._fd, count * self._item, self._start + begin * self._item)
        if len(data) != count * self._item:
            raise IndexCorruptError("索引已损坏：关键词索引文件被截短。"
                                    "请重新运行 duizhao build 重建索引。",
                                    "Index is corrupt: a keyword postings file was cut short. "
                                    "Run `duizhao build` again to rebuild it.")
        return np.frombuffer(data, dtype=self.dtype)

    def __del__(self) -> None:
        try:
            os.close(self._fd)
        except (OSError, AttributeError):
            pass


class KeywordIndex:
    """BM25 over one or more postings blocks (segments); rows continue from block to block."""

    def __init__(self, parts: list[Postings], k1: float = K1, b: float = B) -> None:
        self.parts = parts
        self.k1 = k1
        self.b = b
        self._starts = np.cumsum([0] + [p.size for p in parts]).astype(np.int64)
        self._avgdl: float | None = None
        self._hot: OrderedDict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = OrderedDict()

    @property
    def size(self) -> int:
        return int(self._starts[-1])

    @property
    def vocab(self) -> list[str]:
        """Every term, in first-seen order (the first block's order first)."""
        return list(dict.fromkeys(t for p in self.parts for t in p.vocab))

    @classmethod
    def build(cls, token_lists: Iterable[list[str]], k1: float = K1, b: float = B) -> KeywordIndex:
        return cls([Postings.build(token_lists)], k1, b)

    def extended(self, token_lists: Iterable[list[str]]) -> KeywordIndex:
        """A new index with ``token_lists`` appended as one more block; stored blocks untouched."""
        return KeywordIndex([*self.parts, Postings.build(token_lists)], self.k1, self.b)

    def avgdl(self) -> float:
        if self._avgdl is None:
            if len(self.parts) == 1:
                self._avgdl = max(float(self.parts[0].doc_len.mean()), 1e-9)
            else:
                total = sum(float(p.doc_len.sum(dtype=np.float64)) for p in self.parts)
                self._avgdl = max(total / max(self.size, 1), 1e-9)
        return self._avgdl

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every row (0 where no query term occurs)."""
        return self.weighted_scores(dict.fromkeys(query_tokens, 1.0))

    def weighted_scores(self, weights: dict[str, float]) -> np.ndarray:
        """BM25 of every row with each term's part × its weight, in one pass over the terms'
        postings (a request's own words count 1, thesaurus phrases less; ranking.py)."""
        n = self.size
        out = np.zeros(n, dtype=np.float32)
        if n == 0:
            return out
        for term, weight in weights.items():
            spans = []
            for number, part in enumerate(self.parts):
                tid = part.term_id.get(term)
                if tid is not None:
                    spans.append((number, tid, int(part.indptr[tid + 1] - part.indptr[tid])))
            if not spans:
                continue
            df = sum(count for _, _, count in spans)
            idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
            for number, tid, _ in spans:
                at, saturation = self._term_part(number, tid)
                np.add.at(out, at, saturation * np.float32(idf * weight))
        return out

    def _term_part(self, number: int, tid: int) -> tuple[np.ndarray, np.ndarray]:
        """One term's postings in block ``number``: global rows (int64) and each posting's
        ``tf / (tf + k1 · (1 − b + b · |d| / avgdl))`` in float32.

        A term posting to ``HOT_DF`` rows or more keeps these in memory (``HOT_BYTES`` in
        all): the genre's common words (工作, 学习, 不够 …) come back in most requests and at a
        million passages each posts to hundreds of thousands of rows, so reading and
        normalising them again was most of a slow query's time. The arithmetic is the same
        either way, so scores do not depend on what is cached."""
        key = (number, tid)
        hit = self._hot.get(key)
        if hit is not None:
            self._hot.move_to_end(key)
            return hit
        part, start = self.parts[number], int(self._starts[number])
        begin, end = int(part.indptr[tid]), int(part.indptr[tid + 1])
        rows = part.rows[begin:end]
        tf = part.tf[begin:end]
        lengths = part.doc_len[rows] if part.post_len is None else part.post_len[begin:end]
        avgdl = self.avgdl()
        norm = lengths * np.float32(self.k1 * self.b / avgdl)  # float32, in place
        norm += np.float32(self.k1 * (1.0 - self.b))
        norm += tf
        saturation = np.divide(tf, norm, dtype=np.float32)
        # int64 positions: np.add.at takes a slow path for int32 ones (0.2 ms a call even
        # for a few hundred postings, and a request has dozens of terms)
        at = rows.astype(np.int64)
        if start:
            at += start
        if end - begin >= HOT_DF:
            self._hot[key] = (at, saturation)
            while sum(a.nbytes + s.nbytes for a, s in self._hot.values()) > HOT_BYTES:
                self._hot.popitem(last=False)
        return at, saturation

    def search(self, query_tokens: list[str], k: int,
               allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Best ``k`` allowed rows holding at least one query term: ``(scores, rows)``."""
        return self.top(self.scores(query_tokens), k, allowed)

    def top(self, scores: np.ndarray, k: int,
            allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Best ``k`` allowed rows of a score vector from ``scores`` (computed once, reused)."""
        return self.top_each(scores, k, [allowed])[0]

    def top_each(self, scores: np.ndarray, k: int, allowed: Sequence[np.ndarray | None]
                 ) -> list[tuple[np.ndarray, np.ndarray]]:
        """``top(scores, k, a)`` for each ``a`` in ``allowed``, best first, ties by lower row.

        Why one call: a search asks for the same scores within several masks (the filter, the
        labels the request implies, the whole index for the fusion's basis), and at a million
        rows common terms make most rows candidates. So the candidates are found once, and
        their ``HEAD_MIN``-odd best (every row scoring at least the cut, ties included) are
        kept: a mask holding at least ``k`` of those has its answer among them, since every
        other row scores below all of them. Only a mask holding fewer scans every candidate.
        """
        if k <= 0:
            return [_EMPTY] * len(allowed)
        candidates = np.flatnonzero(scores > 0)
        cand_scores = scores[candidates]
        head, head_scores = candidates, cand_scores
        cut = max(HEAD_MIN, HEAD_FACTOR * k)
        if len(candidates) > cut:
            kth = np.partition(cand_scores, len(cand_scores) - cut)[len(cand_scores) - cut]
            keep = cand_scores >= kth
            head, head_scores = candidates[keep], cand_scores[keep]
        out = []
        for a in allowed:
            rows = allowed_mask(a, self.size)
            if rows is None:
                out.append(best_k(head_scores, head, k))
                continue
            inside = rows[head]
            if np.count_nonzero(inside) < k and len(head) < len(candidates):
                inside = rows[candidates]
                out.append(best_k(cand_scores[inside], candidates[inside], k))
            else:
                out.append(best_k(head_scores[inside], head[inside], k))
        return out

    def save(self, directory: Path) -> list[str]:
        """Plain files for a one-block index: JSON vocabulary + parameters, one ``.npy`` each."""
        if len(self.parts) != 1:
            raise ValueError("save() writes one block; the store saves each segment's block")
        return self.parts[0].save(Path(directory), "", self.k1, self.b)

    @classmethod
    def load(cls, directory: Path, prefixes: tuple[str, ...] = ("",),
             mmap: bool = False, post_len: tuple[bool, ...] | None = None) -> KeywordIndex:
        """The blocks named by ``prefixes``; ``post_len`` says which store their postings'
        document lengths (default: a block saved by ``save``, which always does)."""
        parts = []
        k1, b = K1, B
        with_lengths = post_len if post_len is not None else (True,) * len(prefixes)
        for prefix, lengths in zip(prefixes, with_lengths, strict=True):
            part, k1, b = Postings.load(Path(directory), prefix, mmap, lengths)
            parts.append(part)
        return cls(parts, k1, b)
