"""Check the development corpus's bookkeeping: every document listed and readable in its
declared encoding, every gold point found exactly once (whitespace ignored), splits balanced.

Run: ``python eval/devcorpus/check_gold.py`` (exit 1 and a list of problems if anything is off).
This checks the data only; how well duizhao segments and labels it is measured by the tests.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ROLES = {"community_member", "branch_secretary", "department_head", "unknown"}
SECTIONS = {"intro", "rectification", "problem", "report", "cause", "measure"}
DIMENSIONS = {"theory", "politics", "ability", "responsibility", "style", "integrity", "other"}
ENCODINGS = {"utf-8": "utf-8", "gbk": "gbk", "utf-16": "utf-16", "utf-16-nobom": "utf-16-le"}


def plain_text(path: Path, encoding: str) -> str:
    if encoding == "docx":
        from docx import Document

        return "\n".join(p.text for p in Document(str(path)).paragraphs)
    return path.read_bytes().decode(ENCODINGS[encoding])


def squash(text: str) -> str:
    return "".join(text.split())


def main() -> int:
    problems: list[str] = []
    docs = [json.loads(line) for line in (HERE / "documents.jsonl").open(encoding="utf-8")
            if line.strip()]
    gold = [json.loads(line) for line in (HERE / "gold.jsonl").open(encoding="utf-8")
            if line.strip()]
    listed = {d["doc"] for d in docs}
    texts: dict[str, str] = {}
    for d in docs:
        path = ROOT / d["doc"]
        if d.get("split") not in ("tune", "heldout"):
            problems.append(f"{d['doc']}: split must be tune or heldout")
        if d.get("role") not in ROLES:
            problems.append(f"{d['doc']}: bad role {d.get('role')}")
        if (d.get("role") == "unknown") == bool(d.get("role_evident")):
            problems.append(f"{d['doc']}: role_evident must be false exactly when role is unknown")
        if not path.is_file():
            problems.append(f"{d['doc']}: file missing")
            continue
        try:
            texts[d["doc"]] = squash(plain_text(path, d.get("encoding", "utf-8")))
        except (UnicodeError, KeyError, ValueError) as exc:
            problems.append(f"{d['doc']}: cannot decode as {d.get('encoding')}: {exc}")
    on_disk = {f"eval/devcorpus/docs/{p.name}" for p in (HERE / "docs").iterdir()}
    for extra in sorted(on_disk - listed):
        problems.append(f"{extra}: in docs/ but not in documents.jsonl")
    seen: Counter[tuple[str, str]] = Counter()
    for g in gold:
        where = f"{g.get('doc')}: {g.get('starts')!r}"
        if g.get("doc") not in listed:
            problems.append(f"{where}: document not listed")
            continue
        if g.get("section") not in SECTIONS or g.get("dimension") not in DIMENSIONS:
            problems.append(f"{where}: bad section/dimension")
        if g.get("section") in ("intro", "rectification") and g.get("dimension") != "other":
            problems.append(f"{where}: intro/rectification points are dimension other")
        starts = g.get("starts", "")
        if len(starts) < 8 or starts != squash(starts):
            problems.append(f"{where}: starts must be ≥ 8 characters with no whitespace")
        text = texts.get(g["doc"])
        if text is not None and text.count(starts) != 1:
            problems.append(f"{where}: found {text.count(starts)} times (must be exactly once)")
        seen[(g["doc"], starts)] += 1
    for d in docs:
        if not any(g.get("doc") == d["doc"] for g in gold):
            problems.append(f"{d['doc']}: no gold points")
    splits = Counter(d.get("split") for d in docs)
    points = Counter(next((d["split"] for d in docs if d["doc"] == g["doc"]), "?") for g in gold)
    print(f"{len(docs)} documents {dict(splits)}, {len(gold)} points {dict(points)}")
    print("roles:", dict(Counter((d["split"], d["role"]) for d in docs)))
    for problem in problems:
        print("PROBLEM", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
