"""The query-understanding sets keep their conventions: 240 requests, unique ids, labels that
exist in the taxonomy and query cues, each kind split half tune half held-out, and every
dimension gold often enough to be measured. Two sets, written by different hands: the second
(understanding_b.jsonl) blind to the first, the thesaurus and the cue file, so a fix chosen on
one can be checked on the other."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from duizhao.query_cues import load_query_cues
from duizhao.taxonomy import load_taxonomy

EVAL = Path(__file__).resolve().parents[1] / "eval"
# set file → the fewest times each real dimension is gold in it
SETS = {"understanding.jsonl": 20, "understanding_b.jsonl": 30}
KINDS = {"set_phrase", "description", "paraphrase", "role_request"}
FIELDS = {"id", "kind", "split", "request", "role", "section", "dimension", "workplace"}
REAL_DIMENSIONS = ("theory", "politics", "ability", "responsibility", "style", "integrity")
TAX = load_taxonomy()


@pytest.fixture(scope="module", params=sorted(SETS))
def named_rows(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    text = (EVAL / request.param).read_text(encoding="utf-8")
    return request.param, [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def rows(named_rows: tuple[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return named_rows[1]


def test_240_requests_with_unique_ids_and_requests(rows: list[dict[str, Any]]) -> None:
    assert len(rows) == 240
    assert len({r["id"] for r in rows}) == 240
    assert len({r["request"].strip() for r in rows}) == 240
    assert all(set(r) == FIELDS for r in rows)
    assert all(isinstance(r["request"], str) and r["request"].strip() for r in rows)


def test_labels_are_known_keys(rows: list[dict[str, Any]]) -> None:
    workplaces = {w.key for w in load_query_cues(taxonomy=TAX).workplaces}
    for r in rows:
        assert r["kind"] in KINDS, r["id"]
        assert r["split"] in ("tune", "heldout"), r["id"]
        assert r["role"] is None or r["role"] in TAX.roles, r["id"]
        assert r["section"] in TAX.sections, r["id"]  # never null: problem is the default
        assert r["dimension"] is None or r["dimension"] in TAX.dimensions, r["id"]
        assert r["workplace"] is None or r["workplace"] in workplaces, r["id"]


def test_each_kind_is_half_tune_half_heldout(rows: list[dict[str, Any]]) -> None:
    per_kind = Counter((r["kind"], r["split"]) for r in rows)
    for kind in KINDS:
        assert per_kind[(kind, "tune")] == per_kind[(kind, "heldout")] > 0, kind


def test_every_dimension_is_gold_often_enough(
        named_rows: tuple[str, list[dict[str, Any]]]) -> None:
    name, rows = named_rows
    counts = Counter(r["dimension"] for r in rows)
    for key in REAL_DIMENSIONS:
        assert counts[key] >= SETS[name], (name, key, counts[key])
    assert counts[None] > 0  # some requests name no dimension at all


def test_the_set_varies_what_a_search_box_gets(rows: list[dict[str, Any]]) -> None:
    sections = Counter(r["section"] for r in rows)
    assert {"problem", "cause", "measure", "intro", "rectification"} <= set(sections)
    assert sections["measure"] >= 25 and sections["cause"] >= 20
    assert all(r["role"] for r in rows if r["kind"] == "role_request")
    assert len({r["workplace"] for r in rows} - {None}) >= 8
    traditional = "學習書記廉潔問題對為後麼"
    assert sum(any(ch in r["request"] for ch in traditional) for r in rows) >= 5
