"""How well duizhao cuts and labels the development corpus: points found, section, dimension, role.

Run: ``python eval/devcorpus/score.py [tune|heldout]`` (both halves by default; ``-v`` lists
every miss). ``tests/test_label_accuracy_dev.py`` asserts the targets on both halves.

Each half is treated as one library, the way ``duizhao build`` sees it: every document is read,
cleaned, segmented and labelled, then ``label.refine_library`` relabels weak dimension guesses
with the classifier retrained on the library's own confident passages. A gold point is *found*
when exactly one passage of its document starts with it (whitespace ignored); section and
dimension are counted over all gold points (a point not found counts as wrong). Roles are per
document: right when the text says who wrote it (``role_evident``) and duizhao agrees, and for
the rest when duizhao says ``unknown``.

A file today's readers reject but whose encoding the corpus declares (UTF-16 without a BOM) is
decoded here from the declared encoding, so its labels are still measured; ``unread`` names it.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from duizhao.clean import clean
from duizhao.errors import ReadError
from duizhao.ingest import DocumentInfo, ingest_file
from duizhao.label import label_document, refine_library
from duizhao.models import Passage, SourceText
from duizhao.segment import segment
from duizhao.taxonomy import Taxonomy, load_taxonomy

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
_DECLARED = {"utf-16-nobom": "utf-16-le", "utf-16": "utf-16", "gbk": "gb18030", "utf-8": "utf-8"}


@dataclass
class Score:
    split: str
    points: int = 0
    found: int = 0
    section: int = 0
    dimension: int = 0
    evident: int = 0
    evident_right: int = 0
    unknown: int = 0
    unknown_right: int = 0
    unread: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    def share(self, part: int, whole: int) -> float:
        return part / whole if whole else 1.0

    def line(self) -> str:
        return (f"{self.split}: points found {self.found}/{self.points} "
                f"({self.share(self.found, self.points):.1%}), section "
                f"{self.share(self.section, self.points):.1%}, dimension "
                f"{self.share(self.dimension, self.points):.1%}, role {self.evident_right}/"
                f"{self.evident} evident, {self.unknown_right}/{self.unknown} unknown"
                + (f"; decoded here: {', '.join(self.unread)}" if self.unread else ""))


def _squash(text: str) -> str:
    return "".join(text.split())


def _ingest(doc: dict[str, str], taxonomy: Taxonomy, score: Score
            ) -> tuple[DocumentInfo, list[Passage]]:
    path = ROOT / doc["doc"]
    try:
        return ingest_file(path, taxonomy, display_path=doc["doc"])
    except ReadError:
        if doc["encoding"] not in _DECLARED:
            raise
    score.unread.append(Path(doc["doc"]).name)
    text = path.read_bytes().decode(_DECLARED[doc["encoding"]]).replace("\r\n", "\n")
    source = clean(SourceText(doc["doc"], text, "txt", doc["encoding"]))
    title, segments = segment(source, taxonomy)
    passages = label_document(source, title, segments, taxonomy)
    role = passages[0].role
    return DocumentInfo(doc["doc"], source.content_hash, title, role, "txt", doc["encoding"],
                        len(passages), True), passages


def score_split(split: str) -> Score:
    """Ingest one half as a library and compare it with the gold labels."""
    taxonomy = load_taxonomy()
    docs = [json.loads(line) for line in (HERE / "documents.jsonl").open(encoding="utf-8")]
    gold = [json.loads(line) for line in (HERE / "gold.jsonl").open(encoding="utf-8")]
    score = Score(split)
    library: dict[str, Passage] = {}
    by_doc: dict[str, list[str]] = {}
    roles: dict[str, str] = {}
    for doc in docs:
        if doc["split"] != split:
            continue
        info, passages = _ingest(doc, taxonomy, score)
        roles[doc["doc"]] = info.role.value
        by_doc[doc["doc"]] = [p.id for p in passages]
        for p in passages:
            library.setdefault(p.id, p)
    refine_library(library, taxonomy)
    for doc in docs:
        if doc["split"] != split:
            continue
        name = Path(doc["doc"]).name
        if doc["role_evident"]:
            score.evident += 1
            score.evident_right += roles[doc["doc"]] == doc["role"]
        else:
            score.unknown += 1
            score.unknown_right += roles[doc["doc"]] == "unknown"
        if roles[doc["doc"]] != doc["role"]:
            score.misses.append(f"{name}: role {roles[doc['doc']]}, gold {doc['role']}")
        passages = [library[pid] for pid in by_doc[doc["doc"]]]
        for point in gold:
            if point["doc"] != doc["doc"]:
                continue
            score.points += 1
            hits = [p for p in passages if _squash(p.text).startswith(point["starts"])]
            if len(hits) != 1:
                score.misses.append(f"{name}: {point['starts']} found {len(hits)} times")
                continue
            p = hits[0]
            score.found += 1
            score.section += p.section.value == point["section"]
            score.dimension += p.dimension.value == point["dimension"]
            got = (p.section.value, p.dimension.value)
            if got != (point["section"], point["dimension"]):
                score.misses.append(f"{name}: {point['starts']} {got}, gold "
                                    f"{(point['section'], point['dimension'])}")
    return score


def main(argv: list[str]) -> int:
    splits = [a for a in argv if not a.startswith("-")] or ["tune", "heldout"]
    for split in splits:
        score = score_split(split)
        print(score.line())
        if "-v" in argv:
            print("\n".join(f"  {m}" for m in score.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
