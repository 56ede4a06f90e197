"""The ordinal markers 对照检查材料 number their parts with, and the points they open.

Three levels of numbered lines (``一、`` / ``（一）`` / ``1.``, ``（1）``, ``①``) and inline
points inside a paragraph (``一是… 二是…``, ``第一，… 第二，…``, ``其一，…``, ``首先，… 其次，…
最后，…``). An inline marker counts only at a sentence boundary and in sequence, so ``统一是``
or a lone ``最后，`` in the middle of a sentence never splits a point.
"""

from __future__ import annotations

import re

CN = "一二三四五六七八九十"
LEVEL1 = re.compile(rf"[{CN}]{{1,3}}\s*[、.．]")
LEVEL2 = re.compile(rf"[（(]\s*[{CN}]{{1,3}}\s*[）)]\s*[、.．]?")
LEVEL3 = re.compile(r"(?:\d{1,2}\s*[.．、](?!\d)|[（(]\s*\d{1,2}\s*[）)]\s*[、.．]?|[①②③④⑤⑥⑦⑧⑨⑩])")
_INLINE = re.compile(rf"(第)?([{CN}]{{1,3}})(是|[，,、：:])|其([{CN}])[，,、：:]"
                     r"|(首先|其次|再次|最后)[，,、：:]")
_SEQUENCE_WORDS = {"首先": 1, "其次": 2, "再次": 3, "最后": 0}  # 最后 closes any run ≥ 2
# ASCII punctuation (方面.一是…;二是…) counts like full-width; a "." between digits does not
BOUNDARY = set("。．.；;！!？?：:”\"」 \t　\n")
HEAD_END = re.compile(r"[。．：:]|(?<!\d)\.(?!\d)")
_SENTENCE_END = re.compile(r"[。．！？；!?;]|(?<!\d)\.(?!\d)")
TRAIL = "。．.：:；;，, \t　"


def cn_number(text: str) -> int:
    """Chinese numerals 一..九十九 → int (0 when not a numeral)."""
    digits = {c: i + 1 for i, c in enumerate(CN[:9])}
    if not text or any(c not in CN for c in text):
        return 0
    if "十" not in text:
        return digits.get(text, 0) if len(text) == 1 else 0
    tens, _, ones = text.partition("十")
    return (digits.get(tens, 0) if tens else 1) * 10 + (digits.get(ones, 0) if ones else 0)


def line_marker(line: str) -> tuple[int, int]:
    """(level, marker length) of a numbered line; level 0 when unnumbered."""
    for level, pattern in ((2, LEVEL2), (1, LEVEL1), (3, LEVEL3)):
        found = pattern.match(line)
        if found:
            return level, found.end()
    return 0, 0


def _candidates(text: str) -> list[tuple[int, int, str]]:
    """(start, value, style) of every inline marker standing at a sentence boundary."""
    out: list[tuple[int, int, str]] = []
    for found in _INLINE.finditer(text):
        start = found.start()
        if start > 0 and text[start - 1] not in BOUNDARY:
            continue
        if found.group(5):
            value, style = _SEQUENCE_WORDS[found.group(5)], "序"
        elif found.group(4):
            value, style = cn_number(found.group(4)), "其"
        else:
            value = cn_number(found.group(2))
            style = "第" if found.group(1) else ("是" if found.group(3) == "是" else "")
        if style and (value or style == "序"):
            out.append((start, value, style))
    return out


def find_inline_points(text: str, late_start: bool = False) -> list[int]:
    """Start offsets of 一是/二是/… (or 第一，/首先，…) when at least two follow in sequence.

    A text that opens with a marker (``第三，…第四，…``) continues a list begun above it.
    ``late_start``: the text may begin in the middle of a list (an excerpt): a run may then
    start at 二是 or later, and a single 二是/第三， after some text counts.
    """
    candidates = _candidates(text)
    best: list[int] = []
    for i, (start, value, style) in enumerate(candidates):
        continues = start == 0 and value > 1 and style != "序"  # a list carried on from above
        if value != 1 and not continues and not (late_start and value > 1 and style in "是第"):
            continue
        run, expected = [start], value + 1
        for later, v, s in candidates[i + 1 :]:
            if s != style:
                continue
            if v == expected or (style == "序" and v == 0 and expected > 2):
                run.append(later)
                expected = v + 1 if v else 99
        if len(run) > len(best):
            best = run
    if late_start and len(best) == 1 and best[0] > 0:
        return best
    return best if len(best) >= 2 else []


def starts_with_point(text: str) -> bool:
    """The text opens with an inline marker (一是…, 第二，…, 首先，…) or a numbered marker."""
    found = _candidates(text[:6])
    return bool(found and found[0][0] == 0) or line_marker(text)[0] in (2, 3)


def last_point_start(text: str) -> int:
    """Where the last point-opening marker in ``text`` starts (-1 when there is none)."""
    found = _candidates(text)
    if found:
        return found[-1][0]
    return 0 if line_marker(text)[0] in (2, 3) else -1


def is_short_title(text: str, longest: int = 45) -> bool:
    """A point's bare title: one short clause, at most one sentence end, and that at the end."""
    body = text.strip()
    if not body or len(body) > longest:
        return False
    ends = [m.start() for m in _SENTENCE_END.finditer(body)]
    return not ends or ends == [len(body) - 1]


def point_title(text: str) -> str | None:
    """The point's own short title: its first clause without the ordinal ("理论学习不深入")."""
    body = re.sub(rf"^(?:{LEVEL2.pattern}|{LEVEL1.pattern}|{LEVEL3.pattern})", "", text)
    body = re.sub(rf"^(?:第?[{CN}]{{1,3}}是|第[{CN}]{{1,3}}[，,、]|其[{CN}][，,、]"
                  r"|(?:首先|其次|再次|最后)[，,、])", "", body)
    head = HEAD_END.split(body, maxsplit=1)[0].strip()
    return head if 0 < len(head) <= 60 else None


def simplified_title(text: str) -> str:
    """The point's title in simplified characters, "" if none: what ranking matches a request
    against (``ranking.title_match``), stored per passage when an index is written."""
    from duizhao.simplified import to_simplified

    return to_simplified(point_title(text) or "")
