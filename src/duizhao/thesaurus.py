"""The genre thesaurus: everyday expressions ↔ the 公文 phrases that say the same thing.

People describe a shortcoming in their own words (临时翻书, 说话冲, 花钱大手大脚); the materials
say it in set phrases (现用现学, 服务态度, 勤俭节约). ``data/thesaurus.toml`` pairs the two, grouped
by dimension, and query understanding adds the formal phrases of every entry whose everyday
wording occurs in a request to the keyword search, with the entry's weight. The file is data:
a user adds entries in a file of their own (same format), loaded on top of the default. It is
validated here, in one place, so a typo is a clear Chinese message rather than a silent miss.

Everything is compared in simplified characters (``simplified.to_simplified``), so an entry
written either way meets a request typed either way.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from duizhao.errors import UsageError
from duizhao.simplified import to_simplified
from duizhao.taxonomy import Taxonomy
from duizhao.userfiles import read_user_toml

DEFAULT_WEIGHT = 0.6
# Loose matching: people rarely type an entry's wording exactly ("跟群众说话没耐心" for
# "跟群众说话冲"). An everyday phrase also fires when at least LOOSE_MIN_CHARS of its
# characters occur in the request and its closeness (see ``Thesaurus._loose``) reaches
# LOOSE_SHARE; it counts LOOSE_DISCOUNT × closeness of its weight.
LOOSE_SHARE = 0.75
LOOSE_MIN_CHARS = 3
LOOSE_DISCOUNT = 0.7
LOOSE_SKIP = True  # a request's pairs also span one inserted character (see _spoken_pairs)
ANY_DIMENSION = "any"
# A user's own thesaurus file, used by every search when set (the shell has no option for it).
THESAURUS_ENV = "DUIZHAO_THESAURUS"
_FIELDS = {"dimension", "section", "everyday", "formal", "weight"}


@dataclass(frozen=True)
class Entry:
    """One group of everyday expressions and the formal phrases they stand for."""

    dimension: str  # a taxonomy dimension key, or "any"
    section: str | None  # a section key when the wording implies one
    everyday: tuple[str, ...]  # substrings matched in a request (simplified)
    formal: tuple[str, ...]  # phrases added to the keyword search
    weight: float  # 0–1: how surely the everyday wording means the formal phrases
    source: str  # the file it came from, for messages


@dataclass(frozen=True)
class Match:
    """An entry that fired on a request, and the everyday wording that fired it."""

    entry: Entry
    everyday: str
    start: int  # where ``everyday`` stands in the simplified request (-1: loose match)
    closeness: float = 1.0  # 1 for the wording as written; below for a loose match

    @property
    def weight(self) -> float:
        """How much this match counts: the entry's weight, discounted when loose."""
        return self.entry.weight * (1.0 if self.closeness >= 1.0
                                    else LOOSE_DISCOUNT * self.closeness)


def _pairs(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _spoken_pairs(text: str) -> set[str]:
    """A request's character pairs, also across one character: people put 的/着/了/里 into
    a set wording (家里人打着我的旗号 for 家人打我旗号), and those should not break its pairs."""
    return _pairs(text) | {text[i] + text[i + 2] for i in range(len(text) - 2)}


@dataclass(frozen=True)
class Thesaurus:
    entries: tuple[Entry, ...]
    sources: tuple[str, ...] = ("default",)

    def __len__(self) -> int:
        return len(self.entries)

    @cached_property
    def _loose_index(self) -> tuple[dict[str, list[tuple[int, str]]], dict[str, float]]:
        """Character → (entry number, everyday phrase), and the rarity (idf) of each character
        and character pair among the phrases."""
        index: dict[str, list[tuple[int, str]]] = {}
        counts: dict[str, int] = {}
        phrases = 0
        for number, entry in enumerate(self.entries):
            for phrase in entry.everyday:
                if len(phrase) >= LOOSE_MIN_CHARS:
                    phrases += 1
                    for char in set(phrase):
                        index.setdefault(char, []).append((number, phrase))
                    for unit in set(phrase) | _pairs(phrase):
                        counts[unit] = counts.get(unit, 0) + 1
        rarity = {unit: math.log(1 + phrases / n) for unit, n in counts.items()}
        return index, rarity

    @cached_property
    def formal_dimensions(self) -> dict[str, str]:
        """Formal phrase → its entries' dimension, for phrases only one dimension uses: a
        request already in the genre's words (浅尝辄止) says its dimension by them."""
        seen: dict[str, set[str]] = {}
        for entry in self.entries:
            if entry.dimension != ANY_DIMENSION:
                for phrase in entry.formal:
                    seen.setdefault(phrase, set()).add(entry.dimension)
        return {phrase: next(iter(keys)) for phrase, keys in seen.items() if len(keys) == 1}

    def matches(self, request: str, loose: bool = True) -> list[Match]:
        """Entries whose everyday wording occurs in ``request``, in the order they occur.

        Each entry fires once, on its longest wording found; a wording inside a longer one that
        also fired (做样子 inside 做做样子) does not fire its own entry again. With ``loose``,
        entries with no exact match may fire on a close wording (see ``LOOSE_SHARE``); those
        come last.
        """
        text = to_simplified(request)
        found: list[Match] = []
        for entry in self.entries:
            best: Match | None = None
            for phrase in entry.everyday:
                at = text.find(phrase)
                if at >= 0 and (best is None or len(phrase) > len(best.everyday)):
                    best = Match(entry, phrase, at)
            if best is not None:
                found.append(best)
        kept = [m for m in found if not any(
            o is not m and len(o.everyday) > len(m.everyday) and m.everyday in o.everyday
            and o.start <= m.start < o.start + len(o.everyday) for o in found)]
        kept.sort(key=lambda m: (m.start, -len(m.everyday)))
        if loose:
            kept += self._loose(text, {id(m.entry) for m in found})
        return kept

    def _loose(self, text: str, fired: set[int]) -> list[Match]:
        """Close wordings, scored by how much of the phrase the request holds: the mean of the
        rarity-weighted share of its characters and of its character pairs. So 跟群众说话冲
        meets 跟群众说话没耐心 and 花钱不心疼 meets 公家的钱花着不心疼, while 党纪学习不够
        does not meet 理论学习不够 (its rare 党纪 is missing; 学习/不够 are common)."""
        index, rarity = self._loose_index
        chars = set(text)
        pairs = _spoken_pairs(text) if LOOSE_SKIP else _pairs(text)
        seen: dict[tuple[int, str], int] = {}
        for char in chars:
            for hit in index.get(char, ()):
                seen[hit] = seen.get(hit, 0) + 1
        best: dict[int, Match] = {}
        for (number, phrase), count in seen.items():
            entry = self.entries[number]
            if id(entry) in fired or count < LOOSE_MIN_CHARS \
                    or any(formal in text for formal in entry.formal):
                continue  # (a request already in the entry's formal words is not loose talk)
            own_chars, own_pairs = set(phrase), _pairs(phrase)
            char_share = sum(rarity[c] for c in own_chars & chars) / sum(
                rarity[c] for c in own_chars)
            pair_share = sum(rarity[p] for p in own_pairs & pairs) / sum(
                rarity[p] for p in own_pairs)
            share = (char_share + pair_share) / 2
            if share < LOOSE_SHARE:
                continue
            if number not in best or share > best[number].closeness:
                best[number] = Match(entry, phrase, -1, round(min(share, 0.99), 3))
        return sorted(best.values(), key=lambda m: (-m.closeness, m.everyday))


def _error(source: str, where: str, zh: str, en: str) -> UsageError:
    return UsageError(f"同义词表 {source} 有误：{where}{zh}", f"Thesaurus {source}: {where}{en}")


def _phrases(value: Any, source: str, where: str, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(
            isinstance(v, str) and v.strip() for v in value):
        raise _error(source, where, f"{name} 应为非空的字符串列表，例如 {name} = [\"…\", \"…\"]。",
                     f"{name} must be a non-empty list of strings.")
    return tuple(dict.fromkeys(to_simplified(v.strip()) for v in value))


def _parse(data: dict[str, Any], source: str, taxonomy: Taxonomy | None) -> list[Entry]:
    raw = data.get("entry")
    if not isinstance(raw, list) or not raw:
        raise _error(source, "", "没有任何 [[entry]] 条目。每条写成 [[entry]] 表，"
                     "含 dimension、everyday、formal。",
                     "no [[entry]] tables (each needs dimension, everyday, formal).")
    dimensions = set(taxonomy.dimensions) if taxonomy else None
    sections = set(taxonomy.sections) if taxonomy else None
    entries: list[Entry] = []
    for number, spec in enumerate(raw, start=1):
        where = f"第 {number} 条 [[entry]]："
        if not isinstance(spec, dict):
            raise _error(source, where, "应为表。", f"entry {number} is not a table.")
        unknown = sorted(set(spec) - _FIELDS)
        if unknown:
            raise _error(source, where, f"未知的字段 {'、'.join(unknown)}（可用：dimension、"
                         "section、everyday、formal、weight）。",
                         f"entry {number}: unknown fields {', '.join(unknown)}.")
        dimension = spec.get("dimension")
        if not isinstance(dimension, str) or not dimension:
            raise _error(source, where, "缺少 dimension（维度键，如 theory，或 any）。",
                         f"entry {number} needs a dimension.")
        if dimensions is not None and dimension != ANY_DIMENSION and dimension not in dimensions:
            raise _error(source, where, f"未知的维度 “{dimension}”。可用："
                         f"{'、'.join(sorted(dimensions))}、{ANY_DIMENSION}。",
                         f"entry {number}: unknown dimension '{dimension}'.")
        section = spec.get("section")
        if section is not None and (not isinstance(section, str) or (
                sections is not None and section not in sections)):
            valid = "、".join(sorted(sections)) if sections else "problem、cause、measure"
            raise _error(source, where, f"未知的部分 “{section}”。可用：{valid}。",
                         f"entry {number}: unknown section '{section}'.")
        weight = spec.get("weight", DEFAULT_WEIGHT)
        if isinstance(weight, bool) or not isinstance(weight, int | float) \
                or not 0 < weight <= 1:
            raise _error(source, where, f"weight 须为大于 0、不超过 1 的数，而不是 {weight!r}。",
                         f"entry {number}: weight must be in (0, 1], not {weight!r}.")
        entries.append(Entry(
            dimension=dimension, section=section,
            everyday=_phrases(spec.get("everyday"), source, where, "everyday"),
            formal=_phrases(spec.get("formal"), source, where, "formal"),
            weight=float(weight), source=source))
    return entries


def _read(path: Path) -> dict[str, Any]:
    return read_user_toml(path, "同义词表")


def load_thesaurus(extra: Iterable[str | Path] = (), taxonomy: Taxonomy | None = None,
                   default: bool = True) -> Thesaurus:
    """The default thesaurus plus the entries of each user file in ``extra``.

    With ``taxonomy``, every entry's dimension and section must be one of its keys (so a user
    file written for a taxonomy with a new dimension is checked against that taxonomy).
    """
    entries: list[Entry] = []
    sources: list[str] = []
    if default:
        text = resources.files("duizhao").joinpath("data/thesaurus.toml").read_text("utf-8")
        entries += _parse(tomllib.loads(text), "default", taxonomy)
        sources.append("default")
    for item in extra:
        path = Path(item)
        entries += _parse(_read(path), str(path), taxonomy)
        sources.append(str(path))
    return Thesaurus(tuple(entries), tuple(sources))


def user_thesaurus_paths(explicit: str | Path | None = None) -> list[Path]:
    """The user's own thesaurus file: ``explicit`` if given, else ``$DUIZHAO_THESAURUS``."""
    chosen = explicit if explicit is not None else os.environ.get(THESAURUS_ENV) or None
    return [Path(chosen)] if chosen else []
