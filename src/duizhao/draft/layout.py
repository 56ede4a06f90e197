"""A draft as a structure: sections in standard order, dimension sub-headings, numbered points.

The writers (``markdown``, ``word``) only print what this module decides, so both formats
carry the same headings, the same numbers and the same sources. Input is a list of
``Entry`` (a picked passage or the user's own paragraph, placed in a section × dimension
slot); output is a ``Draft``. Headings and the point format come from ``data/draft.toml``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from duizhao.draft.ordinals import split_title, strip_ordinals
from duizhao.errors import UsageError
from duizhao.filenames import shown
from duizhao.simplified import to_simplified

LAYOUT_ENV = "DUIZHAO_DRAFT_LAYOUT"
_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三: for 一、 and （一） headings (1 ≤ n ≤ 99)."""
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


@dataclass(frozen=True)
class Labels:
    """Section and dimension keys in draft order with their Chinese names (from the taxonomy).

    Kept apart from ``Taxonomy`` so a basket can carry a copy and a draft can be written with
    no index at hand.
    """

    sections: tuple[tuple[str, str], ...]
    dimensions: tuple[tuple[str, str], ...]

    @classmethod
    def from_taxonomy(cls, taxonomy: Any) -> Labels:
        return cls(tuple((k, taxonomy.name("section", k)) for k in taxonomy.keys("section")),
                   tuple((k, taxonomy.name("dimension", k)) for k in taxonomy.keys("dimension")))

    def to_json(self) -> dict[str, list[list[str]]]:
        return {"sections": [list(p) for p in self.sections],
                "dimensions": [list(p) for p in self.dimensions]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Labels:
        return cls(tuple((str(k), str(n)) for k, n in data["sections"]),
                   tuple((str(k), str(n)) for k, n in data["dimensions"]))

    def order(self, kind: str, key: str) -> tuple[int, str]:
        """Sort key: taxonomy order, unknown keys last (by key)."""
        keys = [k for k, _ in (self.sections if kind == "section" else self.dimensions)]
        return (keys.index(key), "") if key in keys else (len(keys), key)

    def name(self, kind: str, key: str) -> str:
        return dict(self.sections if kind == "section" else self.dimensions).get(key, key)


@dataclass(frozen=True)
class Source:
    """Where a picked passage came from: shown as a comment/footnote, never in the body."""

    title: str
    headings: tuple[str, ...]
    doc: str

    def describe(self) -> str:
        """《title》 › heading › heading (file); the title leads, the file name only follows."""
        where = f"《{self.title}》" if self.title else "（无标题文档）"
        chain = " › ".join(h for h in self.headings if h)
        return f"来源：{where}" + (f" › {chain}" if chain else "") + f"（{shown(self.doc)}）"


@dataclass(frozen=True)
class Entry:
    """One paragraph to place: a pick (with its source) or the user's own note (source None)."""

    text: str
    section: str
    dimension: str
    source: Source | None = None


@dataclass(frozen=True)
class DraftInfo:
    """What the user sets about the whole draft: title, author's unit and name, date."""

    title: str = "个人对照检查材料"
    unit: str = ""
    name: str = ""
    date: str = ""

    @property
    def byline(self) -> str:
        """Unit and name on one line under the title (full-width space between)."""
        return "\u3000".join(p for p in (self.unit, self.name) if p)


@dataclass
class Point:
    """A numbered point: number, bold title (its first sentence), the rest, later paragraphs."""

    number: str
    title: str
    body: str
    more: list[str] = field(default_factory=list)
    source: Source | None = None


@dataclass
class Group:
    """Points under one dimension sub-heading (``heading`` "" where there is none)."""

    heading: str
    points: list[Point]


@dataclass
class Section:
    heading: str  # "一、存在的问题"; "" for the opening paragraphs
    key: str
    groups: list[Group]


@dataclass
class Draft:
    info: DraftInfo
    sections: list[Section]

    def points(self) -> Iterable[Point]:
        for section in self.sections:
            for group in section.groups:
                yield from group.points


@dataclass(frozen=True)
class LayoutRules:
    headings: dict[str, str]
    grouped: frozenset[str]
    suffix: str
    number: str

    def point_number(self, n: int) -> str:
        return self.number.format(n=n, cn=chinese_number(n))


@lru_cache(maxsize=4)
def _rules_from(text: str, where: str) -> LayoutRules:
    try:
        data = tomllib.loads(text)
        rules = LayoutRules(
            headings={str(k): str(v) for k, v in data["headings"].items()},
            grouped=frozenset(str(s) for s in data["subheadings"]["sections"]),
            suffix=str(data["subheadings"].get("suffix", "")),
            number=str(data["points"]["number"]))
        rules.point_number(1)
    except (tomllib.TOMLDecodeError, KeyError, TypeError, AttributeError, IndexError,
            ValueError) as exc:
        raise UsageError(f"草稿版式文件 {where} 有误：{exc}。"
                         "可复制 duizhao 自带的 draft.toml 修改。",
                         f"Draft layout file {where} is invalid: {exc}") from exc
    return rules


def layout_rules() -> LayoutRules:
    """The shipped ``data/draft.toml``, or the file named by $DUIZHAO_DRAFT_LAYOUT."""
    custom = os.environ.get(LAYOUT_ENV)
    if custom:
        try:
            return _rules_from(Path(custom).read_text("utf-8"), custom)
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"无法读取草稿版式文件 {custom}（环境变量 {LAYOUT_ENV}）。",
                             f"Cannot read draft layout file {custom}: {exc}") from exc
    text = resources.files("duizhao").joinpath("data/draft.toml").read_text("utf-8")
    return _rules_from(text, "data/draft.toml")


TITLE_LINE_MAX = 40  # a first line this short, alone, is the point's title ("宗旨意识有所淡化。")


def make_point(number: str, entry: Entry) -> Point:
    """Strip the source's ordinals; the first sentence of the first paragraph is the title.

    The draft is handed in as a mainland 公文, so a passage picked from a traditional-character
    source is written in simplified characters (the source note keeps its own title). A title
    standing on its own line in the source ("4.担当作为的精气神不足" / body on the next line)
    becomes the bold start of the body's paragraph, as in every other point.
    """
    paragraphs = [to_simplified(p.strip()) for p in entry.text.split("\n") if p.strip()]
    first = strip_ordinals(paragraphs[0]) if paragraphs else ""
    rest = paragraphs[1:]
    title, body = split_title(first)
    if not title and rest and len(first) <= TITLE_LINE_MAX:
        title = first if first[-1] in "。！？!?" else first.rstrip("，,；;：: ") + "。"
        body, rest = rest[0], rest[1:]
    return Point(number, title, body, rest, entry.source)


def lay_out(entries: Sequence[Entry], labels: Labels, info: DraftInfo | None = None,
            rules: LayoutRules | None = None) -> Draft:
    """Entries in draft order: sections, then dimensions (taxonomy order), then as given."""
    rules = rules or layout_rules()
    slots: dict[str, dict[str, list[Entry]]] = {}
    for entry in entries:
        if entry.text.strip():
            slots.setdefault(entry.section, {}).setdefault(entry.dimension, []).append(entry)
    sections: list[Section] = []
    numbered = 0
    for key in sorted(slots, key=lambda s: labels.order("section", s)):
        dims = slots[key]
        heading = rules.headings.get(key, labels.name("section", key))
        if heading:
            numbered += 1
            heading = f"{chinese_number(numbered)}、{heading}"
        order = sorted(dims, key=lambda d: labels.order("dimension", d))
        grouped = key in rules.grouped and order != ["other"]
        groups: list[Group] = []
        for i, dim in enumerate(order if grouped else [""], 1):
            items = dims[dim] if grouped else [e for d in order for e in dims[d]]
            sub = ""
            if grouped:
                name = labels.name("dimension", dim)
                name = name if name.endswith(rules.suffix) else name + rules.suffix
                sub = f"（{chinese_number(i)}）{name}"
            if heading:
                points = [make_point(rules.point_number(n), e) for n, e in enumerate(items, 1)]
            else:  # the opening: plain paragraphs, no numbers
                points = [make_point("", e) for e in items]
            groups.append(Group(sub, points))
        sections.append(Section(heading, key, groups))
    return Draft(info or DraftInfo(), sections)
