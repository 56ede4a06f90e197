"""Search weights as data: how much each signal of an understood request counts.

The handful of numbers that combine the signals (label priors, thesaurus expansion, the
semantic thesaurus lookup, the point-title match) live in ``data/ranking.toml``, chosen on the
tuning half of ``eval/queries.jsonl`` only (``eval/tune.py``; ``eval/results.md`` records the
search and both halves). They are validated here, in one place, so an edited file that would
silently change every search instead fails with a Chinese message naming the key and the fix.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from duizhao.errors import UsageError
from duizhao.userfiles import read_user_toml

FORMAT = 1
# name → (lowest, highest): the range a weight may take; all are plain numbers.
RANGES: dict[str, tuple[float, float]] = {
    "role": (0.0, 10.0),
    "section": (0.0, 10.0),
    "dimension": (0.0, 10.0),
    "workplace": (0.0, 10.0),
    "elsewhere": (0.0, 10.0),
    "short": (0.0, 10.0),
    "expansion": (0.0, 1.0),
    "semantic": (0.0, 1.0),
    "title": (0.0, 10.0),
}


@dataclass(frozen=True)
class Weights:
    """The weights of ``data/ranking.toml`` (see that file for what each one means)."""

    role: float  # recognised role: × its log-odds, in standard deviations of the scores
    section: float  # recognised part of the material: likewise
    dimension: float  # recognised dimension: likewise
    workplace: float  # documents from the workplace the request names: likewise
    elsewhere: float  # documents from another kind of workplace than that one: sink likewise
    short: float  # a stray line or heading (under 20 characters) sinks this many deviations
    expansion: float  # a thesaurus phrase's keyword weight, × the entry's weight
    semantic: float  # an entry met by meaning, not wording: × how close it came
    title: float  # the share of the request's words in a point's title, in deviations


def _error(source: str, zh: str, en: str) -> UsageError:
    return UsageError(f"排序权重文件 {source} 有误：{zh}", f"Ranking weights {source}: {en}")


def parse_weights(data: dict[str, Any], source: str = "default") -> Weights:
    """Checked weights from the parsed TOML ``data``."""
    if data.get("format") != FORMAT:
        raise _error(source, f"format 应为 {FORMAT}（现为 {data.get('format')!r}）。",
                     f"format must be {FORMAT}, not {data.get('format')!r}.")
    table = data.get("weights")
    if not isinstance(table, dict):
        raise _error(source, "缺少 [weights] 表。", "no [weights] table.")
    unknown = sorted(set(table) - set(RANGES))
    if unknown:
        raise _error(source, f"未知的权重 {'、'.join(unknown)}（可用：{'、'.join(RANGES)}）。",
                     f"unknown weights {', '.join(unknown)}.")
    values: dict[str, float] = {}
    for field in fields(Weights):
        low, high = RANGES[field.name]
        value = table.get(field.name)
        if value is None:
            raise _error(source, f"缺少权重 {field.name}。", f"missing weight {field.name}.")
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not low <= value <= high:
            raise _error(source, f"{field.name} 应为 {low:g}–{high:g} 之间的数，而不是 {value!r}。",
                         f"{field.name} must be a number in [{low:g}, {high:g}], not {value!r}.")
        values[field.name] = float(value)
    return Weights(**values)


def load_weights(path: str | Path | None = None) -> Weights:
    """The shipped weights, or those of ``path`` (same format)."""
    if path is None:
        text = resources.files("duizhao").joinpath("data/ranking.toml").read_text("utf-8")
        return parse_weights(tomllib.loads(text))
    data = read_user_toml(path, "排序权重文件")
    return parse_weights(data, str(path))
