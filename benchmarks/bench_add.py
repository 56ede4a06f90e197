"""Benchmark: adding one document to a ~10,000-passage index vs rebuilding it from scratch.

Target (issue): ``add`` of one new document takes < 5 % of a full rebuild, with the real
default encoder. Run by hand (takes several minutes on 2 cores):

    /work/venv/bin/python benchmarks/bench_add.py [--passages 10000] [--workdir /tmp/bench_add]

Prints a Markdown block for benchmarks/results.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth_corpus import documents, write_corpus  # noqa: E402

from duizhao import library  # noqa: E402
from duizhao.store import open_index  # noqa: E402

PASSAGES_PER_DOC = 16.5  # a little under what the synthetic documents average


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=10_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench_add"))
    args = parser.parse_args()
    work: Path = args.workdir
    shutil.rmtree(work, ignore_errors=True)
    docs = work / "docs"
    count = int(args.passages / PASSAGES_PER_DOC) + 5
    write_corpus(docs, count)
    index = work / "index"

    start = time.perf_counter()
    built = library.build([docs], index, progress=True)
    rebuild = time.perf_counter() - start

    new = work / "new" / "new_document.txt"
    new.parent.mkdir(parents=True)
    new.write_text(next(documents(1, seed=12345)), "utf-8")
    start = time.perf_counter()
    added = library.add([new], index, progress=False)
    add_lib = time.perf_counter() - start

    library.remove([str(new)], index)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "duizhao.cli", "add", str(new), "--index",
                           str(index), "-q"], capture_output=True, text=True)
    add_cli = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr
    total = len(open_index(index, search=False).passages)

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"""
### Adding one document vs a full rebuild ({when})
Machine: {machine}. Command: `python benchmarks/bench_add.py --passages {args.passages}`.
Encoder: {open_index(index, search=False).encoder.name} (real default).

| step | passages | embedded | seconds | share of rebuild |
| --- | ---: | ---: | ---: | ---: |
| full build of {built.documents} synthetic documents | {built.passages} | {built.embedded} \
| {rebuild:.1f} | 100 % |
| `library.add` of 1 new document | {added.passages} | {added.embedded} | {add_lib:.2f} \
| {100 * add_lib / rebuild:.1f} % |
| `duizhao add` of it as a fresh process | {total} | {added.embedded} | {add_cli:.2f} \
| {100 * add_cli / rebuild:.1f} % |

Target < 5 %: {"met" if add_cli < 0.05 * rebuild else "NOT met"}.
""")


if __name__ == "__main__":
    main()
