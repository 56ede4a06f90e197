"""Small typed records passed between the stages read → segment → label → index → search."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

# How a label was decided; stored with the label so a user can see (and trust or correct) it.
LABEL_METHODS = ("heading", "structure", "cue", "similarity", "user", "option", "default")


@dataclass(frozen=True)
class SourceText:
    """A document as a reader hands it on: one normalised text, paragraphs separated by ``\\n``.

    ``text`` is what offsets point into: line endings are ``\\n``, Markdown markup is removed,
    Word's automatic numbering is written out as text ("一、", "（一）", "1."), table cells
    become lines. ``heading_levels`` maps a line number (0-based, in ``text.split("\\n")``) to
    a heading level the format itself declared (Markdown ``#``, Word "Heading n" style),
    a hint for the segmenter, never a requirement.
    """

    path: str
    text: str
    format: str  # "txt" | "md" | "docx" | "pdf"
    encoding: str = "utf-8"
    heading_levels: dict[int, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # what the reader changed or left out, for the user to know

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Label:
    """One label value with how it was decided and how sure we are (0..1)."""

    value: str
    method: str = "default"
    confidence: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "method": self.method, "confidence": round(self.confidence, 3)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Label:
        return cls(str(data["value"]), str(data.get("method", "default")),
                   float(data.get("confidence", 0.0)))


@dataclass(frozen=True)
class Segment:
    """A point-level piece of a document before labelling: text span plus its heading chain.

    ``headings`` is the chain from the outermost heading (section, e.g. "一、存在的主要问题")
    to the innermost (dimension, e.g. "（一）理论学习方面。"). ``section_heading`` and
    ``dimension_heading`` are the entries of the chain the segmenter recognised as such.
    ``point_title`` is the point's own short title ("理论学习不深入") when it has one.
    """

    start: int
    end: int
    text: str
    headings: tuple[str, ...] = ()
    section_heading: str | None = None
    dimension_heading: str | None = None
    point_title: str | None = None
    ordinal: int = 0  # position of the point in the document, 0-based
    structured: bool = True  # False when the segmenter fell back to plain paragraphs
    numbered: bool = False  # the point opens with its own marker (一是, 1., （二）, 首先 …)
    excerpt: bool = False  # the document has no title: it may start mid-way


def passage_id(text: str) -> str:
    """Stable id from the passage's own words: the same text gets the same id in any rebuild.

    Whitespace is ignored so that re-wrapped copies of one passage collapse to one id.
    """
    norm = "".join(text.split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:16]


@dataclass
class Passage:
    """A labelled passage, the unit of search and export (see CONTRACT.md for the JSON)."""

    id: str
    doc: str
    title: str
    role: Label
    section: Label
    dimension: Label
    heading: str
    text: str
    start: int = 0
    end: int = 0
    headings: tuple[str, ...] = ()
    ordinal: int = 0
    doc_hash: str = ""
    also_in: list[str] = field(default_factory=list)  # other documents holding the same text

    def to_json(self) -> dict[str, Any]:
        """The contract's keys first, then duizhao's own extras."""
        return {
            "id": self.id,
            "doc": self.doc,
            "title": self.title,
            "role": self.role.value,
            "section": self.section.value,
            "dimension": self.dimension.value,
            "heading": self.heading,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "headings": list(self.headings),
            "ordinal": self.ordinal,
            "doc_hash": self.doc_hash,
            "also_in": list(self.also_in),
            "labels": {
                "role": self.role.to_json(),
                "section": self.section.to_json(),
                "dimension": self.dimension.to_json(),
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Passage:
        labels = data.get("labels", {})

        def label(key: str) -> Label:
            if key in labels:
                return Label.from_json(labels[key])
            return Label(str(data[key]))

        return cls(
            id=str(data["id"]),
            doc=str(data["doc"]),
            title=str(data.get("title", "")),
            role=label("role"),
            section=label("section"),
            dimension=label("dimension"),
            heading=str(data.get("heading", "")),
            text=str(data["text"]),
            start=int(data.get("start", 0)),
            end=int(data.get("end", 0)),
            headings=tuple(data.get("headings", ())),
            ordinal=int(data.get("ordinal", 0)),
            doc_hash=str(data.get("doc_hash", "")),
            also_in=list(data.get("also_in", [])),
        )


@dataclass(frozen=True)
class FileFailure:
    """A file that could not be ingested, with the reason to show the user."""

    path: str
    reason: str
