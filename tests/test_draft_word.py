"""The Word draft: 公文 page, fonts named for Word and WPS, styles, page numbers, comments.

Each test writes a real .docx with ``write_draft`` and reads it back with python-docx and
lxml; what Word or WPS would show depends on exactly these XML settings.
"""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Pt
from docx_fixtures import read_draft
from lxml import etree

from duizhao.draft import DraftInfo, Entry, Labels, Source, free_name, lay_out, write_draft
from duizhao.errors import UsageError
from duizhao.taxonomy import load_taxonomy

LABELS = Labels.from_taxonomy(load_taxonomy())
SRC = Source("2023年主题教育专题民主生活会个人对照检查剖析材料",
             ("一、存在的突出问题", "（一）理论学习方面"), "corpus/002_92db7604694cf289.txt")
ENTRIES = [
    Entry("一是理论武装不深不透。学习不够系统。", "problem", "theory", SRC),
    Entry("（二）理论联系实际不够。琢磨不深。", "problem", "theory", SRC),
    Entry("（三）服务群众不到位。下基层少。", "problem", "style", SRC),
    Entry("1. 加强理论学习。每周自学。", "measure", "theory", SRC),
    Entry("本人理想信念有所松懈。", "cause", "politics", None),
]
INFO = DraftInfo(title="2024年度组织生活会个人对照检查材料", unit="某某社区党支部", name="张三",
                 date="2025年1月20日")


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("draft") / "草稿.docx"
    return write_draft(lay_out(ENTRIES, LABELS, INFO), path)


def fonts_of(element: etree._Element) -> dict[str, str]:
    found = element.find(f".//{qn('w:rFonts')}")
    assert found is not None
    return {k.split("}")[1]: v for k, v in found.attrib.items()}


def test_a4_with_the_gongwen_margins(saved: Path) -> None:
    section = docx.Document(str(saved)).sections[0]
    size = section._sectPr.find(qn("w:pgSz"))
    assert (size.get(qn("w:w")), size.get(qn("w:h"))) == ("11906", "16838")  # A4 in twips
    margins = [section.top_margin, section.bottom_margin, section.left_margin,
               section.right_margin]
    assert [round(m.mm, 1) for m in margins] == [37.0, 35.0, 28.0, 26.0]


def test_styles_name_east_asian_fonts_sizes_and_fixed_lines(saved: Path) -> None:
    document = docx.Document(str(saved))
    expected = {"Normal": ("仿宋_GB2312", 16), "公文标题": ("方正小标宋简体", 22),
                "一级标题": ("黑体", 16), "二级标题": ("楷体_GB2312", 16), "署名": ("楷体_GB2312", 16),
                "页码": ("宋体", 14)}
    for name, (font, size) in expected.items():
        style = document.styles[name]
        fonts = fonts_of(style.element)
        assert fonts["eastAsia"] == font and fonts["hint"] == "eastAsia"
        assert fonts["ascii"] == "Times New Roman"
        assert not any(k.endswith("Theme") or k == "cstheme" for k in fonts)  # themes win
        assert style.font.size == Pt(size)
    normal = document.styles["Normal"].paragraph_format
    assert normal.line_spacing == Pt(28.95) and normal.first_line_indent == Pt(32)
    ind = document.styles["Normal"].element.find(f".//{qn('w:ind')}")
    assert ind.get(qn("w:firstLineChars")) == "200"  # two characters, in Word's own unit
    assert document.styles["公文标题"].paragraph_format.alignment == 1  # centred
    assert document.styles["一级标题"].element.find(f".//{qn('w:outlineLvl')}").get(
        qn("w:val")) == "0"  # navigation pane still works
    defaults = document.styles.element.find(qn("w:docDefaults"))
    assert fonts_of(defaults)["eastAsia"] == "仿宋_GB2312"
    lang = defaults.find(f".//{qn('w:lang')}")
    assert lang.get(qn("w:eastAsia")) == "zh-CN"


def test_no_blue_word_headings_are_used(saved: Path) -> None:
    document = docx.Document(str(saved))
    used = {p.style.name for p in document.paragraphs}
    assert used == {"公文标题", "署名", "一级标题", "二级标题", "Normal", "落款"}
    for name in ("一级标题", "二级标题", "公文标题"):
        color = document.styles[name].font.color
        assert color.rgb is None and color.theme_color is None


def test_font_table_names_the_fallbacks(saved: Path) -> None:
    document = docx.Document(str(saved))
    part = next(rel.target_part for rel in document.part.rels.values()
                if rel.reltype.endswith("/fontTable"))
    table = etree.fromstring(part.blob)
    alt = {f.get(qn("w:name")): f.find(qn("w:altName")).get(qn("w:val"))
           for f in table.findall(qn("w:font")) if f.find(qn("w:altName")) is not None}
    assert alt["仿宋_GB2312"] == "仿宋" and alt["楷体_GB2312"] == "楷体"
    assert alt["方正小标宋简体"] == "宋体"
    charset = {f.get(qn("w:name")): f.find(qn("w:charset")).get(qn("w:val"))
               for f in table.findall(qn("w:font")) if f.find(qn("w:charset")) is not None}
    assert charset["黑体"] == "86"  # GB2312


def test_page_number_is_a_page_field_between_dashes(saved: Path) -> None:
    footer = docx.Document(str(saved)).sections[0].footer.paragraphs[0]
    xml = etree.tostring(footer._p, encoding="unicode")
    assert footer.text.startswith("— ") and footer.text.endswith(" —")
    assert "PAGE" in "".join(t.text for t in footer._p.iter(qn("w:instrText")))
    assert xml.count("fldCharType") == 3
    assert footer.style.name == "页码" and footer.style.paragraph_format.alignment == 1


def test_headings_renumbering_bold_titles_and_comments(saved: Path) -> None:
    document = docx.Document(str(saved))
    texts = [p.text for p in document.paragraphs]
    assert texts[:2] == [INFO.title, "某某社区党支部\u3000张三"] and texts[-1] == INFO.date
    entries = read_draft(saved)
    assert [(s, d, t[:6]) for s, d, t, _ in entries] == [
        ("一、存在的问题", "（一）理论学习方面", "1.理论武装"),
        ("一、存在的问题", "（一）理论学习方面", "2.理论联系"),
        ("一、存在的问题", "（二）工作作风方面", "1.服务群众"),
        ("二、原因剖析", "（一）政治素质方面", "1.本人理想"),
        ("三、整改措施", "（一）理论学习方面", "1.加强理论"),
    ]
    first = next(p for p in document.paragraphs if p.text.startswith("1.理论武装"))
    assert [(r.text, bool(r.bold)) for r in first.runs if r.text] == \
        [("1.理论武装不深不透。", True), ("学习不够系统。", False)]
    sources = [src for *_, src in entries]
    assert sources[3] == ""  # the user's own paragraph has no source
    assert sources[0] == ("来源：《2023年主题教育专题民主生活会个人对照检查剖析材料》 › 一、存在的突出问题"
                          " › （一）理论学习方面（corpus/002_92db7604694cf289.txt）")
    assert not any("来源" in t for t in texts)  # no source note between the points
    assert all(c.author == "duizhao" for c in document.comments)


def test_clean_copy_has_no_comments(tmp_path: Path) -> None:
    path = write_draft(lay_out(ENTRIES, LABELS, INFO), tmp_path / "净稿.docx", sources=False)
    document = docx.Document(str(path))
    assert len(list(document.comments)) == 0
    assert all(src == "" for *_, src in read_draft(path))


def test_write_never_replaces_unless_asked_and_leaves_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "稿.docx"
    path.write_bytes(b"user's own file")
    draft = lay_out(ENTRIES, LABELS, INFO)
    with pytest.raises(UsageError, match="已存在"):
        write_draft(draft, path)
    assert path.read_bytes() == b"user's own file"
    assert free_name(path).name == "稿（2）.docx"
    write_draft(draft, path, overwrite=True)
    assert docx.Document(str(path)).paragraphs[0].text == INFO.title
    assert sorted(p.name for p in tmp_path.iterdir()) == ["稿.docx"]
    with pytest.raises(UsageError, match=r"\.docx 或 \.md"):
        write_draft(draft, tmp_path / "稿.pdf")
    with pytest.raises(UsageError, match="目录不存在"):
        write_draft(draft, tmp_path / "没有" / "稿.docx")


def test_interrupted_write_keeps_the_old_file(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "稿.md"
    path.write_text("旧稿", "utf-8")

    def interrupted(*args: object, **kwargs: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr("duizhao.draft.markdown.to_markdown", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_draft(lay_out(ENTRIES, LABELS), path, overwrite=True)
    assert path.read_text("utf-8") == "旧稿" and [p.name for p in tmp_path.iterdir()] == ["稿.md"]
