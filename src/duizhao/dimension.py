"""Which dimension a passage is about (理论学习, 政治素质 … 廉洁自律), from its heading and words.

Three kinds of evidence, weighed together:
1. the dimension heading it stands under, when that heading names a dimension outright
   (``（三）能力本领方面``) — strong, but not the last word: real documents file points under
   the wrong heading (``到纳税人身边解决问题不够多`` under ``担当作为方面`` is about 作风);
2. the taxonomy's cue words (data): in the point's own title (一是 **理论学习不深入**。), a long
   heading (``（一）在学懂弄通做实……方面``) and the body. Within a part a strong word counts 2
   and a light one 1, each word once; the part's scores are scaled so its best dimension gets
   the part's weight (title 6, heading 3, body 3), so a long body cannot drown the title;
3. a naive Bayes classifier over the passage's characters (``classify.py``): the shipped prior,
   retrained on the library's own confidently labelled passages and the user's corrections.
Traditional text is matched in simplified form. ``intro`` and ``rectification`` passages
summarise all dimensions at once: ``other``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from duizhao.classify import NaiveBayes
from duizhao.models import Label, Segment
from duizhao.segment import is_dimension_heading
from duizhao.simplified import to_simplified
from duizhao.taxonomy import LabelDef, Taxonomy

NO_DIMENSION_SECTIONS = ("intro", "rectification")
OTHER = "other"
TITLE_WEIGHT, HEADING_WEIGHT, BODY_WEIGHT = 6.0, 3.0, 3.0
CUE_SHARE, HEADING_SHARE, MODEL_SHARE = 1.0, 0.9, 0.5  # how the three kinds of evidence mix
MODEL_SHARPNESS = 3.0  # tempers naive Bayes' overconfidence (see classify.probabilities)
MODEL_ONLY = 0.45  # the most a label resting on the classifier alone may claim
NAMED_HEADING = 0.95  # confidence of a dimension given by a heading the words agree with
_ORDINAL = re.compile(r"^[（(]?[一二三四五六七八九十\d]{1,3}[）)]?[、.．]?")


@lru_cache(maxsize=64)
def _words(strong_words: tuple[str, ...], weak_words: tuple[str, ...]
           ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(strong words, light words), each once, simplified."""
    strong = tuple(dict.fromkeys(to_simplified(w) for w in strong_words))
    return strong, tuple(dict.fromkeys(w for w in map(to_simplified, weak_words)
                                       if w not in strong))


def _words_score(text: str, label: LabelDef) -> float:
    strong, weak = _words((*label.strong, *label.heading_words), label.weak)
    return 2.0 * sum(map(text.__contains__, strong)) + sum(map(text.__contains__, weak))


def named_dimension(heading: str, taxonomy: Taxonomy) -> str | None:
    """The dimension a short heading names outright ("（二）政治素养方面"), else None."""
    if not heading or not is_dimension_heading(heading, taxonomy):
        return None
    core = _ORDINAL.sub("", to_simplified(heading).strip()).rstrip("。．.：:；; ")
    core = core.removesuffix("方面").strip()
    if not core or len(core) > 10:
        return None
    hits = [
        key for key, d in taxonomy.dimensions.items()
        if any(w in core for w in (d.name, *d.heading_words, *d.aliases))
    ]
    return hits[0] if len(set(hits)) == 1 else None


def cue_scores(segment: Segment, taxonomy: Taxonomy) -> dict[str, float]:
    """Cue-word evidence per dimension (title 6, heading 3, body 3 at most; 0 when none)."""
    title = to_simplified(segment.point_title or "")
    text = to_simplified(segment.text)
    heading = to_simplified(segment.dimension_heading or "")
    body = text[len(title):] if title and title in text[:80] else text
    dims = {key: d for key, d in taxonomy.dimensions.items() if key != OTHER}
    scores = dict.fromkeys(dims, 0.0)
    for part, weight in ((title, TITLE_WEIGHT), (heading, HEADING_WEIGHT), (body, BODY_WEIGHT)):
        raw = {key: _words_score(part, d) for key, d in dims.items()} if part else {}
        top_raw = max(raw.values(), default=0.0)
        for key, value in raw.items():
            if top_raw > 0:
                scores[key] += weight * value / top_raw
    return scores


def label_dimension(segment: Segment, section: str, taxonomy: Taxonomy,
                    model: NaiveBayes | None = None) -> Label:
    """The dimension of one passage, with how it was decided and how sure it is."""
    if section in NO_DIMENSION_SECTIONS:
        return Label(OTHER, "structure", 0.8)
    dims = [key for key in taxonomy.dimensions if key != OTHER]
    if not dims:
        return Label(OTHER, "default", 0.0)
    named = named_dimension(segment.dimension_heading or "", taxonomy)
    cues = cue_scores(segment, taxonomy)
    cue_total = sum(cues.values())
    mix = dict.fromkeys(dims, 0.0)
    for key in dims:
        if cue_total:
            mix[key] += CUE_SHARE * cues[key] / cue_total
        if named == key:
            mix[key] += HEADING_SHARE
    if model is not None and model.trained:
        probabilities = model.probabilities(segment.text, MODEL_SHARPNESS)
        for key in dims:
            mix[key] += MODEL_SHARE * probabilities.get(key, 0.0)
    total = sum(mix.values())
    if total <= 0:
        return Label(OTHER, "default", 0.0)
    ranked = sorted(mix.items(), key=lambda kv: kv[1], reverse=True)
    (best, top), runner_up = ranked[0], ranked[1][1] if len(ranked) > 1 else 0.0
    margin = (top - runner_up) / top
    if named == best:
        return Label(best, "heading", round(NAMED_HEADING if margin > 0.3 else 0.5 + margin, 3))
    method = "similarity" if model is not None and cues[best] < max(cues.values()) else "cue"
    confidence = 0.3 + 0.65 * margin
    if not cue_total and named is None:
        confidence = min(confidence, MODEL_ONLY)  # the classifier alone: a guess to check
    if not segment.structured:
        confidence = min(confidence, 0.5)
    return Label(best, method, round(confidence, 3))
