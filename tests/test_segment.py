"""Structure recognition on the shapes real files take, and its invariants (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from duizhao.models import SourceText
from duizhao.segment import cn_number, find_inline_points, match_section, segment
from duizhao.taxonomy import load_taxonomy

TAX = load_taxonomy()


def segs(text: str, hints: dict[int, int] | None = None):  # type: ignore[no-untyped-def]
    return segment(SourceText("t.txt", text, "txt", heading_levels=hints or {}), TAX)


def test_chinese_numbers() -> None:
    assert [cn_number(x) for x in ("一", "九", "十", "十一", "二十", "二十三", "x")] == [
        1, 9, 10, 11, 20, 23, 0]


def test_section_heading_wordings() -> None:
    cases = {
        "存在的问题": "problem", "存在的主要问题": "problem", "突出问题": "problem",
        "查摆问题": "problem", "存在的突出问题": "problem",
        "原因剖析": "cause", "问题根源": "cause", "产生问题的原因分析": "cause",
        "原因分析": "cause", "存在问题的原因剖析": "cause", "问题产生的原因": "cause",
        "整改措施": "measure", "努力方向和改进措施": "measure", "下一步整改措施": "measure",
        "努力方向": "measure", "努力方向和整改措施": "measure",
        "上年度组织生活会问题整改落实情况": "rectification", "有关事项报告": "report",
    }
    for heading, key in cases.items():
        assert match_section(heading, TAX) == key, heading


def test_inline_points_need_sequence_and_boundary() -> None:
    text = "总体上统一是好的。一是学习不够。二是作风不实。三是纪律松弛。"
    starts = find_inline_points(text)
    assert [text[s:s + 2] for s in starts] == ["一是", "二是", "三是"]
    assert find_inline_points("这是统一是非标准的表述。") == []
    assert find_inline_points("第一，学习不够。第二，作风不实。") == [0, 8]


def test_headings_sharing_a_line_and_inline_points() -> None:
    text = ("对照检查材料\n一、存在的问题\n（一）理论学习方面。一是学习不深。学得少。二是联系实际不够。"
            "\n（二）廉洁自律方面。纪律意识不强，有时参加吃请。\n二、原因剖析\n（一）放松了学习。平时忙。")
    title, out = segs(text)
    assert title == "对照检查材料"
    assert [s.text for s in out] == [
        "一是学习不深。学得少。", "二是联系实际不够。", "纪律意识不强，有时参加吃请。",
        "（一）放松了学习。平时忙。"]
    assert out[0].headings == ("一、存在的问题", "（一）理论学习方面")
    assert out[0].point_title == "学习不深"
    assert out[3].section_heading == "二、原因剖析" and out[3].point_title == "放松了学习"


def test_no_section_headings_still_problems() -> None:
    text = "材料\n（一）理论学习方面。\n一是学习不深。\n二是钻研不够。\n(二）工作作风方面\n一是调研少。"
    _, out = segs(text)
    assert len(out) == 3
    assert out[2].dimension_heading == "(二）工作作风方面"
    assert all(s.section_heading is None and s.structured for s in out)


def test_numbered_points_and_stray_spaces() -> None:
    text = "材料\n  三、整改措施\n 1. 加强学习，每周自学。\n2．转变作风，深入基层。\n（1）守纪律。"
    _, out = segs(text)
    assert [s.text for s in out] == ["1. 加强学习，每周自学。", "2．转变作风，深入基层。",
                                     "（1）守纪律。"]
    assert all(s.section_heading == "三、整改措施" for s in out)


def test_heading_alone_is_never_a_passage() -> None:
    text = "材料\n一、存在的问题\n（一）理论学习方面\n学习不够深入系统。\n二、整改措施\n（一）加强学习\n"
    _, out = segs(text)
    assert [s.text for s in out] == ["学习不够深入系统。", "（一）加强学习"]


def test_markdown_hints_and_decoration() -> None:
    text = "对照检查\n**一、存在的主要问题**\n（一）理论学习方面。一是甲。二是乙。"
    _, out = segs(text, {0: 1})
    assert out[0].headings[0] == "一、存在的主要问题"
    assert [s.text for s in out] == ["一是甲。", "二是乙。"]


def test_unstructured_text_falls_back_to_paragraphs() -> None:
    text = "平时学习不够主动，满足于完成任务。\n\n对群众的事情关心不够。\n"
    _, out = segs(text)
    assert [s.text for s in out] == ["平时学习不够主动，满足于完成任务。", "对群众的事情关心不够。"]
    assert not any(s.structured for s in out)


PIECES = st.sampled_from([
    "一、存在的问题", "二、原因剖析", "三、整改措施", "（一）理论学习方面。", "(二）工作作风方面",
    "一是学习不深。", "二是作风不实。", "三是纪律松弛。", "1. 加强学习。", "学习不够系统深入。",
    "  ", "", "第一，要学习。第二，要实干。", "（三）强化担当。要敢于负责。", "# 标题", "**四、努力方向**",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(PIECES, max_size=25), st.sampled_from(["\n", "\n\n"]))
def test_segments_are_ordered_disjoint_and_map_back(pieces: list[str], sep: str) -> None:
    text = sep.join(pieces)
    _, out = segs(text)
    last_end = 0
    for s in out:
        assert text[s.start:s.end] == s.text  # every passage maps back to its source
        assert s.start >= last_end  # in order, never overlapping
        assert s.text.strip() == s.text and s.text
        last_end = s.end
    assert [s.ordinal for s in out] == list(range(len(out)))


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("一二三是第，。、\n（）()1.学习作风方面问题措施 ")),
               max_size=200))
def test_arbitrary_text_maps_back(text: str) -> None:
    _, out = segs(text)
    for s in out:
        assert text[s.start:s.end] == s.text


def test_point_title_ending_a_line_takes_the_next_line_as_its_body() -> None:
    text = ("材料\n一、存在的问题\n（一）作风方面。一是联系群众不够紧密。\n平时坐等群众上门，入户少。"
            "二是办法不多。\n增收路子窄，研究不够。\n\n第三，纪律松弛。\n对自己要求不严。\n"
            "以上是我的对照检查。")
    _, out = segs(text)
    assert [s.text for s in out] == [
        "一是联系群众不够紧密。\n平时坐等群众上门，入户少。", "二是办法不多。\n增收路子窄，研究不够。",
        "第三，纪律松弛。\n对自己要求不严。", "以上是我的对照检查。"]
    assert out[0].numbered and out[2].numbered and not out[3].numbered


def test_numbered_title_line_and_its_body_are_one_point() -> None:
    text = "材料\n一、检视出的问题\n（一）理论学习方面\n1.学得不深\n对原著读得少。\n2.学用脱节\n不会用。"
    _, out = segs(text, {2: 3})
    assert [s.text for s in out] == ["1.学得不深\n对原著读得少。", "2.学用脱节\n不会用。"]
    assert out[0].dimension_heading == "（一）理论学习方面"


def test_lead_in_is_a_heading_not_part_of_the_first_point() -> None:
    text = ("材料\n一、存在的问题\n学习不够。\n产生以上问题的原因主要有以下几个方面：一是放松了学习。平时忙。"
            "\n二是宗旨意识淡化了。\n三、整改措施\n（一）加强学习")
    _, out = segs(text)
    assert [s.text for s in out][1:3] == ["一是放松了学习。平时忙。", "二是宗旨意识淡化了。"]
    assert out[1].section_heading == "产生以上问题的原因主要有以下几个方面"
    assert out[2].section_heading == out[1].section_heading


def test_excerpt_starting_mid_sentence_has_no_title() -> None:
    text = "力不够，满足于读原文，没有弄懂道理。二是主动性不强。自学少。三是学用脱节。\n二、原因剖析\n一是放松学习。"
    title, out = segs(text)
    assert title == ""
    assert [s.text for s in out] == ["力不够，满足于读原文，没有弄懂道理。", "二是主动性不强。自学少。",
                                     "三是学用脱节。", "一是放松学习。"]
    assert all(s.excerpt for s in out)


def test_byline_and_date_are_not_points() -> None:
    text = "对照检查材料\n（某某小学第二党支部书记）\n按照要求，现报告如下。\n一、存在的问题\n学习不够。\n2023年12月"
    title, out = segs(text)
    assert title == "对照检查材料"
    assert [s.text for s in out] == ["按照要求，现报告如下。", "学习不够。"]


def test_first_second_words_and_traditional_headings() -> None:
    assert [len(find_inline_points(t)) for t in (
        "首先，学习不够。其次，作风不实。最后，纪律松弛。", "最后形成了报告。其次，作风不实。")] == [3, 0]
    assert match_section("問題產生的根源", TAX) == "cause"
    assert match_section("2021年度民主生活會整改落實情況", TAX) == "rectification"


def test_ascii_punctuation_splits_points_like_full_width() -> None:
    """A document typed with ASCII punctuation: "(一)理论学习方面.一是…;二是…." holds two points."""
    text = ("材料\n一、存在的主要问题\n"
            "(一)理论学习方面.一是学习不够经常,流于读文件;二是学用结合不紧,思考不深.\n"
            "(二)廉洁自律方面.对村级小微权力监督还不够到位,村务公开不及时.\n"
            "二、整改措施\n(一)加强理论学习.坚持每月集中学习1.5天以上.\n")
    _, found = segs(text)
    texts = [s.text for s in found]
    assert "一是学习不够经常,流于读文件;" in texts
    assert "二是学用结合不紧,思考不深." in texts
    assert any(t.startswith("对村级小微权力监督") for t in texts)
    assert any("1.5天" in t for t in texts)  # a decimal point is not a sentence end
