"""A draft (.docx, .md, .txt) as lines, and its lines as sentences.

Read with the same readers as the library (Word numbering written out, Markdown markup
removed), minus what is not the user's prose: Markdown footnote markers and definitions (our
own drafts carry their sources there). Headings, the title, the byline and the date are kept
as lines, so an outdated word in a title is still found, but only prose lines give sentences
whose copying is measured.
"""

from __future__ import annotations

import re
from pathlib import Path

_FOOTNOTE_REF = re.compile(r"\[\^[^\]\s]+\]")
_FOOTNOTE_DEF = re.compile(r"^\s*\[\^[^\]\s]+\]:")
_SENTENCE = re.compile(r"[^。！？!?]+(?:[。！？!?]+[”’」』）)]*|$)")
_END = re.compile(r"[。！？!?；;][”’」』）)]*\s*$")
PROSE_MIN = 40  # a line this long counts as prose even without a full stop


def read_lines(path: Path) -> list[str]:
    """The draft's non-empty lines, footnotes removed; ReadError for unreadable files."""
    from duizhao.read import read_document

    source = read_document(path)
    lines = []
    for raw in source.text.split("\n"):
        if _FOOTNOTE_DEF.match(raw):
            continue
        line = _FOOTNOTE_REF.sub("", raw).strip()
        if line and line not in ("---", "***"):
            lines.append(line)
    return lines


def is_prose(line: str) -> bool:
    """Body text rather than a heading, title, byline or date."""
    return bool(_END.search(line)) or len(line) >= PROSE_MIN


def split_sentences(line: str) -> list[str]:
    """Sentences ending in 。！？ (closing quotes kept with them); the tail without one too."""
    return [s.strip() for s in _SENTENCE.findall(line) if s.strip()]
