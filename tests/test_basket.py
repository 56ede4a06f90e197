"""The basket export: standard order, dimension order, sources, .md and .docx by suffix."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx_fixtures import read_draft
from hypothesis import given
from hypothesis import strategies as st

from duizhao.basket import (
    Basket,
    chinese_number,
    group_passages,
    save_basket,
    source_note,
    to_markdown,
)
from duizhao.errors import UsageError
from duizhao.models import Label, Passage, passage_id
from duizhao.taxonomy import load_taxonomy

TAX = load_taxonomy()


def make(text: str, section: str, dimension: str, doc: str = "corpus/a.txt") -> Passage:
    return Passage(
        id=passage_id(text), doc=doc, title="个人对照检查材料",
        role=Label("branch_secretary"), section=Label(section), dimension=Label(dimension),
        heading="（一）理论学习方面", text=text,
        headings=("一、存在的主要问题", "（一）理论学习方面"),
    )


MEASURE = make("一是加强理论武装，每周自学不少于两次。", "measure", "theory")
PROBLEM_STYLE = make("二是调查研究不够深入。", "problem", "style", doc="corpus/b.txt")
PROBLEM_THEORY = make("一是理论学习不够系统。", "problem", "theory")
CAUSE = make("理想信念有所松懈。", "cause", "politics")


def test_chinese_number() -> None:
    assert [chinese_number(n) for n in (1, 6, 10, 12, 20, 23)] == \
        ["一", "六", "十", "十二", "二十", "二十三"]


def test_group_in_taxonomy_order_not_pick_order() -> None:
    groups = group_passages([MEASURE, PROBLEM_STYLE, CAUSE, PROBLEM_THEORY], TAX)
    assert [g.section for g in groups] == ["problem", "cause", "measure"]
    assert [d[0] for d in groups[0].dimensions] == ["theory", "style"]
    assert groups[0].section_name == "存在问题"


def test_unknown_keys_go_last() -> None:
    odd = make("新主题的内容。", "problem", "new_theme")
    groups = group_passages([odd, PROBLEM_THEORY], TAX)
    assert [d[0] for d in groups[0].dimensions] == ["theory", "new_theme"]


def test_basket_add_is_idempotent_and_drop_is_one_based() -> None:
    basket = Basket()
    assert basket.add(CAUSE) and basket.add(MEASURE)
    assert not basket.add(CAUSE)
    assert len(basket) == 2
    assert basket.drop(1) is CAUSE
    with pytest.raises(UsageError, match="可用编号：1–1"):
        basket.drop(2)


def test_markdown_layout_and_sources() -> None:
    md = to_markdown([MEASURE, PROBLEM_THEORY, CAUSE], TAX)
    assert md.index("## 一、存在问题") < md.index("## 二、原因剖析") < md.index("## 三、整改措施")
    assert md.index("理论学习不够系统") < md.index("理想信念") < md.index("加强理论武装")
    assert ("> 来源：《个人对照检查材料》（corpus/a.txt） · "
            "一、存在的主要问题 › （一）理论学习方面") in md
    assert "### （一）理论学习" in md


def test_save_docx_groups_under_headings(tmp_path: Path) -> None:
    out = save_basket([MEASURE, PROBLEM_STYLE, PROBLEM_THEORY], tmp_path / "稿.docx", TAX)
    seen = read_draft(out)
    assert [s[:2] for s in seen] == [
        ("一、存在问题", "（一）理论学习"),
        ("一、存在问题", "（二）工作作风"),
        ("二、整改措施", "（一）理论学习"),
    ]
    assert "corpus/b.txt" in seen[1][3]


def test_save_markdown_and_bad_suffix(tmp_path: Path) -> None:
    out = save_basket([CAUSE], tmp_path / "draft.MD", TAX)
    assert "## 一、原因剖析" in out.read_text("utf-8")
    with pytest.raises(UsageError, match=r"\.md 或 \.docx"):
        save_basket([CAUSE], tmp_path / "draft.pdf", TAX)
    with pytest.raises(UsageError, match="篮子为空"):
        save_basket([], tmp_path / "draft.md", TAX)
    with pytest.raises(UsageError, match="目录不存在"):
        save_basket([CAUSE], tmp_path / "no" / "draft.md", TAX)


def test_source_note_without_chain() -> None:
    bare = Passage(id="x", doc="d.txt", title="", role=Label("community_member"),
                   section=Label("problem"), dimension=Label("other"), heading="", text="t")
    assert source_note(bare) == "来源：d.txt"


sections = st.sampled_from(TAX.keys("section"))
dimensions = st.sampled_from(TAX.keys("dimension"))


@given(st.lists(st.tuples(sections, dimensions), max_size=12))
def test_grouping_keeps_every_passage_once_in_order(labels: list[tuple[str, str]]) -> None:
    passages = [make(f"第{i}条。", s, d) for i, (s, d) in enumerate(labels)]
    groups = group_passages(passages, TAX)
    flat = [p for g in groups for _, _, items in g.dimensions for p in items]
    assert sorted(p.text for p in flat) == sorted(p.text for p in passages)
    keys = [(TAX.keys("section").index(p.section.value),
             TAX.keys("dimension").index(p.dimension.value)) for p in flat]
    assert keys == sorted(keys)
    md = to_markdown(passages, TAX) if passages else ""
    assert all(p.text in md for p in passages)
