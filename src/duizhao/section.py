"""Which part of a document a passage belongs to: 开头, 存在问题, 原因剖析, 整改措施 …

Strongest first:
1. a closing paragraph (``以上是我的对照检查，请批评指正``, ``我将以这次…为契机``) is ``intro``
   (opening and closing remarks, not a problem or a measure), whatever heading it stands under;
2. the section heading above the passage (``二、原因剖析``; traditional headings normalised);
3. structure: an unnumbered paragraph before the first heading of a document with a title is
   its opening (``根据…要求…现汇报如下``, a 述职 paragraph ``一年来，我分管的…``); points under a
   dimension heading with no section above are problems;
4. wording, for what stands under no section heading (an excerpt, a list before the first
   heading, a plain text): a problem states shortfalls (不够、不足、有差距), a cause roots and
   slackened awareness (根源、放松了、思想上), a measure what will be done (要、坚持、切实、每月).
   The cue words are data (taxonomy ``[sections.*].cues``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from duizhao.models import Label, Segment
from duizhao.segment import match_section
from duizhao.simplified import to_simplified
from duizhao.taxonomy import Taxonomy

_CLOSING = re.compile(
    r"^(?:以上|总之|综上|最后[，,]?我|今后[，,]?我)"
    r"|将以(?:这次|此次|本次)?.{0,24}为(?:契机|起点|新的起点|新起点|动力)"
    r"|批评指正|批评帮助|批评指导|批评指教|恳请.{0,10}批评")
CLOSING_TAIL = 2  # closing remarks stand among the last passages of a document
HEAD_CHARS = 40  # the opening words weigh double: a point's title says what it is
_OPENING = re.compile(
    r"根据|按照|遵照|为开好|现将|汇报如下|报告如下|对照检查如下|一年来|年以来|以来，")


def is_closing(segment: Segment, remaining: int) -> bool:
    """A closing remark: unnumbered, among the last passages, worded as one."""
    if segment.numbered or remaining >= CLOSING_TAIL:
        return False
    return bool(_CLOSING.search(to_simplified(segment.text[:80])))


def section_by_wording(text: str, taxonomy: Taxonomy) -> Label:
    """Problem, cause or measure from the passage's own words (a cautious, low-confidence label)."""
    plain = to_simplified(text)
    head, body = plain[:HEAD_CHARS], plain[HEAD_CHARS:]
    scores: dict[str, float] = {}
    for key in ("problem", "cause", "measure"):
        label = taxonomy.sections.get(key)
        if label is None:
            continue
        scores[key] = sum(2.0 * head.count(w) + min(body.count(w), 2) for w in label.weak)
    if not scores or max(scores.values()) == 0:
        return Label("problem", "default", 0.2)
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (best, top), runner_up = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0.0)
    return Label(best, "cue", round(0.2 + 0.3 * (top - runner_up) / top, 3))


def label_section(segment: Segment, taxonomy: Taxonomy, remaining: int = 99,
                  after_points: bool = False) -> Label:
    """The section of one passage; ``remaining`` = passages after it in the document,
    ``after_points``: a numbered point came before it (so it is no longer the opening)."""
    if is_closing(segment, remaining):
        return Label("intro", "cue", 0.85)
    if segment.section_heading:
        key = match_section(segment.section_heading, taxonomy)
        if key:
            return Label(key, "heading", 0.95)
    if not segment.structured:
        if segment.ordinal == 0 and _OPENING.search(to_simplified(segment.text[:60])):
            return Label("intro", "cue", 0.4)
        return section_by_wording(segment.text, taxonomy)
    if segment.dimension_heading and segment.headings:
        return Label("problem", "structure", 0.75)
    if not segment.headings and not segment.numbered and not segment.excerpt and not after_points:
        return Label("intro", "structure", 0.8)
    if not segment.headings and segment.excerpt and _OPENING.search(
            to_simplified(segment.text[:60])) and not segment.numbered:
        return Label("intro", "cue", 0.6)
    return section_by_wording(segment.text, taxonomy)


def label_sections(segments: Sequence[Segment], taxonomy: Taxonomy) -> list[Label]:
    """Sections for one document's segments, in order."""
    labels, after_points = [], False
    for i, seg in enumerate(segments):
        labels.append(label_section(seg, taxonomy, len(segments) - 1 - i, after_points))
        after_points = after_points or seg.numbered
    return labels
