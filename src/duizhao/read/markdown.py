"""Markdown: remove the markup, keep what it says about structure (heading levels).

Each source line stays one line (people write Chinese Markdown like plain text, one paragraph a
line, often without blank lines, so joining soft-wrapped lines would merge headings into body
text). Removed: ``#`` heading marks, emphasis ``* _ ~~``, inline code backticks, link and image
syntax, list bullets ("- ", "* ", "+ "; numbered "1." is content and kept), blockquote ``>``,
HTML comments and tags, horizontal rules, fences, table pipes, YAML front matter.
"""

from __future__ import annotations

import re
from pathlib import Path

from duizhao.models import SourceText
from duizhao.read.text import read_decoded

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_FRONT_MATTER = re.compile(r"\A---\n(?:[^\n]*\n){0,60}?(?:---|\.\.\.)\n")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+.*$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)+\|?\s*$")
_QUOTE = re.compile(r"^ {0,3}(?:>[ \t]?)+")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_BULLET = re.compile(r"^[ \t]*[-*+][ \t]+(?:\[[ xX]\][ \t]+)?")

_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_CODE = re.compile(r"(`+)(.+?)\1")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^>\s]+|[^@<>\s]+@[^<>\s]+)>")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_EM_STAR = re.compile(r"\*(?=[^\s*])(.+?)(?<=[^\s*])\*")
_EM_UNDER = re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)")
# Escaped or code characters are parked in a private-use plane so no later rule touches them.
_PARK = 0xF0000
_PARKED = re.compile("[\U000f0000-\U000f007f]")


def _park(text: str) -> str:
    return "".join(chr(_PARK + ord(c)) if c < "\x80" and not c.isalnum() else c for c in text)


def strip_inline(line: str) -> str:
    """Remove inline markup from one line, keeping its words."""
    line = _ESCAPE.sub(lambda m: chr(_PARK + ord(m.group(1))), line)
    line = _CODE.sub(lambda m: _park(m.group(2).strip(" ") or m.group(2)), line)
    line = _IMAGE.sub(r"\1", line)
    line = _LINK.sub(r"\1", line)
    line = _REF_LINK.sub(r"\1", line)
    line = _AUTOLINK.sub(lambda m: _park(m.group(1)), line)
    line = _TAG.sub("", line)
    for _ in range(3):  # nested emphasis: ***x***, **_x_**
        before = line
        line = _STRONG.sub(r"\2", line)
        line = _STRIKE.sub(r"\1", line)
        line = _EM_STAR.sub(r"\1", line)
        line = _EM_UNDER.sub(r"\1", line)
        if line == before:
            break
    return _PARKED.sub(lambda m: chr(ord(m.group(0)) - _PARK), line)


def _table_cells(line: str) -> list[str] | None:
    """Cells of a pipe-table row, or None when the line is not one."""
    stripped = line.strip()
    if not stripped.startswith("|") or stripped.count("|") < 2:
        return None
    cells = re.split(r"(?<!\\)\|", stripped.strip("|"))
    return [c.strip() for c in cells if c.strip()]


def strip_markdown(text: str) -> tuple[str, dict[int, int]]:
    """Markdown text → (plain text, {output line: heading level})."""
    text = _COMMENT.sub("", text)
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
        m = _ATX.match(line)
        if m:
            levels[len(out)] = len(m.group(1))
            out.append(strip_inline(m.group(2) or "").strip())
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
