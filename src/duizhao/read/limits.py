"""Bounds on lines and passages, so one odd file costs time and memory in proportion to its size.

A point in 对照检查材料 runs to a few hundred characters. A file saved without line breaks (or
a log, or a table dumped as one line) can hold megabytes in one line and then one passage; the
encoder's attention grows with the square of a passage's length (a 1.8 MB line took 8.5 GB, a
50 MB one asked for 70 GiB) and line-based rules slow down with line length. So:

- ``cap_lines``: a line longer than ``MAX_LINE_CHARS`` is broken into shorter lines, after a
  sentence end where there is one (else after a comma or space, else at the cap);
- ``split_long``: a passage longer than ``MAX_PASSAGE_CHARS`` is split the same way into
  consecutive passages under the same headings.

Nothing is dropped: every character stays, in order. Each cap leaves a note for the user.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from duizhao.models import Segment, SourceText

MAX_LINE_CHARS = 5000
MAX_PASSAGE_CHARS = 2000
_SENTENCE_ENDS = "。！？；!?;…"
_SOFT_BREAKS = "，,、：: \t　"


def cut_points(text: str, start: int, end: int, cap: int) -> Iterator[int]:
    """Offsets in ``text[start:end]`` where to cut so no piece is longer than ``cap``.

    Prefers the last sentence end in the second half of each window, then the last comma or
    space, then the cap itself; linear in ``end - start``.
    """
    pos = start
    while end - pos > cap:
        window_end = pos + cap
        floor = pos + cap // 2
        cut = max(text.rfind(ch, floor, window_end) for ch in _SENTENCE_ENDS)
        if cut < 0:
            cut = max(text.rfind(ch, floor, window_end) for ch in _SOFT_BREAKS)
        cut = cut + 1 if cut >= 0 else window_end
        yield cut
        pos = cut


def cap_lines(source: SourceText, cap: int = MAX_LINE_CHARS) -> SourceText:
    """``source`` with every line longer than ``cap`` broken into shorter lines (with a note)."""
    text = source.text
    if len(text) <= cap or all(len(line) <= cap for line in text.split("\n")):
        return source
    out: list[str] = []
    levels: dict[int, int] = {}
    long_lines = 0
    for number, line in enumerate(text.split("\n")):
        if number in source.heading_levels:
            levels[len(out)] = source.heading_levels[number]
        if len(line) <= cap:
            out.append(line)
            continue
        long_lines += 1
        pos = 0
        for cut in cut_points(line, 0, len(line), cap):
            out.append(line[pos:cut])
            pos = cut
        out.append(line[pos:])
    note = (f"{source.path} 有 {long_lines} 行超过 {cap} 字，已在句末断成较短的行"
            "（文字没有丢失）")
    return replace(source, text="\n".join(out), heading_levels=levels,
                   notes=(*source.notes, note))


def split_long(segments: Sequence[Segment], cap: int = MAX_PASSAGE_CHARS
               ) -> tuple[list[Segment], int]:
    """Segments with each one longer than ``cap`` split into consecutive pieces; how many split."""
    if all(len(seg.text) <= cap for seg in segments):
        return list(segments), 0
    out: list[Segment] = []
    split = 0
    for seg in segments:
        if len(seg.text) <= cap:
            out.append(replace(seg, ordinal=len(out)))
            continue
        split += 1
        bounds = [0, *cut_points(seg.text, 0, len(seg.text), cap), len(seg.text)]
        for i, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)):
            piece = seg.text[a:b]
            lead = len(piece) - len(piece.lstrip())
            piece = piece.strip()
            if not piece:
                continue
            out.append(replace(seg, start=seg.start + a + lead,
                               end=seg.start + a + lead + len(piece), text=piece,
                               point_title=seg.point_title if i == 0 else None,
                               ordinal=len(out)))
    return out, split
