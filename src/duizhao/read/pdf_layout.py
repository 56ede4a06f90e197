"""From positioned PDF text lines to the text a reader sees: page furniture out, paragraphs whole.

A PDF has no paragraphs, only glyphs at positions. ``page_lines`` groups a page's text runs
into lines top to bottom, left to right (reading order, whatever order the file drew them in).
``running_lines`` finds page furniture: page numbers ("3", "— 3 —", "- 3 -", "第 3 页 共 8 页",
"3/8") and headers or footers repeated at the top or bottom of most pages (digits ignored, so
"第3页" and "第4页" count as the same line). ``paragraphs`` joins the lines of one paragraph that
the PDF broke at the right margin: a line that reaches the right margin continues on the next
line unless that one is indented (a new paragraph) or starts with a heading number.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Run:
    """One run of text on a page; y grows upwards (PDF coordinates)."""

    text: str
    left: float
    bottom: float
    right: float
    top: float


@dataclass(frozen=True)
class Line:
    text: str
    left: float
    right: float
    top: float
    height: float


_DASHES = "-—–－~～_·•"
_PAGE_NUMBER = re.compile(
    rf"^[{_DASHES}\s]*(?:\d{{1,3}}|[ivxlcdmIVXLCDM]{{1,6}})[{_DASHES}\s]*$"
    rf"|^第\s*[\d一二三四五六七八九十百零〇]{{1,6}}\s*页(?:\s*[,，、/]?\s*共\s*\d{{1,4}}\s*页)?$"
    rf"|^共\s*\d{{1,4}}\s*页\s*[,，、]?\s*第\s*\d{{1,4}}\s*页$"
    rf"|^\d{{1,4}}\s*/\s*\d{{1,4}}$"
    rf"|^(?:page|p\.)\s*\d{{1,4}}(?:\s*(?:of|/)\s*\d{{1,4}})?$",
    re.I,
)
_DIGITS = re.compile(r"\d+")
# Lines that open a heading or a point ("二、" "（三）" "1." "（2）" "三是" "第四，"): never the
# continuation of the line before, even when that one reaches the margin.
_HEADING_START = re.compile(r"^\s*(?:[（(]?[一二三四五六七八九十]{1,3}[）)、．.]|[（(]\d{1,2}[）)]"
                            r"|\d{1,2}[、．.](?!\d)|第[一二三四五六七八九十]{1,3}[章节条部分，,、]"
                            r"|[一二三四五六七八九十]{1,2}是)")
_FURNITURE_LINES = 2  # lines at each end of a page that may be headers or footers


def page_lines(runs: Sequence[Run]) -> list[Line]:
    """Runs grouped into lines (vertical overlap), top to bottom, each line left to right."""
    ordered = sorted((r for r in runs if r.text.strip()), key=lambda r: -r.top)
    groups: list[list[Run]] = []
    bottom = top = 0.0  # vertical extent of the last group
    for run in ordered:
        if groups:
            overlap = min(top, run.top) - max(bottom, run.bottom)
            if overlap > 0.5 * min(top - bottom, run.top - run.bottom):
                groups[-1].append(run)
                bottom, top = min(bottom, run.bottom), max(top, run.top)
                continue
        groups.append([run])
        bottom, top = run.bottom, run.top
    lines = []
    for group in groups:
        group.sort(key=lambda r: r.left)
        height = max(r.top - r.bottom for r in group) or 1.0
        parts = [group[0].text.strip()]
        for prev, run in zip(group, group[1:], strict=False):
            gap = run.left - prev.right
            parts.append((" " if gap > 0.4 * height else "") + run.text.strip())
        lines.append(Line("".join(parts), group[0].left, max(r.right for r in group),
                          max(r.top for r in group), height))
    return lines


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(text.strip()))


def _key(text: str) -> str:
    return _DIGITS.sub("#", "".join(text.split()))


def running_lines(pages: Sequence[Sequence[Line]]) -> list[set[int]]:
    """For each page, the indexes of its lines that are page numbers, headers or footers."""
    ends: list[list[int]] = []
    for lines in pages:
        n = len(lines)
        top = list(range(min(_FURNITURE_LINES, n)))
        bottom = [i for i in range(max(0, n - _FURNITURE_LINES), n) if i not in top]
        ends.append(top + bottom)
    counts: Counter[str] = Counter()
    for lines, idx in zip(pages, ends, strict=True):
        counts.update({_key(lines[i].text) for i in idx})
    need = max(2, (len(pages) + 1) // 2)  # on at least half the pages, and on two at least

    def furniture(line: Line) -> bool:
        return is_page_number(line.text) or counts[_key(line.text)] >= need

    drop: list[set[int]] = []
    for lines in pages:
        gone: set[int] = set()
        for order in (range(len(lines)), range(len(lines) - 1, -1, -1)):
            for depth, i in enumerate(order):  # peel from the edge inwards
                if depth >= _FURNITURE_LINES or i in gone or not furniture(lines[i]):
                    break
                gone.add(i)
        if len(gone) == len(lines):  # a page of nothing but "headers" is body after all
            gone = {i for i in gone if is_page_number(lines[i].text)}
        drop.append(gone)
    return drop


def _margins(pages: Sequence[Sequence[Line]]) -> tuple[float, float]:
    """(left, right) edges of the body text: the commonest left, a high percentile of rights."""
    lefts = Counter(round(line.left) for lines in pages for line in lines)
    rights = sorted(line.right for lines in pages for line in lines)
    if not rights:
        return 0.0, 0.0
    return float(lefts.most_common(1)[0][0]), rights[int(0.9 * (len(rights) - 1))]


_MIN_WRAP_EMS = 15  # a body narrower than this (lists, short lines) is never rejoined


def _joins(prev: Line, line: Line, left: float, right: float) -> bool:
    em = max(prev.height, 1.0)
    return (right - left >= _MIN_WRAP_EMS * em and prev.right >= right - 1.5 * em
            and line.left <= left + 0.6 * em and not _HEADING_START.match(line.text))


def _glue(a: str, b: str) -> str:
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return a + " " + b
    return a + b


def paragraphs(pages: Sequence[Sequence[Line]]) -> list[str]:
    """The pages' lines (furniture already removed) as paragraphs, one per output line."""
    left, right = _margins(pages)
    out: list[str] = []
    prev: Line | None = None
    for lines in pages:
        for line in lines:
            if prev is not None and out and _joins(prev, line, left, right):
                out[-1] = _glue(out[-1], line.text.strip())
            else:
                out.append(line.text.strip())
            prev = line
    return out
