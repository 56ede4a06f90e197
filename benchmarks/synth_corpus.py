"""Synthetic 对照检查材料 for benchmarks, made from the sample corpus (seeded, reproducible).

Each synthetic document keeps a seed document's structure (title, headings, ordinals) and
refills every point with sentences drawn from the whole corpus, so the segmenter and labeller
see realistic documents while every passage text (and so every passage id) is new.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
_POINT = re.compile(r"^(\s*(?:[一二三四五六七八九十]+是|\d+[.、．]|（\d+）)\s*)(.*)$")


def _seeds() -> tuple[list[list[str]], list[str]]:
    docs = [p.read_text("utf-8").splitlines() for p in sorted(CORPUS.glob("*.txt"))]
    pool = [s + "。" for lines in docs for line in lines for s in line.split("。")
            if len(s) > 12]
    return docs, pool


def documents(count: int, seed: int = 7) -> Iterator[str]:
    """``count`` synthetic documents as text."""
    rng = random.Random(seed)
    docs, pool = _seeds()
    for i in range(count):
        out = []
        for line in docs[i % len(docs)]:
            match = _POINT.match(line)
            if match and len(line) > 25:
                body = "".join(rng.sample(pool, rng.randint(2, 4)))
                out.append(f"{match.group(1)}{body}")
            elif len(line) > 60:
                out.append("".join(rng.sample(pool, rng.randint(2, 3))))
            else:
                out.append(line)
        out.append(f"（材料编号 {i:05d}）")
        yield "\n".join(out) + "\n"


def write_corpus(folder: Path, count: int, seed: int = 7) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, text in enumerate(documents(count, seed)):
        path = folder / f"synth_{i:05d}.txt"
        path.write_text(text, "utf-8")
        paths.append(path)
    return paths
