"""The basket: slots, draft order, moves and notes, and a copy on disk that is never lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from duizhao.basket import (
    BASKET_FILE,
    Basket,
    basket_path,
    draft_from_basket,
    load_basket,
    store_basket,
)
from duizhao.draft import DraftInfo, Labels
from duizhao.errors import UsageError
from duizhao.models import Label, Passage, passage_id
from duizhao.taxonomy import load_taxonomy

TAX = load_taxonomy()
LABELS = Labels.from_taxonomy(TAX)


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


def basket_of(*passages: Passage) -> Basket:
    basket = Basket(LABELS)
    for p in passages:
        basket.add(p)
    return basket


def test_draft_order_is_section_then_dimension_then_pick_order() -> None:
    basket = basket_of(MEASURE, PROBLEM_STYLE, CAUSE, PROBLEM_THEORY)
    assert [i.passage for i in basket.ordered()] == [PROBLEM_THEORY, PROBLEM_STYLE, CAUSE,
                                                     MEASURE]
    assert not basket.add(CAUSE) and len(basket) == 4  # kept once


def test_drop_checks_every_number_before_removing_any() -> None:
    basket = basket_of(MEASURE, CAUSE)
    with pytest.raises(UsageError, match="可用编号：1–2"):
        basket.drop([1, 3])
    assert len(basket) == 2
    assert [i.passage for i in basket.drop([1])] == [CAUSE]  # draft order: 原因剖析 first


def test_move_and_note_place_items_in_slots() -> None:
    basket = basket_of(PROBLEM_THEORY, PROBLEM_STYLE)
    moved = basket.move(1, None, "integrity")  # only the dimension changes
    assert (moved.section, moved.dimension) == ("problem", "integrity")
    basket.move(1, "cause", None)  # item 1 is now 工作作风 (style sorts before integrity)
    basket.add_note("我自己的话。", "problem", "theory")
    assert [(i.section, i.dimension, i.text) for i in basket.ordered()] == [
        ("problem", "theory", "我自己的话。"),
        ("problem", "integrity", PROBLEM_THEORY.text),
        ("cause", "style", PROBLEM_STYLE.text)]
    assert ("problem", "style") in basket.empty_slots()
    assert ("problem", "theory") not in basket.empty_slots()
    entries = [p for p in basket.draft().points()]
    assert entries[0].source is None and entries[1].source is not None


def test_stored_basket_is_a_self_contained_snapshot(tmp_path: Path) -> None:
    basket = basket_of(PROBLEM_THEORY, MEASURE)
    basket.add_note("自写段落。", "cause", "theory")
    basket.info = DraftInfo(title="标题", unit="单位", name="张三", date="2025年1月20日")
    path = tmp_path / BASKET_FILE
    store_basket(basket, path)
    assert [p.name for p in tmp_path.iterdir()] == [BASKET_FILE]  # no temp file left
    data = json.loads(path.read_text("utf-8"))
    pick = data["items"][0]["passage"]
    assert {"id", "text", "doc", "title", "headings", "labels"} <= set(pick)
    again, note = load_basket(path, LABELS)
    assert note is None
    assert [i.to_json() for i in again.items] == [i.to_json() for i in basket.items]
    assert again.info == basket.info and again.picks == basket.picks


def test_unsaved_until_written_and_again_after_a_change(tmp_path: Path) -> None:
    basket = basket_of(CAUSE)
    assert basket.unsaved
    basket.mark_saved()
    assert not basket.unsaved
    store_basket(basket, tmp_path / BASKET_FILE)
    again, _ = load_basket(tmp_path / BASKET_FILE)
    assert not again.unsaved  # the saved state survives a restart
    again.add(MEASURE)
    assert again.unsaved


def test_missing_basket_is_empty_and_damaged_one_is_kept_aside(tmp_path: Path) -> None:
    empty, note = load_basket(tmp_path / BASKET_FILE, LABELS)
    assert len(empty) == 0 and note is None
    (tmp_path / BASKET_FILE).write_text("{not json", "utf-8")
    basket, note = load_basket(tmp_path / BASKET_FILE, LABELS)
    assert len(basket) == 0 and note is not None and "改名保留" in note
    aside = [p for p in tmp_path.iterdir() if p.name.startswith(f"{BASKET_FILE}.broken-")]
    assert len(aside) == 1 and aside[0].read_text("utf-8") == "{not json"


def test_a_failed_store_is_a_message_and_keeps_the_old_copy(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UsageError, match="篮子无法存盘.*文件或文件夹不存在"):
        store_basket(basket_of(CAUSE), tmp_path / "gone" / BASKET_FILE)
    path = tmp_path / BASKET_FILE
    store_basket(basket_of(CAUSE), path)
    before = path.read_bytes()
    import duizhao.userfiles

    def full_disk(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(duizhao.userfiles.os, "replace", full_disk)
    with pytest.raises(UsageError, match="篮子无法存盘.*空间"):
        store_basket(basket_of(CAUSE, MEASURE), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [BASKET_FILE]  # no temp file left


def test_draft_from_basket_writes_and_remembers_settings(tmp_path: Path) -> None:
    index = tmp_path / "index"
    index.mkdir()
    with pytest.raises(UsageError, match="篮子为空"):
        draft_from_basket(index, tmp_path / "稿.md")
    store_basket(basket_of(PROBLEM_THEORY, CAUSE), basket_path(index))
    basket, _ = draft_from_basket(index, tmp_path / "稿.md", title="我的标题", name="张三")
    text = (tmp_path / "稿.md").read_text("utf-8")
    assert text.startswith("# 我的标题\n\n张三\n") and "## 一、存在的问题" in text
    again, _ = load_basket(basket_path(index))
    assert again.info.title == "我的标题" and not again.unsaved
    with pytest.raises(UsageError, match="已存在"):
        draft_from_basket(index, tmp_path / "稿.md")


sections = st.sampled_from(TAX.keys("section"))
dimensions = st.sampled_from(TAX.keys("dimension"))


@given(st.lists(st.tuples(sections, dimensions), max_size=12))
def test_ordering_keeps_every_item_once_in_taxonomy_order(labels: list[tuple[str, str]]) -> None:
    basket = basket_of(*[make(f"第{i}条。", s, d) for i, (s, d) in enumerate(labels)])
    ordered = basket.ordered()
    assert sorted(i.text for i in ordered) == sorted(f"第{i}条。" for i in range(len(labels)))
    keys = [(TAX.keys("section").index(i.section), TAX.keys("dimension").index(i.dimension))
            for i in ordered]
    assert keys == sorted(keys)
