"""Rank fusion: how the dense and keyword result lists become one ranking.

Reciprocal Rank Fusion (Cormack, Clarke & Büttcher, 2009): each list gives a row
``weight / (RRF_K + rank)`` (rank 1-based) and the sums are sorted. It needs no calibration
between cosine similarities and BM25 scores, which live on different scales, and ``RRF_K = 60``
(the paper's value) keeps one list's top rank from outweighing agreement between lists.
"""

from __future__ import annotations

from collections.abc import Sequence

RRF_K = 60


def rrf(ranked_lists: Sequence[Sequence[int]], weights: Sequence[float] | None = None,
        k: int = RRF_K, limit: int | None = None) -> list[tuple[int, float]]:
    """Reciprocal Rank Fusion of ranked row lists: ``(row, score)`` best first, ties by row."""
    weights = list(weights) if weights is not None else [1.0] * len(ranked_lists)
    scores: dict[int, float] = {}
    for weight, rows in zip(weights, ranked_lists, strict=True):
        for rank, row in enumerate(rows, start=1):
            scores[int(row)] = scores.get(int(row), 0.0) + weight / (k + rank)
    fused = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return fused if limit is None else fused[:limit]
