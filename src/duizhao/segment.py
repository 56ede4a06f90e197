"""Structure recognition: a document's text → point-level segments with heading chains and offsets.

对照检查材料 nest three ways, and real files mix them:
  一、存在的问题            level 1: section headings (or a Markdown/Word heading)
  （一）理论学习方面。       level 2: dimension headings — alone on a line, or sharing
                            it with the body
  1. / （1）                level 3: numbered points or sub-headings
  一是… 二是… / 第一，…     inline points inside one paragraph

A segment is one point: never two points in one segment, never a heading alone. A paragraph
with no markers is one point. Offsets index ``SourceText.text`` so every passage maps back to
its source. Which section a heading opens comes from the taxonomy's heading patterns (data).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from duizhao.models import Segment, SourceText
from duizhao.taxonomy import Taxonomy

_CN = "一二三四五六七八九十"
_LEVEL1 = re.compile(rf"[{_CN}]{{1,3}}\s*[、.．]")
_LEVEL2 = re.compile(rf"[（(]\s*[{_CN}]{{1,3}}\s*[）)]\s*[、.．]?")
_LEVEL3 = re.compile(r"(?:\d{1,2}\s*[.．、](?!\d)|[（(]\s*\d{1,2}\s*[）)]|[①②③④⑤⑥⑦⑧⑨⑩])")
# Inline points: 一是 / 第一，/ 其一， — valid only at a sentence boundary and in sequence.
_INLINE = re.compile(rf"(第)?([{_CN}]{{1,3}})(是|[，,、：:])|其([{_CN}])[，,、：:]")
_BOUNDARY = set("。；;！!？?：:”\"」 \t　")
_HEAD_END = re.compile(r"[。：:]")
_TRAIL = "。．.：:；;，, \t　"
_DECORATION = set("#*_> \t　")
MAX_TITLE = 80
SHORT_SECTION_LINE = 24  # an unnumbered line this short that names a section is its heading


def cn_number(text: str) -> int:
    """Chinese numerals 一..九十九 → int (0 when not a numeral)."""
    digits = {c: i + 1 for i, c in enumerate(_CN[:9])}
    if not text or any(c not in _CN for c in text):
        return 0
    if "十" not in text:
        return digits.get(text, 0) if len(text) == 1 else 0
    tens, _, ones = text.partition("十")
    return (digits.get(tens, 0) if tens else 1) * 10 + (digits.get(ones, 0) if ones else 0)


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
    best, best_len = None, 0
    for key, label in taxonomy.sections.items():
        for pattern in label.headings:
            found = pattern.search(text)
            if found and len(found.group(0)) > best_len:
                best, best_len = key, len(found.group(0))
    return best


def is_dimension_heading(head: str, taxonomy: Taxonomy) -> bool:
    """A heading that names an area ("理论学习方面", "在……方面", "廉洁自律") rather than a point."""
    core = head.rstrip(_TRAIL)
    for pattern in (_LEVEL2, _LEVEL1):
        found = pattern.match(core)
        if found:
            core = core[found.end() :].strip()
            break
    if core.endswith("方面"):
        return True
    return any(
        core in (d.name, *d.heading_words, *d.aliases) for d in taxonomy.dimensions.values()
    )


def find_inline_points(text: str) -> list[int]:
    """Start offsets of 一是/二是/… (or 第一，第二，…) when at least two follow in sequence."""
    candidates: list[tuple[int, int, str]] = []
    for found in _INLINE.finditer(text):
        start = found.start()
        if start > 0 and text[start - 1] not in _BOUNDARY:
            continue
        if found.group(4):
            value, style = cn_number(found.group(4)), "其"
        else:
            value = cn_number(found.group(2))
            style = "第" if found.group(1) else ("是" if found.group(3) == "是" else "")
        if style and value:
            candidates.append((start, value, style))
    best: list[int] = []
    for i, (start, value, style) in enumerate(candidates):
        if value != 1:
            continue
        run, expected = [start], 2
        for later, v, s in candidates[i + 1 :]:
            if s == style and v == expected:
                run.append(later)
                expected += 1
        if len(run) > len(best):
            best = run
    return best if len(best) >= 2 else []


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _point_title(text: str) -> str | None:
    """The point's own short title: its first clause without the ordinal ("理论学习不深入")."""
    body = re.sub(rf"^(?:{_LEVEL2.pattern}|{_LEVEL1.pattern}|{_LEVEL3.pattern})", "", text)
    body = re.sub(rf"^(?:第?[{_CN}]{{1,3}}是|第[{_CN}]{{1,3}}[，,、]|其[{_CN}][，,、])", "", body)
    head = _HEAD_END.split(body, maxsplit=1)[0].strip()
    return head if 0 < len(head) <= 60 else None


class _Segmenter:
    def __init__(self, source: SourceText, taxonomy: Taxonomy) -> None:
        self.text = source.text
        self.hints = source.heading_levels
        self.taxonomy = taxonomy
        self.state = _State()
        self.title = ""
        self.structured = False
        self.pending: tuple[_Heading, int, int] | None = None  # a heading-only line so far

    def _emit(self, start: int, end: int) -> Iterator[Segment]:
        start, end = _strip_span(self.text, start, end)
        if end - start < 2:
            return
        state = self.state
        for heading in state.stack:
            heading.children += 1
        text = self.text[start:end]
        yield Segment(
            start=start,
            end=end,
            text=text,
            headings=state.chain(),
            section_heading=state.section_heading(),
            dimension_heading=state.inner_heading(),
            point_title=_point_title(text),
            ordinal=state.ordinal,
            structured=self.structured,
        )
        state.ordinal += 1

    def _body(self, start: int, end: int) -> Iterator[Segment]:
        """A run of body text: split at inline points; a long preamble is a point of its own."""
        points = [start + p for p in find_inline_points(self.text[start:end])]
        if not points:
            yield from self._emit(start, end)
            return
        self.structured = True
        preamble = self.text[start : points[0]].strip()
        if len(preamble) >= 30:
            yield from self._emit(start, points[0])
        else:
            points[0] = start
        for a, b in zip(points, [*points[1:], end], strict=True):
            yield from self._emit(a, b)

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

    def _marker(self, line: str) -> tuple[int, int]:
        """(level, marker length) of a numbered line; level 0 when unnumbered."""
        for level, pattern in ((2, _LEVEL2), (1, _LEVEL1), (3, _LEVEL3)):
            found = pattern.match(line)
            if found:
                return level, found.end()
        return 0, 0

    def run(self) -> Iterator[Segment]:
        offset = 0
        for number, raw in enumerate(self.text.split("\n")):
            line_start, line_end = offset, offset + len(raw)
            offset = line_end + 1
            start, end = _strip_span(self.text, line_start, line_end)
            if start == end:
                continue
            # Markdown decoration in a .txt file ("**一、存在的问题**", "# 标题") is not text.
            while start < end and self.text[start] in _DECORATION:
                start += 1
            while end > start and self.text[end - 1] in "*_":
                end -= 1
            line = self.text[start:end]
            if not line.strip():
                continue
            if not self.title and start < 4 * MAX_TITLE and self._is_title(line, number):
                self.title = line.strip()
                continue
            level, marker = self._marker(line)
            hinted = self.hints.get(number)
            head_match = _HEAD_END.search(line, marker)
            head_end = head_match.start() if head_match else len(line)
            head = line[:head_end].rstrip(_TRAIL)
            rest = line[head_end:].lstrip(_TRAIL)
            body_start = end - len(rest)
            named = level in (1, 2) or hinted or len(line) <= SHORT_SECTION_LINE
            section = match_section(line[marker:head_end], self.taxonomy) if named else None
            if level == 0 and not hinted and section is None:
                self.pending = None  # the heading above got its body
                yield from self._body(start, end)
                continue
            self.structured = True
            depth = level or (1 if section else min(hinted or 3, 3))
            if self.pending is not None and self.pending[0].level >= depth:
                yield from self._flush_pending()
            self.pending = None
            if section is not None:
                self.state.open(_Heading(2 if level == 2 else 1, head, section=section))
                if rest:
                    yield from self._body(body_start, end)
                continue
            dimension = level in (1, 2) and is_dimension_heading(head, self.taxonomy)
            if not rest or dimension or len(find_inline_points(rest)) >= 2:
                heading = _Heading(depth, head, is_dimension=dimension)
                self.state.open(heading)
                if rest:
                    yield from self._body(body_start, end)
                else:
                    self.pending = (heading, start, end)
                continue
            # A numbered point with its own body ("（一）强化理论武装。深入学习……"): one passage.
            self.state.close(depth)
            yield from self._emit(start, end)
        yield from self._flush_pending()

    def _is_title(self, line: str, number: int) -> bool:
        if self.hints.get(number) == 1 and not self._marker(line)[0]:
            return True
        level, _ = self._marker(line)
        plain = line.strip()
        return (
            level == 0
            and 0 < len(plain) <= MAX_TITLE
            and not plain.endswith(("。", "：", ":"))
            and match_section(plain, self.taxonomy) is None
            and not find_inline_points(plain)
        )


def iter_segments(source: SourceText, taxonomy: Taxonomy) -> tuple[str, list[Segment], bool]:
    """(title, segments, structured); ``structured`` is False for the plain-paragraph fallback."""
    segmenter = _Segmenter(source, taxonomy)
    segments = list(segmenter.run())
    return segmenter.title, segments, segmenter.structured


def segment(source: SourceText, taxonomy: Taxonomy) -> tuple[str, list[Segment]]:
    """Split a document into point-level segments; returns (title, segments).

    ``structured`` is decided for the whole document: passages before the first heading of a
    structured document are its opening, not unstructured text.
    """
    title, segments, structured = iter_segments(source, taxonomy)
    return title, [replace(s, structured=structured) for s in segments]
