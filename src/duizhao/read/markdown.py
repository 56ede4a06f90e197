"""Markdown: remove the markup, keep what it says about structure (heading levels).

Each source line stays one line (people write Chinese Markdown like plain text, one paragraph a
line, often without blank lines, so joining soft-wrapped lines would merge headings into body
text). Removed: ``#`` heading marks, emphasis ``* _ ~~``, inline code backticks, link and image
syntax, list bullets ("- ", "* ", "+ "; numbered "1." is content and kept), blockquote ``>``,
HTML comments and tags, horizontal rules, fences, table pipes, YAML front matter.

Every rule is linear in the line's length: no pattern can rescan the rest of a line from each
of many openers (a 90 KB line of ``**`` once took a minute). Bracket and tag patterns stop at
the next opener; emphasis, code spans and comments pair delimiters in one left-to-right pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from duizhao.models import SourceText
from duizhao.read.text import read_decoded

_FRONT_MATTER = re.compile(r"\A---\n(?:[^\n]*\n){0,60}?(?:---|\.\.\.)\n")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+.*$")
_TABLE_SEP = re.compile(r"^\s*+\|?\s*+:?-++:?\s*+(?:\|\s*+:?-++:?\s*+)++\|?\s*+$")
_QUOTE = re.compile(r"^ {0,3}(?:>[ \t]?)+")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?=[ \t]|$)")
_ATX_CLOSE = re.compile(r"(?:^|[ \t])#+$")
_BULLET = re.compile(r"^[ \t]*[-*+][ \t]+(?:\[[ xX]\][ \t]+)?")

_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_BACKTICKS = re.compile(r"`+")
_IMAGE = re.compile(r"!\[([^\[\]]*)\]\([^()]*\)")
_LINK = re.compile(r"\[([^\[\]]+)\]\([^()]*\)")
_REF_LINK = re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^<>\s]+|[^@<>\s]+@[^<>\s]+)>")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
# Escaped or code characters are parked in a private-use plane so no later rule touches them.
_PARK = 0xF0000
_PARKED = re.compile("[\U000f0000-\U000f007f]")


def _park(text: str) -> str:
    return "".join(chr(_PARK + ord(c)) if c < "\x80" and not c.isalnum() else c for c in text)


def _word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _flank_open(line: str, i: int, n: int) -> bool:
    return i + n < len(line) and not line[i + n].isspace()


def _flank_close(line: str, j: int, n: int) -> bool:
    return not line[j - 1].isspace()


def _star_open(line: str, i: int, n: int) -> bool:
    return _flank_open(line, i, n) and line[i + n] != "*"


def _star_close(line: str, j: int, n: int) -> bool:
    return _flank_close(line, j, n) and line[j - 1] != "*"


def _under_open(line: str, i: int, n: int) -> bool:
    return (i == 0 or not _word(line[i - 1])) and _flank_open(line, i, n)


def _under_close(line: str, j: int, n: int) -> bool:
    return _flank_close(line, j, n) and (j + n >= len(line) or not _word(line[j + n]))


_Check = Callable[[str, int, int], bool]
_EMPHASIS: tuple[tuple[str, _Check, _Check], ...] = (
    ("**", _flank_open, _flank_close), ("__", _flank_open, _flank_close),
    ("~~", _flank_open, _flank_close), ("*", _star_open, _star_close),
    ("_", _under_open, _under_close),
)


def _unwrap(line: str, delim: str, opens: _Check, closes: _Check) -> str:
    """Remove ``delim`` pairs around non-blank text, nearest closer first, in one pass.

    If the first opener finds no closer, no later opener can (any closer after a later
    opener would also close the first), so the scan stops: linear in the line.
    """
    n = len(delim)
    out: list[str] = []
    done = pos = 0
    while True:
        i = line.find(delim, pos)
        if i < 0:
            break
        if not opens(line, i, n):
            pos = i + 1
            continue
        j = line.find(delim, i + n + 1)
        while j >= 0 and not closes(line, j, n):
            j = line.find(delim, j + 1)
        if j < 0:
            break
        out.append(line[done:i])
        out.append(line[i + n:j])
        done = pos = j + n
    if not out:
        return line
    out.append(line[done:])
    return "".join(out)


def _code_spans(line: str) -> str:
    """Backtick code spans (a run of n backticks closed by the next run of n) as parked text."""
    runs = list(_BACKTICKS.finditer(line))
    if len(runs) < 2:
        return line
    closer: dict[int, int] = {}
    last: dict[int, int] = {}
    for k in range(len(runs) - 1, -1, -1):
        size = len(runs[k].group(0))
        if size in last:
            closer[k] = last[size]
        last[size] = k
    out: list[str] = []
    done = k = 0
    while k < len(runs):
        if k not in closer:
            k += 1
            continue
        opener, end = runs[k], runs[closer[k]]
        body = line[opener.end():end.start()]
        out.append(line[done:opener.start()])
        out.append(_park(body.strip(" ") or body))
        done = end.end()
        k = closer[k] + 1
    out.append(line[done:])
    return "".join(out)


def strip_inline(line: str) -> str:
    """Remove inline markup from one line, keeping its words."""
    line = _ESCAPE.sub(lambda m: chr(_PARK + ord(m.group(1))), line)
    line = _code_spans(line)
    line = _IMAGE.sub(r"\1", line)
    line = _LINK.sub(r"\1", line)
    line = _REF_LINK.sub(r"\1", line)
    line = _AUTOLINK.sub(lambda m: _park(m.group(1)), line)
    line = _TAG.sub("", line)
    for _ in range(3):  # nested emphasis: ***x***, **_x_**
        before = line
        for delim, opens, closes in _EMPHASIS:
            line = _unwrap(line, delim, opens, closes)
        if line == before:
            break
    return _PARKED.sub(lambda m: chr(ord(m.group(0)) - _PARK), line)


def _strip_comments(text: str) -> str:
    """Remove ``<!-- … -->`` comments; an unclosed ``<!--`` is kept as text (never drop words)."""
    if "<!--" not in text:
        return text
    out: list[str] = []
    pos = 0
    while True:
        i = text.find("<!--", pos)
        if i < 0:
            break
        j = text.find("-->", i + 4)
        if j < 0:
            break
        out.append(text[pos:i])
        pos = j + 3
    out.append(text[pos:])
    return "".join(out)


def _atx(line: str) -> tuple[int, str] | None:
    """(level, heading text) of an ATX heading line ("## 标题 ##"), or None."""
    m = _ATX.match(line)
    if m is None:
        return None
    rest = line[m.end():].strip(" \t")
    close = _ATX_CLOSE.search(rest)
    if close is not None:
        rest = rest[:close.start()].rstrip(" \t")
    return len(m.group(1)), rest


def _table_cells(line: str) -> list[str] | None:
    """Cells of a pipe-table row, or None when the line is not one."""
    stripped = line.strip()
    if not stripped.startswith("|") or stripped.count("|") < 2:
        return None
    cells = re.split(r"(?<!\\)\|", stripped.strip("|"))
    return [c.strip() for c in cells if c.strip()]


def strip_markdown(text: str) -> tuple[str, dict[int, int]]:
    """Markdown text → (plain text, {output line: heading level})."""
    text = _strip_comments(text)
    text = _FRONT_MATTER.sub("", text, count=1)
    out: list[str] = []
    levels: dict[int, int] = {}
    fence: str | None = None
    prev_para = False  # the previous source line was plain paragraph text (setext candidate)
    for raw in text.split("\n"):
        if fence is not None:
            if raw.strip().startswith(fence):
                fence = None
            else:
                out.append(raw)
            continue
        m = _FENCE.match(raw)
        if m:
            fence = m.group(1)
            prev_para = False
            continue
        m = _SETEXT.match(raw)
        if m and prev_para and out:
            levels[len(out) - 1] = 1 if m.group(1)[0] == "=" else 2
            prev_para = False
            continue
        if _RULE.match(raw) or _REF_DEF.match(raw) or _TABLE_SEP.match(raw):
            prev_para = False
            continue
        line = _QUOTE.sub("", raw)
        cells = _table_cells(line)
        if cells is not None:
            out.extend(strip_inline(c) for c in cells)
            prev_para = False
            continue
        heading = _atx(line)
        if heading:
            levels[len(out)] = heading[0]
            out.append(strip_inline(heading[1]).strip())
            prev_para = False
            continue
        line = _BULLET.sub("", line)
        if line.endswith("\\") and not line.endswith("\\\\"):
            line = line[:-1]  # hard line break marker
        line = strip_inline(line.rstrip())
        out.append(line)
        prev_para = bool(line.strip())
    return "\n".join(out), levels


def read_markdown(path: Path, display_path: str | None = None) -> SourceText:
    """A .md file as SourceText: markup removed, ``#`` levels kept as heading_levels."""
    display = display_path or str(path)
    raw, encoding = read_decoded(path, display)
    text, levels = strip_markdown(raw)
    if not text.strip():
        from duizhao.read.text import empty_file

        raise empty_file(display)
    return SourceText(path=display, text=text, format="md", encoding=encoding,
                      heading_levels=levels)
