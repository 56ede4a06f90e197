"""Structure recognition: a document's text → point-level segments with heading chains and offsets.

对照检查材料 nest three ways, and real files mix them:
  一、存在的问题            level 1: section headings (or a Markdown/Word heading)
  （一）理论学习方面。       level 2: dimension headings — alone on a line, or sharing
                            it with the body
  1. / （1）                level 3: numbered points or sub-headings
  一是… 二是… / 第一，…     inline points inside one paragraph

A segment is one point: never two points in one segment, never a heading alone. A paragraph
with no markers is one point. A point's title may end one line and its body fill the next
(``一是联系群众不够紧密。⏎平时…``): the two lines are one point. A lead-in ending in a colon
(``产生以上问题的原因主要有：一是…``) is a heading, not part of the first point. A document that
starts mid-way (an excerpt) has no title, and its first list may start at 二是.

Offsets index ``SourceText.text`` (the cleaned text, see ``clean.py``) so every passage maps
back to its source. Which section a heading opens comes from the taxonomy's heading patterns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from duizhao.markers import (
    HEAD_END,
    LEVEL1,
    LEVEL2,
    TRAIL,
    find_inline_points,
    is_short_title,
    last_point_start,
    line_marker,
    point_title,
    starts_with_point,
)
from duizhao.markers import cn_number as cn_number  # re-exported
from duizhao.models import Segment, SourceText
from duizhao.simplified import to_simplified
from duizhao.taxonomy import Taxonomy

_DECORATION = set("#*_> \t　")
MAX_TITLE = 80
SHORT_SECTION_LINE = 24  # an unnumbered line this short that names a section is its heading
LEAD_IN = 60  # a colon-ended lead-in up to this long is a heading for the points after it
_GROUP_HEADING = re.compile(r"^在.{2,40}(方面|上|中)$|(找差距|方面存在的问题|方面的问题|方面问题)$")
_DATE_LINE = re.compile(r"^\s*(20|19)[\d*Xx]{2}\s*年(\s*[\d*Xx]{1,2}\s*月"
                        r"(\s*[\d*Xx]{1,2}\s*日)?)?\s*$")
_LEAD_IN = re.compile(r"^.{4,80}?[：:]\s*(?=第?一是|第一[，,、]|首先[，,、]|其一[，,、])")
_CLOSING = ("以上", "总之", "今后", "下一步", "我将", "我们将", "在今后", "班子将")


@dataclass
class _Heading:
    level: int
    text: str
    section: str | None = None  # section key this heading opens, if any
    is_dimension: bool = False
    children: int = 0


@dataclass
class _State:
    stack: list[_Heading] = field(default_factory=list)
    ordinal: int = 0

    def close(self, level: int) -> None:
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop()

    def open(self, heading: _Heading) -> None:
        self.close(heading.level)
        self.stack.append(heading)

    def chain(self) -> tuple[str, ...]:
        return tuple(h.text for h in self.stack)

    def section_heading(self) -> str | None:
        return next((h.text for h in reversed(self.stack) if h.section), None)

    def inner_heading(self) -> str | None:
        """The innermost heading below the section (usually the dimension heading)."""
        return next((h.text for h in reversed(self.stack) if not h.section), None)


def match_section(text: str, taxonomy: Taxonomy) -> str | None:
    """The section a heading names, by the taxonomy's patterns; the longest match wins."""
    text = to_simplified(text)
    best, best_len = None, 0
    for key, label in taxonomy.sections.items():
        for pattern in label.headings:
            found = pattern.search(text)
            if found and len(found.group(0)) > best_len:
                best, best_len = key, len(found.group(0))
    return best


def is_dimension_heading(head: str, taxonomy: Taxonomy) -> bool:
    """A heading that names an area ("理论学习方面", "在……上找差距", "廉洁自律"), not a point."""
    core = to_simplified(head).rstrip(TRAIL)
    for pattern in (LEVEL2, LEVEL1):
        found = pattern.match(core)
        if found:
            core = core[found.end() :].strip()
            break
    if core.endswith("方面") or _GROUP_HEADING.search(core):
        return True
    return any(
        core in (d.name, *d.heading_words, *d.aliases) for d in taxonomy.dimensions.values()
    )


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@dataclass
class _Line:
    number: int
    start: int
    end: int


class _Segmenter:
    def __init__(self, source: SourceText, taxonomy: Taxonomy) -> None:
        self.text = source.text
        self.hints = source.heading_levels
        self.taxonomy = taxonomy
        self.state = _State()
        self.title = ""
        self.structured = False
        self.excerpt = False
        self.seen_body = False
        self.pending: tuple[_Heading, int, int] | None = None  # a heading-only line so far

    def _emit(self, start: int, end: int) -> Iterator[Segment]:
        start, end = _strip_span(self.text, start, end)
        if end - start < 2:
            return
        state = self.state
        for heading in state.stack:
            heading.children += 1
        text = self.text[start:end]
        self.seen_body = True
        yield Segment(
            start=start,
            end=end,
            text=text,
            headings=state.chain(),
            section_heading=state.section_heading(),
            dimension_heading=state.inner_heading(),
            point_title=point_title(text),
            ordinal=state.ordinal,
            structured=self.structured,
            numbered=starts_with_point(text),
        )
        state.ordinal += 1

    def _body(self, start: int, end: int) -> Iterator[Segment]:
        """Body text: split at inline points; a lead-in is a heading, a long preamble a point."""
        late = not self.seen_body and not self.state.stack
        text = self.text[start:end]
        points = [start + p for p in find_inline_points(text, late_start=late)]
        lead_in = _LEAD_IN.match(text)
        if not points and lead_in:
            points = [start + lead_in.end()]
        if not points:
            yield from self._emit(start, end)
            return
        self.structured = True
        preamble = self.text[start : points[0]].strip()
        if preamble:
            yield from self._preamble(preamble, start, points[0], late)
        for a, b in zip(points, [*points[1:], end], strict=True):
            yield from self._emit(a, b)

    def _preamble(self, preamble: str, start: int, end: int, late: bool) -> Iterator[Segment]:
        """Text before the first inline point: a lead-in heading, or a point of its own."""
        lead_in = preamble.endswith(("：", ":")) or preamble.endswith("如下")
        section = match_section(preamble, self.taxonomy) if len(preamble) <= LEAD_IN * 2 else None
        if section and lead_in:
            self.state.open(_Heading(1, preamble.rstrip(TRAIL), section=section))
        elif lead_in and len(preamble) <= LEAD_IN:
            self.state.open(_Heading(4, preamble.rstrip(TRAIL)))
        elif late:
            self.excerpt = True  # the list starts at 二是: the text began inside point 一
            yield from self._emit(start, end)
        elif len(preamble) >= 30:
            yield from self._emit(start, end)
        else:
            self.state.open(_Heading(4, preamble.rstrip(TRAIL)))

    def _flush_pending(self) -> Iterator[Segment]:
        """A numbered heading that got no points under it was a point itself (never drop text)."""
        if self.pending is None:
            return
        heading, start, end = self.pending
        self.pending = None
        if heading.children or heading.section or heading.is_dimension:
            return
        if self.state.stack and self.state.stack[-1] is heading:
            self.state.stack.pop()
        yield from self._emit(start, end)

    def _lines(self) -> list[_Line]:
        lines, offset = [], 0
        for number, raw in enumerate(self.text.split("\n")):
            start, end = _strip_span(self.text, offset, offset + len(raw))
            offset += len(raw) + 1
            # Markdown decoration in a .txt file ("**一、存在的问题**", "# 标题") is not text.
            while start < end and self.text[start] in _DECORATION:
                start += 1
            while end > start and self.text[end - 1] in "*_":
                end -= 1
            if self.text[start:end].strip() and not _DATE_LINE.match(self.text[start:end]):
                lines.append(_Line(number, start, end))
        return lines

    def _is_heading_line(self, line: _Line) -> bool:
        text = self.text[line.start : line.end]
        level, marker = line_marker(text)
        if level == 1 or self.hints.get(line.number):
            return True
        head = HEAD_END.split(text[marker:], maxsplit=1)[0]
        short = len(text) <= SHORT_SECTION_LINE or text.endswith(("：", ":"))
        if short and match_section(head if level else text, self.taxonomy):
            return True
        return level == 2 and is_dimension_heading(head, self.taxonomy) and len(
            text) - marker - len(head) <= 1

    def _dangles(self, start: int, end: int, after: _Line) -> bool:
        """The block ends with a bare point title whose body is the next line."""
        block = self.text[start:end]
        next_text = self.text[after.start : after.end]
        if line_marker(next_text)[0] or starts_with_point(next_text) or self.hints.get(
                after.number) or next_text.startswith(_CLOSING):
            return False
        tail = last_point_start(block)
        return tail >= 0 and is_short_title(block[tail:]) and not is_dimension_heading(
            block[tail:], self.taxonomy) and not match_section(block[tail:], self.taxonomy)

    def run(self) -> Iterator[Segment]:
        lines = self._lines()
        k = 0
        while k < len(lines):
            first = lines[k]
            start, end = first.start, first.end
            if not self._is_heading_line(first):
                while k + 1 < len(lines) and self._dangles(start, end, lines[k + 1]):
                    k += 1
                    end = lines[k].end
            k += 1
            yield from self._block(first.number, start, end)
        yield from self._flush_pending()

    def _block(self, number: int, start: int, end: int) -> Iterator[Segment]:
        line = self.text[start:end]
        if not self.title and not self.seen_body and not self.state.stack:
            if start < 4 * MAX_TITLE and self._is_title(line, number):
                self.title = line.strip()
                return
            if not self.title and number == self._first_line():
                self.excerpt = True
        if self.title and not self.seen_body and not self.state.stack and _is_byline(line):
            return  # "市实验小学第二党支部书记" under the title: who wrote it, not a point
        level, marker = line_marker(line)
        hinted = self.hints.get(number)
        head_match = HEAD_END.search(line, marker)
        head_end = head_match.start() if head_match else len(line)
        head = line[:head_end].rstrip(TRAIL)
        rest = line[head_end:].lstrip(TRAIL)
        body_start = end - len(rest)
        named = level in (1, 2) or hinted or len(line) <= SHORT_SECTION_LINE or (
            line.endswith(("：", ":")) and len(line) <= LEAD_IN)
        section = match_section(line[marker:head_end], self.taxonomy) if named else None
        if level == 0 and not hinted and section is None:
            if self.pending is not None and self.pending[0].level >= 3 and not (
                    starts_with_point(line) or len(find_inline_points(line)) >= 2):
                yield from self._flush_pending()  # a plain paragraph: the title above was a point
            self.pending = None  # the heading above got its points
            yield from self._body(start, end)
            return
        self.structured = True
        depth = level or (1 if section else min(hinted or 3, 3))
        if self.pending is not None and self.pending[0].level >= depth:
            yield from self._flush_pending()
        self.pending = None
        if section is not None:
            self.state.open(_Heading(2 if level == 2 else 1, head, section=section))
            if rest:
                yield from self._body(body_start, end)
            return
        dimension = bool(level or hinted) and (level != 3 or not rest) and is_dimension_heading(
            head, self.taxonomy)
        titled = not rest and (len(head) - marker <= 30 and "，" not in head or dimension)
        if titled or dimension or len(find_inline_points(rest)) >= 2:
            heading = _Heading(depth, head, is_dimension=dimension)
            self.state.open(heading)
            if rest:
                yield from self._body(body_start, end)
            else:
                self.pending = (heading, start, end)
            return
        # A numbered point with its own body ("（一）强化理论武装。深入学习……"): one passage.
        self.state.close(depth)
        yield from self._emit(start, end)

    def _first_line(self) -> int:
        return next((n for n, raw in enumerate(self.text.split("\n")) if raw.strip()), 0)

    def _is_title(self, line: str, number: int) -> bool:
        level, _ = line_marker(line)
        if self.hints.get(number) == 1 and not level:
            return True
        plain = line.strip()
        return (
            level == 0
            and 0 < len(plain) <= MAX_TITLE
            and not plain.endswith(("。", "：", ":", "，", ","))
            and not re.search(r"[。；;！？!?]", plain)
            and (not re.search(r"[，,]", plain) or plain.endswith(("材料", "提纲", "发言")))
            and (len(plain) > SHORT_SECTION_LINE or match_section(plain, self.taxonomy) is None)
            and not find_inline_points(plain)
        )


def _is_byline(line: str) -> bool:
    plain = line.strip().strip("（）()")
    return 0 < len(plain) <= 40 and not re.search(r"[。；;，,：:！？]", plain) and not line_marker(
        plain)[0]


def iter_segments(source: SourceText, taxonomy: Taxonomy) -> tuple[str, list[Segment], bool]:
    """(title, segments, structured); ``structured`` is False for the plain-paragraph fallback."""
    segmenter = _Segmenter(source, taxonomy)
    segments = list(segmenter.run())
    if segmenter.excerpt:
        segments = [replace(s, excerpt=True) for s in segments]
    return segmenter.title, segments, segmenter.structured


def segment(source: SourceText, taxonomy: Taxonomy) -> tuple[str, list[Segment]]:
    """Split a document into point-level segments; returns (title, segments).

    ``structured`` is decided for the whole document: passages before the first heading of a
    structured document are its opening, not unstructured text.
    """
    title, segments, structured = iter_segments(source, taxonomy)
    return title, [replace(s, structured=structured) for s in segments]
