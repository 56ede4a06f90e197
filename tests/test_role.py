"""Who wrote a document: said in the title, a byline, a self-introduction — or honestly unknown."""

from __future__ import annotations

import json

import pytest

from duizhao.label import document_evidence
from duizhao.models import Label, SourceText
from duizhao.role import RoleEvidence, label_role, role_is_uncertain
from duizhao.segment import segment
from duizhao.taxonomy import load_taxonomy, taxonomy_from_json

TAX = load_taxonomy()


def role_of(text: str) -> Label:
    source = SourceText("t.txt", text, "txt")
    title, segments = segment(source, TAX)
    return label_role(document_evidence(source, title, segments), TAX)


BODY = "\n一、存在的问题\n一是学习不够深入。平时与支部书记交流少。\n二是联系群众不够。"


@pytest.mark.parametrize(("text", "role"), [
    ("某村党支部书记2023年度组织生活会对照检查材料" + BODY, "branch_secretary"),
    ("2021年度组织生活会对照检查材料\n（市实验小学第二党支部书记）" + BODY, "branch_secretary"),
    ("對照檢查材料\n區統計局機關黨支部書記" + BODY, "branch_secretary"),
    ("对照检查材料\n按照要求，作为财务科科长，我认真检视，现报告如下。" + BODY, "department_head"),
    ("对照检查材料\n我是青山村党支部的一名流动党员，现将情况汇报如下。" + BODY, "community_member"),
    ("对照检查材料\n结合担任初二数学教师兼班主任的工作实际，现汇报如下。" + BODY, "community_member"),
    ("某局领导班子2022年度民主生活会对照检查材料" + BODY, "department_head"),
    ("对照检查材料\n按照要求，局党组书记、局长带头查摆，现将班子对照检查情况报告如下。" + BODY,
     "department_head"),
])
def test_the_text_says_who_wrote_it(text: str, role: str) -> None:
    label = role_of(text)
    assert label.value == role and label.method == "cue" and not role_is_uncertain(label)


def test_nothing_says_so_the_role_is_unknown() -> None:
    for text in (
        "2023年组织生活会个人查摆问题清单" + BODY,  # a list from a website, no author
        "力不够，满足于读原文。二是主动性不强。三是学用脱节。",  # an excerpt
        # other people's posts, and a post the author denies, say nothing about the author
        "对照检查材料\n会前与支部书记、院长和科室负责人谈心谈话，现汇报如下。" + BODY,
        "对照检查材料\n认为自己不分管人财物，不会出什么问题。" + BODY,
    ):
        label = role_of(text)
        assert label == Label("unknown", "default", 0.0), text
        assert role_is_uncertain(label)


def test_the_body_alone_decides_only_unsure() -> None:
    body = ("对照检查材料\n现汇报如下。\n一、存在的问题\n一是对班子成员监督不够。领导班子成员落实"
            "一岗双责不到位，第一责任人的表率作用发挥不够。\n二是对班子成员要求不严。")
    label = role_of(body)
    assert label.value == "department_head" and label.confidence <= 0.5
    assert role_is_uncertain(label)


def test_option_and_user_roles_are_never_uncertain() -> None:
    evidence = RoleEvidence.of("", "", "", "")
    assert label_role(evidence, TAX, forced="branch_secretary") == Label(
        "branch_secretary", "option", 1.0)
    assert not role_is_uncertain(Label("unknown", "user", 1.0))


def test_unknown_is_a_role_every_taxonomy_has() -> None:
    assert TAX.resolve("role", "未知") == "unknown"
    raw = json.loads(TAX.to_json())
    del raw["roles"]["unknown"]  # a taxonomy file from before `unknown` existed
    assert "unknown" in taxonomy_from_json(json.dumps(raw), "old").roles
