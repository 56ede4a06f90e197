"""Choose the search settings on the tuning half of the queries only (held-out never read).

    python eval/tune.py                  # coordinate search from the shipped settings
    python eval/tune.py --rounds 3
    python eval/tune.py --folds 3        # also: how well the search itself generalises
    python eval/tune.py --neutral        # start from NEUTRAL (all prior weights 1)

Loads the evaluation library like ``run_eval.py``, keeps only the queries whose ``split`` is
``tune`` (the held-out queries are dropped before anything is scored), and then varies one
setting at a time from the shipped values — the weights of ``data/ranking.toml`` (label
priors, expansion, lookup by meaning, title match, stray lines), fusion weight and depth
(``search.py``), thresholds of query understanding — keeping a change only when it raises the
objective: the mean over kinds of the kind's mean nDCG@5, so every kind of query counts the
same. Prints every step, so the search can be read in full (``eval/results.md`` quotes it).

Settings must also keep two behaviours the test suite checks on the sample corpus
(``tests/test_search.py``): a role-filtered request naming 理论学习 gets a theory point in
its first three, and a keyword search for "四个意识 两个维护" returns passages holding those
words. A setting that breaks either is not taken, whatever it scores (``probes``).

``--folds k`` first runs the same search k times, each time on all tuning queries but one
fold (folds stratified by kind), and scores the fold left out with the settings found
without it. The mean of those scores against the start is an honest estimate of what the
search gains on queries it did not see; a search that only fits noise gains nothing there.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_eval import QUERIES, Query, load_queries, open_library, score_queries  # noqa: E402

GRID: dict[str, list[Any]] = {
    "section_prior": [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0],
    "role_prior": [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0],
    "dimension_prior": [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0],
    "workplace_prior": [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0],
    "elsewhere_penalty": [0.0, 0.5, 1.0, 2.0, 3.0],
    "default_confidence": [0.0, 0.3, 0.5, 0.65, 0.8],
    "dense_weight": [0.5, 0.75, 1.0, 1.25],
    "expansion_weight": [0.0, 0.5, 0.75, 1.0],
    "semantic_weight": [0.0, 0.5, 0.75, 1.0],
    "meaning_min": [0.55, 0.6, 0.65, 0.7],
    "title_weight": [0.0, 0.5, 1.0, 1.5, 2.0],
    "classifier_trust": [0.0, 0.5, 0.7, 0.9],
    "short_penalty": [0.0, 1.0, 2.0, 3.0],
    "depth": [50, 100],
    "loose_share": [0.65, 0.75, 1.01],  # 1.01: loose matching off
}


# --coarse: few degrees of freedom. One scale for all four label priors, and the three
# weights of the signals added in issue 9; everything else stays where it starts.
COARSE: dict[str, list[Any]] = {
    "prior_scale": [0.5, 1.0, 1.5, 2.0, 2.5, 3.0],
    "title_weight": [0.0, 0.5, 1.0],
    "semantic_weight": [0.0, 0.5, 1.0],
    "dense_weight": [0.5, 0.75, 1.0],
}
TIED = {"prior_scale": ("section_prior", "role_prior", "dimension_prior", "workplace_prior")}


def tie(settings: dict[str, Any]) -> dict[str, Any]:
    """``settings`` with tied names (``prior_scale``) spelled out."""
    out = dict(settings)
    for name, members in TIED.items():
        if name in out:
            out.update(dict.fromkeys(members, out[name]))
    return out


def apply(searcher: Any, settings: dict[str, Any]) -> Any:
    """Put ``settings`` in place; returns the Tuning to search with."""
    from duizhao import query, search, semantic, thesaurus

    settings = tie(settings)
    search.DENSE_WEIGHT = settings["dense_weight"]
    search.DEPTH_MIN = settings["depth"]
    thesaurus.LOOSE_SHARE = settings["loose_share"]
    semantic.MEANING_MIN = settings["meaning_min"]
    query.CLASSIFIER_TRUST = settings["classifier_trust"]
    cues = searcher.reader.cues
    searcher.reader.cues = replace(cues, default_confidence=settings["default_confidence"],
                                   default_section=cues.default_section or "problem")
    if settings["default_confidence"] == 0:
        searcher.reader.cues = replace(searcher.reader.cues, default_section=None)
    tuning = searcher.reader.tuning
    return replace(tuning, expansion_weight=settings["expansion_weight"],
                   expansion=settings["expansion_weight"] > 0,
                   semantic_weight=settings["semantic_weight"],
                   section_prior=settings["section_prior"],
                   dimension_prior=settings["dimension_prior"],
                   role_prior=settings["role_prior"],
                   workplace_prior=settings["workplace_prior"],
                   elsewhere_penalty=settings["elsewhere_penalty"],
                   short_penalty=settings["short_penalty"],
                   title_weight=settings["title_weight"])


# A start that favours nothing: every prior weight 1, no title match, the understanding's
# defaults as before issue 9's tuning (for --neutral: does the search find its gains again?)
NEUTRAL: dict[str, Any] = {
    "section_prior": 1.0, "role_prior": 1.0, "dimension_prior": 1.0, "workplace_prior": 1.0,
    "elsewhere_penalty": 0.0, "default_confidence": 0.8, "dense_weight": 0.75,
    "expansion_weight": 1.0, "semantic_weight": 1.0, "meaning_min": 0.65, "title_weight": 0.0,
    "classifier_trust": 0.7, "short_penalty": 1.0, "depth": 100, "loose_share": 0.75}


def shipped(searcher: Any) -> dict[str, Any]:
    from duizhao import query, search, semantic, thesaurus

    t = searcher.reader.tuning
    return {"section_prior": t.section_prior, "role_prior": t.role_prior,
            "dimension_prior": t.dimension_prior, "workplace_prior": t.workplace_prior,
            "elsewhere_penalty": t.elsewhere_penalty,
            "default_confidence": searcher.reader.cues.default_confidence,
            "dense_weight": search.DENSE_WEIGHT, "expansion_weight": t.expansion_weight,
            "semantic_weight": t.semantic_weight, "meaning_min": semantic.MEANING_MIN,
            "title_weight": t.title_weight, "classifier_trust": query.CLASSIFIER_TRUST,
            "short_penalty": t.short_penalty, "depth": search.DEPTH_MIN,
            "loose_share": thesaurus.LOOSE_SHARE}


Measure = Callable[[dict[str, Any], list[Query]], tuple[float, dict[str, float]]]


def probes() -> Callable[[dict[str, Any]], bool]:
    """Whether settings keep the behaviours of ``tests/test_search.py`` on the samples."""
    from duizhao.embed import load_encoder
    from duizhao.ingest import ingest_paths
    from duizhao.search import Filters, Searcher
    from duizhao.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    passages = ingest_paths([Path("corpus")], taxonomy).passages
    encoder = load_encoder(None)
    samples = Searcher(passages, encoder.encode([p.text for p in passages]), encoder, taxonomy)

    def keeps(settings: dict[str, Any]) -> bool:
        samples.reader.tuning = apply(samples, settings)
        theory = samples.search("我是社区党员，平时学习不主动，想写理论学习方面的问题",
                                Filters(role="社区党员"), k=5)
        phrase = samples.search("四个意识 两个维护", k=3, mode="keyword")
        return any(h.passage.dimension.value == "theory" for h in theory.hits[:3]) and all(
            "四个意识" in h.passage.text or "两个维护" in h.passage.text for h in phrase.hits)

    return keeps


def objective(searcher: Any, keeps: Callable[[dict[str, Any]], bool] | None = None) -> Measure:
    def measure(settings: dict[str, Any], queries: list[Query]) -> tuple[float, dict[str, float]]:
        if keeps is not None and not keeps(settings):
            return -1.0, {}
        scores = score_queries(searcher, queries, "hybrid", apply(searcher, settings))
        kinds = sorted({q.kind for q in queries})
        by_kind = {k: float(np.mean([scores[q.id] for q in queries if q.kind == k]))
                   for k in kinds}
        return float(np.mean(list(by_kind.values()))), by_kind

    return measure


def search_settings(measure: Measure, queries: list[Query], start: dict[str, Any],
                    rounds: int, verbose: bool = True,
                    grid: dict[str, list[Any]] | None = None) -> tuple[dict[str, Any], float]:
    """Coordinate search from ``start``: one setting at a time, a change kept only when it
    raises the objective on ``queries``."""
    best = dict(start)
    best_score, by_kind = measure(best, queries)
    if verbose:
        print(f"start {best} → {best_score:.4f} {fmt(by_kind)}")
    for round_ in range(1, rounds + 1):
        changed = False
        for name, values in (grid or GRID).items():
            for value in values:
                if value == best.get(name):
                    continue
                trial = {**best, name: value}
                score, kinds = measure(trial, queries)
                mark = " *" if score > best_score + 1e-4 else ""
                if verbose:
                    print(f"  r{round_} {name}={value}: {score:.4f} {fmt(kinds)}{mark}",
                          flush=True)
                if mark:
                    best, best_score, by_kind, changed = trial, score, kinds, True
        if verbose:
            print(f"round {round_}: {best} → {best_score:.4f} {fmt(by_kind)}", flush=True)
        if not changed:
            break
    return best, best_score


def folds(queries: list[Query], k: int) -> list[list[Query]]:
    """``k`` folds of ``queries``, each kind dealt round-robin in id order."""
    out: list[list[Query]] = [[] for _ in range(k)]
    for kind in sorted({q.kind for q in queries}):
        for i, q in enumerate(sorted((q for q in queries if q.kind == kind),
                                     key=lambda q: q.id)):
            out[i % k].append(q)
    return out


def cross_validate(measure: Measure, queries: list[Query], start: dict[str, Any],
                   k: int, rounds: int, grid: dict[str, list[Any]] | None = None) -> None:
    held_start, held_tuned = [], []
    for i, fold in enumerate(folds(queries, k)):
        rest = [q for q in queries if q not in fold]
        chosen, inside = search_settings(measure, rest, start, rounds, verbose=False, grid=grid)
        before, _ = measure(start, fold)
        after, kinds = measure(chosen, fold)
        held_start.append(before)
        held_tuned.append(after)
        changes = {n: v for n, v in chosen.items() if v != start.get(n)}
        print(f"fold {i + 1}/{k}: tuned on {len(rest)} → {inside:.4f}; left-out {len(fold)} "
              f"queries: start {before:.4f} → tuned {after:.4f} {fmt(kinds)}; {changes}",
              flush=True)
    print(f"cross-validated (mean over folds of the left-out objective): start "
          f"{np.mean(held_start):.4f} → tuned {np.mean(held_tuned):.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--folds", type=int, default=0,
                        help="also cross-validate the search inside the tuning half")
    parser.add_argument("--coarse", action="store_true",
                        help="search only COARSE (one scale for the four label priors …)")
    parser.add_argument("--neutral", action="store_true",
                        help="start from NEUTRAL instead of the shipped settings")
    parser.add_argument("--gold-labels", action="store_true",
                        help="with the development corpus' hand labels (see run_eval.py)")
    args = parser.parse_args()
    queries_path = args.queries.resolve()
    searcher, passages, _ = open_library(None, args.gold_labels)
    queries = [q for q in load_queries(queries_path, passages) if q.split == "tune"]
    print(f"{len(queries)} tuning queries (held-out ones dropped unread)")
    measure = objective(searcher, probes())
    start = dict(NEUTRAL) if args.neutral else shipped(searcher)
    grid = COARSE if args.coarse else GRID
    if args.coarse:
        start["prior_scale"] = start["section_prior"]
    if args.folds > 1:
        cross_validate(measure, queries, start, args.folds, args.rounds, grid)
    search_settings(measure, queries, start, args.rounds, grid=grid)


def fmt(by_kind: dict[str, float]) -> str:
    return " ".join(f"{k[:6]}={v:.3f}" for k, v in by_kind.items())


if __name__ == "__main__":
    main()
