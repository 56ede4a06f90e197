"""Labels for segments: role per document, section from structure, dimension from words.

Every label says how it was decided (``Label.method``) and how sure we are (``confidence``),
so a passage that fits no dimension is ``other`` with low confidence rather than a guess
presented as certain. All cue words come from the taxonomy (data), none from this module.

Dimension evidence, strongest first:
1. a dimension heading that is just the dimension's name ("（三）能力本领方面") decides alone;
2. otherwise each part votes: the point's own title (一是 **理论学习不深入**。), a long
   heading ("（一）在学懂弄通做实……方面") and the body. Within a part a strong word counts 2
   and a light one 1, each word once; the part's scores are scaled so its best dimension gets
   the part's weight (title 6, heading 3, body 3). So a long body full of words cannot drown
   the title, and a title with no cue leaves the decision to heading and body.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from duizhao.models import Label, Passage, Segment, SourceText, passage_id
from duizhao.segment import is_dimension_heading, match_section
from duizhao.taxonomy import LabelDef, Taxonomy

ROLE_TITLE_WEIGHT = 2.0
ROLE_MIN_SCORE = 2.0
DIMENSION_MIN_SCORE = 2.5  # e.g. a body-only vote with nothing else behind it is not enough
TITLE_WEIGHT, HEADING_WEIGHT, BODY_WEIGHT = 6.0, 3.0, 3.0
NO_DIMENSION_SECTIONS = ("intro", "rectification")  # these summarise all dimensions at once
_ORDINAL = re.compile(r"^[（(]?[一二三四五六七八九十\d]{1,3}[）)]?[、.．]?")
_CAUSE_CUES = ("原因", "根源", "根子", "究其", "放松了", "淡化了", "弱化了", "认识不足")
_MEASURE_CUES = ("要", "加强", "强化", "坚持", "切实", "进一步", "今后", "努力", "坚决", "不断")


def label_role(title: str, text: str, taxonomy: Taxonomy, forced: str | None = None) -> Label:
    """Who wrote the document: ``forced`` (--role) wins, else cue phrases in title and body."""
    if forced:
        return Label(forced, "option", 1.0)
    scores: dict[str, float] = {}
    for key, role in taxonomy.roles.items():
        score = 0.0
        for phrase, weight in role.cues.items():
            if phrase in title:
                score += weight * ROLE_TITLE_WEIGHT
            if phrase in text:
                score += weight
        scores[key] = score
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    best, top = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if top < ROLE_MIN_SCORE:
        # Nothing says who wrote it: an ordinary member is the least presumptuous guess.
        fallback = "community_member" if "community_member" in scores else best
        return Label(fallback, "default", 0.2)
    return Label(best, "cue", round(min(0.99, 0.5 + 0.5 * (top - runner_up) / top), 3))


def _fallback_section(text: str, ordinal: int) -> Label:
    """Plain paragraphs with no headings: a cautious guess from wording, marked low-confidence."""
    if ordinal == 0 and any(w in text[:40] for w in ("根据", "按照", "现将", "对照检查")):
        return Label("intro", "cue", 0.4)
    head = text[:30]
    if any(w in head for w in _CAUSE_CUES):
        return Label("cause", "cue", 0.3)
    if any(head.lstrip("一二三四五是第，、 ").startswith(w) for w in _MEASURE_CUES):
        return Label("measure", "cue", 0.3)
    return Label("problem", "default", 0.2)


def label_section(segment: Segment, taxonomy: Taxonomy) -> Label:
    if not segment.structured:
        return _fallback_section(segment.text, segment.ordinal)
    if segment.section_heading:
        key = match_section(segment.section_heading, taxonomy)
        if key:
            return Label(key, "heading", 0.95)
    if segment.dimension_heading:
        # Dimension headings with no section above them: a problems-only document.
        return Label("problem", "structure", 0.75)
    if not segment.headings:
        return Label("intro", "structure", 0.8)
    return _fallback_section(segment.text, segment.ordinal)


def _words_score(text: str, label: LabelDef) -> float:
    strong = set(label.strong) | set(label.heading_words)
    return 2.0 * sum(1 for w in strong if w in text) + sum(1 for w in label.weak if w in text)


def _named_dimension(heading: str, taxonomy: Taxonomy) -> str | None:
    """The dimension a short heading names outright ("（二）政治素养方面"), else None."""
    core = _ORDINAL.sub("", heading.strip()).rstrip("。．.：:；; ")
    core = core.removesuffix("方面").strip()
    if not core or len(core) > 10:
        return None
    hits = [
        key for key, d in taxonomy.dimensions.items()
        if any(w in core for w in (d.name, *d.heading_words, *d.aliases))
    ]
    return hits[0] if len(set(hits)) == 1 else None


def label_dimension(segment: Segment, section: str, taxonomy: Taxonomy) -> Label:
    if section in NO_DIMENSION_SECTIONS:
        return Label("other", "structure", 0.8)
    heading = segment.dimension_heading or ""
    if heading and is_dimension_heading(heading, taxonomy):
        named = _named_dimension(heading, taxonomy)
        if named:
            return Label(named, "heading", 0.95)
    title = segment.point_title or ""
    body = segment.text[len(title):] if title and title in segment.text[:80] else segment.text
    dims = {key: d for key, d in taxonomy.dimensions.items() if key != "other"}
    scores = dict.fromkeys(dims, 0.0)
    for part, weight in ((title, TITLE_WEIGHT), (heading, HEADING_WEIGHT), (body, BODY_WEIGHT)):
        raw = {key: _words_score(part, d) for key, d in dims.items()} if part else {}
        top_raw = max(raw.values(), default=0.0)
        for key, value in raw.items():
            if top_raw > 0:
                scores[key] += weight * value / top_raw
    if not scores:
        return Label("other", "default", 0.0)
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    best, top = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if top < DIMENSION_MIN_SCORE:
        return Label("other", "default", 0.2)
    margin = (top - runner_up) / top
    confidence = 0.4 + 0.55 * margin
    if not segment.structured:
        confidence = min(confidence, 0.5)
    return Label(best, "cue", round(confidence, 3))


def label_document(
    source: SourceText,
    title: str,
    segments: Sequence[Segment],
    taxonomy: Taxonomy,
    role: str | None = None,
) -> list[Passage]:
    """Turn one document's segments into labelled passages (ids from their own text)."""
    role_label = label_role(title, source.text, taxonomy, role)
    doc_hash = source.content_hash
    passages: list[Passage] = []
    for seg in segments:
        section = label_section(seg, taxonomy)
        passages.append(
            Passage(
                id=passage_id(seg.text),
                doc=source.path,
                title=title,
                role=role_label,
                section=section,
                dimension=label_dimension(seg, section.value, taxonomy),
                heading=seg.headings[-1] if seg.headings else "",
                text=seg.text,
                start=seg.start,
                end=seg.end,
                headings=seg.headings,
                ordinal=seg.ordinal,
                doc_hash=doc_hash,
            )
        )
    return passages
