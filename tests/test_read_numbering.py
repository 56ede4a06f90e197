"""Word numbering counters replayed the way Word does (numbering.xml semantics)."""

from __future__ import annotations

import pytest
from lxml import etree

from duizhao.read.numbering import Numbering, format_number

NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _lvl(i: int, fmt: str, text: str, start: int = 1, extra: str = "") -> str:
    return (f'<w:lvl w:ilvl="{i}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
            f'<w:lvlText w:val="{text}"/>{extra}</w:lvl>')


def _numbering(abstract_levels: str, nums: str) -> Numbering:
    root = etree.fromstring(
        f'<w:numbering {NS}><w:abstractNum w:abstractNumId="0">{abstract_levels}</w:abstractNum>'
        f"{nums}</w:numbering>")
    return Numbering(root, lambda sid: None)


CHINESE = (_lvl(0, "chineseCounting", "%1、") + _lvl(1, "chineseCounting", "（%2）")
           + _lvl(2, "decimal", "%3."))


def labels(numbering: Numbering, calls: list[tuple[str, int]]) -> list[str]:
    out = []
    for num_id, ilvl in calls:
        label = numbering.next_label(num_id, ilvl)
        out.append(label[0] if label else "")
    return out


def test_deeper_levels_restart_after_a_shallower_one() -> None:
    n = _numbering(CHINESE, '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>')
    calls = [("1", 0), ("1", 1), ("1", 1), ("1", 2), ("1", 2), ("1", 1), ("1", 2), ("1", 0),
             ("1", 1)]
    assert labels(n, calls) == ["一、", "（一）", "（二）", "1.", "2.", "（三）", "1.", "二、",
                                "（一）"]


def test_nums_sharing_an_abstract_share_counters_and_start_override_restarts() -> None:
    n = _numbering(CHINESE,
                   '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
                   '<w:num w:numId="2"><w:abstractNumId w:val="0"/></w:num>'
                   '<w:num w:numId="3"><w:abstractNumId w:val="0"/>'
                   '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/></w:lvlOverride></w:num>')
    assert labels(n, [("1", 0), ("2", 0), ("3", 0), ("1", 0), ("3", 0)]) == \
        ["一、", "二、", "五、", "六、", "七、"]


def test_lvl_restart_zero_never_restarts() -> None:
    levels = (_lvl(0, "decimal", "%1.")
              + _lvl(1, "decimal", "(%2)", extra='<w:lvlRestart w:val="0"/>'))
    n = _numbering(levels, '<w:num w:numId="7"><w:abstractNumId w:val="0"/></w:num>')
    assert labels(n, [("7", 0), ("7", 1), ("7", 0), ("7", 1)]) == ["1.", "(1)", "2.", "(2)"]


def test_multi_level_text_and_legal_numbering() -> None:
    levels = (_lvl(0, "chineseCounting", "第%1章") + _lvl(1, "decimal", "%1.%2")
              + _lvl(2, "decimal", "%1.%2.%3", extra="<w:isLgl/>"))
    n = _numbering(levels, '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>')
    assert labels(n, [("1", 0), ("1", 1), ("1", 2), ("1", 0), ("1", 1)]) == \
        ["第一章", "一.1", "1.1.1", "第二章", "二.1"]


def test_bullets_and_unknown_lists_give_no_number() -> None:
    n = _numbering(_lvl(0, "bullet", "\uf0b7"),
                   '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>')
    assert n.next_label("1", 0) is None
    assert n.next_label("42", 0) is None


@pytest.mark.parametrize(("value", "fmt", "text"), [
    (1, "chineseCounting", "一"), (10, "chineseCounting", "十"), (11, "chineseCounting", "十一"),
    (20, "chineseCountingThousand", "二十"), (101, "chineseCountingThousand", "一百零一"),
    (3, "ideographTraditional", "丙"), (4, "lowerLetter", "d"), (27, "upperLetter", "AA"),
    (9, "lowerRoman", "ix"), (14, "upperRoman", "XIV"), (3, "decimalEnclosedCircle", "③"),
    (7, "decimal", "7"), (2, "chineseLegalSimplified", "贰"), (5, "someNewFormat", "5"),
])
def test_formats(value: int, fmt: str, text: str) -> None:
    assert format_number(value, fmt) == text
