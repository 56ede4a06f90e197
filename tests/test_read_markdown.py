"""Markdown reading: markup removed, heading levels kept, text otherwise untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from duizhao.errors import ReadError
from duizhao.read import read_document
from duizhao.read.markdown import strip_inline, strip_markdown

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def test_seed_markdown_headings_and_bold(tmp_path: Path) -> None:
    # Seed 001 is Markdown saved as .txt; read as .md its markup becomes structure.
    raw = (CORPUS / "001_0f28a688a6bae410.txt").read_text(encoding="utf-8")
    path = tmp_path / "001.md"
    path.write_text(raw, encoding="utf-8")
    source = read_document(path)
    lines = source.text.split("\n")
    assert source.format == "md"
    assert lines[0] == "2021年度组织生活会个人对照检查材料"
    assert source.heading_levels == {0: 1}
    assert "一、存在的主要问题" in lines
    assert "二、产生问题的原因分析" in lines
    assert "*" not in source.text and "#" not in source.text
    # Everything else is the .txt line for line.
    raw_lines = raw.split("\n")
    assert len(lines) == len(raw_lines)
    assert [x for x in raw_lines if "*" not in x and "#" not in x] == \
        [y for x, y in zip(raw_lines, lines, strict=True) if "*" not in x and "#" not in x]


def test_markup_removal() -> None:
    text, levels = strip_markdown("\n".join([
        "# 对照检查材料",
        "## 一、存在问题",
        "- 要点 **加粗** 与 *强调* 与 _下划线_ 与 ~~删除~~",
        "* 星号列表",
        "1. 编号是内容，保留",
        "> 引用中的 `代码`",
        "见[通知](http://example.com/a)与![图](x.png)",
        "<!-- 注释 -->正文",
        "",
        "---",
        "\\*转义星号\\*",
        "对政治属性是*机关第一属性的认识",
    ]))
    assert text.split("\n") == [
        "对照检查材料",
        "一、存在问题",
        "要点 加粗 与 强调 与 下划线 与 删除",
        "星号列表",
        "1. 编号是内容，保留",
        "引用中的 代码",
        "见通知与图",
        "正文",
        "",
        "*转义星号*",
        "对政治属性是*机关第一属性的认识",
    ]
    assert levels == {0: 1, 1: 2}


def test_setext_heading_and_table() -> None:
    text, levels = strip_markdown(
        "标题\n===\n\n| 问题 | 措施 |\n|---|---|\n| 学习不够 | 加强学习 |")
    assert text.split("\n") == ["标题", "", "问题", "措施", "学习不够", "加强学习"]
    assert levels == {0: 1}


def test_code_is_literal_inside_backticks_and_fences() -> None:
    assert strip_inline("`a*b*c` 与 **粗**") == "a*b*c 与 粗"
    text, _ = strip_markdown("```\n**原样**\n```\n正文")
    assert text == "**原样**\n正文"


def test_snake_case_underscores_kept() -> None:
    assert strip_inline("file_name_here") == "file_name_here"


def test_gb18030_markdown(tmp_path: Path) -> None:
    path = tmp_path / "gb.md"
    path.write_bytes("# 一、存在问题\r\n**（一）理论学习方面。**\r\n".encode("gb18030"))
    source = read_document(path)
    assert source.text == "一、存在问题\n（一）理论学习方面。\n"
    assert source.encoding == "gb18030"
    assert source.heading_levels == {0: 1}


def test_markup_only_markdown_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "rule.md"
    path.write_text("---\n\n<!-- 只有注释 -->\n", encoding="utf-8")
    with pytest.raises(ReadError, match="文件为空"):
        read_document(path)
