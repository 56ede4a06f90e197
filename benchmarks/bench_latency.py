"""Warm query latency of ``Searcher.search`` at 1k / 100k / 1M passages (run by hand).

Passages are synthetic: the sample corpus's passages repeated with a unique suffix and random
labels; vectors are random unit 512-d vectors (so the dense side does real FAISS work at that
size); keyword tokens are the real jieba tokens of the repeated passage, so common query terms
hit long posting lists, as they would in a big library of similar documents. The query is
encoded by the real default encoder each time (that cost is part of the latency).

    /work/venv/bin/python benchmarks/bench_latency.py --sizes 1000 100000
    /work/venv/bin/python benchmarks/bench_latency.py --sizes 1000000 --flat

``--flat`` forces the exact index at any size (HNSW build at 1M on 2 cores is long; the
build time at each size is printed). Prints one Markdown table row per size and filter.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def synthetic(n: int, seed: int = 0):  # type: ignore[no-untyped-def]
    from duizhao.ingest import ingest_paths
    from duizhao.models import Label
    from duizhao.taxonomy import load_taxonomy
    from duizhao.tokenize import tokenize

    taxonomy = load_taxonomy()
    base = ingest_paths([ROOT / "corpus"], taxonomy).passages
    base_tokens = [tokenize(p.text) for p in base]
    rng = np.random.default_rng(seed)
    roles, sections, dims = (taxonomy.keys(k) for k in ("role", "section", "dimension"))
    r, s, d = (rng.integers(0, len(x), n) for x in (roles, sections, dims))
    passages, tokens = [], []
    for i in range(n):
        src = base[i % len(base)]
        passages.append(replace(src, id=f"{i:016x}", text=f"{src.text} #{i}", ordinal=i,
                                role=Label(roles[r[i]]), section=Label(sections[s[i]]),
                                dimension=Label(dims[d[i]])))
        tokens.append(base_tokens[i % len(base)])
    vectors = rng.standard_normal((n, 512), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return taxonomy, passages, tokens, vectors


def percentile_ms(samples: list[float], q: float) -> float:
    return float(np.percentile(np.array(samples) * 1000, q))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--flat", action="store_true", help="exact index at every size")
    parser.add_argument("--mode", default="hybrid")
    parser.add_argument("--plain-too", action="store_true",
                        help="also time each row with query understanding off (the reference)")
    args = parser.parse_args()

    from duizhao.dense import DenseIndex
    from duizhao.embed import load_encoder
    from duizhao.keyword import KeywordIndex
    from duizhao.ranking import PLAIN, Tuning
    from duizhao.search import Filters, Searcher

    encoder = load_encoder(None)
    queries = [json.loads(line)["query"] for line in
               (ROOT / "eval" / "queries.jsonl").read_text("utf-8").splitlines() if line]
    print(f"<!-- {date.today()} {platform.platform()} {platform.processor()} "
          f"cmd: {' '.join(sys.argv)} -->")
    print("| passages | index | build s | filter | matching | p50 ms | p95 ms | mode |")
    print("|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        taxonomy, passages, tokens, vectors = synthetic(n)
        t = time.perf_counter()
        dense = DenseIndex.build(vectors, flat_max=10**12 if args.flat else 20_000)
        build_s = time.perf_counter() - t
        keyword = KeywordIndex.build(tokens)
        searcher = Searcher(passages, vectors, encoder, taxonomy, dense, keyword)
        for label, filters in [("none", Filters()),
                               ("role+dimension", Filters(role="community_member",
                                                          dimension="theory")),
                               ("role+section+dim", Filters(role="branch_secretary",
                                                            section="measure",
                                                            dimension="integrity"))]:
            tunings = [("", Tuning())] + ([(" (plain)", PLAIN)] if args.plain_too else [])
            for name, tuning in tunings:  # understanding on, then off, in the same run
                searcher.reader.tuning = tuning
                for q in queries[:5]:  # warm-up
                    searcher.search(q, filters, k=5, mode=args.mode)
                samples = []
                matching = 0
                for i in range(args.queries):
                    t = time.perf_counter()
                    result = searcher.search(queries[i % len(queries)], filters, k=5,
                                             mode=args.mode)
                    samples.append(time.perf_counter() - t)
                    matching = result.matching
                print(f"| {n:,} | {dense.kind} | {build_s:.1f} | {label} | {matching:,} | "
                      f"{percentile_ms(samples, 50):.1f} | {percentile_ms(samples, 95):.1f} | "
                      f"{args.mode}{name} |", flush=True)
        del searcher, dense, keyword, passages, tokens, vectors


if __name__ == "__main__":
    main()
