"""How an understood request is scored: weighted keyword terms and soft label priors.

``Searcher`` calls two things from here. ``prepare`` turns a request into what the searches
need: the keyword terms with weights (the request's own words 1, the thesaurus' formal phrases
``expansion_weight`` × the entry's weight), the text the encoder sees, and the label priors.
``with_priors`` re-orders a scored candidate list: a passage carrying a label the request
implies (a role it states, a section it asks for, the dimension it is about, a document from
the workplace it names) gains ``strength × confidence`` of the candidates' score range, at
most ``MAX_LIFT`` in all. It is a boost on the candidates, never a filter, so a passage
without the label that matches far better still ranks first. Kinds the user set as filters
get no prior (the filter decides).

The settings in ``Tuning`` were chosen on the tuning half of ``eval/queries.jsonl`` only
(``eval/results.md`` records the search and both halves).
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

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
    expansion_weight: float = 1.0  # × the entry's weight, against 1 for the request's words
    dense_phrases: int = 0  # formal phrases appended to the text the encoder sees
    priors: bool = True
    role_prior: float = 0.1  # shares of the candidates' score range, × confidence
    section_prior: float = 0.4
    dimension_prior: float = 0.1
    workplace_prior: float = 0.3  # passages of documents from the workplace the asker names
    preferred_pool: bool = True  # also fetch candidates among passages with the implied labels
    short_penalty: float = 1.0  # a passage shorter than SHORT_CHARS (a heading, a stray line)


PLAIN = Tuning(understand=False, expansion=False, priors=False, preferred_pool=False,
               short_penalty=0.0)
MAX_LIFT = 0.75  # the most all priors together lift a passage, as a share of the score range
SHORT_CHARS = 20  # below this a passage is a heading or a fragment, not a point to adapt
POOL_MIN_CONFIDENCE = 0.5  # labels implied at least this surely also widen the candidates


class RowLabels(Protocol):
    """What the priors need to know about candidate rows (``Searcher`` provides it)."""

    def has_label(self, kind: str, key: str, rows: np.ndarray) -> np.ndarray: ...

    def text_lengths(self, rows: np.ndarray) -> np.ndarray: ...

    def from_documents_using(self, words: tuple[str, ...], minimum: int,
                             rows: np.ndarray) -> np.ndarray: ...


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
        return prepare(request, self.plan(request, fixed), tokenize, self.tuning,
                       self.cues.min_mentions)


@dataclass
class PreparedQuery:
    """What the dense and keyword searches need for one request."""

    request: str
    plan: QueryPlan | None
    dense_text: str
    terms: list[str]  # every keyword term, for highlighting
    weights: dict[str, float] = field(default_factory=dict)  # term → weight (1 = plain)
    priors: list[tuple[str, str, float]] = field(default_factory=list)  # (kind, key, boost)
    pool_labels: list[dict[str, str]] = field(default_factory=list)  # label sets to fetch from
    short_penalty: float = 0.0
    workplace: tuple[tuple[str, ...], int, float] | None = None  # (document words, min, boost)


def prepare(request: str, plan: QueryPlan | None, tokenize: Callable[[str], list[str]],
            tuning: Tuning, minimum_mentions: int = 3) -> PreparedQuery:
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
    pools: list[dict[str, str]] = []
    if tuning.priors:
        strength = {"role": tuning.role_prior, "section": tuning.section_prior,
                    "dimension": tuning.dimension_prior}
        priors = [(r.kind, r.key, strength[r.kind] * r.confidence) for r in plan.recognised
                  if strength[r.kind] > 0]
        sure: dict[str, str] = {r.kind: r.key for r in plan.recognised
                if r.confidence >= POOL_MIN_CONFIDENCE and strength[r.kind] > 0}
        if tuning.preferred_pool and sure:
            pools.append(sure)
            if "role" in sure and len(sure) > 1:  # roles are the least sure labels
                pools.append({k: v for k, v in sure.items() if k != "role"})
    workplace = None
    if tuning.priors and tuning.workplace_prior and plan.workplace is not None:
        workplace = (plan.workplace.document, minimum_mentions,
                     tuning.workplace_prior * plan.workplace_confidence)
    return PreparedQuery(request, plan, dense_text, list(weights), weights, priors, pools,
                         tuning.short_penalty, workplace)


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


def preferred_masks(query: PreparedQuery, mask: np.ndarray | None,
                    mask_of: Callable[..., np.ndarray | None]) -> list[np.ndarray]:
    """Row masks (within ``mask``) of the passages carrying the labels the request implies.

    Searching these as well puts the passages the priors favour among the candidates even when
    the request's words alone would not fetch them ("我是社区党员，帮我找几条理论学习方面的整改
    措施" leaves only 理论学习 to match). It adds candidates; it never removes one.
    ``mask_of(role=…, section=…, dimension=…)`` is the searcher's filter mask.
    """
    out = []
    for labels in query.pool_labels:
        wanted = mask_of(**labels)
        if wanted is None:
            continue
        if mask is not None:
            wanted = wanted & mask
        if wanted.any():
            out.append(wanted)
    return out


def merged(results: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Several ``(scores, rows)`` searches as one, each row once, best first."""
    if len(results) == 1:
        return results[0]
    scores = np.concatenate([np.asarray(s, dtype=np.float64) for s, _ in results])
    rows = np.concatenate([np.asarray(r, dtype=np.int64) for _, r in results])
    order = np.lexsort((rows, -scores))
    _, first = np.unique(rows[order], return_index=True)
    keep = order[np.sort(first)]
    return scores[keep].astype(np.float32), rows[keep]


def with_priors(scored: Sequence[tuple[int, float]], query: PreparedQuery,
                rows_info: RowLabels) -> list[tuple[int, float]]:
    """``scored`` (row, score) re-ordered with the label boosts, best first.

    ``rows_info.has_label(kind, key, rows)`` says which of ``rows`` carry the label. Boosts are
    fractions of the candidates' score range (best minus worst), so they mean the same for
    fused z-scores, cosines and BM25 and for five candidates or five hundred; all of a
    passage's boosts together lift it by at most ``MAX_LIFT`` of that range. So a passage
    ahead of a labelled one by more than ``MAX_LIFT`` of the range stays ahead: the priors
    decide close calls and never act as a filter. Passages too short to be a point (headings,
    stray lines) lose ``short_penalty`` of the range.
    """
    if not (query.priors or query.short_penalty or query.workplace) or len(scored) < 2:
        return list(scored)
    rows = np.fromiter((r for r, _ in scored), dtype=np.int64, count=len(scored))
    scores = np.fromiter((s for _, s in scored), dtype=np.float64, count=len(scored))
    spread = float(scores.max() - scores.min())
    if spread <= 0:
        return list(scored)
    lift = np.zeros(len(rows), dtype=np.float64)
    for kind, key, boost in query.priors:
        lift += boost * rows_info.has_label(kind, key, rows)
    if query.workplace is not None:
        words, minimum, boost = query.workplace
        lift += boost * rows_info.from_documents_using(words, minimum, rows)
    boosted = scores + spread * np.minimum(lift, MAX_LIFT)
    if query.short_penalty:
        boosted -= query.short_penalty * spread * (rows_info.text_lengths(rows) < SHORT_CHARS)
    order = np.lexsort((rows, -boosted))
    return [(int(rows[i]), float(boosted[i])) for i in order]
