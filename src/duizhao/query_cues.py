"""Query cues: the wording of a request that says who asks, which part is wanted, or only asks.

Loaded from ``data/query_cues.toml`` (data, not code) and validated here, in one place: role
nouns and the leads that make a role statement ("我是…", "作为…"), section patterns
(下一步/怎么改 → 整改措施, 原因/为什么 → 原因剖析, …的问题 → 存在问题), and request filler
(帮我找, 想写, 有没有…的段落). ``query.understand`` applies them.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from duizhao.errors import UsageError
from duizhao.simplified import to_simplified
from duizhao.taxonomy import Taxonomy
from duizhao.userfiles import read_user_toml

# Punctuation that ends a clause: a role statement never reaches across it.
CLAUSE_END = "，。,；;！!？?、\n"


@dataclass(frozen=True)
class SectionCue:
    section: str
    pattern: re.Pattern[str]
    confidence: float
    keep: bool = False  # the words also say what to look for: recognised, left in the text


@dataclass(frozen=True)
class Workplace:
    """A kind of place people work in: how a request names it, how a document shows it."""

    key: str
    name: str
    request: tuple[str, ...]
    document: tuple[str, ...]
    request_weak: tuple[str, ...] = ()  # words that only suggest it (所长, 家长)


@dataclass(frozen=True)
class QueryCues:
    version: str
    statement: re.Pattern[str]  # lead, gap, then a role noun (group "noun")
    mention: re.Pattern[str] | None  # a role's name standing alone (group "noun")
    noun_role: dict[str, str]  # role noun → role key
    mention_role: dict[str, str]
    statement_confidence: float
    mention_confidence: float
    sections: tuple[SectionCue, ...]
    filler: tuple[re.Pattern[str], ...]
    default_section: str | None = None  # the part a request that names none is read as
    default_confidence: float = 0.0
    workplaces: tuple[Workplace, ...] = ()
    workplace_confidence: float = 0.8
    weak_workplace_confidence: float = 0.5
    min_mentions: int = 3  # document words a document needs to count as from the workplace
    # everyday word → the word the thesaurus and the taxonomy use (老百姓 → 群众), longest first
    same_words: tuple[tuple[str, str], ...] = ()
    source: str = "default"

    def in_usual_words(self, text: str) -> str:
        """``text`` with everyday words swapped for the usual ones ("对老百姓的事不上心" →
        "对群众的事不上心"), so one thesaurus wording serves both."""
        for word, usual in self.same_words:
            text = text.replace(word, usual)
        return text


def _error(source: str, zh: str, en: str) -> UsageError:
    return UsageError(f"查询提示词文件 {source} 有误：{zh}", f"Query cue file {source}: {en}")


def _strings(value: Any, source: str, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _error(source, f"{where} 应为字符串列表。", f"{where} must be a list of strings.")
    return [to_simplified(v) for v in value]


def _number(value: Any, source: str, where: str, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise _error(source, f"{where} 须为 0 到 1 之间的数。", f"{where} must be in (0, 1].")
    return float(value)


def _compile(pattern: str, source: str, where: str) -> re.Pattern[str]:
    try:  # clause by clause: ^ and $ also match at line breaks (query.py puts them there)
        compiled = re.compile(pattern, re.MULTILINE)
    except re.error as exc:
        raise _error(source, f"{where} 的正则表达式 “{pattern}” 无效：{exc}",
                     f"bad regular expression in {where}: {exc}") from exc
    if compiled.fullmatch("") is not None:
        raise _error(source, f"{where} 的正则表达式 “{pattern}” 能匹配空文本，请改写。",
                     f"{where}: pattern '{pattern}' matches the empty string.")
    return compiled


def _alternation(words: list[str]) -> str:
    """Longest first, so 党委书记 wins over 书记 at the same place."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


def _parse(data: dict[str, Any], source: str, taxonomy: Taxonomy | None) -> QueryCues:
    statement = data.get("statement")
    roles = data.get("roles")
    sections = data.get("sections")
    filler = data.get("filler")
    for name, table in (("statement", statement), ("roles", roles), ("sections", sections),
                        ("filler", filler)):
        if not isinstance(table, dict) or not table:
            raise _error(source, f"缺少 [{name}] 表。", f"missing [{name}] table.")
    assert isinstance(statement, dict) and isinstance(roles, dict)
    assert isinstance(sections, dict) and isinstance(filler, dict)
    noun_role: dict[str, str] = {}
    mention_role: dict[str, str] = {}
    for key, spec in roles.items():
        if taxonomy is not None and key not in taxonomy.roles:
            valid = "、".join(taxonomy.roles)
            raise _error(source, f"[roles.{key}] 不是分类中的角色（可用：{valid}）。",
                         f"[roles.{key}] is not a taxonomy role.")
        if not isinstance(spec, dict):
            raise _error(source, f"[roles.{key}] 应为表。", f"[roles.{key}] must be a table.")
        for noun in _strings(spec.get("nouns"), source, f"[roles.{key}] nouns"):
            noun_role.setdefault(noun, key)
        for noun in _strings(spec.get("mentions", []), source, f"[roles.{key}] mentions"):
            mention_role.setdefault(noun, key)
    if not noun_role:
        raise _error(source, "[roles] 中没有任何 nouns。", "no role nouns.")
    leads = _strings(statement.get("leads"), source, "[statement] leads")
    gap = statement.get("gap", 10)
    if isinstance(gap, bool) or not isinstance(gap, int) or not 0 <= gap <= 40:
        raise _error(source, "[statement] gap 须为 0–40 的整数。", "gap must be an int 0–40.")
    stop = re.escape(CLAUSE_END)
    nouns = _alternation(list(noun_role))
    statement_re = re.compile(
        f"(?:{_alternation(leads)})[^{stop}]{{0,{gap}}}?(?P<noun>{nouns})(?:{nouns})*"
        "(?:[，,、]?(?:也是|还是|是)?(?:一名|一个|个)?(?:共产)?党员(?![干领]))?(?:的我)?")
    mention_re = re.compile(f"(?P<noun>{_alternation(list(mention_role))})(?:的)?") \
        if mention_role else None
    cues: list[SectionCue] = []
    for key, spec in sections.items():
        if taxonomy is not None and key not in taxonomy.sections:
            raise _error(source, f"[sections.{key}] 不是分类中的部分（可用："
                         f"{'、'.join(taxonomy.sections)}）。", f"[sections.{key}] unknown.")
        if not isinstance(spec, dict):
            raise _error(source, f"[sections.{key}] 应为表。", f"[sections.{key}] not a table.")
        where = f"[sections.{key}]"
        strong = _number(spec.get("name_confidence"), source, f"{where} name_confidence", 0.9)
        soft = _number(spec.get("soft_confidence"), source, f"{where} soft_confidence", 0.6)
        for pattern in _strings(spec.get("patterns", []), source, f"{where} patterns"):
            cues.append(SectionCue(key, _compile(pattern, source, where), strong))
        for pattern in _strings(spec.get("soft_patterns", []), source, f"{where} soft_patterns"):
            cues.append(SectionCue(key, _compile(pattern, source, where), soft))
        for pattern in _strings(spec.get("keep_patterns", []), source, f"{where} keep_patterns"):
            cues.append(SectionCue(key, _compile(pattern, source, where), strong, keep=True))
        for pattern in _strings(spec.get("soft_keep_patterns", []), source,
                                f"{where} soft_keep_patterns"):
            cues.append(SectionCue(key, _compile(pattern, source, where), soft, keep=True))
    default = data.get("default_section")
    if default is not None and (not isinstance(default, str) or default not in sections):
        raise _error(source, f"default_section “{default}” 须为 [sections] 中的一项。",
                     f"default_section '{default}' is not one of [sections].")
    places = data.get("workplaces", {})
    if not isinstance(places, dict):
        raise _error(source, "[workplaces] 应为表。", "[workplaces] must be a table.")
    workplaces = []
    for key, spec in places.items():
        if not isinstance(spec, dict):
            continue  # min_mentions, confidence
        where = f"[workplaces.{key}]"
        place_name = spec.get("name")
        if not isinstance(place_name, str) or not place_name:
            raise _error(source, f"{where} 缺少中文名 name。", f"{where} needs a name.")
        workplaces.append(Workplace(
            key, place_name, tuple(_strings(spec.get("request"), source, where)),
            tuple(_strings(spec.get("document"), source, where)),
            tuple(_strings(spec.get("request_weak", []), source, f"{where} request_weak"))))
    mentions = places.get("min_mentions", 3)
    if isinstance(mentions, bool) or not isinstance(mentions, int) or mentions < 1:
        raise _error(source, "[workplaces] min_mentions 须为正整数。", "min_mentions: int ≥ 1.")
    same = data.get("same_words", {})
    if not isinstance(same, dict) or not all(
            isinstance(k, str) and k and isinstance(v, str) and v for k, v in same.items()):
        raise _error(source, "[same_words] 应为 “词 = 常用词” 的表。",
                     "[same_words] must map words to words.")
    same_words = tuple(sorted(((to_simplified(k), to_simplified(v)) for k, v in same.items()),
                              key=lambda kv: (-len(kv[0]), kv[0])))
    fill = tuple(_compile(p, source, "[filler]")
                 for p in _strings(filler.get("patterns"), source, "[filler] patterns"))
    return QueryCues(
        version=str(data.get("version", "0")), statement=statement_re, mention=mention_re,
        noun_role=noun_role, mention_role=mention_role,
        statement_confidence=_number(statement.get("confidence"), source,
                                     "[statement] confidence", 0.95),
        mention_confidence=_number(statement.get("mention_confidence"), source,
                                   "[statement] mention_confidence", 0.6),
        sections=tuple(cues), filler=fill, default_section=default,
        default_confidence=_number(data.get("default_confidence"), source,
                                   "default_confidence", 0.5),
        workplaces=tuple(workplaces), min_mentions=mentions, same_words=same_words,
        workplace_confidence=_number(places.get("confidence"), source,
                                     "[workplaces] confidence", 0.8),
        weak_workplace_confidence=_number(places.get("weak_confidence"), source,
                                          "[workplaces] weak_confidence", 0.5),
        source=source)


def load_query_cues(path: str | Path | None = None,
                    taxonomy: Taxonomy | None = None) -> QueryCues:
    """The default cues, or a user's own file in the same format (it replaces the default)."""
    if path is None:
        text = resources.files("duizhao").joinpath("data/query_cues.toml").read_text("utf-8")
        return _parse(tomllib.loads(text), "default", taxonomy)
    file = Path(path)
    data = read_user_toml(file, "查询提示词文件")
    return _parse(data, str(file), taxonomy)
