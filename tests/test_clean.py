"""Cleaning between reading and segmenting: PDF pastes, page furniture, website chrome."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from duizhao.clean import clean
from duizhao.models import SourceText


def cleaned(text: str, hints: dict[int, int] | None = None) -> SourceText:
    return clean(SourceText("t.txt", text, "txt", heading_levels=hints or {}))


PDF = """某单位党员2023年度组织生活会个人对照检查材料
按照支部关于召开年度组织生活会的通知要求，我认真学习了规定篇目，与支部
委员和身边同事逐一谈心谈话，听取了意见建议，现将对照检
查情况报告如下。
一、存在的问题
（一）理论学习方面。一是学习不够系统。平时忙于 具体事务，学习多是碎片
化的，对党的创新理论的核心要义把握得不全面，学用结合
— 1 —
某单位党员个人对照检查材料
不够紧密，遇到新问题还习惯于凭老经验办事，理论指导实践的作用发挥不
够。二是学习的主动性不强。参加集中学习多，个人自学少。
（二）工作作风方面。一是调查研究不够深入。到基层一线了解情况的时间偏少
，掌握的情况不够全面。
— 2 —
某单位党员个人对照检查材料
"""


def test_pdf_paste_is_rejoined_without_page_furniture() -> None:
    lines = cleaned(PDF).text.split("\n")
    assert lines[0] == "某单位党员2023年度组织生活会个人对照检查材料"
    assert lines[1].startswith("按照支部") and lines[1].endswith("现将对照检查情况报告如下。")
    assert lines[2] == "一、存在的问题"
    assert "学用结合不够紧密" in lines[3] and "发挥不够。二是学习的主动性不强" in lines[3]
    assert "平时忙于具体事务" in lines[3]  # the stray space between Chinese characters is gone
    assert lines[4].startswith("（二）工作作风方面") and lines[4].endswith("不够全面。")
    assert not any("— 1 —" in line or line.endswith("个人对照检查材料") for line in lines[1:])


def test_ordinary_text_keeps_its_lines() -> None:
    text = ("对照检查材料\n\n一、存在的问题\n（一）理论学习方面。学习不够深入，满足于读原文。\n"
            "二、整改措施\n加强学习，每周自学两次。")
    assert cleaned(text).text == text


def test_website_chrome_and_watermarks_are_dropped() -> None:
    text = ("当前位置：首页 > 党建材料 > 组织生活会 > 正文\n某网——公文写作好帮手\n"
            "社区党员组织生活会对照检查材料\n来源：网友投稿  时间：2023-03-02  浏览：120次\n\n"
            "一是学习不够主动（某某范文网整理），满足于完成任务。\n二是联系群众不够。\n\n"
            "上一篇：支部书记对照检查材料\n相关推荐\n· 组织生活会发言材料（精选5篇）\n"
            "· 批评与自我批评意见50条\n")
    lines = [line for line in cleaned(text).text.split("\n") if line.strip()]
    assert lines == ["社区党员组织生活会对照检查材料", "一是学习不够主动，满足于完成任务。",
                     "二是联系群众不够。"]


def test_heading_hints_follow_their_lines() -> None:
    text = "网友分享 时间:2024-01-01\n标题\n\n一、存在的问题\n正文。"
    out = cleaned(text, {1: 1, 3: 1})
    lines = out.text.split("\n")
    assert {lines[n] for n in out.heading_levels} == {"标题", "一、存在的问题"}


def test_ascii_words_keep_their_spaces() -> None:
    assert cleaned("用 Word 2019 排版，对 待工作 不认真。").text == "用Word 2019排版，对待工作不认真。"


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("一二是学习。，\n —-123页网（）首页>来源：")), max_size=300))
def test_cleaning_only_removes(text: str) -> None:
    """Every character of the cleaned text comes from the source, in order."""
    out = cleaned(text).text.replace("\n", "")
    it = iter(text)
    assert all(ch in it for ch in out)


def test_an_odd_line_broken_mid_sentence_is_rejoined_outside_a_pdf_paste() -> None:
    """Most lines whole, a few keeping a page's break: each half would become a passage."""
    text = ("一、存在的问题\n"
            "1.学习方面。对党的创新理论学习满足于集中学习，个人自学时间少，常以案件多、警情\n"
            "多为由把学习往后放。\n"
            "2.作风方面。接待群众态度生硬。3.服务意识有所弱化\n"
            "工作年限长了，有时把工作看成例行公事。\n"
            "（一）在学懂弄通做实创新理论，把握正确政治方向方面\n"
            "对理论学习重视不够。\n"
            + "平时忙于具体事务，理论学习多是挤时间、赶进度，学得不够深入系统。\n" * 6)
    lines = clean(SourceText("a.txt", text, "txt")).text.split("\n")
    assert "1.学习方面。对党的创新理论学习满足于集中学习，个人自学时间少，常以案件多、警情多为由把学习往后放。" in lines
    assert "工作年限长了，有时把工作看成例行公事。" in lines  # after a point title: its body
    assert "对理论学习重视不够。" in lines  # after a heading


def test_ascii_sentence_ends_do_not_make_a_pdf_paste() -> None:
    """Lines ending in an ASCII "." are whole sentences: not joined as a PDF's broken lines."""
    text = "".join(f"({n})第{n}方面的问题.这一方面的具体表现有很多,有的群众反映办事要跑好几趟.\n"
                   for n in "一二三四五")
    assert clean(SourceText("a.txt", text, "txt")).text == text
