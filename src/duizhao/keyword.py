"""Keyword index: BM25 (Lucene variant, as in bm25s) over jieba tokens, in plain numpy.

Why our own ~150 lines rather than ``bm25s`` at query time: the index must load without
pickle and fast (a cold ``duizhao search`` imports neither bm25s nor scipy), filters must
apply before top-k, and ``duizhao add`` must extend the index without re-tokenising old
passages. So we keep raw postings (term → rows, term frequencies) plus document lengths,
and compute BM25 for the query's terms at search time:

    score(d, q) = Σ_t∈q  idf(t) · tf / (tf + k1 · (1 − b + b · |d| / avgdl))
    idf(t)      = ln(1 + (N − df + 0.5) / (df + 0.5))

(a test checks these scores against bm25s's ``method="lucene"``). Each query term counts
once. Only rows matching at least one query term are candidates, and ``allowed`` masks rows
before the top-k is taken. Files: ``keyword.json`` (vocabulary, parameters) and ``.npy``
arrays loaded with ``allow_pickle=False``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np

from duizhao.dense import allowed_mask

K1 = 1.5
B = 0.75
META_FILE = "keyword.json"
ARRAYS = ("indptr", "rows", "tf", "doc_len")


class KeywordIndex:
    """Postings in CSR form by term: ``rows[indptr[t]:indptr[t+1]]`` hold term ``t``."""

    def __init__(self, vocab: list[str], indptr: np.ndarray, rows: np.ndarray, tf: np.ndarray,
                 doc_len: np.ndarray, k1: float = K1, b: float = B) -> None:
        self.vocab = vocab
        self.term_id = {term: i for i, term in enumerate(vocab)}
        self.indptr = indptr.astype(np.int64)
        self.rows = rows.astype(np.int64)
        self.tf = tf.astype(np.float32)
        self.doc_len = doc_len.astype(np.float32)
        self.k1 = k1
        self.b = b

    @property
    def size(self) -> int:
        return int(len(self.doc_len))

    @classmethod
    def build(cls, token_lists: list[list[str]], k1: float = K1, b: float = B) -> KeywordIndex:
        empty = cls([], np.zeros(1, np.int64), np.empty(0, np.int64), np.empty(0, np.float32),
                    np.empty(0, np.float32), k1, b)
        return empty.extended(token_lists)

    def extended(self, token_lists: list[list[str]]) -> KeywordIndex:
        """A new index with ``token_lists`` appended as rows ``size, size+1, …``."""
        vocab = list(self.vocab)
        term_id = dict(self.term_id)
        terms: list[int] = []
        rows: list[int] = []
        tfs: list[int] = []
        lens = np.empty(len(token_lists), dtype=np.float32)
        for offset, tokens in enumerate(token_lists):
            lens[offset] = len(tokens)
            for term, count in Counter(tokens).items():
                tid = term_id.get(term)
                if tid is None:
                    tid = term_id[term] = len(vocab)
                    vocab.append(term)
                terms.append(tid)
                rows.append(self.size + offset)
                tfs.append(count)
        old_terms = np.repeat(np.arange(len(self.vocab), dtype=np.int64), np.diff(self.indptr))
        all_terms = np.concatenate([old_terms, np.asarray(terms, dtype=np.int64)])
        all_rows = np.concatenate([self.rows, np.asarray(rows, dtype=np.int64)])
        all_tf = np.concatenate([self.tf, np.asarray(tfs, dtype=np.float32)])
        order = np.argsort(all_terms, kind="stable")
        counts = np.bincount(all_terms, minlength=len(vocab))
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return KeywordIndex(vocab, indptr, all_rows[order], all_tf[order],
                            np.concatenate([self.doc_len, lens]), self.k1, self.b)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every row (0 where no query term occurs)."""
        n = self.size
        out = np.zeros(n, dtype=np.float32)
        if n == 0:
            return out
        avgdl = max(float(self.doc_len.mean()), 1e-9)
        for term in dict.fromkeys(query_tokens):
            tid = self.term_id.get(term)
            if tid is None:
                continue
            start, end = self.indptr[tid], self.indptr[tid + 1]
            rows = self.rows[start:end]
            tf = self.tf[start:end]
            df = end - start
            idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
            norm = self.k1 * (1.0 - self.b + self.b * self.doc_len[rows] / avgdl)
            out[rows] += (idf * tf / (tf + norm)).astype(np.float32)
        return out

    def search(self, query_tokens: list[str], k: int,
               allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Best ``k`` allowed rows holding at least one query term: ``(scores, rows)``."""
        return self.top(self.scores(query_tokens), k, allowed)

    def top(self, scores: np.ndarray, k: int,
            allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Best ``k`` allowed rows of a score vector from ``scores`` (computed once, reused)."""
        mask = scores > 0
        allowed_rows = allowed_mask(allowed, self.size)
        if allowed_rows is not None:
            mask &= allowed_rows
        candidates = np.flatnonzero(mask)
        if k <= 0 or len(candidates) == 0:
            return np.empty(0, dtype=np.float32), np.empty(0, dtype=np.int64)
        cand_scores = scores[candidates]
        if len(candidates) > k:
            top = np.argpartition(-cand_scores, k - 1)[:k]
            candidates, cand_scores = candidates[top], cand_scores[top]
        order = np.lexsort((candidates, -cand_scores))  # best first, ties by row
        return cand_scores[order], candidates[order]

    def save(self, directory: Path) -> list[str]:
        """Plain files: JSON vocabulary + parameters, and one ``.npy`` per array."""
        directory = Path(directory)
        meta = {"format": 1, "k1": self.k1, "b": self.b, "size": self.size, "vocab": self.vocab}
        (directory / META_FILE).write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
        names = [META_FILE]
        for name in ARRAYS:
            np.save(directory / f"keyword_{name}.npy", getattr(self, name), allow_pickle=False)
            names.append(f"keyword_{name}.npy")
        return names

    @classmethod
    def load(cls, directory: Path) -> KeywordIndex:
        directory = Path(directory)
        meta = json.loads((directory / META_FILE).read_text("utf-8"))
        arrays = {name: np.load(directory / f"keyword_{name}.npy", allow_pickle=False)
                  for name in ARRAYS}
        return cls(list(meta["vocab"]), arrays["indptr"], arrays["rows"], arrays["tf"],
                   arrays["doc_len"], float(meta["k1"]), float(meta["b"]))
