"""How an understood request is scored: weighted keyword terms and soft label priors.

``Searcher`` calls two things from here. ``prepare`` turns a request into what the searches
need: the keyword terms with weights (the request's own words 1, the thesaurus' formal phrases
``expansion`` × the entry's weight), the text the encoder sees, and the label priors.
``with_priors`` re-orders a scored candidate list: a passage carrying a label the request
implies (a role it states, a section it asks for, the dimension it is about, a document from
the workplace it names) gains ``weight × ln(1 / (1 − confidence))`` standard deviations of the
candidates' scores — the log-odds the recognition adds, so a label said outright counts much
more than a guess. It is a boost on the candidates, never a filter: all lifts together are
bounded (confidence is capped at ``CONFIDENCE_CAP``), so a passage without the label that
matches better by more than that still ranks first. Kinds the user set as filters get no
prior (the filter decides).

The weights (``data/ranking.toml``, ``weights.py``) were chosen on the tuning half of
``eval/queries.jsonl`` only (``eval/results.md`` records the search and both halves).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from duizhao.query import QueryPlan, understand
from duizhao.query_cues import QueryCues, load_query_cues
from duizhao.semantic import MeaningIndex
from duizhao.simplified import to_simplified
from duizhao.taxonomy import Taxonomy
from duizhao.thesaurus import Thesaurus, load_thesaurus
from duizhao.weights import load_weights

SHIPPED = load_weights()


@dataclass(frozen=True)
class Tuning:
    """The knobs of query understanding; ``Searcher.reader.tuning`` holds the one in use.

    Defaults are the shipped weights (``data/ranking.toml``)."""

    understand: bool = True  # False: the request is searched as typed (no plan at all)
    expansion: bool = True  # add the thesaurus' formal phrases to the keyword side
    expansion_weight: float = SHIPPED.expansion  # × the entry's weight (request's words: 1)
    semantic_weight: float = SHIPPED.semantic  # entries met by meaning (0: no lookup)
    dense_phrases: int = 0  # formal phrases appended to the text the encoder sees
    priors: bool = True
    role_prior: float = SHIPPED.role  # × the label's log-odds, in deviations of the scores
    section_prior: float = SHIPPED.section
    dimension_prior: float = SHIPPED.dimension
    workplace_prior: float = SHIPPED.workplace  # documents from the workplace the asker names
    elsewhere_penalty: float = SHIPPED.elsewhere  # … and documents from another kind of place
    preferred_pool: bool = True  # also fetch candidates among passages with the implied labels
    short_penalty: float = SHIPPED.short  # a passage shorter than SHORT_CHARS, in deviations
    title_weight: float = SHIPPED.title  # share of the request's words in a point's title


PLAIN = Tuning(understand=False, expansion=False, semantic_weight=0.0, priors=False,
               preferred_pool=False, short_penalty=0.0, title_weight=0.0)
_CJK = re.compile(r"[\u3400-\u9fff]")
WORD_BANDS = 4  # keyword search: passages holding more of the request's words stay ahead
CONFIDENCE_CAP = 0.95  # no recognition counts as surer than this (bounds every lift)
SHORT_CHARS = 20  # below this a passage is a heading or a fragment, not a point to adapt
POOL_MIN_CONFIDENCE = 0.5  # labels implied at least this surely also widen the candidates


def log_odds(confidence: float) -> float:
    """``ln(1 / (1 − confidence))``: what recognising a label with ``confidence`` adds (0 for
    no confidence, 3.0 at the cap)."""
    return -math.log(1.0 - min(max(confidence, 0.0), CONFIDENCE_CAP))


class RowLabels(Protocol):
    """What the priors need to know about candidate rows (``Searcher`` provides it)."""

    def has_label(self, kind: str, key: str, rows: np.ndarray) -> np.ndarray: ...

    def text_lengths(self, rows: np.ndarray) -> np.ndarray: ...

    def from_documents_using(self, words: tuple[str, ...], minimum: int,
                             rows: np.ndarray) -> np.ndarray: ...

    def passage_texts(self, rows: np.ndarray) -> list[str]: ...

    def point_titles(self, rows: np.ndarray) -> list[str]: ...


class QueryReader:
    """Reads each request for one index: its taxonomy, the query cues and the thesaurus
    (default plus the user's file), loaded once on first use."""

    def __init__(self, taxonomy: Taxonomy, thesaurus_files: Sequence[str | Path] = (),
                 tuning: Tuning | None = None) -> None:
        self.taxonomy = taxonomy
        self.thesaurus_files = list(thesaurus_files)
        self.tuning = tuning or Tuning()
        self._meanings: MeaningIndex | None = None

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

    def meanings(self, encoder: Any) -> MeaningIndex:
        """The thesaurus' everyday wording as vectors of ``encoder`` (built on first use)."""
        if self._meanings is None or self._meanings.encoder_name != encoder.name:
            names = [n for label in self.taxonomy.dimensions.values()
                     for n in (label.name, *label.heading_words)]
            self._meanings = MeaningIndex(self.thesaurus, encoder.name, encoder.encode, names)
        return self._meanings

    def prepare(self, request: str, fixed: Container[str],
                tokenize: Callable[[str], list[str]],
                vector_of: Callable[[str], np.ndarray] | None = None,
                encoder: Any = None) -> PreparedQuery:
        """What the searches need for ``request``. With ``vector_of`` (the searcher's query
        encoder) the query vector is made here, once: the dense search uses it, and with
        ``encoder`` a request in everyday words also meets thesaurus entries by meaning."""
        plan = self.plan(request, fixed)
        vector = None
        if vector_of is not None:
            text = to_simplified(plan.text if plan is not None else request)
            vector = vector_of(text)
            if plan is not None and encoder is not None and self.tuning.semantic_weight > 0 \
                    and self.tuning.expansion:
                index = self.meanings(encoder)
                if not index.in_genre_words(text):
                    plan = plan.with_meanings(index.nearest(vector, plan.entries))
        prepared = prepare(request, plan, tokenize, self.tuning, self.cues.min_mentions,
                           [place.document for place in self.cues.workplaces])
        if vector_of is not None and prepared.dense_text != text:
            vector = vector_of(prepared.dense_text)
        prepared.vector = vector
        return prepared


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
    elsewhere: tuple[tuple[tuple[str, ...], ...], float] = ((), 0.0)  # (other places' words, sink)
    vector: np.ndarray | None = None  # the query vector, when the searcher asked for it
    title_terms: dict[str, float] = field(default_factory=dict)  # term → weight, for titles
    title_weight: float = 0.0
    own_terms: list[str] = field(default_factory=list)  # the request's own words (no expansion)

    @property
    def max_lift(self) -> float:
        """The most the priors lift one passage, in deviations of the candidates' scores."""
        return sum(boost for _, _, boost in self.priors) + (
            self.workplace[2] if self.workplace else 0.0) + self.title_weight


def prepare(request: str, plan: QueryPlan | None, tokenize: Callable[[str], list[str]],
            tuning: Tuning, minimum_mentions: int = 3,
            places: Sequence[tuple[str, ...]] = ()) -> PreparedQuery:
    """Keyword terms with weights, the encoder's text and the priors for ``request``
    (``places``: the document words of every kind of workplace the cues know)."""
    if plan is None:
        terms = tokenize(to_simplified(request))
        return PreparedQuery(request, None, to_simplified(request), terms,
                             dict.fromkeys(terms, 1.0), own_terms=list(dict.fromkeys(terms)))
    text = to_simplified(plan.text)
    own = list(dict.fromkeys(tokenize(text)))
    weights = dict.fromkeys(own, 1.0)
    if tuning.expansion:
        for expansion in plan.expansions:
            weight = expansion.weight * (tuning.semantic_weight if expansion.by == "meaning"
                                         else tuning.expansion_weight)
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
        priors = [(r.kind, r.key, strength[r.kind] * log_odds(r.confidence))
                  for r in plan.recognised if strength[r.kind] > 0]
        sure: dict[str, str] = {r.kind: r.key for r in plan.recognised
                if r.confidence >= POOL_MIN_CONFIDENCE and strength[r.kind] > 0}
        if tuning.preferred_pool and sure:
            pools.append(sure)
            if "role" in sure and len(sure) > 1:  # roles are the least sure labels
                pools.append({k: v for k, v in sure.items() if k != "role"})
    workplace = None
    elsewhere: tuple[tuple[tuple[str, ...], ...], float] = ((), 0.0)
    if tuning.priors and plan.workplace is not None:
        odds = log_odds(plan.workplace_confidence)
        workplace = (plan.workplace.document, minimum_mentions, tuning.workplace_prior * odds)
        others = tuple(words for words in places if words != plan.workplace.document)
        if tuning.elsewhere_penalty and others:
            elsewhere = (others, tuning.elsewhere_penalty * odds)
    return PreparedQuery(request, plan, dense_text, list(weights), weights, priors, pools,
                         tuning.short_penalty, workplace, elsewhere,
                         title_terms=_title_terms(weights, plan, tokenize),
                         title_weight=tuning.title_weight, own_terms=own)


def _title_terms(weights: dict[str, float], plan: QueryPlan,
                 tokenize: Callable[[str], list[str]]) -> dict[str, float]:
    """The keyword terms a point's title is matched against: Chinese words of two characters
    or more, without the words that named the dimension (the dimension prior has counted
    them: "理论学习方面的问题" asks for theory points, not for titles saying 理论学习)."""
    named = plan.get("dimension")
    said = {t for word in named.cue.split("、") for t in tokenize(word)} if named else set()
    return {t: w for t, w in weights.items()
            if len(t) >= 2 and t not in said and _CJK.search(t)}


def keyword_scores(index: Any, query: PreparedQuery) -> np.ndarray:
    """BM25 of every row with each term counted at its weight, in one pass over the terms'
    postings (``KeywordIndex.weighted_scores``)."""
    return np.asarray(index.weighted_scores(query.weights), dtype=np.float32)


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


def rerank(scored: Sequence[tuple[int, float]], query: PreparedQuery, rows_info: RowLabels,
           words_first: bool = False) -> list[tuple[int, float]]:
    """``scored`` (row, score) re-ordered by what the request implies beyond its words: the
    label priors (``with_priors``) and how much of it a point's title says (``title_match``).

    ``words_first`` (keyword search: the user wants their words) keeps passages that hold
    more of the request's own words ahead of those holding fewer (``word_bands``); the
    priors then order passages within a band."""
    out = with_priors(scored, query, rows_info, title_match(scored, query, rows_info))
    if not words_first or len(out) < 2:
        return out
    bands = word_bands([r for r, _ in out], query, rows_info)
    order = sorted(range(len(out)), key=lambda i: -bands[i])  # stable: boosted order kept
    return [out[i] for i in order]


def word_bands(rows: Sequence[int], query: PreparedQuery, rows_info: RowLabels) -> np.ndarray:
    """For each row, which quarter of the request's own words it holds (0–``WORD_BANDS``),
    by the share of its Chinese words of two characters or more, rarer ones counting more."""
    terms = [t for t in query.own_terms if len(t) >= 2 and _CJK.search(t)]
    if not terms:
        return np.zeros(len(rows), dtype=np.int64)
    texts = [to_simplified(t) for t in rows_info.passage_texts(np.asarray(rows, dtype=np.int64))]
    held = np.array([[term in text for term in terms] for text in texts], dtype=bool)
    rarity = np.log1p(len(texts) / (1.0 + held.sum(axis=0)))
    share = held @ rarity / rarity.sum()
    return np.floor(share * WORD_BANDS + 1e-9).astype(np.int64)


def title_match(scored: Sequence[tuple[int, float]], query: PreparedQuery,
                rows_info: RowLabels) -> np.ndarray | None:
    """For each candidate, the weighted share of the request's terms its point title holds
    (0–1; a term rare among the candidates' titles counts more), or None when not used.

    A point's title ("政治理论学习浮于表面") says what the point is about; its body may mention
    the request's words only in passing. Requests in the genre's own words meet titles
    directly; everyday words rarely occur there, so for them this adds little."""
    if not query.title_weight or not query.title_terms or len(scored) < 2:
        return None
    rows = np.fromiter((r for r, _ in scored), dtype=np.int64, count=len(scored))
    titles = rows_info.point_titles(rows)
    terms = list(query.title_terms)
    held = np.array([[term in title for term in terms] for title in titles], dtype=bool)
    found = held.sum(axis=0)
    rarity = np.log1p(len(titles) / (1.0 + found)) * np.array([query.title_terms[t]
                                                                for t in terms])
    return held @ rarity / rarity.sum()


def with_priors(scored: Sequence[tuple[int, float]], query: PreparedQuery,
                rows_info: RowLabels, title: np.ndarray | None = None) -> list[tuple[int, float]]:
    """``scored`` (row, score) re-ordered with the label boosts, best first.

    ``rows_info.has_label(kind, key, rows)`` says which of ``rows`` carry the label. Boosts are
    in standard deviations of the candidates' scores, so they mean the same for fused
    z-scores, cosines and BM25 and for five candidates or five hundred; a passage's boosts
    add up to at most ``query.max_lift`` deviations. So a passage ahead of a labelled one by
    more than that stays ahead: the priors decide close calls and never act as a filter.
    Passages too short to be a point (headings, stray lines) sink ``short_penalty``
    deviations; ``title`` (``title_match``, in the order of ``scored``) adds
    ``title_weight`` × it.
    """
    if not (query.priors or query.short_penalty or query.workplace or title is not None) \
            or len(scored) < 2:
        return list(scored)
    rows = np.fromiter((r for r, _ in scored), dtype=np.int64, count=len(scored))
    scores = np.fromiter((s for _, s in scored), dtype=np.float64, count=len(scored))
    unit = float(scores.std())
    if unit <= 0:
        return list(scored)
    lift = np.zeros(len(rows), dtype=np.float64)
    for kind, key, boost in query.priors:
        lift += boost * rows_info.has_label(kind, key, rows)
    if query.workplace is not None:
        words, minimum, boost = query.workplace
        here = rows_info.from_documents_using(words, minimum, rows)
        lift += boost * here
        others, sink = query.elsewhere
        if sink:
            elsewhere = np.zeros(len(rows), dtype=bool)
            for place in others:
                elsewhere |= rows_info.from_documents_using(place, minimum, rows)
            lift -= sink * (elsewhere & ~here)
    if title is not None:
        lift += query.title_weight * title
    boosted = scores + unit * lift
    if query.short_penalty:
        boosted -= query.short_penalty * unit * (rows_info.text_lengths(rows) < SHORT_CHARS)
    order = np.lexsort((rows, -boosted))
    return [(int(rows[i]), float(boosted[i])) for i in order]
