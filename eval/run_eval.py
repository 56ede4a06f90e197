"""Retrieval evaluation on the sample corpus: nDCG@5 of hybrid, dense, keyword and a baseline.

Usage (from the repository root)::

    /work/venv/bin/python eval/run_eval.py            # print the table
    /work/venv/bin/python eval/run_eval.py --write    # also write eval/results.md
    /work/venv/bin/python eval/run_eval.py --verbose  # per-query figures

Judgments (``eval/queries.jsonl``) name passages by document and a unique text fragment, so
they survive changes to segmentation; the script checks every fragment matches exactly one
passage and stops otherwise. Each query carries the filters a user would set; hybrid, dense
and keyword all search with those filters (outside-filter top-ups count like any hit).

The structure-blind baseline cuts each document into consecutive 150-character windows, embeds
them with the same encoder and ranks them by cosine, without filters. A window takes the grade
of the passage it overlaps most (0 if that passage is not judged); each judged passage is
credited once, so the baseline is measured against the same ideal ranking as the others.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "eval" / "queries.jsonl"
RESULTS = ROOT / "eval" / "results.md"
K = 5
WINDOW = 150
MODES = ("hybrid", "dense", "keyword")


@dataclass
class Query:
    id: str
    text: str
    filters: dict[str, str | None]
    split: str
    grades: dict[str, int]  # passage id → grade


def squash(text: str) -> str:
    return "".join(text.split())


def load_queries(passages: list) -> list[Query]:
    out, problems = [], []
    for line in QUERIES.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        data = json.loads(line)
        grades: dict[str, int] = {}
        for rel in data["relevant"]:
            frag = squash(rel["contains"])
            found = [p for p in passages if p.doc == rel["doc"] and frag in squash(p.text)]
            if len(found) != 1:
                problems.append(f"{data['id']}: {rel['doc']} “{rel['contains']}” matches "
                                f"{len(found)} passages")
                continue
            pid = found[0].id
            grades[pid] = max(grades.get(pid, 0), int(rel["grade"]))
        filters = {key: data.get(key) for key in ("role", "dimension", "section")}
        out.append(Query(data["id"], data["query"], filters, data.get("split", "all"), grades))
    if problems:
        sys.exit("Judgments that do not map to exactly one passage:\n  " + "\n  ".join(problems))
    return out


def ndcg(gains: list[int], ideal: list[int], k: int = K) -> float:
    def dcg(grades: list[int]) -> float:
        return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:k]))

    best = dcg(sorted(ideal, reverse=True))
    return dcg(gains) / best if best > 0 else 0.0


def baseline_windows(passages: list) -> tuple[list[str], list[str | None]]:
    """150-char windows of every document, each with the id of the passage it overlaps most."""
    from duizhao.read import read_document

    texts: list[str] = []
    owners: list[str | None] = []
    by_doc: dict[str, list] = defaultdict(list)
    for p in passages:
        by_doc[p.doc].append(p)
    for doc in sorted(by_doc):
        text = read_document(ROOT / doc, display_path=doc).text
        for start in range(0, len(text), WINDOW):
            end = min(start + WINDOW, len(text))
            if not text[start:end].strip():
                continue
            overlap = {p.id: min(end, p.end) - max(start, p.start) for p in by_doc[doc]}
            best = max(overlap.items(), key=lambda item: item[1], default=(None, 0))
            texts.append(text[start:end])
            owners.append(best[0] if best[1] > 0 else None)
    return texts, owners


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="write eval/results.md")
    parser.add_argument("--verbose", action="store_true", help="per-query nDCG")
    parser.add_argument("--model", default=None, help="encoder (default: usem3)")
    args = parser.parse_args()

    os.chdir(ROOT)  # documents are named corpus/… as a user building from the root would see
    from duizhao.embed import load_encoder
    from duizhao.ingest import ingest_paths
    from duizhao.search import Filters, Searcher
    from duizhao.taxonomy import load_taxonomy

    started = time.perf_counter()
    taxonomy = load_taxonomy()
    passages = ingest_paths([Path("corpus")], taxonomy).passages
    queries = load_queries(passages)
    encoder = load_encoder(args.model)
    searcher = Searcher(passages, encoder.encode([p.text for p in passages]), encoder, taxonomy)

    scores: dict[str, dict[str, float]] = defaultdict(dict)
    for q in queries:
        ideal = list(q.grades.values())
        for mode in MODES:
            result = searcher.search(q.text, Filters(**q.filters), k=K, mode=mode)
            gains = [q.grades.get(hit.passage.id, 0) for hit in result.hits]
            scores[mode][q.id] = ndcg(gains, ideal)
        searcher.fusion = "rrf"  # the documented alternative, reported beside the default
        result = searcher.search(q.text, Filters(**q.filters), k=K, mode="hybrid")
        searcher.fusion = "zscore"
        scores["hybrid-rrf"][q.id] = ndcg([q.grades.get(h.passage.id, 0) for h in result.hits],
                                          ideal)

    windows, owners = baseline_windows(passages)
    wvec = encoder.encode(windows)
    for q in queries:
        order = np.argsort(-(wvec @ encoder.encode([q.text])[0]), kind="stable")
        gains, credited = [], set()
        for row in order[:K]:
            owner = owners[row]
            grade = q.grades.get(owner, 0) if owner not in credited else 0
            credited.add(owner)
            gains.append(grade)
        scores["baseline"][q.id] = ndcg(gains, list(q.grades.values()))

    systems = (*MODES, "hybrid-rrf", "baseline")
    splits = {"all": queries, "tune": [q for q in queries if q.split == "tune"],
              "heldout": [q for q in queries if q.split == "heldout"]}
    table = {name: {s: float(np.mean([scores[s][q.id] for q in qs])) for s in systems}
             for name, qs in splits.items()}
    if args.verbose:
        for q in queries:
            row = "  ".join(f"{s}={scores[s][q.id]:.2f}" for s in systems)
            print(f"{q.id} {q.text[:24]:<24} {row}")
    lines = [f"| split | queries | {' | '.join(systems)} |",
             "|---|---|" + "---|" * len(systems)]
    for name, qs in splits.items():
        lines.append(f"| {name} | {len(qs)} | "
                     + " | ".join(f"{table[name][s]:.3f}" for s in systems) + " |")
    report = "\n".join(lines)
    print(report)
    gain = table["all"]["hybrid"] / max(table["all"]["baseline"], 1e-9) - 1
    print(f"hybrid vs baseline: {gain:+.0%}; windows: {len(windows)}; passages: {len(passages)}; "
          f"{time.perf_counter() - started:.1f} s")
    if args.write:
        write_results(report, gain, len(queries), len(passages), len(windows),
                      encoder.name, args.model)


def write_results(report: str, gain: float, n_queries: int, n_passages: int, n_windows: int,
                  encoder: str, model: str | None) -> None:
    command = "/work/venv/bin/python eval/run_eval.py --write" + (
        f" --model {model}" if model else "")
    RESULTS.write_text(f"""# Retrieval evaluation (nDCG@{K})

- Date: {date.today().isoformat()}
- Machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores
- Command: `{command}`
- Corpus: corpus/ (5 documents, {n_passages} passages); {n_queries} queries in
  `eval/queries.jsonl` with graded judgments (2 = exactly what is needed, 1 = usable),
  each judged passage named by document + a unique text fragment.
- Encoder: {encoder}. Hybrid = relative score fusion: union of both lists' top max(50, 5k)
  rows, each scored exactly by both systems, z-scored per system against the query's
  unfiltered top rows, equal weights (`fusion.zscore_fusion`). `hybrid-rrf` = Reciprocal
  Rank Fusion (k = 60, equal weights) of the same lists, the documented alternative.
- Baseline: structure-blind {WINDOW}-character windows, same encoder, dense, no filters
  ({n_windows} windows).

{report}

Hybrid beats the structure-blind baseline by {gain:+.0%} (all queries).

The split column: odd-numbered queries are `tune`, even-numbered `heldout`. Settings that
were tried while developing (see below) were judged on `tune` only; `heldout` shows the
figures did not come from fitting those queries.

## What was tried
RRF weights dense:keyword (nDCG@5 on tune): 1:1 0.886, 1:1.5 0.876, 1.5:1 0.881, 1:2 0.889,
within one query's worth of noise, so weights stay equal (no fitting). RRF then only tied
keyword search on the held-out half (0.841 vs 0.841): where one list is poor, rank fusion
promotes passages both lists rank in the middle (q04: hybrid-RRF 0.47, keyword 0.77).
Score fusion keeps the margins. Variants (all / tune / held-out):

| variant | all | tune | held-out |
|---|---|---|---|
| z-scores over the candidate pool, equal weights | 0.883 | 0.917 | 0.850 |
| z-scores against the query's unfiltered top rows (chosen) | 0.882 | 0.915 | 0.849 |
| min-max over the pool | 0.883 | 0.919 | 0.847 |
| dense weight 0.4 / 0.6 instead of 0.5 (pool z-scores) | 0.882 / 0.879 | | |

The chosen variant is not the best cell: it is the one that behaves when tight filters leave
2–3 passages (their margins stay real) and puts hits from outside the filters on the same
scale. The weight barely matters. Embedding each point's title as a second vector (max or
mean with the passage vector) and embedding heading + passage lowered dense nDCG (0.715,
0.764, 0.771 vs 0.788), so passages are embedded as they stand. Tokenisation: jieba search
mode with the domain user dictionary (四个意识, 三会一课 … kept whole, sub-words also emitted)
was the first and only setting; the fragments in the judgments were never used to tune
anything.

Reading the figures: keyword search is strong on this corpus because users type the
documents' own set phrases; dense search carries the paraphrases (q02, q16, q19, q33);
hybrid is never far from the better of the two on a query, which is why it is the default.
The baseline loses mostly on filtered queries (it cannot tell 原因剖析 from 存在问题 or a
community member from a department head) and on windows that cut a point in two.
""", encoding="utf-8")


if __name__ == "__main__":
    main()
