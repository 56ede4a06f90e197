"""Write real .docx files with python-docx for tests, including Word automatic numbering.

``write_docx(path, lines, auto_number=True)`` takes the numbers "一、", "（一）" and "1." off
the lines and gives those paragraphs real Word list numbering instead (one abstractNum with
chineseCounting "%1、", chineseCounting "（%2）", decimal "%3."), the way such documents are
usually written, so a reader must compute the numbers to get the original text back.

Counters are made to match the source text exactly: every run of a level that does not simply
continue (the first "（一）" under each new "一、", a skipped number as in 一、… 三、, the item
after a hand-typed "(四）") gets its own ``w:num`` with a ``w:startOverride``, which is how Word
itself records "restart numbering" / "set numbering value".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

_ZH = {c: i for i, c in enumerate("零一二三四五六七八九")}

# (level, pattern); group 1 is the number, the whole match is the number text Word will produce.
_NUMBERED: tuple[tuple[int, re.Pattern[str]], ...] = (
    (0, re.compile(r"^([一二三四五六七八九十]+)、")),
    (1, re.compile(r"^（([一二三四五六七八九十]+)）")),
    (2, re.compile(r"^([0-9]+)\.(?![0-9A-Za-z])")),
)
# %n in lvlText is the counter of level n (1-based), so level 1 shows its own number with %2.
_LEVEL_XML = (
    ("chineseCounting", "%1、"),
    ("chineseCounting", "（%2）"),
    ("decimal", "%3."),
)


def zh_to_int(text: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十三 → 23 (enough for list numbers)."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_ZH[tens] if tens else 1) * 10 + (_ZH[ones] if ones else 0)
    return _ZH[text]


def split_number(line: str) -> tuple[int, int, str] | None:
    """(level, value, rest) when a line starts with a number Word would write, else None."""
    for level, pattern in _NUMBERED:
        m = pattern.match(line)
        if m:
            return level, zh_to_int(m.group(1)), line[m.end():]
    return None


class _Lists:
    """Adds one abstractNum and as many num instances as the text's sequences need."""

    def __init__(self, document: object) -> None:
        from docx.oxml import parse_xml
        from docx.oxml.ns import nsdecls, qn

        self._parse, self._nsdecls, self._qn = parse_xml, nsdecls, qn
        self.root = document.part.numbering_part.element  # type: ignore[attr-defined]
        ids = [int(el.get(qn("w:abstractNumId"))) for el in self.root.findall(qn("w:abstractNum"))]
        self.abstract_id = max(ids, default=-1) + 1
        levels = "".join(
            f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
            f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/></w:lvl>'
            for i, (fmt, text) in enumerate(_LEVEL_XML))
        abstract = parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{self.abstract_id}">'
            f'<w:multiLevelType w:val="multilevel"/>{levels}</w:abstractNum>')
        first_num = self.root.find(qn("w:num"))
        if first_num is not None:  # schema order: every abstractNum before the first num
            first_num.addprevious(abstract)
        else:
            self.root.append(abstract)
        nums = [int(el.get(qn("w:numId"))) for el in self.root.findall(qn("w:num"))]
        self.next_num = max(nums, default=0) + 1
        self.current: dict[int, int] = {}  # level → numId of the run in progress
        self.last: dict[int, int] = {}  # level → last value written
        self.broken: set[int] = set()  # levels whose run a shallower item interrupted

    def num_for(self, level: int, value: int) -> int:
        """The numId to use so that this paragraph shows ``value`` at ``level``."""
        if (level not in self.current or level in self.broken
                or self.last.get(level) != value - 1):
            num_id = self.next_num
            self.next_num += 1
            self.root.append(self._parse(
                f'<w:num {self._nsdecls("w")} w:numId="{num_id}">'
                f'<w:abstractNumId w:val="{self.abstract_id}"/>'
                f'<w:lvlOverride w:ilvl="{level}"><w:startOverride w:val="{value}"/>'
                f'</w:lvlOverride></w:num>'))
            self.current[level] = num_id
            self.broken.discard(level)
        self.last[level] = value
        self.broken.update(d for d in range(level + 1, len(_LEVEL_XML)))
        return self.current[level]

    def number(self, paragraph: object, level: int, value: int) -> None:
        num_id = self.num_for(level, value)
        ppr = paragraph._p.get_or_add_pPr()  # type: ignore[attr-defined]
        ppr.append(self._parse(
            f'<w:numPr {self._nsdecls("w")}><w:ilvl w:val="{level}"/>'
            f'<w:numId w:val="{num_id}"/></w:numPr>'))


def write_docx(
    path: Path,
    lines: Sequence[str],
    auto_number: bool = False,
    headings: dict[int, int] | None = None,
    heading_style: str = "Heading {level}",
    table: Sequence[Sequence[str]] | None = None,
    table_at: int | None = None,
) -> str:
    """Write ``lines`` as paragraphs of a real .docx; returns the text a reader should give back.

    ``headings`` maps a line index to a heading level, written with the style named
    ``heading_style`` (created when the template lacks it, e.g. "标题 {level}").
    ``table`` rows are inserted as a real Word table before line ``table_at`` (default: at the
    end); the expected text has its cells as lines, row by row.
    """
    import docx
    from docx.enum.style import WD_STYLE_TYPE

    document = docx.Document()
    lists = _Lists(document) if auto_number else None
    headings = headings or {}
    at = len(lines) if table_at is None else table_at
    expected: list[str] = []

    def add_table() -> None:
        assert table is not None
        grid = document.add_table(rows=len(table), cols=max(len(r) for r in table))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
                expected.append(value)

    for i, line in enumerate(lines):
        if table and i == at:
            add_table()
        style = None
        if i in headings:
            style = heading_style.format(level=headings[i])
            if style not in [s.name for s in document.styles]:
                new = document.styles.add_style(style, WD_STYLE_TYPE.PARAGRAPH)
                new.base_style = document.styles["Normal"]
        parsed = split_number(line) if lists is not None else None
        if parsed is not None and lists is not None:
            level, value, rest = parsed
            paragraph = document.add_paragraph(rest, style=style)
            lists.number(paragraph, level, value)
        else:
            document.add_paragraph(line, style=style)
        expected.append(line)
    if table and at >= len(lines):
        add_table()
    document.save(str(path))
    return "\n".join(expected)


def read_draft(path: Path) -> list[tuple[str, str, str, str]]:
    """A saved draft (.docx) as (section heading, sub-heading, paragraph text, source).

    Headings are the paragraphs in the draft's "一级标题" / "二级标题" styles; the source is the
    text of the Word comment anchored on the paragraph ("" where there is none). The title,
    byline and date are skipped.
    """
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(str(path))
    comments = {str(c.comment_id): c.text for c in document.comments}
    section = dimension = ""
    entries: list[tuple[str, str, str, str]] = []
    for para in document.paragraphs:
        style = para.style.name if para.style is not None else ""
        if style == "一级标题":
            section, dimension = para.text, ""
        elif style == "二级标题":
            dimension = para.text
        elif style == "Normal":
            ids = [e.get(qn("w:id")) for e in para._p.iter(qn("w:commentRangeStart"))]
            entries.append((section, dimension, para.text,
                            "\n".join(comments[i] for i in ids)))
    return entries
