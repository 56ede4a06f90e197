"""Relative score fusion (the hybrid default): invariants and the behaviour it exists for."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from duizhao.fusion import rrf, zscore_fusion

SCORES = st.lists(st.floats(min_value=-5, max_value=50, allow_nan=False), min_size=1,
                  max_size=30)


@given(SCORES, st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=40))
def test_zscore_fusion_is_a_sorted_subset_at_most_k(dense: list[float], seed: int,
                                                     k: int) -> None:
    rng = np.random.default_rng(seed)
    pool = rng.choice(10_000, size=len(dense), replace=False)
    keyword = rng.random(len(dense)) * 10
    fused = zscore_fusion(pool, [np.array(dense), keyword], limit=k)
    assert len(fused) == min(k, len(dense))
    assert {row for row, _ in fused} <= set(pool.tolist())
    assert len({row for row, _ in fused}) == len(fused)
    values = [score for _, score in fused]
    assert values == sorted(values, reverse=True)


def test_a_wide_margin_in_one_system_is_kept() -> None:
    """Row 7 is keyword's clear winner and mid-table for dense; rank fusion buries it."""
    pool = list(range(10))
    dense = np.linspace(0.70, 0.50, 10)  # row 0 best … row 9 worst; row 7 is 8th
    keyword = np.array([1.2, 1.0, 1.1, 0.9, 0.8, 0.7, 0.6, 20.0, 0.5, 0.4])
    assert zscore_fusion(pool, [dense, keyword])[0][0] == 7
    dense_order = pool
    keyword_order = [int(i) for i in np.argsort(-keyword)]
    assert rrf([dense_order, keyword_order])[0][0] == 0


def test_a_flat_system_contributes_nothing() -> None:
    fused = zscore_fusion([4, 5, 6], [np.array([0.1, 0.9, 0.5]), np.zeros(3)])
    assert [row for row, _ in fused] == [5, 6, 4]
    assert zscore_fusion([], [np.empty(0), np.empty(0)]) == []
