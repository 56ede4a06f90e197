"""The library at a glance: passages by role × section × dimension, and thin documents.

A user checks here that the library has what they need (enough 整改措施 for 党支部书记 on
廉洁自律?) and which documents gave few or no passages (a file whose structure was not
recognised, or a scan with no text).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from duizhao.store import LoadedIndex

FEW_PASSAGES = 3


@dataclass
class LibraryStats:
    documents: int
    passages: int
    # (role, section, dimension) → passages
    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    per_document: dict[str, int] = field(default_factory=dict)
    low_confidence: int = 0  # passages whose dimension label is a weak guess

    def thin_documents(self, fewer_than: int = FEW_PASSAGES) -> dict[str, int]:
        return {doc: n for doc, n in self.per_document.items() if n < fewer_than}

    def table(self, role: str) -> dict[str, Counter[str]]:
        """section → (dimension → passages) for one role."""
        rows: dict[str, Counter[str]] = {}
        for (r, section, dimension), n in self.counts.items():
            if r == role:
                rows.setdefault(section, Counter())[dimension] += n
        return rows


def library_stats(index: LoadedIndex) -> LibraryStats:
    stats = LibraryStats(documents=len(index.documents), passages=len(index.passages))
    stats.per_document = {d.doc: 0 for d in index.documents}
    for p in index.passages:
        stats.counts[(p.role.value, p.section.value, p.dimension.value)] += 1
        for doc in (p.doc, *p.also_in):
            stats.per_document[doc] = stats.per_document.get(doc, 0) + 1
        if p.dimension.confidence < 0.5:
            stats.low_confidence += 1
    return stats
