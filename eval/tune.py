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
    "loose_share": [0.5, 0.6, 0.7, 1.01],  # 1.01: loose matching off
    "expansion_weight": [0.0, 0.2, 0.35, 0.5, 0.7, 1.0],
    "dense_phrases": [0, 1, 2, 4],
    "section_prior": [0.0, 0.3, 0.6, 1.0, 1.5],
    "dimension_prior": [0.0, 0.3, 0.6, 1.0, 1.5],
    "role_prior": [0.0, 0.15, 0.3, 0.6, 1.0],
}


def apply(searcher: Any, settings: dict[str, Any]) -> Any:
    """Put ``settings`` in place; returns the Tuning to search with."""
    from duizhao import search, thesaurus

    search.DENSE_WEIGHT = settings["dense_weight"]
    search.DEPTH_MIN = settings["depth"]
    thesaurus.LOOSE_SHARE = settings["loose_share"]
    tuning = searcher.reader.tuning
    return replace(tuning, expansion_weight=settings["expansion_weight"],
                   expansion=settings["expansion_weight"] > 0,
                   dense_phrases=settings["dense_phrases"],
                   section_prior=settings["section_prior"],
                   dimension_prior=settings["dimension_prior"],
                   role_prior=settings["role_prior"])


def shipped(searcher: Any) -> dict[str, Any]:
    from duizhao import search, thesaurus

    t = searcher.reader.tuning
    return {"dense_weight": search.DENSE_WEIGHT, "depth": search.DEPTH_MIN,
            "loose_share": thesaurus.LOOSE_SHARE, "expansion_weight": t.expansion_weight,
            "dense_phrases": t.dense_phrases, "section_prior": t.section_prior,
            "dimension_prior": t.dimension_prior, "role_prior": t.role_prior}


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
    args = parser.parse_args()
    queries_path = args.queries.resolve()
    searcher, passages, _ = open_library(None)
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
