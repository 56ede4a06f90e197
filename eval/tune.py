"""Choose the search settings on the tuning half of the queries only (held-out never read).

    python eval/tune.py                 # coordinate search from the shipped settings
    python eval/tune.py --rounds 3

Loads the evaluation library like ``run_eval.py``, keeps only the queries whose ``split`` is
``tune`` (the held-out queries are dropped before anything is scored), and then varies one
setting at a time from the shipped values — fusion weights and depth (``search.py``), the
thesaurus' loose matching (``thesaurus.py``), expansion weight, encoder phrases and label
prior strengths (``ranking.Tuning``) — keeping a change only when it raises the objective:
the mean over kinds of the kind's mean nDCG@5, so every kind of query counts the same. Prints
every step, so the search can be read in full (``eval/results.md`` quotes it).
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
    "dense_weight": [0.25, 0.5, 0.75, 1.0, 1.25],
    "depth": [30, 50, 100],
    "loose_share": [0.6, 0.65, 0.7, 0.75, 1.01],  # 1.01: loose matching off
    "dimension_min": [0.25, 0.3, 0.35, 0.45],
    "expansion_weight": [0.0, 0.2, 0.35, 0.5, 0.7, 1.0],
    "dense_phrases": [0, 1, 2, 4],
    "section_prior": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75],
    "dimension_prior": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75],
    "role_prior": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75],
    "default_confidence": [0.0, 0.3, 0.5, 0.8],
    "preferred_pool": [False, True],
    "short_penalty": [0.0, 0.25, 0.5, 1.0],
    "workplace_prior": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5],
    "max_lift": [0.5, 0.6, 0.75, 0.9],
}


def apply(searcher: Any, settings: dict[str, Any]) -> Any:
    """Put ``settings`` in place; returns the Tuning to search with."""
    from duizhao import query, ranking, search, thesaurus

    ranking.MAX_LIFT = settings["max_lift"]
    search.DENSE_WEIGHT = settings["dense_weight"]
    query.DIMENSION_MIN = settings["dimension_min"]
    search.DEPTH_MIN = settings["depth"]
    thesaurus.LOOSE_SHARE = settings["loose_share"]
    cues = searcher.reader.cues
    searcher.reader.cues = replace(cues, default_confidence=settings["default_confidence"],
                                   default_section=cues.default_section or "problem")
    if settings["default_confidence"] == 0:
        searcher.reader.cues = replace(searcher.reader.cues, default_section=None)
    tuning = searcher.reader.tuning
    return replace(tuning, expansion_weight=settings["expansion_weight"],
                   expansion=settings["expansion_weight"] > 0,
                   dense_phrases=settings["dense_phrases"],
                   section_prior=settings["section_prior"],
                   dimension_prior=settings["dimension_prior"],
                   role_prior=settings["role_prior"],
                   preferred_pool=settings["preferred_pool"],
                   short_penalty=settings["short_penalty"],
                   workplace_prior=settings["workplace_prior"])


def shipped(searcher: Any) -> dict[str, Any]:
    from duizhao import query, ranking, search, thesaurus

    t = searcher.reader.tuning
    return {"dense_weight": search.DENSE_WEIGHT, "depth": search.DEPTH_MIN,
            "max_lift": ranking.MAX_LIFT,
            "dimension_min": query.DIMENSION_MIN,
            "loose_share": thesaurus.LOOSE_SHARE, "expansion_weight": t.expansion_weight,
            "dense_phrases": t.dense_phrases, "section_prior": t.section_prior,
            "dimension_prior": t.dimension_prior, "role_prior": t.role_prior,
            "default_confidence": searcher.reader.cues.default_confidence,
            "preferred_pool": t.preferred_pool, "short_penalty": t.short_penalty,
            "workplace_prior": t.workplace_prior}


def objective(searcher: Any, queries: list[Query]) -> Callable[[dict[str, Any]], tuple]:
    kinds = sorted({q.kind for q in queries})

    def measure(settings: dict[str, Any]) -> tuple[float, dict[str, float]]:
        scores = score_queries(searcher, queries, "hybrid", apply(searcher, settings))
        by_kind = {k: float(np.mean([scores[q.id] for q in queries if q.kind == k]))
                   for k in kinds}
        return float(np.mean(list(by_kind.values()))), by_kind

    return measure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--gold-labels", action="store_true",
                        help="with the development corpus' hand labels (see run_eval.py)")
    args = parser.parse_args()
    queries_path = args.queries.resolve()
    searcher, passages, _ = open_library(None, args.gold_labels)
    queries = [q for q in load_queries(queries_path, passages) if q.split == "tune"]
    print(f"{len(queries)} tuning queries (held-out ones dropped unread)")
    measure = objective(searcher, queries)
    best = shipped(searcher)
    best_score, by_kind = measure(best)
    print(f"start {best} → {best_score:.4f} {fmt(by_kind)}")
    for round_ in range(1, args.rounds + 1):
        changed = False
        for name, values in GRID.items():
            for value in values:
                if value == best[name]:
                    continue
                trial = {**best, name: value}
                score, kinds = measure(trial)
                mark = " *" if score > best_score + 1e-4 else ""
                print(f"  r{round_} {name}={value}: {score:.4f} {fmt(kinds)}{mark}")
                if mark:
                    best, best_score, by_kind, changed = trial, score, kinds, True
        print(f"round {round_}: {best} → {best_score:.4f} {fmt(by_kind)}")
        if not changed:
            break


def fmt(by_kind: dict[str, float]) -> str:
    return " ".join(f"{k[:6]}={v:.3f}" for k, v in by_kind.items())


if __name__ == "__main__":
    main()
