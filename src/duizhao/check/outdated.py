"""Outdated references: terms that belong to earlier years, from ``data/outdated_terms.toml``.

Each term carries the meeting years in which it is current and a hint of what to write
instead; a draft for a later meeting year gets the hint. Data, not code: a new year's
campaign is one more ``[[terms]]`` table.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from duizhao.errors import UsageError


@dataclass(frozen=True)
class Term:
    term: str
    patterns: tuple[re.Pattern[str], ...]
    first: int
    last: int
    hint: str

    def outdated_in(self, year: int) -> bool:
        return year > self.last

    def found_in(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns)


def parse_terms(text: str, where: str) -> tuple[Term, ...]:
    try:
        data = tomllib.loads(text)
        terms = []
        for entry in data["terms"]:
            first, last = (int(y) for y in entry["years"])
            patterns = entry.get("patterns") or [re.escape(entry["term"])]
            terms.append(Term(str(entry["term"]), tuple(re.compile(p) for p in patterns),
                              first, last, str(entry["hint"])))
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError, re.error) as exc:
        raise UsageError(f"过时提法文件 {where} 有误：{exc}",
                         f"Outdated-terms file {where} is invalid: {exc}") from exc
    return tuple(terms)


@lru_cache(maxsize=1)
def default_terms() -> tuple[Term, ...]:
    text = resources.files("duizhao").joinpath("data/outdated_terms.toml").read_text("utf-8")
    return parse_terms(text, "data/outdated_terms.toml")


def outdated_terms(year: int, terms: tuple[Term, ...] | None = None) -> list[Term]:
    """The terms no longer current for a meeting held in ``year``."""
    return [t for t in (terms or default_terms()) if t.outdated_in(year)]
