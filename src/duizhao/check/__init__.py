"""The copy check: how much of a draft comes from the library, and what in it is outdated.

For every sentence of the draft, the keyword search proposes the library passages sharing
most of its words (``CANDIDATES``), and ``overlap.copied_share`` measures how much of the
sentence each one holds; the best is the sentence's source. Keyword search is the right
proposer here: copying shares words, and it needs no encoder. The draft's copied share is the
share of its characters in sentences copied at least ``COPIED`` (CONTRACT.md). Outdated
references come from ``outdated`` for the meeting year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from duizhao.check.outdated import Term, outdated_terms
from duizhao.check.overlap import copied_share, letters, sentence_key
from duizhao.check.sentences import is_prose, read_lines, split_sentences
from duizhao.models import Passage

CANDIDATES = 5
COPIED = 0.5  # a sentence copied at least this much counts as copied (CONTRACT.md)
SOURCE_MIN = 0.3  # below this the closest passage is not shown as a source: nothing is close
MIN_CHARS = 4  # shorter sentences ("是。") are not measured


class CandidateSearcher(Protocol):
    def keyword_passages(self, text: str, k: int) -> list[Passage]: ...


@dataclass
class SentenceCheck:
    text: str
    copied: float
    source: Passage | None

    def to_json(self) -> dict[str, Any]:
        source = None
        if self.source is not None:
            source = {"id": self.source.id, "doc": self.source.doc, "title": self.source.title}
        return {"text": self.text, "copied": round(self.copied, 3), "source": source}


@dataclass(frozen=True)
class OutdatedRef:
    term: str
    text: str
    hint: str

    def to_json(self) -> dict[str, str]:
        return {"term": self.term, "text": self.text, "hint": self.hint}


@dataclass
class CheckReport:
    file: str
    year: int
    sentences: list[SentenceCheck] = field(default_factory=list)
    outdated: list[OutdatedRef] = field(default_factory=list)

    @property
    def copied_share(self) -> float:
        """Share of the draft's characters in sentences copied at least ``COPIED``."""
        total = sum(len(letters(s.text)) for s in self.sentences)
        copied = sum(len(letters(s.text)) for s in self.sentences if s.copied >= COPIED)
        return copied / total if total else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "copied_share": round(self.copied_share, 3),
                "sentences": [s.to_json() for s in self.sentences],
                "outdated": [o.to_json() for o in self.outdated]}


def closest(searcher: CandidateSearcher, sentence: str) -> tuple[float, Passage | None]:
    """The library passage holding most of ``sentence``, and how much of it (0–1)."""
    key = sentence_key(sentence)
    if len(key) < MIN_CHARS:
        return 0.0, None
    best, source = 0.0, None
    for passage in searcher.keyword_passages(sentence, CANDIDATES):
        share = copied_share(key, letters(passage.text))
        if share > best:
            best, source = share, passage
    return best, source if best >= SOURCE_MIN else None


def find_outdated(lines: list[str], year: int,
                  terms: tuple[Term, ...] | None = None) -> list[OutdatedRef]:
    """Each outdated term once per sentence (or heading line) it occurs in, in draft order."""
    stale = outdated_terms(year, terms)
    found: list[OutdatedRef] = []
    for line in lines:
        for sentence in split_sentences(line) or [line]:
            found += [OutdatedRef(t.term, sentence, t.hint) for t in stale
                      if t.found_in(sentence)]
    return found


def check_lines(lines: list[str], searcher: CandidateSearcher, year: int, name: str,
                terms: tuple[Term, ...] | None = None) -> CheckReport:
    report = CheckReport(name, year, outdated=find_outdated(lines, year, terms))
    seen: dict[str, tuple[float, Passage | None]] = {}
    for line in lines:
        if not is_prose(line):
            continue
        for sentence in split_sentences(line):
            if sentence not in seen:
                seen[sentence] = closest(searcher, sentence)
            copied, source = seen[sentence]
            report.sentences.append(SentenceCheck(sentence, copied, source))
    return report


def check_draft(path: Path, searcher: CandidateSearcher, year: int,
                terms: tuple[Term, ...] | None = None) -> CheckReport:
    """Check the draft at ``path`` (.docx, .md, .txt) against the library ``searcher`` holds."""
    return check_lines(read_lines(path), searcher, year, str(path), terms)


__all__ = ["COPIED", "CheckReport", "OutdatedRef", "SentenceCheck", "check_draft",
           "check_lines", "closest", "find_outdated"]
