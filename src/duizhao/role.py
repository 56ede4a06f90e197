"""Who wrote a document: its author's post, from where a document says it — or ``unknown``.

A document says who wrote it in a few places: the title (``…党支部书记…对照检查材料``), a byline
under the title (``（市城投集团党委委员、副总经理）``), a self-introduction (``作为财务科科长，``,
``我是…的一名流动党员``, ``结合担任村党支部书记以来的工作``) and the opening paragraph (``局领导
班子对照检查``). The body mentions other people's posts all the time (``与支部书记谈心``, ``班子成员
分工``), so a cue there counts little, a cue naming someone else (``与/和/向…``) or denied
(``不分管``) not at all, and a weak cue (``党员``, ``班子``) only where the author speaks of
themself. When nothing says, the role is ``unknown`` — an honest label the user can set with
``--role`` or ``duizhao label --doc`` — never a silent guess. The cue phrases and their weights
are data (taxonomy ``[roles.*].cues``); traditional text is matched in simplified form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from duizhao.models import Label
from duizhao.simplified import to_simplified
from duizhao.taxonomy import UNKNOWN_ROLE, Taxonomy

STRONG_ZONE, OPENING_ZONE, BODY_ZONE = 3.0, 1.0, 0.25
BODY_CAP = 3.0  # the body alone decides a role only when it says so consistently, and unsure
WEAK_CUE = 3.0  # cues lighter than this count only where the author speaks of themself
ROLE_MIN_SCORE = 3.0
UNCERTAIN = 0.6  # below this confidence a role is reported to the user to check
_SELF = re.compile(r"(?:^|(?<=[，。；：,;:\n（(])|(?<=我|们)|(?<=本人))"
                   r"(?:作为|身为|我是|本人是|本人系|现任|担任|我们|我任|兼任)([^，。；,;\n]{1,40})")
_OTHERS = set("与和向同跟给及")  # "与支部书记、院长谈心": other people in the same clause
_CLAUSE_START = re.compile(r"[，。；：,;:\n]")
_DENIED = ("不", "未", "非", "没有")


@dataclass(frozen=True)
class RoleEvidence:
    """Where a document says who wrote it: its title and byline, self-introductions, opening."""

    heading: str  # title plus byline lines
    self_said: str  # clauses after 作为/我是/担任 …, joined
    opening: str
    body: str

    @classmethod
    def of(cls, title: str, byline: str, opening: str, text: str) -> RoleEvidence:
        plain = to_simplified(text)
        return cls(to_simplified(f"{title}\n{byline}"),
                   "\n".join(m.group(0) for m in _SELF.finditer(plain)),
                   to_simplified(opening), plain)


def _cue_spans(text: str, cues: list[tuple[str, str, float]], lenient: bool
               ) -> list[tuple[str, float]]:
    """(role, weight) of each cue found, longest first, never two on the same characters."""
    taken = [False] * len(text)
    found: list[tuple[str, float]] = []
    for phrase, role, weight in cues:
        start = text.find(phrase)
        while start >= 0:
            end = start + len(phrase)
            if not any(taken[start:end]):
                for i in range(start, end):
                    taken[i] = True
                before = text[max(0, start - 2) : start]
                clause = _CLAUSE_START.split(text[max(0, start - 40) : start])[-1]
                named_other = not lenient and any(c in _OTHERS for c in clause)
                if not named_other and not before.endswith(_DENIED):
                    found.append((role, weight))
            start = text.find(phrase, end)
    return found


def role_scores(evidence: RoleEvidence, taxonomy: Taxonomy) -> tuple[dict[str, float], bool]:
    """Each role's score (cue weights times how much their place says), and whether anything
    outside the body spoke at all."""
    cues = sorted(((to_simplified(p), key, w) for key, role in taxonomy.roles.items()
                   for p, w in role.cues.items()), key=lambda c: -len(c[0]))
    scores = {key: 0.0 for key in taxonomy.roles if key != UNKNOWN_ROLE}
    body: dict[str, float] = dict.fromkeys(scores, 0.0)
    zones = ((evidence.heading, STRONG_ZONE, True), (evidence.self_said, STRONG_ZONE, True),
             (evidence.opening, OPENING_ZONE, False), (evidence.body, BODY_ZONE, False))
    for text, factor, strong_zone in zones:
        for key, weight in _cue_spans(text, cues, lenient=strong_zone):
            if key not in scores or (weight < WEAK_CUE and not strong_zone):
                continue
            if factor == BODY_ZONE:
                body[key] += weight * factor
            else:
                scores[key] += weight * factor
    return {key: score + min(body[key], BODY_CAP) for key, score in scores.items()}, any(
        scores.values())


def label_role(evidence: RoleEvidence, taxonomy: Taxonomy, forced: str | None = None) -> Label:
    """``forced`` (--role) wins; else the best-supported role, or ``unknown`` when none is."""
    if forced:
        return Label(forced, "option", 1.0)
    scores, said = role_scores(evidence, taxonomy)
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    if not ranked or ranked[0][1] < ROLE_MIN_SCORE:
        return Label(UNKNOWN_ROLE, "default", 0.0)
    best, top = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    confidence = min(0.99, 0.5 + 0.5 * (top - runner_up) / top)
    return Label(best, "cue", round(confidence if said else min(confidence, 0.5), 3))


def role_is_uncertain(label: Label) -> bool:
    """A role the user should check: unknown, or decided by cues with a thin margin."""
    return label.method not in ("option", "user") and (
        label.value == UNKNOWN_ROLE or label.confidence < UNCERTAIN)
