"""Section and dimension labels when headings are missing, unfamiliar or traditional."""

from __future__ import annotations

from duizhao.label import label_document
from duizhao.models import Passage, SourceText
from duizhao.section import section_by_wording
from duizhao.segment import segment
from duizhao.simplified import to_simplified
from duizhao.taxonomy import load_taxonomy

TAX = load_taxonomy()


def labelled(text: str) -> list[Passage]:
    source = SourceText("t.txt", text, "txt")
    title, segments = segment(source, TAX)
    return label_document(source, title, segments, TAX)


def test_wording_tells_problem_cause_and_measure_apart() -> None:
    cases = {
        "学习不够系统，对新理论掌握不足，与要求还有差距。": "problem",
        "究其根源，是思想上放松了对世界观的改造，宗旨意识淡化了。": "cause",
        "坚持每月自学两次，切实做到学以致用，进一步提升本领。": "measure",
    }
    for text, section in cases.items():
        label = section_by_wording(text, TAX)
        assert (label.value, label.method) == (section, "cue"), text
        assert label.confidence <= 0.5  # wording alone is never sure


def test_closing_and_opening_paragraphs_are_intro() -> None:
    text = ("对照检查材料\n按照支部要求，现将对照检查情况报告如下。\n一、存在的问题\n一是学习不深入。\n"
            "三、整改措施\n一是加强学习。每月读一本书。\n以上是我的对照检查，请同志们批评指正。")
    sections = [p.section.value for p in labelled(text)]
    assert sections == ["intro", "problem", "measure", "intro"]


def test_an_excerpt_starting_mid_list_is_problems_not_an_opening() -> None:
    text = "力不够，满足于读原文，学得不深。二是学习的主动性不强。自学少。\n二、原因剖析\n一是放松了学习。"
    passages = labelled(text)
    assert [p.section.value for p in passages] == ["problem", "problem", "cause"]
    assert [p.dimension.value for p in passages][:2] == ["theory", "theory"]


def test_traditional_text_is_labelled_like_simplified_and_kept_as_written() -> None:
    traditional = ("黨支部書記對照檢查材料\n一、存在的問題\n（一）理論學習方面\n1.黨史學習不夠深入。"
                   "自學時間少，筆記記得多。\n2.聯繫羣衆不夠緊密。入戶走訪少。\n二、問題產生的根源\n"
                   "1.黨性修養有所放鬆。\n三、整改措施\n1.堅持每週走訪羣衆，解決急難愁盼問題。")
    simplified = to_simplified(traditional)
    old, new = labelled(traditional), labelled(simplified)
    assert [(p.role.value, p.section.value, p.dimension.value) for p in old] == [
        (p.role.value, p.section.value, p.dimension.value) for p in new]
    assert old[0].text.startswith("1.黨史學習") and old[0].role.value == "branch_secretary"
    assert [p.section.value for p in old] == ["problem", "problem", "cause", "measure"]
    # the second point is about 作风 though it stands under 理论学习方面: its own words win
    assert [p.dimension.value for p in old] == ["theory", "style", "politics", "style"]


def test_a_point_filed_under_the_wrong_heading_keeps_its_own_topic() -> None:
    text = ("对照检查材料\n一、存在的问题\n（一）担当作为方面\n1.攻坚克难的劲头不足。遇到难题绕着走。\n"
            "2.到群众身边解决问题不够多。深入基层走访少，服务群众不主动，调研不深入。")
    dims = [p.dimension.value for p in labelled(text)]
    assert dims == ["responsibility", "style"]
