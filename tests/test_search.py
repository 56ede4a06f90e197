"""Searcher: exact filters over every combination, RRF properties, de-dup, short results."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from encoder_double import FakeEncoder
from hypothesis import given
from hypothesis import strategies as st

from duizhao.embed import same_encoder
from duizhao.errors import EncoderMismatchError, UsageError
from duizhao.ingest import ingest_paths
from duizhao.models import Label, Passage
from duizhao.search import Filters, Searcher, rrf
from duizhao.taxonomy import load_taxonomy

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
TAXONOMY = load_taxonomy()


@pytest.fixture(scope="module")
def corpus_passages() -> list[Passage]:
    return ingest_paths([CORPUS], TAXONOMY).passages


@pytest.fixture(scope="module")
def fake_searcher(corpus_passages) -> Searcher:
    encoder = FakeEncoder()
    vectors = encoder.encode([p.text for p in corpus_passages])
    return Searcher(corpus_passages, vectors, encoder, TAXONOMY)


@pytest.fixture(scope="module")
def real_searcher(corpus_passages) -> Searcher:
    from duizhao.embed import load_encoder

    encoder = load_encoder(None)
    return Searcher(corpus_passages, encoder.encode([p.text for p in corpus_passages]),
                    encoder, TAXONOMY)


def _values(kind):
    return [None, *TAXONOMY.keys(kind)]


COMBOS = list(itertools.product(_values("role"), _values("section"), _values("dimension")))


@pytest.mark.parametrize("mode", ["hybrid", "dense", "keyword"])
def test_no_filter_violation_over_every_combination(fake_searcher, mode):
    """Exhaustive over role × section × dimension (incl. None): a normal hit is always inside."""
    for role, section, dimension in COMBOS:
        filters = Filters(role=role, section=section, dimension=dimension)
        result = fake_searcher.search("理论学习不深入 四个意识 廉洁", filters, k=5, mode=mode)
        inside = [h for h in result.hits if not h.outside_filters]
        for hit in inside:
            p = hit.passage
            assert role in (None, p.role.value), (filters, p.id)
            assert section in (None, p.section.value), (filters, p.id)
            assert dimension in (None, p.dimension.value), (filters, p.id)
        for hit in result.hits[len(inside):]:
            assert hit.outside_filters
        assert [h.rank for h in result.hits] == list(range(1, len(result.hits) + 1))
        assert len(result.hits) <= 5
        if mode != "keyword":
            assert result.hits, filters  # never silently nothing
        if len(inside) < 5:
            assert result.note, filters


def test_fewer_than_k_note_and_outside_marking(fake_searcher, corpus_passages):
    filters = Filters(role="branch_secretary", section="measure", dimension="integrity")
    matching = sum(1 for p in corpus_passages if p.role.value == "branch_secretary"
                   and p.section.value == "measure" and p.dimension.value == "integrity")
    assert 0 < matching < 5
    result = fake_searcher.search("廉洁自律", filters, k=5)
    assert result.matching == matching
    assert f"{matching}" in result.note and "只有" in result.note
    assert len(result.hits) == 5
    assert [h.outside_filters for h in result.hits] == [False] * matching + [True] * (5 - matching)
    first_outside = result.hits[matching].passage
    assert first_outside.section.value == "measure" and first_outside.dimension.value == "integrity"


def test_chinese_filter_names_resolve(fake_searcher):
    by_key = fake_searcher.search("学习", Filters(role="community_member", dimension="theory"))
    by_name = fake_searcher.search("学习", Filters(role="社区党员", dimension="理论学习"))
    assert [h.passage.id for h in by_key.hits] == [h.passage.id for h in by_name.hits]
    with pytest.raises(UsageError):
        fake_searcher.search("学习", Filters(role="村长"))


def test_bad_mode_k_and_empty_query(fake_searcher):
    with pytest.raises(UsageError):
        fake_searcher.search("学习", mode="fuzzy")
    with pytest.raises(UsageError):
        fake_searcher.search("学习", k=0)
    with pytest.raises(UsageError):
        fake_searcher.search("   ")


def test_paging_with_offset_continues_ranks(fake_searcher):
    first = fake_searcher.search("理论学习", k=3)
    second = fake_searcher.search("理论学习", k=3, offset=3)
    assert [h.rank for h in second.hits] == [4, 5, 6]
    assert not {h.passage.id for h in first.hits} & {h.passage.id for h in second.hits}


@given(st.lists(st.lists(st.integers(0, 40), unique=True, max_size=25), min_size=1, max_size=3),
       st.integers(1, 20))
def test_rrf_subset_sorted_at_most_k(lists, k):
    fused = rrf(lists, limit=k)
    rows = [row for row, _ in fused]
    assert len(fused) <= k
    assert set(rows) <= set(itertools.chain.from_iterable(lists))
    assert len(rows) == len(set(rows))
    scores = [score for _, score in fused]
    assert scores == sorted(scores, reverse=True)


def test_rrf_rewards_agreement():
    fused = dict(rrf([[1, 2, 3], [3, 2, 9]]))
    assert fused[2] > fused[1] and fused[3] > fused[9]


def _copy(p: Passage, text: str, pid: str) -> Passage:
    return Passage(id=pid, doc="other.txt", title="t", role=p.role, section=p.section,
                   dimension=p.dimension, heading=p.heading, text=text, ordinal=0)


def test_near_copies_are_deduplicated():
    encoder = FakeEncoder()
    label = Label("theory")
    base = Passage(id="a", doc="a.txt", title="t", role=Label("community_member"),
                   section=Label("problem"), dimension=label, heading="",
                   text="理论学习不深入，学习主动性不足，缺乏钻研精神。")
    passages = [base, _copy(base, "理论学习不深入，学习主动性不足，缺乏钻研精神！", "b"),
                _copy(base, "廉洁自律意识不强，八项规定执行不严。", "c")]
    searcher = Searcher(passages, encoder.encode([p.text for p in passages]), encoder, TAXONOMY)
    ids = [h.passage.id for h in searcher.search("理论学习 钻研精神", k=3).hits]
    assert ids.count("a") + ids.count("b") == 1 and "c" in ids


def test_context_returns_neighbours_in_order(fake_searcher, corpus_passages):
    target = next(p for p in corpus_passages if p.ordinal >= 3)
    around = fake_searcher.context(target.id, radius=2)
    assert target in around and len(around) == 5
    assert all(p.doc == target.doc for p in around)
    assert [p.ordinal for p in around] == sorted(p.ordinal for p in around)
    with pytest.raises(UsageError):
        fake_searcher.context("0000000000000000")


def test_same_encoder_rules(tmp_path):
    assert same_encoder("usem3", None) and same_encoder("usem3", "use-m3")
    assert not same_encoder("usem3", "sentence-transformers/all-MiniLM-L6-v2")
    assert not same_encoder("/models/minilm", "usem3")
    (tmp_path / "m").mkdir()
    assert same_encoder(str((tmp_path / "m").resolve()), str(tmp_path / "m"))


def test_mismatched_encoder_error_names_both_and_fix(tmp_path, corpus_passages):
    from duizhao.store import EncoderInfo, write_index

    encoder = FakeEncoder()
    vectors = encoder.encode([p.text for p in corpus_passages])
    write_index(tmp_path, corpus_passages, vectors,
                EncoderInfo(encoder.name, encoder.dim, True), TAXONOMY, {})
    with pytest.raises(EncoderMismatchError) as info:
        Searcher.open(tmp_path, model="usem3")
    message = str(info.value)
    assert encoder.name in message and "usem3" in message
    assert "duizhao build --model usem3" in message


# ---------------------------------------------------------------- quality, real encoder


def test_real_hybrid_finds_theory_problem_for_community_member(real_searcher):
    result = real_searcher.search("我是社区党员，平时学习不主动，想写理论学习方面的问题",
                                  Filters(role="社区党员"), k=5)
    assert all(h.passage.role.value == "community_member" for h in result.hits)
    assert any(h.passage.dimension.value == "theory" for h in result.hits[:3])


def test_real_keyword_phrase_query(real_searcher):
    result = real_searcher.search("四个意识 两个维护", k=3, mode="keyword")
    assert all("四个意识" in h.passage.text or "两个维护" in h.passage.text for h in result.hits)


def test_scores_are_finite_and_best_first(real_searcher):
    for mode in ("hybrid", "dense", "keyword"):
        result = real_searcher.search("八项规定 廉洁自律", k=5, mode=mode)
        scores = [h.score for h in result.hits]
        assert all(np.isfinite(scores)) and scores == sorted(scores, reverse=True)
