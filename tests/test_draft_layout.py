"""Draft layout: the sources' ordinals stripped, standard headings, renumbered points, Markdown."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from duizhao.draft import DraftInfo, Entry, Labels, Source, chinese_number, lay_out
from duizhao.draft.markdown import to_markdown
from duizhao.draft.ordinals import split_title, strip_ordinals
from duizhao.taxonomy import load_taxonomy

LABELS = Labels.from_taxonomy(load_taxonomy())
SOURCE = Source("个人对照检查材料", ("一、存在的主要问题", "（一）理论学习方面"), "corpus/004_d29e.txt")


@pytest.mark.parametrize(("text", "expected"), [
    ("（一）理论学习不深入。对学习缺乏谋划。", "理论学习不深入。对学习缺乏谋划。"),
    ("(二) 政治站位不高。", "政治站位不高。"),
    ("一、存在的问题", "存在的问题"),
    ("一是理论武装不深不透。", "理论武装不深不透。"),
    ("二是，学用脱节。", "学用脱节。"),
    ("3. 调研不够。", "调研不够。"),
    ("12、服务意识不强。", "服务意识不强。"),
    ("（1）学习不系统。", "学习不系统。"),
    ("①作风不实。", "作风不实。"),
    ("第一，思想认识不到位。", "思想认识不到位。"),
    ("首先，学习不够。", "学习不够。"),
    ("其一，落实不力。", "落实不力。"),
    ("（三）1. 首先，多层序号。", "多层序号。"),
])
def test_leading_ordinals_are_stripped(text: str, expected: str) -> None:
    assert strip_ordinals(text) == expected


@pytest.mark.parametrize("text", [
    "1.5万元专项经费没有用好。",  # a number, not an ordinal
    "第一书记作用发挥不够。",  # a title, not "first,"
    "一丝不苟的作风还没有养成。",
    "理论学习中一是学得浅，二是用得少。",  # inline ordinals are the author's wording
])
def test_words_that_look_like_ordinals_stay(text: str) -> None:
    assert strip_ordinals(text) == text


def test_split_title_takes_the_first_sentence_only_when_more_follows() -> None:
    assert split_title("学习不深入。对学习缺乏谋划。") == ("学习不深入。", "对学习缺乏谋划。")
    assert split_title("只有一句话。") == ("", "只有一句话。")
    assert split_title("有引号“学习强国”！其后。") == ("有引号“学习强国”！", "其后。")


def test_chinese_number() -> None:
    assert [chinese_number(n) for n in (1, 6, 10, 12, 20, 23)] == \
        ["一", "六", "十", "十二", "二十", "二十三"]


def entry(text: str, section: str, dimension: str, source: Source | None = SOURCE) -> Entry:
    return Entry(text, section, dimension, source)


ENTRIES = [
    entry("三是加强理论武装。每周自学两次。", "measure", "theory"),
    entry("（二）调查研究不够深入。下基层少。", "problem", "style"),
    entry("（一）理论学习不深入。学习方法单一。", "problem", "theory"),
    entry("二是理论联系实际不够。学用脱节。", "problem", "theory"),
    entry("理想信念有所松懈。", "cause", "politics", None),
    entry("本人按要求报告个人有关事项，无应报未报情况。", "report", "other"),
    entry("根据组织安排，现对照检查如下。", "intro", "other"),
    entry("上年度查摆的问题已全部整改。", "rectification", "theory"),
]


def test_sections_in_standard_order_with_standard_headings() -> None:
    draft = lay_out(ENTRIES, LABELS, DraftInfo(title="2024年度个人对照检查材料"))
    assert [s.heading for s in draft.sections] == [
        "", "一、上年度整改落实情况", "二、存在的问题", "三、有关事项报告", "四、原因剖析",
        "五、整改措施"]
    problem = draft.sections[2]
    assert [g.heading for g in problem.groups] == ["（一）理论学习方面", "（二）工作作风方面"]
    theory = problem.groups[0].points
    assert [(p.number, p.title) for p in theory] == [("1.", "理论学习不深入。"),
                                                     ("2.", "理论联系实际不够。")]
    assert theory[0].body == "学习方法单一。" and theory[0].source == SOURCE
    assert problem.groups[1].points[0].number == "1."  # numbering restarts per sub-heading
    assert draft.sections[3].groups[0].heading == ""  # 有关事项报告: no dimension sub-heading
    opening = draft.sections[0].groups[0].points[0]
    assert opening.number == "" and opening.body == "根据组织安排，现对照检查如下。"


def test_a_section_of_other_only_has_no_sub_heading() -> None:
    draft = lay_out([entry("一是作风不实。表现在……", "problem", "other")], LABELS)
    assert draft.sections[0].groups[0].heading == ""
    assert draft.sections[0].groups[0].points[0].number == "1."


def test_markdown_keeps_sources_out_of_the_body() -> None:
    md = to_markdown(lay_out(ENTRIES, LABELS, DraftInfo(title="标题", unit="某支部", name="张三",
                                                        date="2025年1月20日")))
    body, _, notes = md.partition("\n---\n")
    assert "来源" not in body and "corpus/" not in body
    assert body.index("## 二、存在的问题") < body.index("## 四、原因剖析") < body.index("## 五、整改措施")
    assert "\n**1.理论学习不深入**。学习方法单一。[^3]\n" in body  # bold closes before 。
    assert "\n**2.理论联系实际不够**。学用脱节。[^4]\n" in body
    assert "1.理想信念有所松懈。\n" in body  # one sentence, the user's own: no bold, no note
    assert "某支部\u3000张三" in body and body.rstrip().endswith("2025年1月20日")
    assert re.findall(r"^\[\^(\d+)\]: 来源：《个人对照检查材料》 › 一、存在的主要问题 › "
                      r"（一）理论学习方面（corpus/004_d29e.txt）$", notes, re.M) == \
        [str(n) for n in range(1, 8)]
    assert "来源" not in to_markdown(lay_out(ENTRIES, LABELS), sources=False)


texts = st.text(alphabet="学习理论作风问题措施。，一二是（）1.", min_size=1, max_size=30)
slots = st.tuples(st.sampled_from([k for k, _ in LABELS.sections]),
                  st.sampled_from([k for k, _ in LABELS.dimensions]))


@given(st.lists(st.tuples(texts, slots), max_size=15))
def test_every_entry_once_in_order_numbered_from_one(items: list) -> None:
    entries = [Entry(f"{t}#{i}#", s, d) for i, (t, (s, d)) in enumerate(items)]
    draft = lay_out(entries, LABELS)
    flat = [p for p in draft.points()]
    assert len(flat) == len([e for e in entries if e.text.strip()])
    for i, _ in enumerate(entries):
        assert sum(f"#{i}#" in p.title + p.body for p in flat) == 1
    for section in draft.sections:
        for group in section.groups:
            numbers = [p.number for p in group.points]
            expected = [f"{n}." for n in range(1, len(numbers) + 1)] if section.heading else \
                [""] * len(numbers)
            assert numbers == expected


def test_a_title_on_its_own_line_leads_the_body_and_traditional_becomes_simplified() -> None:
    from duizhao.draft.layout import make_point

    point = make_point("1.", entry("4.担当作为的精气神不足\n工作中满足于完成领导交办的任务。",
                                   "problem", "responsibility"))
    assert (point.title, point.body, point.more) == (
        "担当作为的精气神不足。", "工作中满足于完成领导交办的任务。", [])
    point = make_point("1.", entry("（二）聯繫羣眾不夠緊密。下基層少。", "problem", "style"))
    assert (point.title, point.body) == ("联系群众不够紧密。", "下基层少。")
    # a long first line is a paragraph of its own, not a title
    long_line = "对习近平新时代中国特色社会主义思想学习不够深入系统全面，更多钻研与业务工作相关的政策理论"
    point = make_point("1.", entry(f"{long_line}\n第二段。", "problem", "theory"))
    assert point.title == "" and point.body == long_line and point.more == ["第二段。"]
