"""Word .docx reading on real files written by python-docx (tests/docx_fixtures.py)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from docx_fixtures import split_number, write_docx

from duizhao.errors import ReadError
from duizhao.read import read_document

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SEEDS = sorted(CORPUS.glob("*.txt"))


def test_plain_paragraphs(tmp_path: Path) -> None:
    lines = ["对照检查材料", "", "一、存在问题", "（一）理论学习方面。", "一是学习不够。\t有差距"]
    path = tmp_path / "plain.docx"
    expected = write_docx(path, lines)
    source = read_document(path, "docs/plain.docx")
    assert source.text == expected == "\n".join(lines)
    assert (source.path, source.format) == ("docs/plain.docx", "docx")


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_auto_numbering_round_trip_on_seeds(tmp_path: Path, seed: Path) -> None:
    txt = read_document(seed)
    lines = txt.text.split("\n")
    path = tmp_path / (seed.stem + ".docx")
    write_docx(path, lines, auto_number=True)
    # The numbers really are Word's: no numbered paragraph carries its number as text.
    paragraphs = docx.Document(str(path)).paragraphs
    numbered = [p for p in paragraphs if p._p.pPr is not None and p._p.pPr.numPr is not None]
    assert len(numbered) == sum(split_number(line) is not None for line in lines) > 0
    assert all(split_number(p.text) is None for p in numbered)
    assert read_document(path).text == txt.text


def test_numbering_restarts_under_each_section(tmp_path: Path) -> None:
    lines = ["一、存在问题", "（一）甲方面。", "（二）乙方面。", "1.第一点", "2.第二点",
             "二、原因剖析", "（一）丙方面。", "1.再一点",
             "三、整改措施", "（一）丁。", "（二）戊。"]
    path = tmp_path / "restart.docx"
    write_docx(path, lines, auto_number=True)
    assert read_document(path).text == "\n".join(lines)


def test_numbering_defined_on_a_style(tmp_path: Path) -> None:
    """Headings numbered through their style (numPr in styles.xml), as outline templates do."""
    path = tmp_path / "styled.docx"
    write_docx(path, ["占位"], auto_number=True)  # gives the package our abstractNum
    document = docx.Document(str(path))
    numbering = document.part.numbering_part.element
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn

    abstract_id = numbering.findall(qn("w:abstractNum"))[-1].get(qn("w:abstractNumId"))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="99">'
                               f'<w:abstractNumId w:val="{abstract_id}"/></w:num>'))
    style = document.styles["Heading 2"]
    style.element.get_or_add_pPr().append(parse_xml(
        f'<w:numPr {nsdecls("w")}><w:ilvl w:val="1"/><w:numId w:val="99"/></w:numPr>'))
    body = document.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)
    for text in ["理论学习方面。", "政治素质方面。"]:
        document.add_paragraph(text, style="Heading 2")
    document.save(str(path))
    source = read_document(path)
    assert source.text == "（一）理论学习方面。\n（二）政治素质方面。"
    assert source.heading_levels == {0: 2, 1: 2}


def test_heading_styles(tmp_path: Path) -> None:
    path = tmp_path / "headings.docx"
    write_docx(path, ["对照检查材料", "正文一段。", "一、存在问题", "正文。"],
               headings={0: 1, 2: 2})
    source = read_document(path)
    assert source.heading_levels == {0: 1, 2: 2}


def test_chinese_heading_style_names(tmp_path: Path) -> None:
    path = tmp_path / "zh.docx"
    write_docx(path, ["对照检查材料", "正文。"], headings={0: 1}, heading_style="标题 {level}")
    assert read_document(path).heading_levels == {0: 1}


def test_table_cells_in_body_order(tmp_path: Path) -> None:
    path = tmp_path / "table.docx"
    expected = write_docx(path, ["一、问题清单", "二、整改措施"],
                          table=[["问题", "措施"], ["学习不够深入", "制定学习计划"]], table_at=1)
    source = read_document(path)
    assert source.text == expected == \
        "一、问题清单\n问题\n措施\n学习不够深入\n制定学习计划\n二、整改措施"


def test_corrupt_docx_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200))  # an old .doc, renamed
    with pytest.raises(ReadError) as err:
        read_document(path)
    message = str(err.value)
    assert "旧版" in message and "另存为 .docx" in message and "broken.docx" in message
    assert "save it" in err.value.en.lower()


def test_corrupt_docx_zip_without_document(tmp_path: Path) -> None:
    path = tmp_path / "hollow.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "not a word document")
    with pytest.raises(ReadError, match="word/document.xml"):
        read_document(path)


def test_truncated_docx(tmp_path: Path) -> None:
    good = tmp_path / "good.docx"
    write_docx(good, ["一、存在问题"] * 50)
    path = tmp_path / "cut.docx"
    path.write_bytes(good.read_bytes()[:2000])
    with pytest.raises(ReadError, match="损坏"):
        read_document(path)


def test_empty_docx(tmp_path: Path) -> None:
    path = tmp_path / "empty.docx"
    write_docx(path, ["", "  "])
    with pytest.raises(ReadError, match="文件为空"):
        read_document(path)


def test_tracked_changes_fields_and_hidden_text(tmp_path: Path) -> None:
    """What Word shows: insertions yes; deletions, field codes and hidden runs no."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    path = tmp_path / "tracked.docx"
    write_docx(path, ["占位"])
    document = docx.Document(str(path))
    p = document.paragraphs[0]._p
    for r in list(p.iterchildren()):
        p.remove(r)
    w = nsdecls("w")
    for xml in (
        f'<w:r {w}><w:t>学习</w:t></w:r>',
        f'<w:del {w} w:id="1" w:author="a"><w:r><w:delText>不够</w:delText></w:r></w:del>',
        f'<w:ins {w} w:id="2" w:author="a"><w:r><w:t>深入</w:t></w:r></w:ins>',
        f'<w:r {w}><w:fldChar w:fldCharType="begin"/></w:r>',
        f'<w:r {w}><w:instrText> PAGE </w:instrText></w:r>',
        f'<w:r {w}><w:fldChar w:fldCharType="separate"/></w:r>',
        f'<w:r {w}><w:t>3</w:t></w:r>',
        f'<w:r {w}><w:fldChar w:fldCharType="end"/></w:r>',
        f'<w:r {w}><w:rPr><w:vanish/></w:rPr><w:t>隐藏</w:t></w:r>',
        f'<w:hyperlink {w}><w:r><w:t>链接</w:t></w:r></w:hyperlink>',
    ):
        p.append(parse_xml(xml))
    document.save(str(path))
    assert read_document(path).text == "学习深入3链接"


def test_markdown_seed_and_its_docx_read_the_same(tmp_path: Path) -> None:
    # Seed 001 is Markdown with bold section titles; as Word with automatic numbering and a
    # title style it must give the same text as the .md reader.
    md = tmp_path / "001.md"
    md.write_text((CORPUS / "001_0f28a688a6bae410.txt").read_text(encoding="utf-8"),
                  encoding="utf-8")
    from_md = read_document(md)
    path = tmp_path / "001.docx"
    write_docx(path, from_md.text.split("\n"), auto_number=True, headings={0: 1})
    from_docx = read_document(path)
    assert from_docx.text == from_md.text
    assert from_docx.heading_levels == from_md.heading_levels == {0: 1}
