"""The genre thesaurus: loading, validation in Chinese, a user's own file, matching requests."""

from __future__ import annotations

from pathlib import Path

import pytest

from duizhao.errors import UsageError
from duizhao.simplified import to_simplified
from duizhao.taxonomy import load_taxonomy
from duizhao.thesaurus import THESAURUS_ENV, load_thesaurus, user_thesaurus_paths

TAX = load_taxonomy()


@pytest.fixture(scope="module")
def thesaurus():  # type: ignore[no-untyped-def]
    return load_thesaurus(taxonomy=TAX)


def test_default_file_loads_and_covers_every_dimension(thesaurus) -> None:
    assert len(thesaurus) >= 300
    dims = {e.dimension for e in thesaurus.entries}
    assert set(TAX.dimensions) - {"other"} <= dims
    for entry in thesaurus.entries:
        assert entry.dimension in TAX.dimensions or entry.dimension == "any"
        assert entry.section is None or entry.section in TAX.sections
        assert 0 < entry.weight <= 1 and entry.everyday and entry.formal
        assert all(to_simplified(p) == p for p in entry.everyday)


def test_the_default_file_keeps_its_own_conventions(thesaurus) -> None:
    """What the file's header promises: everyday wording of 2–10 characters in one entry only,
    never a formal phrase of another dimension's entry (a wording must mean one thing)."""
    owners: dict[str, int] = {}
    formal_by_dimension: dict[str, set[str]] = {}
    for number, entry in enumerate(thesaurus.entries):
        formal_by_dimension.setdefault(entry.dimension, set()).update(entry.formal)
        for phrase in entry.everyday:
            assert 2 <= len(phrase) <= 10, phrase
            assert owners.setdefault(phrase, number) == number, f"{phrase} in two entries"
    for phrase, number in owners.items():
        dimension = thesaurus.entries[number].dimension
        assert not any(phrase in formal for other, formal in formal_by_dimension.items()
                       if other != dimension), phrase


def test_everyday_wording_brings_its_formal_phrases(thesaurus) -> None:
    found = thesaurus.matches("需要用到时才临时翻书找理论")
    assert found and found[0].everyday == "临时翻书" and found[0].closeness == 1.0
    assert {"现用现学", "急用先学"} <= set(found[0].entry.formal)
    assert found[0].entry.dimension == "theory"
    spent = thesaurus.matches("花钱大手大脚")
    assert any({"艰苦奋斗", "勤俭节约"} <= set(m.entry.formal) for m in spent)


def test_traditional_request_matches_simplified_entries(thesaurus) -> None:
    found = thesaurus.matches("需要用到時才臨時翻書找理論")
    assert [m.everyday for m in found][:1] == ["临时翻书"]


def test_loose_match_close_wording_but_not_shared_common_words(thesaurus) -> None:
    close = thesaurus.matches("自己跟群众说话没耐心")
    service = [m for m in close if "服务态度" in m.entry.formal]
    assert service and 0 < service[0].closeness < 1
    assert service[0].weight < service[0].entry.weight  # a loose match counts for less
    unrelated = thesaurus.matches("理论学习不够")
    assert not any("党纪学习教育" in m.entry.formal for m in unrelated)
    assert thesaurus.matches("自己跟群众说话没耐心", loose=False) == []


def test_words_put_into_a_set_wording_do_not_break_a_loose_match(tmp_path: Path,
                                                                  monkeypatch) -> None:
    """People say 家里人打着我的旗号 for 家人打我旗号: the 的/着/里 they insert do not break the
    wording's character pairs; the same characters scattered over a sentence still do."""
    import duizhao.thesaurus as thesaurus

    mine = tmp_path / "词表.toml"
    mine.write_text('[[entry]]\ndimension = "integrity"\neveryday = ["家人打我旗号"]\n'
                    'formal = ["管好身边人"]\n', encoding="utf-8")
    table = load_thesaurus([mine], taxonomy=TAX)
    spoken = "有时候家里人打着我的旗号办事"
    assert [m.everyday for m in table.matches(spoken) if m.entry.source == str(mine)] == [
        "家人打我旗号"]
    scattered = "我号召家人去打球，旗帜鲜明"  # every character, none of the pairs
    assert not [m for m in table.matches(scattered) if m.entry.source == str(mine)]
    monkeypatch.setattr(thesaurus, "LOOSE_SKIP", False)  # pairs only as typed: it breaks
    assert not [m for m in table.matches(spoken) if m.entry.source == str(mine)]


def test_a_user_file_adds_entries_on_top_of_the_default(thesaurus, tmp_path: Path) -> None:
    mine = tmp_path / "我的词表.toml"
    mine.write_text('[[entry]]\ndimension = "responsibility"\nsection = "problem"\n'
                    'everyday = ["天天摸魚"]\nformal = ["精神懈怠", "得过且过"]\nweight = 0.9\n',
                    encoding="utf-8")
    both = load_thesaurus([mine], taxonomy=TAX)
    assert len(both) == len(thesaurus) + 1
    assert both.sources == ("default", str(mine))
    found = both.matches("上班天天摸鱼")
    assert [m.entry.formal for m in found if m.entry.source == str(mine)] == [
        ("精神懈怠", "得过且过")]


@pytest.mark.parametrize(("body", "words"), [
    ('[[entry]]\ndimension = "theory"\neveryday = ["看书少"]\n', "formal"),
    ('[[entry]]\ndimension = "theory"\neveryday = ["看书少"]\nformal = ["读书"]\nweight = 2\n',
     "weight"),
    ('[[entry]]\ndimension = "zuofeng"\neveryday = ["看书少"]\nformal = ["读书"]\n',
     "未知的维度 “zuofeng”"),
    ('[[entry]]\ndimension = "theory"\nsection = "problems"\neveryday = ["看书少"]\n'
     'formal = ["读书"]\n', "未知的部分 “problems”"),
    ('[[entry]]\ndimension = "theory"\neveryday = ["看书少"]\nformal = ["读书"]\nnote = "x"\n',
     "未知的字段 note"),
    ('version = "1"\n', "没有任何 [[entry]]"),
    ('[[entry]\n', "不是有效的 TOML"),
])
def test_mistakes_in_a_user_file_are_named_in_chinese(tmp_path: Path, body: str,
                                                      words: str) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(body, encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load_thesaurus([bad], taxonomy=TAX)
    message = str(caught.value)
    assert words in message and str(bad) in message
    assert message.isascii() is False and caught.value.en  # Chinese on screen, English kept


def test_missing_user_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="无法读取同义词表"):
        load_thesaurus([tmp_path / "nope.toml"])


def test_user_file_from_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv(THESAURUS_ENV, raising=False)
    assert user_thesaurus_paths() == []
    monkeypatch.setenv(THESAURUS_ENV, str(tmp_path / "t.toml"))
    assert user_thesaurus_paths() == [tmp_path / "t.toml"]
    assert user_thesaurus_paths(tmp_path / "x.toml") == [tmp_path / "x.toml"]


def test_a_user_file_that_is_a_fifo_is_named_not_read(tmp_path: Path) -> None:
    """A FIFO named like a thesaurus (or taxonomy) used to hang the command that read it."""
    import os

    fifo = tmp_path / "mine.toml"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="无法读取同义词表.*mine.toml"):
        load_thesaurus([fifo])
    with pytest.raises(UsageError, match="无法读取分类文件.*mine.toml"):
        load_taxonomy(fifo)
