"""Build throughput of ``duizhao build`` with the default encoder (run by hand).

Makes a larger corpus from the sample: ``--copies`` variants of each sample document, every
paragraph of variant N ending with a marker "（第N份）" so that no passage is a verbatim
repeat (the library would otherwise collapse them). Then times ``duizhao build`` end to end
(read, segment, label, embed, tokenize, index, write) in a fresh process.

    /work/venv/bin/python benchmarks/bench_build.py --copies 40
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=40)
    args = parser.parse_args()
    exe = str(Path(sys.executable).parent / "duizhao")
    tmp = Path(tempfile.mkdtemp(prefix="duizhao-build-"))
    try:
        docs = tmp / "docs"
        docs.mkdir()
        for source in sorted((ROOT / "corpus").glob("*.txt")):
            text = source.read_text("utf-8")
            for n in range(args.copies):
                marked = re.sub(r"([。；])\n", rf"\1（第{n}份）\n", text)
                (docs / f"{source.stem}_{n:03d}.txt").write_text(marked, "utf-8")
        load_before = os.getloadavg()
        start = time.perf_counter()
        proc = subprocess.run([exe, "build", str(docs), "--index", str(tmp / "index"), "-q"],
                              capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(proc.stderr)
        passages = sum(1 for _ in (tmp / "index").glob("v-*/passages.jsonl")
                       for _ in _.open("rb"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"date {date.today()}  machine {platform.platform()} {os.cpu_count()} cores")
    print(f"command: duizhao build <{args.copies} copies × 5 sample documents> -q")
    print(f"documents {args.copies * 5}  passages {passages}  wall {seconds:.1f} s  "
          f"throughput {passages / seconds:.0f} passages/s (end to end)")
    print(f"duizhao's own report: {proc.stderr.strip().splitlines()[-1]}")
    print(f"load average before {load_before[0]:.2f}")


if __name__ == "__main__":
    main()
