"""Ranking weights as data (weights.py, data/ranking.toml): the shipped file is valid and is
what search uses; a broken file is refused with a Chinese message naming the key and fix."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from importlib import resources
from pathlib import Path

import pytest

from duizhao.errors import UsageError
from duizhao.ranking import Tuning
from duizhao.weights import RANGES, Weights, load_weights, parse_weights


def shipped_table() -> dict:  # type: ignore[type-arg]
    text = resources.files("duizhao").joinpath("data/ranking.toml").read_text("utf-8")
    return tomllib.loads(text)


def test_shipped_weights_are_valid_and_in_use() -> None:
    weights = load_weights()
    assert {f.name for f in fields(Weights)} == set(RANGES)  # ≤ 9 weights, each checked
    assert len(RANGES) <= 9
    for name, (low, high) in RANGES.items():
        assert low <= getattr(weights, name) <= high
    tuning = Tuning()
    assert (tuning.role_prior, tuning.section_prior, tuning.dimension_prior,
            tuning.workplace_prior, tuning.elsewhere_penalty, tuning.short_penalty,
            tuning.expansion_weight, tuning.semantic_weight, tuning.title_weight) == (
        weights.role, weights.section, weights.dimension, weights.workplace, weights.elsewhere,
        weights.short, weights.expansion, weights.semantic, weights.title)


@pytest.mark.parametrize(("change", "named"), [
    ({"weights": {"role": -1.0}}, "role"),
    ({"weights": {"section": "2"}}, "section"),
    ({"weights": {"title": True}}, "title"),
    ({"weights": {"expansion": 1.5}}, "expansion"),
    ({"weights": {"colour": 1.0}}, "colour"),
    ({"format": 2}, "format"),
])
def test_a_wrong_value_is_named_in_chinese(change: dict, named: str) -> None:  # type: ignore[type-arg]
    data = shipped_table()
    for key, value in change.items():
        if isinstance(value, dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    with pytest.raises(UsageError) as info:
        parse_weights(data, "my.toml")
    message = str(info.value)
    assert "排序权重文件 my.toml 有误" in message and named in message
    assert any(word in message for word in ("应为", "未知的权重"))  # says what is expected
    assert info.value.en.startswith("Ranking weights my.toml")


def test_a_missing_weight_or_table_is_named() -> None:
    data = shipped_table()
    del data["weights"]["semantic"]
    with pytest.raises(UsageError, match="缺少权重 semantic"):
        parse_weights(data)
    with pytest.raises(UsageError, match=r"缺少 \[weights\] 表"):
        parse_weights({"format": 1})


def test_a_users_file_is_read_and_checked(tmp_path: Path) -> None:
    mine = tmp_path / "weights.toml"
    text = resources.files("duizhao").joinpath("data/ranking.toml").read_text("utf-8")
    mine.write_text(text.replace("\nrole = ", "\nrole = 0.0 #"), encoding="utf-8")
    assert load_weights(mine).role == 0.0
    mine.write_text("format = 1\n[weights\n", encoding="utf-8")
    with pytest.raises(UsageError, match="不是有效的 TOML.*line 2"):
        load_weights(mine)
    with pytest.raises(UsageError, match="无法读取排序权重文件"):
        load_weights(tmp_path / "none.toml")
