"""Labels the library is unsure of, listed so a user can check and fix them (``stats --uncertain``).

A role is per document: listed when the text did not say who wrote it (``unknown``) or said so
unclearly; the fix is ``duizhao label --doc DOC --role ROLE``. A section or dimension is per
passage: listed when its confidence is below ``below`` (labels the user set are never listed);
the fix is ``duizhao label ID --section … --dimension …``, where ID is the passage's short id —
the shortest prefix of its id (at least 8 characters) that no other passage shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from duizhao.filenames import shown
from duizhao.models import Passage
from duizhao.role import role_is_uncertain
from duizhao.store import LoadedIndex

UNSURE = 0.5
SHORT_ID = 8
_DECIDED_BY_USER = ("user", "option")


@dataclass(frozen=True)
class UncertainLabel:
    """One label to check: which passage (or document), which label, how it was decided."""

    ref: str  # a passage's short id, or a document's path for a role
    kind: str  # "role" | "section" | "dimension"
    value: str
    method: str
    confidence: float
    doc: str
    text: str  # the passage's opening words (empty for a role)

    def fix(self) -> str:
        """The command that sets this label."""
        if self.kind == "role":
            return f"duizhao label --doc {shown(self.ref)} --role 角色"
        placeholder = "部分" if self.kind == "section" else "维度"
        return f"duizhao label {self.ref} --{self.kind} {placeholder}"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.ref, "kind": self.kind, "value": self.value, "method": self.method,
                "confidence": round(self.confidence, 3), "doc": self.doc, "text": self.text}


def short_ids(ids: list[str], shortest: int = SHORT_ID) -> dict[str, str]:
    """Each id's shortest unique prefix of at least ``shortest`` characters."""
    ordered = sorted(set(ids))
    out: dict[str, str] = {}
    for i, pid in enumerate(ordered):
        shared = 0
        for other in (ordered[i - 1] if i else "", ordered[i + 1] if i + 1 < len(ordered) else ""):
            n = 0
            while n < min(len(pid), len(other)) and pid[n] == other[n]:
                n += 1
            shared = max(shared, n)
        out[pid] = pid[: max(shortest, shared + 1)]
    return out


def uncertain_labels(index: LoadedIndex, below: float = UNSURE) -> list[UncertainLabel]:
    """Roles the documents do not make clear, then unsure sections and dimensions, in order."""
    by_id = {p.id: p for p in index.passages}
    short = short_ids(list(by_id))
    out: list[UncertainLabel] = []
    for record in index.documents:
        own = [by_id[i] for i in record.passage_ids if i in by_id and by_id[i].doc == record.doc]
        if own and role_is_uncertain(own[0].role):
            role = own[0].role
            out.append(UncertainLabel(record.doc, "role", role.value, role.method,
                                      role.confidence, record.doc, ""))
    for p in sorted(index.passages, key=lambda p: (p.doc, p.ordinal)):
        for kind in ("section", "dimension"):
            label = getattr(p, kind)
            if label.method not in _DECIDED_BY_USER and label.confidence < below:
                out.append(UncertainLabel(short[p.id], kind, label.value, label.method,
                                          label.confidence, p.doc, _opening(p)))
    return out


def _opening(passage: Passage, length: int = 30) -> str:
    text = " ".join(passage.text.split())
    return text if len(text) <= length else text[:length] + "…"
