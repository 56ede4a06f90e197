"""Query understanding: role, section and dimension read from everyday requests; wording out."""

from __future__ import annotations

from pathlib import Path

import pytest

from duizhao.errors import UsageError
from duizhao.query import DEFAULT_CUE, explanation_lines, understand
from duizhao.query_cues import load_query_cues
from duizhao.taxonomy import load_taxonomy
from duizhao.thesaurus import load_thesaurus

TAX = load_taxonomy()
CUES = load_query_cues(taxonomy=TAX)
THESAURUS = load_thesaurus(taxonomy=TAX)


def read(request: str, fixed: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    return understand(request, TAX, CUES, THESAURUS, fixed)


def test_stated_role_is_recognised_and_taken_out() -> None:
    plan = read("我是支部书记，想写自己跟群众说话没耐心")
    role = plan.get("role")
    assert role is not None and role.key == "branch_secretary" and role.confidence >= 0.9
    assert plan.text == "自己跟群众说话没耐心"
    assert plan.removed == ("我是支部书记", "想写")
    assert plan.get("dimension") is not None and plan.get("dimension").key == "style"
    assert "服务态度" in [e.phrase for e in plan.expansions]


@pytest.mark.parametrize(("request_", "role"), [
    ("我一个普通党员，又没权又没钱，八项规定那些条条框框感觉跟我不沾边", "community_member"),
    ("作为一名社区党员，平时学习不主动", "community_member"),
    ("我是村里的一名老党员，平时学习不主动", "community_member"),
    ("我是小学老师，对家长说话有时不耐烦", "community_member"),
    ("身为科室负责人，花钱大手大脚", "department_head"),
    ("我是党委书记，抓党建不够", "department_head"),
    ("我是村党支部书记，带头作用不够", "branch_secretary"),
])
def test_role_statements_in_many_forms(request_: str, role: str) -> None:
    plan = read(request_)
    found = plan.get("role")
    assert found is not None and found.key == role, plan
    assert found.cue in plan.removed and found.cue not in plan.text


def test_description_reads_role_and_dimension() -> None:
    plan = read("我一个普通党员，又没权又没钱，八项规定那些条条框框感觉跟我不沾边")
    assert plan.get("dimension").key == "integrity"
    assert plan.text.startswith("又没权又没钱")


@pytest.mark.parametrize(("request_", "section", "text"), [
    ("理论学习不够，下一步怎么改", "measure", "理论学习不够"),
    ("花钱大手大脚怎么整改", "measure", "花钱大手大脚"),
    ("形式主义的整改措施", "measure", "形式主义"),
    ("为什么我总是混日子", "cause", "我总是混日子"),
    ("理论学习不够的原因", "cause", "理论学习不够"),
    ("宗旨意识淡化的根源在哪", "cause", "宗旨意识淡化"),
    ("想写理论学习方面的问题", "problem", "理论学习"),
    ("担当作为方面存在的不足", "problem", "担当作为"),
])
def test_section_words_become_the_part_and_leave_the_text(request_: str, section: str,
                                                          text: str) -> None:
    plan = read(request_)
    assert plan.get("section") is not None and plan.get("section").key == section, plan
    assert plan.text == text
    assert plan.get("section").confidence >= 0.8


def test_a_shortcoming_stated_as_content_is_not_a_section_cue() -> None:
    plan = read("学习主动性不足")
    assert plan.text == "学习主动性不足" and plan.removed == ()
    section = plan.get("section")  # only the default reading: a request naming no part
    assert section.key == "problem" and section.cue == DEFAULT_CUE
    assert section.confidence < read("学习主动性不足的问题").get("section").confidence
    assert "部分≈存在问题" in plan.explain()


@pytest.mark.parametrize(("request_", "section"), [
    ("我是社区志愿者党员，写开头部分", "intro"),
    ("去年查的问题大部分改了，有一条还没改彻底", "rectification"),
    ("个人有关事项 如实报告", "report"),
    ("以后多往群众家里跑", "measure"),
])
def test_the_other_parts_and_resolutions(request_: str, section: str) -> None:
    assert read(request_).get("section").key == section


@pytest.mark.parametrize("request_", ["遇到困难总在客观上找原因", "出了差错很少从自己身上找原因"])
def test_looking_for_reasons_elsewhere_is_a_shortcoming_not_an_ask_for_causes(
        request_: str) -> None:
    """"从客观上找原因" describes a habit (a problem); "原因" alone still asks for causes."""
    section = read(request_).get("section")
    assert section is None or section.key != "cause", read(request_)
    assert read("工作拖拉，帮我找找原因").get("section").key == "cause"
    assert read("学习不上心是什么原因").get("section").key == "cause"


@pytest.mark.parametrize("request_", ["宗旨意识有所淡化", "党性锻炼 放松了"])
def test_a_cause_formula_names_the_cause_part_and_stays_what_is_searched(request_: str) -> None:
    """原因剖析's usual headings say the part by themselves, less surely than "原因" does."""
    plan = read(request_)
    section = plan.get("section")
    assert section is not None and section.key == "cause" and section.confidence < 0.8
    assert plan.text == request_ and plan.removed == ()
    assert read("理论学习不深入").get("section").key == "problem"
    shown = read("宗旨意识淡化的具体表现")  # how it shows is what a problem says
    assert shown.get("section").key == "problem" and shown.text == "宗旨意识淡化"


@pytest.mark.parametrize(("request_", "section"), [
    ("坚持每周走访群众", "measure"), ("不收红包", "measure"), ("坚决不吃请", "measure"),
    ("每天都加班到很晚", "problem"), ("每天刷学习强国但看不进去", "problem"),
    ("不参加组织生活", "problem"),
])
def test_a_good_habit_or_a_pledge_reads_as_a_measure(request_: str, section: str) -> None:
    """Said with no complaint in it, a habit or a pledge is what a measure says; its words stay."""
    plan = read(request_)
    assert plan.get("section").key == section
    assert plan.text == request_


def test_the_last_ask_wins_when_two_parts_are_named() -> None:
    plan = read("理论学习方面的问题，下一步怎么改")
    assert plan.get("section").key == "measure"
    assert plan.text == "理论学习"


@pytest.mark.parametrize(("request_", "text"), [
    ("有没有关于形式主义的段落", "形式主义"),
    ("帮我找一段联系群众不够的材料", "联系群众不够"),
    ("请帮我写写纪律意识淡薄吗？", "纪律意识淡薄"),
])
def test_request_filler_is_taken_out(request_: str, text: str) -> None:
    assert read(request_).text == text


def test_nothing_but_asking_searches_what_was_asked() -> None:
    plan = read("帮我找整改措施")
    assert plan.get("section").key == "measure"
    assert plan.text == "整改措施"


def test_set_phrase_is_searched_as_typed() -> None:
    plan = read("学用脱节 理论联系实际不够")
    assert plan.text == "学用脱节 理论联系实际不够" and plan.removed == ()
    assert plan.get("role") is None and plan.get("section").cue == DEFAULT_CUE
    assert plan.expansions == ()


def test_workplace_named_in_a_role_statement() -> None:
    plan = read("我是医院护士，党员，想写对病人服务态度方面的问题")
    assert plan.get("role").key == "community_member" and plan.workplace.key == "hospital"
    assert plan.text == "对病人服务态度" and "单位≈医院" in plan.explain()
    assert plan.to_json()["workplace"]["name"] == "医院"
    assert read("理论学习不深入").workplace is None


def test_kinds_set_as_filters_are_not_guessed_but_wording_still_goes() -> None:
    plan = read("我是支部书记，下一步怎么改跟群众说话没耐心", fixed=("role", "section"))
    assert plan.get("role") is None and plan.get("section") is None
    assert plan.text == "跟群众说话没耐心"


def test_traditional_request_is_understood_and_keeps_its_characters() -> None:
    plan = read("我是支部書記，想寫自己跟群眾說話沒耐心")
    assert plan.get("role").key == "branch_secretary"
    assert plan.text == "自己跟群眾說話沒耐心"
    assert "服务态度" in [e.phrase for e in plan.expansions]


def test_explanation_is_one_chinese_line() -> None:
    plan = read("我是支部书记，想写自己跟群众说话没耐心")
    line = plan.explain()
    assert line.startswith("理解为：角色=党支部书记，")
    assert "维度≈工作作风" in line
    assert "；检索：自己跟群众说话没耐心 + " in line and "服务态度" in line
    assert "\n" not in line
    measure = read("作为一名科长，花钱大手大脚下一步怎么改").explain()
    assert measure.startswith("理解为：角色=部门负责人，部分=整改措施，维度")
    assert explanation_lines(read("学用脱节")) == [] or read("学用脱节").changed


def test_plan_json_names_everything_understood() -> None:
    data = read("我是支部书记，想写自己跟群众说话没耐心").to_json()
    assert data["text"] == "自己跟群众说话没耐心"
    assert data["role"] == {"key": "branch_secretary", "name": "党支部书记",
                            "confidence": 0.95, "cue": "我是支部书记"}
    assert data["dimension"]["key"] == "style"
    assert data["removed"] == ["我是支部书记", "想写"]
    assert any(e["phrase"] == "服务态度" and 0 < e["weight"] <= 1 for e in data["expansions"])
    assert data["explanation"].startswith("理解为：")


def test_bad_cue_file_is_a_chinese_error(tmp_path: Path) -> None:
    good = (Path(__file__).resolve().parents[1] / "src/duizhao/data/query_cues.toml")
    text = good.read_text("utf-8")
    broken = tmp_path / "cues.toml"
    broken.write_text(text.replace('"努力方向"', '"努力(方向"'), encoding="utf-8")
    with pytest.raises(UsageError, match="正则表达式"):
        load_query_cues(broken, taxonomy=TAX)
    unknown = tmp_path / "roles.toml"
    unknown.write_text(text.replace("[roles.department_head]", "[roles.cunzhang]"),
                       encoding="utf-8")
    with pytest.raises(UsageError, match="cunzhang"):
        load_query_cues(unknown, taxonomy=TAX)


@pytest.mark.parametrize(("request_", "dimension"), [
    ("对群众冷脸", "style"),
    ("对家属管得不严", "integrity"),
])
def test_the_classifier_reads_a_dimension_no_cue_word_names(request_: str,
                                                             dimension: str) -> None:
    from duizhao.query import CLASSIFIER_CUE

    plan = read(request_)
    found = plan.get("dimension")
    assert found is not None and found.key == dimension and found.cue == CLASSIFIER_CUE
    assert found.confidence < 0.85 and f"维度≈{TAX.name('dimension', dimension)}" in plan.explain()
    assert read(request_, fixed=("dimension",)).get("dimension") is None  # a filter decides


def test_no_dimension_is_guessed_for_the_parts_that_have_none() -> None:
    plan = read("我是社区志愿者党员，写开头部分")
    assert plan.get("section").key == "intro" and plan.get("dimension") is None


def test_a_dimension_called_by_its_name_is_as_sure_as_a_part_named() -> None:
    from duizhao.query import OUTRIGHT_CONFIDENCE

    plan = read("我是机关支部书记，想写廉洁方面的问题")
    assert plan.get("dimension").key == "integrity"
    assert plan.get("dimension").confidence >= OUTRIGHT_CONFIDENCE
    assert "维度=廉洁自律" in plan.explain()
    guessed = read("四个意识 两个维护").get("dimension")  # a heading word, not its name
    assert guessed.key == "politics" and guessed.confidence < OUTRIGHT_CONFIDENCE


@pytest.mark.parametrize("request_", ["怎么改掉遇事躲着走的毛病", "如何克服学用脱节的问题"])
def test_a_fix_asked_for_wins_over_the_problem_it_names(request_: str) -> None:
    section = read(request_).get("section")
    assert section is not None and section.key == "measure"
    # in another clause the problem noun is its own ask, and the later ask still wins
    later = read("下一步怎么改，说说存在的问题").get("section")
    assert later is not None and later.key == "problem"


def test_everyday_words_are_also_read_in_the_usual_words() -> None:
    plan = read("对老百姓的事不上心")
    dimension = plan.get("dimension")
    assert dimension is not None and dimension.key == "style"
    assert plan.text == "对老百姓的事不上心"  # what is searched keeps the user's words
    assert CUES.in_usual_words("老百姓的本事") == "群众的本领"


def test_a_formal_phrase_of_one_dimension_in_the_request_votes_for_it() -> None:
    assert THESAURUS.formal_dimensions["浅尝辄止"] == "theory"
    dimension = read("學東西淺嘗輒止").get("dimension")
    assert dimension is not None and dimension.key == "theory" and "浅尝辄止" in dimension.cue


@pytest.mark.parametrize(("request_", "place"), [
    ("病人家属问多了我就烦", "hospital"), ("遇到新型案子办案本事跟不上", "police"),
    ("上课不会用信息化手段", "school"), ("对来办税的人脸难看", "tax")])
def test_a_workplace_is_read_from_its_work(request_: str, place: str) -> None:
    workplace = read(request_).workplace
    assert workplace is not None and workplace.key == place


def test_same_words_in_a_users_cue_file_are_checked(tmp_path: Path) -> None:
    text = (Path(__file__).parents[1] / "src/duizhao/data/query_cues.toml").read_text("utf-8")
    bad = tmp_path / "cues.toml"
    bad.write_text(text.replace('"本事" = "本领"', '"本事" = 3'), "utf-8")
    with pytest.raises(UsageError, match="same_words"):
        load_query_cues(bad, taxonomy=TAX)


@pytest.mark.parametrize(("request_", "section"), [
    ("咋才能把理论学习坚持下去", "measure"), ("廉洁方面整改这块怎么写", "measure"),
    ("居民的事能推就推，咋才能改", "measure"), ("怎样才能改掉拖拉的毛病", "measure"),
    ("这种怕担责的想法是从哪来的", "cause")])
def test_more_ways_of_asking_for_a_part(request_: str, section: str) -> None:
    found = read(request_).get("section")
    assert found is not None and found.key == section


def test_a_weak_hint_at_another_part_does_not_beat_the_default() -> None:
    from duizhao.query import _section_from_thesaurus

    request_ = "单位新上的信息系统我还用不明白"  # loosely near the measure entry 学用信息系统
    hint = _section_from_thesaurus(THESAURUS.matches(request_))
    assert hint is not None and hint.key == "measure" and hint.confidence < 0.5
    section = read(request_).get("section")
    assert section is not None and section.key == "problem" and section.cue == DEFAULT_CUE


def test_a_word_that_only_suggests_a_workplace_counts_less() -> None:
    named = read("我是派出所所长，政治站位方面的问题")
    suggested = read("我是所长，政治站位方面的问题")  # 所长 also heads a 财政所
    assert named.workplace is not None and suggested.workplace is not None
    assert named.workplace.key == suggested.workplace.key == "police"
    assert suggested.workplace_confidence < named.workplace_confidence
    assert read("收了家长送的购物卡").workplace.key == "school"  # type: ignore[union-attr]
    assert read("作为科室负责人，想写怕担责任").workplace is None


@pytest.mark.parametrize(("request_", "searched"), [
    ("找点原因分析的，关于形式主义", "形式主义"),  # no lone 的 left behind
    ("想要几条关于学习的整改措施，我是普通党员", "学习"),
    ("讲讲开头怎么写", "开头怎么写"),  # only asking: the asked words are searched
    ("上面来检查就突击补材料", "上面来检查就突击补材料"),  # 补材料 is what happens, not an ask
    ("理论学习方面的材料", "理论学习")])
def test_asking_words_are_not_searched(request_: str, searched: str) -> None:
    assert read(request_).text == searched


def test_a_request_that_only_asks_gets_no_guessed_topic() -> None:
    plan = read("下一步咋整")
    section = plan.get("section")
    assert section is not None and section.key == "measure"
    assert plan.get("dimension") is None  # two characters of asking say nothing of a topic


@pytest.mark.parametrize(("request_", "role", "section", "searched"), [
    ("本人系村党支部书记，需要几段关于带头作用发挥不够的", "branch_secretary", "problem",
     "带头作用发挥不够"),
    ("護士長 服務態度", "department_head", "problem", "服務態度"),
    ("派出所 执法不规范 整改", None, "measure", "派出所 执法不规范"),
    ("给我来三条廉洁方面的措施", None, "measure", "廉洁"),
    ("有没有写得比较好的关于纪律规矩意识淡薄的原因剖析", None, "cause", "纪律规矩意识淡薄")])
def test_terse_and_formal_ways_of_asking(request_: str, role: str | None, section: str,
                                         searched: str) -> None:
    plan = read(request_)
    found_role, found_section = plan.get("role"), plan.get("section")
    assert (found_role.key if found_role else None) == role
    assert found_section is not None and found_section.key == section
    assert plan.text == searched
