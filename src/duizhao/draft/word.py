"""The draft as a Word file in 公文 layout (GB/T 9704-2012 style), ready to hand in.

A4, margins 37/35/28/26 mm (top/bottom/left/right), 22 lines a page: the body in
仿宋_GB2312 三号 with a two-character first-line indent and a fixed 28.95 pt line; the title in
方正小标宋简体 二号, centred; "一、" headings in 黑体 三号 and "（一）" headings in
楷体_GB2312 三号; page numbers "— 1 —" (a PAGE field) in 宋体 四号 at the foot.

Fonts are named for the East-Asian script (``w:eastAsia``, with ``w:hint="eastAsia"`` so quotes
and dashes use it too), theme fonts are removed (they override named ones), and the font table
lists each GB2312-era name with its modern fallback as ``w:altName`` (仿宋_GB2312 → 仿宋), so
Word and WPS on machines without the 方正/GB2312 fonts still show 仿宋/楷体/宋体. Our own styles
("公文标题", "一级标题", "二级标题") replace Word's blue "Heading n"; they keep outline levels, so
the navigation pane still works. Sources go in Word comments anchored on each point.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from duizhao.draft.layout import Draft, Point

LATIN = "Times New Roman"
LINE_PT = 28.95  # 225 mm of text height / 22 lines
SIZE_TITLE = 22  # 二号
SIZE_BODY = 16  # 三号
SIZE_PAGE = 14  # 四号
AUTHOR = "duizhao"


@dataclass(frozen=True)
class Font:
    name: str
    fallback: str
    panose: str  # lets Word pick a similar font when neither name is installed


SONG = Font("宋体", "SimSun", "02010600030101010101")
FANGSONG = Font("仿宋_GB2312", "仿宋", "02010609030101010101")
HEITI = Font("黑体", "SimHei", "02010609060101010101")
KAITI = Font("楷体_GB2312", "楷体", "02010609030101010101")
XIAOBIAOSONG = Font("方正小标宋简体", "宋体", "02000000000000000000")
FONTS = (SONG, FANGSONG, HEITI, KAITI, XIAOBIAOSONG)

# style name → (style id, font, size pt, alignment, first-line indent chars, outline level, bold)
STYLES: dict[str, tuple[str, Font, int, str, int, int | None, bool]] = {
    "公文标题": ("GWTitle", XIAOBIAOSONG, SIZE_TITLE, "center", 0, None, False),
    "署名": ("GWByline", KAITI, SIZE_BODY, "center", 0, None, False),
    "一级标题": ("GWHeading1", HEITI, SIZE_BODY, "both", 2, 0, False),
    "二级标题": ("GWHeading2", KAITI, SIZE_BODY, "both", 2, 1, False),
    "落款": ("GWDate", FANGSONG, SIZE_BODY, "right", 0, None, False),
    "页码": ("GWPage", SONG, SIZE_PAGE, "center", 0, None, False),
}


def _w(tag: str) -> str:
    from docx.oxml.ns import qn

    return str(qn(tag))


def set_fonts(rpr: Any, font: Font, size: int | None = None) -> None:
    """Name the East-Asian and Latin fonts on an ``w:rPr``, dropping theme fonts."""
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(_w(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(_w(attr), LATIN)
    fonts.set(_w("w:eastAsia"), font.name)
    fonts.set(_w("w:hint"), "eastAsia")
    if size is not None:
        from docx.shared import Pt

        rpr.get_or_add_sz().val = Pt(size)
        cs = rpr.find(_w("w:szCs"))
        if cs is None:
            cs = rpr.makeelement(_w("w:szCs"), {})
            rpr.append(cs)
        cs.set(_w("w:val"), str(size * 2))


def _paragraph_props(ppr: Any, align: str, indent_chars: int, outline: int | None) -> None:
    from docx.oxml import OxmlElement

    for tag in ("w:spacing", "w:ind", "w:jc", "w:outlineLvl", "w:widowControl"):
        for old in ppr.findall(_w(tag)):
            ppr.remove(old)
    spacing = OxmlElement("w:spacing")
    spacing.set(_w("w:before"), "0")
    spacing.set(_w("w:after"), "0")
    spacing.set(_w("w:line"), str(round(LINE_PT * 20)))
    spacing.set(_w("w:lineRule"), "exact")
    ind = OxmlElement("w:ind")
    ind.set(_w("w:firstLineChars"), str(indent_chars * 100))
    ind.set(_w("w:firstLine"), str(indent_chars * SIZE_BODY * 20))
    if align == "right":  # 落款: four characters in from the right edge
        ind.set(_w("w:rightChars"), "400")
        ind.set(_w("w:right"), str(4 * SIZE_BODY * 20))
    jc = OxmlElement("w:jc")
    jc.set(_w("w:val"), align)
    widow = OxmlElement("w:widowControl")
    widow.set(_w("w:val"), "0")  # keeps every page at 22 lines, as 公文 are
    # schema order inside w:pPr: ... widowControl … spacing, ind … jc … outlineLvl
    ppr.insert_element_before(widow, "w:numPr", "w:spacing", "w:ind", "w:jc", "w:outlineLvl")
    ppr.insert_element_before(spacing, "w:ind", "w:jc", "w:outlineLvl")
    ppr.insert_element_before(ind, "w:jc", "w:outlineLvl")
    ppr.insert_element_before(jc, "w:outlineLvl")
    if outline is not None:
        level = OxmlElement("w:outlineLvl")
        level.set(_w("w:val"), str(outline))
        ppr.append(level)


def _defaults(document: Any) -> None:
    """docDefaults and Normal: 仿宋 三号, fixed line, indent 2, Chinese language, no themes."""
    from docx.oxml import OxmlElement

    root = document.styles.element
    rpr = root.find(f"{_w('w:docDefaults')}/{_w('w:rPrDefault')}/{_w('w:rPr')}")
    set_fonts(rpr, FANGSONG, SIZE_BODY)
    lang = rpr.find(_w("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(_w("w:val"), "en-US")
    lang.set(_w("w:eastAsia"), "zh-CN")
    ppr = root.find(f"{_w('w:docDefaults')}/{_w('w:pPrDefault')}/{_w('w:pPr')}")
    _paragraph_props(ppr, "both", 0, None)
    normal = document.styles["Normal"]
    _paragraph_props(normal.element.get_or_add_pPr(), "both", 2, None)
    set_fonts(normal.element.get_or_add_rPr(), FANGSONG, SIZE_BODY)


def _styles(document: Any) -> None:
    from docx.enum.style import WD_STYLE_TYPE

    for name, (style_id, font, size, align, indent, outline, bold) in STYLES.items():
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.style_id = style_id
        style.base_style = document.styles["Normal"]
        style.quick_style = True
        _paragraph_props(style.element.get_or_add_pPr(), align, indent, outline)
        set_fonts(style.element.get_or_add_rPr(), font, size)
        style.font.bold = bold
        if outline is not None:
            style.paragraph_format.keep_with_next = True
    document.styles["公文标题"].paragraph_format.space_after = _pt(LINE_PT)
    document.styles["署名"].paragraph_format.space_after = _pt(LINE_PT)
    page = document.styles["页码"].paragraph_format
    page.line_spacing = 1.0
    _comment_styles(document)


def _comment_styles(document: Any) -> None:
    """Word's own comment styles (python-docx names them but the template lacks them), small
    and plain, so a source in the margin does not inherit the body's 三号 and 28.95 pt lines."""
    from docx.enum.style import WD_STYLE_TYPE

    text = document.styles.add_style("annotation text", WD_STYLE_TYPE.PARAGRAPH)
    text.style_id = "CommentText"
    text.base_style = document.styles["Normal"]
    _paragraph_props(text.element.get_or_add_pPr(), "left", 0, None)
    text.paragraph_format.line_spacing = 1.0
    set_fonts(text.element.get_or_add_rPr(), SONG, 10)
    mark = document.styles.add_style("annotation reference", WD_STYLE_TYPE.CHARACTER)
    mark.style_id = "CommentReference"
    mark.font.size = _pt(8)
    for style in (text, mark):  # Word's built-in styles by name, not new custom ones
        style.element.attrib.pop(_w("w:customStyle"), None)


def _pt(value: float) -> Any:
    from docx.shared import Pt

    return Pt(value)


def _page(document: Any) -> None:
    """A4, the 公文 margins, the 22-line pitch, "— N —" centred at the foot.

    The grid records the line pitch only: a character grid (``linesAndChars``, which Word uses
    to fit 28 characters a line) is laid out very differently by LibreOffice, so each line
    holds the 27 characters of 三号 that fit the 156 mm text width.
    """
    from docx.oxml import OxmlElement
    from docx.shared import Mm

    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(24)
    grid = section._sectPr.find(_w("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.attrib.pop(_w("w:type"), None)
    grid.set(_w("w:linePitch"), str(round(LINE_PT * 20)))
    footer = section.footer.paragraphs[0]
    footer.style = document.styles["页码"]
    footer.add_run("— ")
    for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("num", "1"),
                       ("end", None)):
        run = footer.add_run()
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            instr.text = text
            run._r.append(instr)
        elif kind == "num":
            run.text = text
        else:
            char = OxmlElement("w:fldChar")
            char.set(_w("w:fldCharType"), kind)
            run._r.append(char)
    footer.add_run(" —")


def font_table(xml: bytes) -> bytes:
    """The font table with our fonts: GB2312 charset, family, pitch, panose and ``w:altName``."""
    from lxml import etree

    root = etree.fromstring(xml)
    for font in FONTS:
        for old in root.findall(_w("w:font")):
            if old.get(_w("w:name")) == font.name:
                root.remove(old)
        entry = etree.SubElement(root, _w("w:font"), {_w("w:name"): font.name})
        etree.SubElement(entry, _w("w:altName"), {_w("w:val"): font.fallback})
        etree.SubElement(entry, _w("w:panose1"), {_w("w:val"): font.panose})
        etree.SubElement(entry, _w("w:charset"), {_w("w:val"): "86"})  # GB2312
        etree.SubElement(entry, _w("w:family"), {_w("w:val"): "modern"})
        etree.SubElement(entry, _w("w:pitch"), {_w("w:val"): "fixed"})
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _update_font_table(document: Any) -> None:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    for rel in document.part.rels.values():
        if rel.reltype == RT.FONT_TABLE and not rel.is_external:
            part = rel.target_part
            part._blob = font_table(part.blob)  # a plain Part: its XML is its blob


def _point(document: Any, point: Point, sources: bool) -> None:
    paragraph = document.add_paragraph(style=document.styles["Normal"])
    runs = []
    if point.number:
        run = paragraph.add_run(point.number + point.title)
        run.bold = bool(point.title)  # "1.标题。" bold; a one-sentence point stays plain
        runs.append(run)
    elif point.title:  # the opening's paragraphs are not points: nothing bold
        runs.append(paragraph.add_run(point.title))
    if point.body:
        runs.append(paragraph.add_run(point.body))
    for text in point.more:
        runs.append(document.add_paragraph(text, style=document.styles["Normal"]).runs[0])
    if sources and point.source is not None and runs:
        comment = document.add_comment(runs, text=point.source.describe(), author=AUTHOR,
                                       initials="DZ")
        _mark_at_start(paragraph, comment.comment_id)


def _mark_at_start(paragraph: Any, comment_id: int) -> None:
    """Move the comment's reference mark from the end of the point to its start.

    The comment still spans the whole point. At the end, LibreOffice gives the mark a line of
    its own whenever the point's last line is full (a blank line in the printed draft); at the
    start, right after ``w:commentRangeStart``, it costs nothing anywhere.
    """
    body = paragraph._p.getparent()
    for ref in body.iter(_w("w:commentReference")):
        if ref.get(_w("w:id")) == str(comment_id):
            run = ref.getparent()
            run.getparent().remove(run)
            start = next(e for e in paragraph._p.iter(_w("w:commentRangeStart"))
                         if e.get(_w("w:id")) == str(comment_id))
            start.addnext(run)
            return


def write_docx(draft: Draft, path: Path, sources: bool = True) -> None:
    """Write ``draft`` to ``path`` (the caller makes the write atomic)."""
    from docx import Document

    document = Document()
    _defaults(document)
    _styles(document)
    _page(document)
    _update_font_table(document)
    props = document.core_properties
    props.title, props.author, props.last_modified_by = draft.info.title, draft.info.name, ""
    props.comments = ""
    body = document.paragraphs[0] if document.paragraphs else None
    if body is not None and not body.text:  # the template's empty first paragraph
        body._p.getparent().remove(body._p)
    document.add_paragraph(draft.info.title, style=document.styles["公文标题"])
    if draft.info.byline:
        document.add_paragraph(draft.info.byline, style=document.styles["署名"])
    for section in draft.sections:
        if section.heading:
            document.add_paragraph(section.heading, style=document.styles["一级标题"])
        for group in section.groups:
            if group.heading:
                document.add_paragraph(group.heading, style=document.styles["二级标题"])
            for point in group.points:
                _point(document, point, sources)
    if draft.info.date:  # 落款: the date, right-aligned four characters in, a line below
        dated = document.add_paragraph(draft.info.date, style=document.styles["落款"])
        dated.paragraph_format.space_before = _pt(LINE_PT)
    document.save(str(path))
