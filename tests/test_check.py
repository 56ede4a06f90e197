"""`duizhao check`: copied sentences with their sources, the copied share, outdated references.

Run on a real index of corpus/ and real draft files (.txt, .md, .docx written by python-docx).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from duizhao.check import check_draft, find_outdated
from duizhao.check.outdated import default_terms, outdated_terms
from duizhao.check.overlap import copied_share, letters
from duizhao.cli import app
from duizhao.search import Searcher
from duizhao.store import open_index

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

VERBATIM = [
    "对开展政治理论学习缺乏深入细致谋划研究，学习方法较为单一。",
    "对习近平总书记作出的关于机关事务工作重要指示批示精神琢磨不深，开展工作时缺乏创新招法和务实举措。",
    "坚持以马不离鞍、缰不松手的定力推进作风建设。",
]
EDITED = [  # (the user's edit, the library sentence it was made from)
    ("对组织政治理论学习缺少深入细致的谋划研究，学习方式比较单一。", VERBATIM[0]),
    ("对习近平总书记关于社区工作的重要指示批示精神琢磨得不深，开展工作时缺少创新办法和务实举措。",
     VERBATIM[1]),
]
ORIGINAL = [
    "本人在社区网格工作中，对老旧小区加装电梯的居民诉求回应不够及时，协调物业和施工方的办法不多。",
    "去年冬季供暖期间，我对独居老人的走访次数偏少，没有建立起固定的联系台账。",
    "今后我将每月至少读一本理论书籍，并把读书笔记在支部群里分享。",
]
OUTDATED = "去年参加党史学习教育时，我在读书班上的交流发言准备得不充分，十九届六中全会决议也只读了一遍。"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from duizhao.library import build

    directory = tmp_path_factory.mktemp("check") / "index"
    build([ROOT / "corpus"], directory, progress=False)
    return directory


@pytest.fixture(scope="module")
def searcher(index: Path) -> Searcher:
    return Searcher.open(index)


def holder(index: Path, sentence: str) -> set[str]:
    """Ids of the library passages that hold ``sentence`` word for word."""
    return {p.id for p in open_index(index).passages if sentence in p.text}


def draft_lines() -> list[str]:
    return ["2025年度组织生活会个人对照检查材料", "一、存在的问题",
            VERBATIM[0] + EDITED[0][0] + ORIGINAL[0],
            VERBATIM[1] + ORIGINAL[1],
            "二、整改措施", EDITED[1][0] + VERBATIM[2], ORIGINAL[2] + OUTDATED]


def write_draft_file(path: Path) -> Path:
    lines = draft_lines()
    if path.suffix == ".docx":
        import docx

        document = docx.Document()
        for line in lines:
            document.add_paragraph(line)
        document.save(str(path))
    elif path.suffix == ".md":
        path.write_text("\n\n".join(f"## {x}" if len(x) < 20 else x for x in lines) + "\n",
                        "utf-8")
    else:
        path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


@pytest.mark.parametrize("suffix", [".txt", ".md", ".docx"])
def test_check_json_copied_sources_and_outdated(index: Path, tmp_path: Path, suffix: str) -> None:
    """Must-show 3."""
    draft = write_draft_file(tmp_path / f"草稿{suffix}")
    result = runner.invoke(app, ["check", str(draft), "--index", str(index), "--year", "2025",
                                 "--json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"file", "copied_share", "sentences", "outdated"}
    by_text = {s["text"]: s for s in report["sentences"]}
    assert set(by_text) == set(VERBATIM + [e for e, _ in EDITED] + ORIGINAL + [OUTDATED])
    for sentence in VERBATIM:
        found = by_text[sentence]
        assert found["copied"] >= 0.8
        assert found["source"]["id"] in holder(index, sentence)
        assert set(found["source"]) == {"id", "doc", "title"} and found["source"]["title"]
    for edited, original in EDITED:
        found = by_text[edited]
        assert found["copied"] >= 0.5  # lightly edited still counts as copied
        assert found["source"]["id"] in holder(index, original)
    for sentence in ORIGINAL + [OUTDATED]:
        assert by_text[sentence]["copied"] <= 0.3 and by_text[sentence]["source"] is None
    copied = sum(len(letters(s)) for s in VERBATIM + [e for e, _ in EDITED])
    total = sum(len(letters(s)) for s in by_text)
    assert report["copied_share"] == pytest.approx(copied / total, abs=0.002)
    terms = {(o["term"], o["text"]) for o in report["outdated"]}
    assert terms == {("党史学习教育", OUTDATED), ("十九届", OUTDATED)}
    assert all("二十届" in o["hint"] or "2021" in o["hint"] for o in report["outdated"])


def test_readable_output_lists_copied_sentences_first_with_sources(index: Path,
                                                                   tmp_path: Path) -> None:
    draft = write_draft_file(tmp_path / "草稿.txt")
    result = runner.invoke(app, ["check", str(draft), "--index", str(index), "--year", "2025"])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith(f"{draft}：共 9 句，5 句主要取自资料库")
    copied_part = out.split("抄录的句子（按在草稿中的顺序）：", 1)[1]
    copied_part = copied_part.split("部分相似", 1)[0].split("过时的提法", 1)[0]
    assert copied_part.count("来源：《") == 5 and "本人在社区网格工作中" not in copied_part
    assert out.index(VERBATIM[0][:10]) < out.index(EDITED[0][0][:10])  # draft order
    assert "过时的提法（按 2025 年召开的会议）" in out and "· 十九届：" in out


def test_year_decides_what_is_outdated(searcher: Searcher, tmp_path: Path) -> None:
    draft = write_draft_file(tmp_path / "草稿.txt")
    assert check_draft(draft, searcher, 2021).outdated == []  # both still current in 2021
    assert [o.term for o in check_draft(draft, searcher, 2022).outdated] == []
    assert [o.term for o in check_draft(draft, searcher, 2023).outdated] == ["十九届", "党史学习教育"]
    # (in data-file order within a sentence)


def test_check_errors(index: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path / "无.docx"), "--index", str(index),
                                 "--json"])
    assert result.exit_code == 2 and "找不到草稿文件" in result.stderr and result.stdout == ""
    (tmp_path / "稿.wps").write_bytes(b"\xd0\xcf\x11\xe0" + bytes(60))
    result = runner.invoke(app, ["check", str(tmp_path / "稿.wps"), "--index", str(index)])
    assert result.exit_code == 3 and "不支持的文件格式 .wps" in result.stderr
    (tmp_path / "稿.pdf").write_bytes(b"%PDF-1.4")
    result = runner.invoke(app, ["check", str(tmp_path / "稿.pdf"), "--index", str(index)])
    assert result.exit_code == 3 and "PDF 文件已损坏" in result.stderr
    empty = tmp_path / "空.txt"
    empty.write_text("个人对照检查材料\n", "utf-8")  # a title, no prose
    result = runner.invoke(app, ["check", str(empty), "--index", str(index), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"file": str(empty), "copied_share": 0.0,
                                         "sentences": [], "outdated": []}


def test_our_own_markdown_draft_checks_its_text_not_its_footnotes(searcher: Searcher,
                                                                  tmp_path: Path) -> None:
    draft = tmp_path / "稿.md"
    draft.write_text("# 标题\n\n## 一、存在的问题\n\n**1.理论联系实际不够**。" + VERBATIM[1]
                     + "[^1]\n\n---\n\n[^1]: 来源：《2023年…》（corpus/002.txt）\n", "utf-8")
    report = check_draft(draft, searcher, 2025)
    assert [s.text for s in report.sentences] == ["1.理论联系实际不够。", VERBATIM[1]]
    assert report.sentences[1].copied == 1.0


def test_copied_share_counts_runs_not_scattered_characters() -> None:
    assert copied_share("理论学习不深入", "理论学习不深入的问题") == 1.0
    assert copied_share("学理论", "理学论") == 0.0  # the same characters, no run of three
    assert copied_share("", "任何") == 0.0


def test_a_sentence_converted_from_a_traditional_source_is_still_copied() -> None:
    source = letters("建立支部黨員聯繫企業制度，每名黨員聯繫5家重點企業，每季度上門服務一次。")
    draft = letters("建立支部党员联系企业制度，每名党员联系5家重点企业，每季度上门服务一次。")
    assert copied_share(draft, source) == 1.0


def test_outdated_terms_data() -> None:
    terms = default_terms()
    assert len(terms) >= 30
    for term in terms:
        assert 2000 < term.first <= term.last < 2100 and term.hint
        assert term.found_in(term.term), term.term  # each term is found by its own patterns
    named = {t.term for t in outdated_terms(2025)}
    for wanted in ("十九届", "“不忘初心、牢记使命”主题教育", "党史学习教育", "疫情防控", "六稳", "六保",
                   "学习贯彻习近平新时代中国特色社会主义思想主题教育", "迎接党的二十大"):
        assert wanted in named
    assert "十九届" not in {t.term for t in outdated_terms(2022)}


@pytest.mark.parametrize(("line", "year", "expected"), [
    ("认真学习党的十九届五中全会精神。", 2024, ["十九届"]),
    ("第二十九届运动会在我市举办。", 2024, []),  # not 十九届
    ("全党同志务必不忘初心、牢记使命。", 2024, []),  # the requirement is current
    ("扎实开展“不忘初心、牢记使命”主题教育。", 2024, ["“不忘初心、牢记使命”主题教育"]),
    ("以优异成绩迎接党的二十大胜利召开。", 2023, ["迎接党的二十大"]),
    ("深入学习贯彻党的二十大精神。", 2025, []),
    ("统筹疫情防控和经济社会发展，做好六稳六保工作。", 2025, ["疫情防控", "六稳", "六保"]),
    ("巩固拓展脱贫攻坚成果同乡村振兴有效衔接。", 2025, []),
    ("参加学习贯彻习近平新时代中国特色社会主义思想主题教育。", 2024, []),
    ("参加学习贯彻习近平新时代中国特色社会主义思想主题教育。", 2025,
     ["学习贯彻习近平新时代中国特色社会主义思想主题教育"]),
])
def test_outdated_examples(line: str, year: int, expected: list[str]) -> None:
    assert [o.term for o in find_outdated([line], year)] == expected
