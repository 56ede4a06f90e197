"""Cold-start wall time of ``duizhao search`` on the sample index (run by hand).

Each run is a fresh process (python start-up, imports, index load, encoder and jieba load,
one query, output), as a user typing the command would see it. The OS file cache is warm
after the first run, as it is for a user searching repeatedly.

    /work/venv/bin/python benchmarks/bench_cold_start.py --runs 15

Builds the sample corpus into a temporary index first (not timed). Prints median, p90,
min and max in seconds, plus the machine load average at the start and end (other work on
a 2-core machine shows directly in these figures).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--query", default="学习不主动 理论联系实际")
    parser.add_argument("--json", action="store_true", help="time --json output instead")
    args = parser.parse_args()
    exe = str(Path(sys.executable).parent / "duizhao")
    tmp = Path(tempfile.mkdtemp(prefix="duizhao-cold-"))
    try:
        index = tmp / "index"
        subprocess.run([exe, "build", str(ROOT / "corpus"), "--index", str(index), "-q"],
                       check=True, capture_output=True)
        cmd = [exe, "search", args.query, "--index", str(index), "--role", "社区党员"]
        if args.json:
            cmd.append("--json")
        subprocess.run(cmd, check=True, capture_output=True)  # warm the OS file cache
        load_before = os.getloadavg()
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        load_after = os.getloadavg()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    times.sort()
    p90 = times[min(len(times) - 1, int(round(0.9 * (len(times) - 1))))]
    print(f"date {date.today()}  machine {platform.platform()} {os.cpu_count()} cores")
    print(f"command: {' '.join(['duizhao', *cmd[1:]])}")
    print(f"runs {len(times)}  median {statistics.median(times):.2f} s  p90 {p90:.2f} s  "
          f"min {times[0]:.2f} s  max {times[-1]:.2f} s")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")


if __name__ == "__main__":
    main()
