"""FAISS dense index: exact answers, filters inside the search, flat and HNSW, save/load."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from duizhao.dense import DenseIndex


def unit_vectors(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


VECTORS = unit_vectors(3000)
FLAT = DenseIndex.build(VECTORS)
ANN = DenseIndex.build(VECTORS, flat_max=100)  # IVF-SQ8 forced on a small index


def exact(query: np.ndarray, k: int, mask: np.ndarray | None) -> np.ndarray:
    scores = VECTORS @ query
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    order = np.argsort(-scores, kind="stable")[:k]
    return order[np.isfinite(scores[order])]


def test_kind_chosen_by_size():
    assert FLAT.kind == "flat" and ANN.kind == "ivf-sq8"


@pytest.mark.parametrize("index", [FLAT, ANN], ids=["flat", "ann"])
def test_unfiltered_matches_exact(index):
    q = VECTORS[7]
    scores, rows = index.search(q, 10)
    assert rows[0] == 7 and np.isclose(scores[0], 1.0, atol=1e-5)
    found = len(set(rows) & set(exact(q, 10, None)))
    assert found == 10 if index is FLAT else found >= 8  # IVF-SQ8: recall on random vectors
    assert np.all(np.diff(scores) <= 1e-6)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), keep=st.floats(0.0005, 0.9), k=st.integers(1, 30),
       ann=st.booleans())
def test_filtered_search_never_leaves_the_filter_and_is_exact(seed, keep, k, ann):
    rng = np.random.default_rng(seed)
    mask = rng.random(len(VECTORS)) < keep
    q = unit_vectors(1, seed=seed + 1)[0]
    index = ANN if ann else FLAT
    scores, rows = index.search(q, k, mask)
    assert np.all(mask[rows])
    assert len(rows) == min(k, int(mask.sum()))
    # a filter keeping ≤ EXACT_FILTER_MAX rows is scored exactly: the same rows as brute force
    assert set(rows) == set(exact(q, k, mask))
    np.testing.assert_allclose(scores, np.sort(VECTORS[rows] @ q)[::-1], atol=1e-6)


def test_broad_filter_through_the_ann_stays_inside_and_is_rescored(monkeypatch):
    """Above the exact threshold the IVF scan takes the filter; scores are exact floats."""
    import duizhao.dense as dense

    monkeypatch.setattr(dense, "EXACT_FILTER_MAX", 10)
    mask = np.random.default_rng(3).random(len(VECTORS)) < 0.5
    q = unit_vectors(1, seed=11)[0]
    scores, rows = ANN.search(q, 20, mask)
    assert len(rows) == 20 and np.all(mask[rows])
    np.testing.assert_allclose(scores, VECTORS[rows] @ q, atol=1e-6)
    assert len(set(rows) & set(exact(q, 20, mask))) >= 15  # recall, not exactness


def test_row_ids_as_allowed_and_empty_filter():
    _, rows = FLAT.search(VECTORS[0], 5, np.array([3, 9, 11]))
    assert set(rows) == {3, 9, 11}
    scores, rows = FLAT.search(VECTORS[0], 5, np.zeros(len(VECTORS), dtype=bool))
    assert len(rows) == 0 and len(scores) == 0


@pytest.mark.parametrize("index", [FLAT, ANN], ids=["flat", "ann"])
def test_save_load_same_results(index, tmp_path):
    names = index.save(tmp_path)
    assert all((tmp_path / name).is_file() for name in names)
    loaded = DenseIndex.load(tmp_path, VECTORS)
    assert loaded.kind == index.kind and loaded.size == index.size
    q = VECTORS[42]
    assert np.array_equal(loaded.search(q, 8)[1], index.search(q, 8)[1])


def test_a_mapped_ann_answers_as_the_read_one(tmp_path, monkeypatch):
    """One ``duizhao search`` maps the IVF lists instead of reading them: same answers,
    filtered or not (the filter goes through faiss's selector either way)."""
    import duizhao.dense as dense

    monkeypatch.setattr(dense, "EXACT_FILTER_MAX", 10)  # the filter goes through the IVF scan
    ANN.save(tmp_path)
    read = DenseIndex.load(tmp_path, VECTORS)
    mapped = DenseIndex.load(tmp_path, VECTORS, mapped=True)
    assert mapped.kind == "ivf-sq8"
    broad = np.zeros(len(VECTORS), dtype=bool)
    broad[::2] = True
    for row in (3, 42, 977):
        for mask in (None, broad):
            a, b = read.search(VECTORS[row], 10, mask), mapped.search(VECTORS[row], 10, mask)
            assert np.array_equal(a[1], b[1]) and np.allclose(a[0], b[0])
            assert row in b[1] or mask is not None


def test_a_supplementary_search_stays_inside_and_may_come_back_short(monkeypatch):
    """Extra candidates for the labels a request implies: the ANN as for an unfiltered query,
    no exact scan behind it, so a narrow pool can return fewer than asked, never a row outside."""
    import duizhao.dense as dense

    monkeypatch.setattr(dense, "EXACT_FILTER_MAX", 10)
    rng = np.random.default_rng(5)
    q = unit_vectors(1, seed=12)[0]
    narrow = rng.random(len(VECTORS)) < 0.02
    scores, rows = ANN.search(q, 50, narrow, exact_max=10, supplement=True)
    full_scores, full_rows = ANN.search(q, 50, narrow, exact_max=10)
    assert np.all(narrow[rows]) and len(rows) <= len(full_rows) == min(50, narrow.sum())
    np.testing.assert_allclose(scores, VECTORS[rows] @ q, atol=1e-6)
    assert set(rows.tolist()) <= set(exact(q, int(narrow.sum()), narrow).tolist())


def test_without_rescoring_the_ann_keeps_its_own_scores_inside_the_filter(monkeypatch):
    """For hybrid search (which scores what it keeps exactly itself) the IVF's candidates
    keep their 8-bit scores: close to the exact ones, best first, never outside the filter."""
    import duizhao.dense as dense

    monkeypatch.setattr(dense, "EXACT_FILTER_MAX", 10)
    mask = np.random.default_rng(4).random(len(VECTORS)) < 0.5
    for row, allowed in ((7, None), (8, mask)):
        q = VECTORS[row]
        scores, rows = ANN.search(q, 20, allowed, rescore=False)
        assert len(rows) == 20 and (allowed is None or np.all(allowed[rows]))
        assert np.all(np.diff(scores) <= 0)
        np.testing.assert_allclose(scores, VECTORS[rows] @ q, atol=0.02)  # SQ8, not exact
        assert not np.allclose(scores, VECTORS[rows] @ q, atol=1e-6)
        assert len(set(rows) & set(ANN.search(q, 20, allowed)[1])) >= 15
