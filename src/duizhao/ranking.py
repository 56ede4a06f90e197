"""How an understood request is scored: weighted keyword terms and soft label priors.

``Searcher`` calls two things from here. ``prepare`` turns a request into what the searches
need: the keyword terms with weights (the request's own words 1, the thesaurus' formal phrases
``expansion_weight`` × the entry's weight), the text the encoder sees, and the label priors.
``with_priors`` re-orders a scored candidate list: a passage carrying a label the request
implies (a role it states, a section it asks for, the dimension it is about) gains
``strength × confidence`` standard deviations of the candidates' scores. It is a boost on the
candidates the searches found, never a filter, so a passage without the label that matches far
better still ranks first. Kinds the user set as filters get no prior (the filter decides).

The settings in ``Tuning`` were chosen on the tuning half of ``eval/queries.jsonl`` only
(``eval/results.md`` records the search and both halves).
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from duizhao.query import QueryPlan, understand
from duizhao.query_cues import QueryCues, load_query_cues
from duizhao.simplified import to_simplified
from duizhao.taxonomy import Taxonomy
from duizhao.thesaurus import Thesaurus, load_thesaurus


@dataclass(frozen=True)
class Tuning:
    """The knobs of query understanding; ``Searcher.tuning`` holds the one in use."""

    understand: bool = True  # False: the request is searched as typed (no plan at all)
    expansion: bool = True  # add the thesaurus' formal phrases to the keyword side
    expansion_weight: float = 0.5  # × the entry's weight, against 1 for the request's words
    dense_phrases: int = 0  # formal phrases appended to the text the encoder sees
    priors: bool = True
    role_prior: float = 0.3  # in standard deviations of the candidates' scores, × confidence
    section_prior: float = 0.6
    dimension_prior: float = 0.6


PLAIN = Tuning(understand=False, expansion=False, priors=False)


class QueryReader:
    """Reads each request for one index: its taxonomy, the query cues and the thesaurus
    (default plus the user's file), loaded once on first use."""

    def __init__(self, taxonomy: Taxonomy, thesaurus_files: Sequence[str | Path] = (),
                 tuning: Tuning | None = None) -> None:
        self.taxonomy = taxonomy
        self.thesaurus_files = list(thesaurus_files)
        self.tuning = tuning or Tuning()

    @cached_property
    def cues(self) -> QueryCues:
        return load_query_cues(taxonomy=self.taxonomy)

    @cached_property
    def thesaurus(self) -> Thesaurus:
        return load_thesaurus(self.thesaurus_files, taxonomy=self.taxonomy)

    def plan(self, request: str, fixed: Container[str] = ()) -> QueryPlan | None:
        """The understood request, or None when understanding is off."""
        if not self.tuning.understand:
            return None
        return understand(request, self.taxonomy, self.cues, self.thesaurus, fixed)

    def prepare(self, request: str, fixed: Container[str],
                tokenize: Callable[[str], list[str]]) -> PreparedQuery:
        return prepare(request, self.plan(request, fixed), tokenize, self.tuning)


@dataclass
class PreparedQuery:
    """What the dense and keyword searches need for one request."""

    request: str
    plan: QueryPlan | None
    dense_text: str
    terms: list[str]  # every keyword term, for highlighting
    weights: dict[str, float] = field(default_factory=dict)  # term → weight (1 = plain)
    priors: list[tuple[str, str, float]] = field(default_factory=list)  # (kind, key, boost)


def prepare(request: str, plan: QueryPlan | None, tokenize: Callable[[str], list[str]],
            tuning: Tuning) -> PreparedQuery:
    """Keyword terms with weights, the encoder's text and the priors for ``request``."""
    if plan is None:
        terms = tokenize(to_simplified(request))
        return PreparedQuery(request, None, to_simplified(request), terms,
                             dict.fromkeys(terms, 1.0))
    text = to_simplified(plan.text)
    weights = dict.fromkeys(tokenize(text), 1.0)
    if tuning.expansion:
        for expansion in plan.expansions:
            weight = tuning.expansion_weight * expansion.weight
            for term in tokenize(expansion.phrase):
                if weights.get(term, 0.0) < weight:
                    weights[term] = weight
    dense_text = text
    if tuning.dense_phrases and plan.expansions:
        dense_text += " " + " ".join(e.phrase for e in plan.expansions[:tuning.dense_phrases])
    priors: list[tuple[str, str, float]] = []
    if tuning.priors:
        strength = {"role": tuning.role_prior, "section": tuning.section_prior,
                    "dimension": tuning.dimension_prior}
        priors = [(r.kind, r.key, strength[r.kind] * r.confidence) for r in plan.recognised
                  if strength[r.kind] > 0]
    return PreparedQuery(request, plan, dense_text, list(weights), weights, priors)


def keyword_scores(index: Any, query: PreparedQuery) -> np.ndarray:
    """BM25 of every row with each term counted at its weight.

    Terms of equal weight are scored together through the index's own ``scores``, so this
    works with any keyword index that scores a list of terms (a handful of weights per query).
    """
    groups: dict[float, list[str]] = {}
    for term, weight in query.weights.items():
        groups.setdefault(weight, []).append(term)
    total: np.ndarray | None = None
    for weight, terms in groups.items():
        scores = np.asarray(index.scores(terms), dtype=np.float32)
        part = scores if weight == 1.0 else scores * np.float32(weight)
        total = part if total is None else total + part
    return total if total is not None else np.asarray(index.scores([]), dtype=np.float32)


def with_priors(scored: Sequence[tuple[int, float]], query: PreparedQuery,
                has_label: Callable[[str, str, np.ndarray], np.ndarray]
                ) -> list[tuple[int, float]]:
    """``scored`` (row, score) re-ordered with the label boosts, best first.

    ``has_label(kind, key, rows)`` says which of ``rows`` carry the label. The boost is in
    units of the candidates' own score spread, so it means the same for fused z-scores, cosines
    and BM25.
    """
    if not query.priors or len(scored) < 2:
        return list(scored)
    rows = np.fromiter((r for r, _ in scored), dtype=np.int64, count=len(scored))
    scores = np.fromiter((s for _, s in scored), dtype=np.float64, count=len(scored))
    spread = float(scores.std())
    if spread <= 0:
        return list(scored)
    boosted = scores.copy()
    for kind, key, boost in query.priors:
        boosted += boost * spread * has_label(kind, key, rows)
    order = np.lexsort((rows, -boosted))
    return [(int(rows[i]), float(boosted[i])) for i in order]
