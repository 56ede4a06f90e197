"""Query understanding: read a request the way a colleague would, before searching it.

"我是支部书记，想写自己跟群众说话没耐心" is not a bag of keywords: 我是支部书记 says who asks,
想写 only asks, and 跟群众说话没耐心 is what to look for — in the genre's words 服务态度、群众观念.
``understand`` turns a request into a ``QueryPlan``: the role, section and dimension it implies
(each with a confidence and the words that said it), the text left to match once that wording
is taken out, and the formal phrases the genre thesaurus adds for the everyday words in it.
Search uses the recognised labels as soft preferences, never filters (``ranking.py``), and
shows the plan in one line (``QueryPlan.explain``) so the user can see it and correct it.

All matching is on the simplified form of the request (``simplified.to_simplified``); the text
shown keeps the user's own characters where the two forms align.
"""

from __future__ import annotations

import math
import re
from collections.abc import Container, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from duizhao.classify import request_dimensions
from duizhao.query_cues import CLAUSE_END, QueryCues, Workplace
from duizhao.simplified import to_simplified
from duizhao.taxonomy import Kind, LabelDef, Taxonomy
from duizhao.thesaurus import ANY_DIMENSION, Thesaurus

SURE = 0.85  # from this confidence on the explanation says "=", below it "≈"
DIMENSION_MIN = 0.35  # below this a dimension guess is not used at all
THESAURUS_VOTE = 3.0  # a thesaurus entry's vote for its dimension, times its weight
NAMED_VOTE = 4.0  # "理论学习方面", "作风问题": the dimension named outright
OUTRIGHT_CONFIDENCE = 0.9  # at least this sure of a dimension called "<its name>方面/问题"
STRONG_VOTE, WEAK_VOTE = 2.0, 1.0  # the taxonomy's strong and light cue words
SECTION_FROM_THESAURUS = 0.5  # a section implied only by thesaurus entries is a weak hint
EXPLAIN_PHRASES = 4  # formal phrases named in the one-line explanation
DEFAULT_CUE = "（未说明）"  # the cue of a part read by default (cues.default_section)
CLASSIFIER_CUE = "（按字面归类）"  # the cue of a dimension guessed by the classifier
CLASSIFIER_TRUST = 0.7  # a classifier's guess counts this share of its probability
CLASSIFIER_SHARPNESS = 3.0  # tempers naive Bayes' overconfidence (as dimension.py does)
_NO_LABEL = LabelDef("", "")
MEASURE, PROBLEM = "measure", "problem"  # section keys the reading of a fix relies on
_PUNCT = CLAUSE_END + "：:“”\"'‘’（）()《》[]【】…—-·~～ \t"


@dataclass(frozen=True)
class Recognised:
    """A label the request implies: what, how surely, and the words that said it."""

    kind: Kind
    key: str
    confidence: float
    cue: str
    name: str = ""  # the label's Chinese name

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name or self.key,
                "confidence": round(self.confidence, 3), "cue": self.cue}


@dataclass(frozen=True)
class Expansion:
    """A formal phrase added to the keyword search for an everyday expression in the request.

    ``by`` says how the entry was met: its wording occurs in the request ("wording"), or the
    request comes close to that wording in the encoder's space ("meaning", ``semantic.py``)."""

    phrase: str
    weight: float
    everyday: str
    by: str = "wording"


@dataclass(frozen=True)
class QueryPlan:
    request: str  # as typed
    text: str  # what is matched, with the role/section/request wording taken out
    recognised: tuple[Recognised, ...] = ()
    expansions: tuple[Expansion, ...] = ()
    removed: tuple[str, ...] = ()  # the wording taken out, in order
    workplace: Workplace | None = None  # the kind of place the asker works in
    workplace_confidence: float = 0.0
    entries: tuple[Any, ...] = ()  # thesaurus entries met by wording (not shown)

    def get(self, kind: Kind) -> Recognised | None:
        return next((r for r in self.recognised if r.kind == kind), None)

    @property
    def changed(self) -> bool:
        """Anything understood beyond the plain words (worth telling the user)."""
        return bool(self.recognised or self.expansions or self.removed or self.workplace)

    def with_meanings(self, meanings: Sequence[Any]) -> QueryPlan:
        """The plan with the formal phrases of entries met by meaning (``semantic.Meaning``)
        added after its own, each weighted by the entry's weight × how close the request came."""
        have = {e.phrase for e in self.expansions}
        text = to_simplified(self.text)
        extra: list[Expansion] = []
        for meaning in meanings:
            for phrase in meaning.entry.formal:
                if phrase not in have and phrase not in text:
                    have.add(phrase)
                    extra.append(Expansion(phrase, round(meaning.entry.weight * meaning.cosine, 3),
                                           meaning.everyday, "meaning"))
        return replace(self, expansions=self.expansions + tuple(extra)) if extra else self

    def explain(self) -> str:
        """One line: ``理解为：角色=党支部书记，部分=存在问题，维度≈工作作风；检索：… + 服务态度``.

        "=" marks what the request says outright, "≈" what is inferred from its words."""
        parts = []
        for kind, title in (("role", "角色"), ("section", "部分"), ("dimension", "维度")):
            found = self.get(kind)  # type: ignore[arg-type]
            if found is not None:
                sign = "=" if found.confidence >= SURE else "≈"
                parts.append(f"{title}{sign}{found.name or found.key}")
        if self.workplace is not None:
            parts.append(f"单位≈{self.workplace.name}")
        searched = self.text
        if self.expansions:
            phrases = [e.phrase for e in self.expansions[:EXPLAIN_PHRASES]]
            searched += " + " + "、".join(phrases)
        head = "，".join(parts)
        return f"理解为：{head}；检索：{searched}" if head else f"理解为：检索：{searched}"

    def to_json(self) -> dict[str, Any]:
        """The plan for ``search --json`` (key ``understood`` on each hit)."""
        labels = {r.kind: r.to_json() for r in self.recognised}
        return {
            "text": self.text,
            "role": labels.get("role"), "section": labels.get("section"),
            "dimension": labels.get("dimension"),
            "expansions": [{"phrase": e.phrase, "weight": round(e.weight, 3),
                            "everyday": e.everyday, "by": e.by} for e in self.expansions],
            "removed": list(self.removed),
            "workplace": None if self.workplace is None else {
                "key": self.workplace.key, "name": self.workplace.name,
                "confidence": round(self.workplace_confidence, 3)},
            "explanation": self.explain(),
        }


def explanation_lines(plan: QueryPlan | None) -> list[str]:
    """``[理解为：…]`` when ``plan`` read the request as more than its plain words, else []."""
    return [plan.explain()] if plan is not None and plan.changed else []


class _Request:
    """The simplified request with the spans taken out so far (offsets stay put)."""

    def __init__(self, request: str) -> None:
        self.original = request
        self.text = to_simplified(request)
        self.aligned = len(self.text) == len(request)
        self.out = [False] * len(self.text)
        self.removed: list[tuple[int, str]] = []
        self.asked: list[tuple[int, str]] = []  # taken out as role/section wording, not filler

    def visible(self) -> str:
        """The simplified text with taken-out characters as NULs, so patterns cannot span them."""
        return "".join("\0" if gone else ch for ch, gone in zip(self.text, self.out, strict=True))

    def find(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        """Matches of ``pattern`` (compiled with MULTILINE) in what is left, clause by clause:
        taken-out wording and clause punctuation become line breaks, so ``^``/``$`` match where
        a clause or taken-out wording begins or ends ("廉洁方面｜问题的原因": 方面 ends a clause)
        and no match reaches across them."""
        lines = "".join("\n" if ch == "\0" or ch in CLAUSE_END else ch for ch in self.visible())
        return [m for m in pattern.finditer(lines) if m.group(0).strip()]

    def take(self, start: int, end: int, filler: bool = False) -> str:
        words = self.text[start:end]
        for i in range(start, end):
            self.out[i] = True
        if words.strip(_PUNCT):
            self.removed.append((start, words))
            if not filler:
                self.asked.append((start, words))
        return words

    def rest(self) -> str:
        """What is left, in the user's own characters, with a space where wording was taken."""
        source = self.original if self.aligned else self.text
        chars = [" " if gone else ch for ch, gone in zip(source, self.out, strict=True)]
        text = re.sub(r"\s+", " ", "".join(chars))
        text = re.sub(r"\s*([，。,；;！!？?、])\s*", r"\1", text)
        text = re.sub(r"([，。,；;！!？?、])[，。,；;！!？?、]+", r"\1", text)
        return text.strip(_PUNCT)


def _role(req: _Request, cues: QueryCues) -> Recognised | None:
    match = cues.statement.search(req.visible())
    if match is not None:
        req.take(match.start(), match.end())
        noun = match.group("noun")
        return Recognised("role", cues.noun_role[noun], cues.statement_confidence, match.group(0))
    if cues.mention is None:
        return None
    match = cues.mention.search(req.visible())
    if match is None:
        return None
    req.take(match.start(), match.end())
    noun = match.group("noun")
    return Recognised("role", cues.mention_role[noun], cues.mention_confidence, noun)


class _SectionCueMatch(NamedTuple):
    confidence: float
    start: int
    end: int
    section: str
    words: str


def _section(req: _Request, cues: QueryCues) -> Recognised | None:
    """Every section cue is taken out; the surest wins, and the later one on a tie (the ask
    usually comes last: "理论学习方面的问题，下一步怎么改" wants 整改措施) — except a problem
    noun that is the object of a fix asked for earlier in the same clause ("怎么改掉遇事躲着走
    的毛病" wants 整改措施 too)."""
    found: list[_SectionCueMatch] = []
    for cue in cues.sections:
        for match in req.find(cue.pattern):
            words = match.group(0) if cue.keep else req.take(match.start(), match.end())
            found.append(_SectionCueMatch(cue.confidence, match.start(), match.end(),
                                          cue.section, words))
    fix_ends = [m.end for m in found if m.section == MEASURE]
    candidates = [m for m in found if not (m.section == PROBLEM and any(
        end <= m.start and not any(ch in CLAUSE_END for ch in req.text[end:m.start])
        for end in fix_ends))]
    if not candidates:
        return None
    best = max(candidates, key=lambda m: (m.confidence, m.start))
    return Recognised("section", best.section, best.confidence, best.words)


def _filler(req: _Request, cues: QueryCues) -> None:
    for pattern in cues.filler:
        for match in req.find(pattern):
            req.take(match.start(), match.end(), filler=True)


def _dimension(text: str, matches: list[Any], taxonomy: Taxonomy,
               whole: str = "", formal: dict[str, str] | None = None) -> Recognised | None:
    """Votes: thesaurus entries that fired, the dimension named outright, its cue words, and
    ``formal`` phrases of the thesaurus (phrase → dimension) the request uses itself.

    ``text`` is what is left of the request; ``whole`` the request as typed (simplified), where
    "理论学习方面的问题" still says 方面 after the part asked for was taken out."""
    votes: dict[str, float] = {}
    said: dict[str, list[str]] = {}
    outright: set[str] = set()  # dimensions called by their own name ("理论学习方面")

    def vote(key: str, amount: float, words: str) -> None:
        votes[key] = votes.get(key, 0.0) + amount
        said.setdefault(key, []).append(words)

    for match in matches:
        if match.entry.dimension != ANY_DIMENSION:
            vote(match.entry.dimension, THESAURUS_VOTE * match.weight, match.everyday)
    cue_words = [w for label in taxonomy.dimensions.values()
                 for w in (label.name, *label.heading_words, *label.strong, *label.weak)
                 if w in text]
    for phrase, key in (formal or {}).items():  # (not again for a cue word counted below)
        if phrase in text and key in taxonomy.dimensions \
                and not any(w in phrase for w in cue_words):
            vote(key, STRONG_VOTE, phrase)
    for key, label in taxonomy.dimensions.items():
        if key == "other":
            continue
        names = sorted({label.name, *label.heading_words}, key=len, reverse=True)
        called = next((a for a in (label.name, *label.aliases) if a in text and (
            f"{a}方面" in whole or f"{a}问题" in whole)), None)
        named = called or next((n for n in names if n in text), None)
        if named:
            vote(key, NAMED_VOTE, named)
            if called:
                outright.add(key)
            continue
        strong = [w for w in label.strong if w in text]
        weak = [w for w in label.weak if w in text and not any(w in s for s in strong)]
        if strong or weak:
            vote(key, STRONG_VOTE * len(strong) + WEAK_VOTE * len(weak), "、".join(strong + weak))
    if not votes:
        return None
    ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
    best, top = ranked[0]
    share = top / sum(votes.values())
    confidence = round(min(0.95, share * (1 - math.exp(-top / 2.5))), 3)
    if best in outright:  # said outright, like a part named in the request
        confidence = max(confidence, OUTRIGHT_CONFIDENCE)
    if confidence < DIMENSION_MIN:
        return None
    return Recognised("dimension", best, confidence, "、".join(dict.fromkeys(said[best])))


def _dimension_guess(text: str, taxonomy: Taxonomy,
                     section: Recognised | None) -> Recognised | None:
    """The dimension the shipped character classifier for requests reads in ``text`` when no
    cue word says it ("对群众冷脸" → 工作作风), at ``CLASSIFIER_TRUST`` × its probability. Not
    for the parts that are not points about a dimension (开头, 有关事项: sections without
    wording cues in the taxonomy)."""
    if section is not None and not taxonomy.sections.get(section.key, _NO_LABEL).weak:
        return None
    model = request_dimensions()
    if model is None:
        return None
    probabilities = model.probabilities(text, CLASSIFIER_SHARPNESS)
    known = {k: v for k, v in probabilities.items() if k in taxonomy.dimensions}
    if not known:
        return None
    best = max(known, key=lambda k: (known[k], k))
    confidence = round(CLASSIFIER_TRUST * known[best], 3)
    if confidence < DIMENSION_MIN:
        return None
    return Recognised("dimension", best, confidence, CLASSIFIER_CUE)


def _workplace(request: str, cues: QueryCues) -> tuple[Workplace | None, float]:
    """The workplace the request names first ("我是医院护士" → 医院) and how surely: a word
    that only suggests one (所长, 家长) counts less, and only when no place is named."""
    for weak, confidence in ((False, cues.workplace_confidence),
                             (True, cues.weak_workplace_confidence)):
        found = [(at, place) for place in cues.workplaces
                 for word in (place.request_weak if weak else place.request)
                 if (at := request.find(word)) >= 0]
        if found:
            return min(found, key=lambda item: item[0])[1], confidence
    return None, 0.0


def _section_from_thesaurus(matches: list[Any]) -> Recognised | None:
    """Entries that say which part their wording belongs to, when they agree."""
    sections = {m.entry.section for m in matches if m.entry.section}
    if len(sections) != 1:
        return None
    weight = max(m.weight for m in matches if m.entry.section)
    words = "、".join(m.everyday for m in matches if m.entry.section)
    return Recognised("section", sections.pop(), round(SECTION_FROM_THESAURUS * weight, 3), words)


def _expansions(matches: list[Any], text: str) -> tuple[Expansion, ...]:
    best: dict[str, Expansion] = {}
    for match in sorted(matches, key=lambda m: -m.weight):
        for phrase in match.entry.formal:
            if phrase in text or phrase in best:
                continue
            best[phrase] = Expansion(phrase, round(match.weight, 3), match.everyday)
    return tuple(best.values())


def understand(request: str, taxonomy: Taxonomy, cues: QueryCues, thesaurus: Thesaurus,
               fixed: Container[str] = ()) -> QueryPlan:
    """The plan for ``request``. Kinds in ``fixed`` (set as filters) are not guessed."""
    req = _Request(request.strip())
    workplace, workplace_confidence = _workplace(req.text, cues)
    recognised: list[Recognised | None] = [_role(req, cues), _section(req, cues)]
    _filler(req, cues)
    visible = req.visible()
    matches = thesaurus.matches(visible)
    usual = cues.in_usual_words(visible)
    if usual != visible:  # 老百姓 → 群众: entries written in the usual word fire too
        fired = {id(m.entry) for m in matches}
        matches += [m for m in thesaurus.matches(usual) if id(m.entry) not in fired]
        visible = f"{visible}\n{usual}"
    recognised.append(_dimension(visible, matches, taxonomy, req.text,
                                 thesaurus.formal_dimensions))
    if recognised[1] is None:  # a hint at another part must be surer than the default
        hinted = _section_from_thesaurus(matches)
        if hinted is not None and (hinted.key == cues.default_section
                                   or hinted.confidence >= cues.default_confidence):
            recognised[1] = hinted
    if recognised[1] is None and cues.default_section:
        recognised[1] = Recognised("section", cues.default_section, cues.default_confidence,
                                   DEFAULT_CUE)
    text = req.rest()
    only_asking = not any(ch.isalnum() for ch in text)
    if only_asking:  # nothing but asking ("下一步咋整"): search what was asked, guess no topic
        text = " ".join(words for _, words in sorted(req.asked)).strip(_PUNCT) or request
    if recognised[2] is None and "dimension" not in fixed and not only_asking:
        recognised[2] = _dimension_guess(text, taxonomy, recognised[1])
    kept = tuple(replace(r, name=taxonomy.name(r.kind, r.key)) for r in recognised
                 if r is not None and r.kind not in fixed)
    return QueryPlan(
        request=request, text=text, recognised=kept,
        expansions=_expansions(matches, to_simplified(text)),
        removed=tuple(words for _, words in sorted(req.removed)),
        workplace=workplace, workplace_confidence=workplace_confidence,
        entries=tuple(m.entry for m in matches))
