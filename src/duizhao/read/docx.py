"""Word .docx: paragraphs and table cells in body order, heading styles, automatic numbering.

docx_package.py takes the XML parts out of the zip (with size caps, Strict OOXML mapped, and
encrypted or renamed files named); the body is walked as XML so that tables, content controls
and tracked insertions come out in the order a reader sees them, and deleted text, field codes
and duplicate text-box fallbacks don't. Automatic numbers are written out (see numbering.py) so
a .docx reads the same as its .txt.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from duizhao.models import SourceText
from duizhao.read.docx_package import open_docx
from duizhao.read.numbering import Numbering, W
from duizhao.read.text import empty_file

MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
# Subtrees whose text is not part of the paragraph as read: properties, deleted or moved-away
# text, field instructions, text boxes (and their duplicate fallback), footnote marks.
_SKIP = frozenset(W + t for t in (
    "pPr", "rPr", "del", "moveFrom", "instrText", "delText", "delInstrText", "txbxContent",
    "footnoteReference", "endnoteReference", "commentReference", "fldData",
)) | {MC + "Fallback"}
_HEADING_NAME = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.I)
_TITLE_NAMES = frozenset({"title", "标题"})


def _on(el: Any) -> bool:
    return el is not None and el.get(W + "val") not in ("0", "false", "off")


class _Styles:
    """What the reader needs from styles.xml: heading level and numbering, following basedOn."""

    def __init__(self, root: Any) -> None:
        self._by_id: dict[str, Any] = {}
        self.default: str | None = None
        if root is None:
            return
        for el in root.findall(W + "style"):
            sid = el.get(W + "styleId")
            if sid is None:
                continue
            self._by_id[sid] = el
            if el.get(W + "type") == "paragraph" and _on_default(el):
                self.default = sid

    def _chain(self, sid: str | None) -> list[Any]:
        chain: list[Any] = []
        while sid and sid in self._by_id and len(chain) < 20:
            el = self._by_id[sid]
            chain.append(el)
            based = el.find(W + "basedOn")
            sid = None if based is None else based.get(W + "val")
        return chain

    def heading_level(self, sid: str | None) -> int | None:
        chain = self._chain(sid)
        if chain:
            name_el = chain[0].find(W + "name")
            name = (name_el.get(W + "val") if name_el is not None else "") or ""
            m = _HEADING_NAME.match(name.strip())
            if m:
                return int(m.group(1))
            if name.strip().lower() in _TITLE_NAMES:
                return 1
        for el in chain:
            level = _outline(el.find(W + "pPr"))
            if level is not None:
                return level
        return None

    def numbering(self, sid: str | None) -> tuple[str | None, int | None]:
        """(numId, ilvl) a style gives its paragraphs, the nearest in the basedOn chain."""
        num_id: str | None = None
        ilvl: int | None = None
        for el in self._chain(sid):
            num_pr = el.find(f"{W}pPr/{W}numPr")
            if num_pr is None:
                continue
            if num_id is None:
                num_id = _child_val(num_pr, "numId")
            ilvl_val = _child_val(num_pr, "ilvl")
            if ilvl is None and ilvl_val is not None:
                ilvl = int(ilvl_val) if ilvl_val.isdecimal() and len(ilvl_val) < 4 else 0
            if num_id is not None:
                break
        return num_id, ilvl


def _on_default(el: Any) -> bool:
    return el.get(W + "default") in ("1", "true", "on")


def _child_val(el: Any, name: str) -> str | None:
    child = el.find(W + name)
    return None if child is None else child.get(W + "val")


def _outline(ppr: Any) -> int | None:
    if ppr is None:
        return None
    val = _child_val(ppr, "outlineLvl")
    if val is None or not val.isdecimal() or len(val) > 3 or int(val) >= 9:  # 9 = body text
        return None
    return int(val) + 1


def _run_hidden(run: Any) -> bool:
    rpr = run.find(W + "rPr")
    return rpr is not None and (_on(rpr.find(W + "vanish")) or _on(rpr.find(W + "webHidden")))


def _text(el: Any, out: list[str]) -> None:
    """Append the visible text under a paragraph element, in order."""
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag == W + "t":
            out.append(child.text or "")
        elif tag == W + "tab" or tag == W + "ptab":
            out.append("\t")
        elif tag == W + "br":
            if child.get(W + "type") not in ("page", "column"):
                out.append("\n")
        elif tag == W + "cr":
            out.append("\n")
        elif tag == W + "noBreakHyphen":
            out.append("-")
        elif tag == W + "r" and _run_hidden(child):
            continue
        else:  # runs, hyperlinks, insertions, content controls, alternate content …
            _text(child, out)


def _blocks(parent: Any) -> Any:
    """Paragraphs under a body, cell or content control, in reading order (tables row by row)."""
    for child in parent:
        tag = child.tag
        if tag == W + "p":
            yield child
        elif tag == W + "tbl":
            for row in child.findall(W + "tr"):  # nested tables come through their cell
                for cell in row.findall(W + "tc"):
                    yield from _blocks(cell)
        elif tag in (W + "sdt", W + "sdtContent", W + "customXml", W + "ins", W + "moveTo"):
            yield from _blocks(child)


def read_docx(path: Path, display_path: str | None = None) -> SourceText:
    """A .docx as SourceText: one line per paragraph (table cells included), numbers written out."""
    display = display_path or str(path)
    package = open_docx(path, display)
    styles = _Styles(package.styles)
    numbering = Numbering(package.numbering, lambda sid: styles.numbering(sid)[0])
    lines: list[str] = []
    levels: dict[int, int] = {}
    line_no = 0
    for p in _blocks(package.document.find(W + "body")):
        ppr = p.find(W + "pPr")
        sid = _child_val(ppr, "pStyle") if ppr is not None else None
        sid = sid or styles.default
        parts: list[str] = []
        _text(p, parts)
        text = "".join(parts)
        if numbering:
            text = _number_prefix(p, ppr, sid, styles, numbering, text) + text
        level = _outline(ppr) or styles.heading_level(sid)
        if level is not None and text.strip():
            levels[line_no] = level
        lines.append(text)
        line_no += text.count("\n") + 1
    joined = "\n".join(lines)
    if "\r" in joined:
        joined = joined.replace("\r\n", "\n").replace("\r", "\n")
    if not joined.strip():
        raise empty_file(display)
    return SourceText(path=display, text=joined, format="docx", encoding="docx",
                      heading_levels=levels)


def _number_prefix(p: Any, ppr: Any, sid: str | None, styles: _Styles, numbering: Numbering,
                   text: str) -> str:
    """The automatic number of a paragraph as text ("一、", "（一）", "1."), or ""."""
    num_pr = ppr.find(W + "numPr") if ppr is not None else None
    num_id = _child_val(num_pr, "numId") if num_pr is not None else None
    ilvl_val = _child_val(num_pr, "ilvl") if num_pr is not None else None
    ilvl = int(ilvl_val) if ilvl_val and ilvl_val.isdecimal() and len(ilvl_val) < 4 else None
    from_style = False
    if num_id is None:
        num_id, style_ilvl = styles.numbering(sid)
        from_style = num_id is not None
        ilvl = ilvl if ilvl is not None else style_ilvl
    if num_id is None or num_id == "0":
        return ""
    if ilvl is None:
        ilvl = (numbering.level_for_style(num_id, sid) if from_style and sid else None) or 0
    label = numbering.next_label(num_id, ilvl)
    if label is None:
        return ""
    number, suffix = label
    if not number or suffix == "nothing":
        return number
    # Word shows a tab or space after the number; Chinese text reads (and is typed) without it.
    if not text or text[0].isspace() or _is_wide(number[-1]) or _is_wide(text[0]):
        return number
    return number + " "


def _is_wide(ch: str) -> bool:
    return ord(ch) >= 0x2E80  # CJK, full-width punctuation, enclosed numbers
