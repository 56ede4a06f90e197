"""Labels for segments: role per document, section and dimension per passage.

Every label says how it was decided (``Label.method``) and how sure we are (``confidence``), so
an unsure label is visible as such (``duizhao stats --uncertain``) rather than a guess presented
as certain. One module per label: ``role.py`` (who wrote the document, or ``unknown``),
``section.py`` (问题 / 原因 / 措施 …), ``dimension.py`` (理论学习 … 廉洁自律), with the
classifier in ``classify.py``; all cue words come from the taxonomy (data).

``refine_library`` is the library's second pass: once a build has ingested every document,
it retrains the dimension classifier on the library's own confidently labelled passages and
the user's corrections, and relabels the passages whose dimension was a weak guess.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import lru_cache

from duizhao.classify import NaiveBayes, prior_dimensions
from duizhao.dimension import label_dimension
from duizhao.markers import point_title, starts_with_point
from duizhao.models import Passage, Segment, SourceText, passage_id
from duizhao.role import RoleEvidence, label_role
from duizhao.section import label_sections
from duizhao.segment import match_section
from duizhao.taxonomy import Taxonomy

TRUSTED = 0.9  # a dimension label this sure (or the user's) teaches the library's classifier
REFINE_BELOW = 0.6  # passages less sure than this are relabelled after retraining
REFINED = 0.5  # a relabelled guess stays a guess: at most this sure
LIBRARY_WEIGHT = 2.0  # one of the library's own passages counts as much as two prior examples
MAX_TRAINING = 5_000  # enough to learn a library's wording; keeps `add` fast on huge libraries


def document_evidence(source: SourceText, title: str, segments: Sequence[Segment]) -> RoleEvidence:
    """Where the document may say who wrote it: everything above its first passage (title,
    byline), its opening paragraphs (unnumbered passages before any heading), its whole text."""
    first = segments[0].start if segments else len(source.text)
    opening = "\n".join(s.text for s in segments[:3] if not s.headings and not s.numbered)
    return RoleEvidence.of(title, source.text[:first], opening, source.text)


def label_document(
    source: SourceText,
    title: str,
    segments: Sequence[Segment],
    taxonomy: Taxonomy,
    role: str | None = None,
    model: NaiveBayes | None = None,
) -> list[Passage]:
    """Turn one document's segments into labelled passages (ids from their own text).

    ``model`` classifies dimensions; default the shipped prior when it fits the taxonomy.
    """
    model = model if model is not None else default_model(taxonomy)
    role_label = label_role(document_evidence(source, title, segments), taxonomy, role)
    doc_hash = source.content_hash
    passages: list[Passage] = []
    for seg, section in zip(segments, label_sections(segments, taxonomy), strict=True):
        passages.append(
            Passage(
                id=passage_id(seg.text),
                doc=source.path,
                title=title,
                role=role_label,
                section=section,
                dimension=label_dimension(seg, section.value, taxonomy, model),
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


def default_model(taxonomy: Taxonomy) -> NaiveBayes | None:
    """The shipped prior over this taxonomy's dimensions (a dimension the prior never saw, such
    as a new year's theme, starts with no examples and learns from the library)."""
    return _prior_over(tuple(k for k in taxonomy.dimensions if k != "other"))


@lru_cache(maxsize=8)
def _prior_over(dims: tuple[str, ...]) -> NaiveBayes | None:
    prior = prior_dimensions()
    if prior is None or not set(prior.labels) & set(dims):
        return None
    return prior if prior.labels == dims else prior.with_labels(dims)


def library_model(passages: Iterable[Passage], taxonomy: Taxonomy) -> NaiveBayes | None:
    """The prior retrained on the library's trusted passages (sure labels, user corrections)."""
    base = default_model(taxonomy) or NaiveBayes.empty(
        [k for k in taxonomy.dimensions if k != "other"])
    examples = ((p.text, p.dimension.value, LIBRARY_WEIGHT) for p in passages
                if p.dimension.value in base.labels
                and (p.dimension.method == "user" or p.dimension.confidence >= TRUSTED))
    # a stable sample, whatever the input order; nsmallest keeps memory bounded (= sorted[:n])
    model = base.learned(heapq.nsmallest(MAX_TRAINING, examples, key=lambda e: passage_id(e[0])))
    return model if model.trained else None


def passage_segment(passage: Passage, taxonomy: Taxonomy) -> Segment:
    """The segment a stored passage came from, as far as labelling needs it."""
    inner = [h for h in passage.headings if match_section(h, taxonomy) is None]
    return Segment(start=passage.start, end=passage.end, text=passage.text,
                   headings=passage.headings, dimension_heading=inner[-1] if inner else None,
                   point_title=point_title(passage.text), ordinal=passage.ordinal,
                   numbered=starts_with_point(passage.text))


def refine_library(passages: dict[str, Passage], taxonomy: Taxonomy) -> int:
    """Relabel the library's weak dimension guesses with the classifier retrained on the
    library itself; returns how many labels changed. User corrections are never touched."""
    model = library_model(passages.values(), taxonomy)
    if model is None:
        return 0
    changed = 0
    for pid, p in passages.items():
        refined = refine_passage(p, model, taxonomy)
        if refined is not p:
            changed += refined.dimension.value != p.dimension.value
            passages[pid] = refined
    return changed


def refine_passage(p: Passage, model: NaiveBayes, taxonomy: Taxonomy) -> Passage:
    """One passage relabelled by the library's model when its dimension is a weak guess
    (a streaming build applies this passage by passage)."""
    if p.dimension.method in ("user", "heading") or p.dimension.confidence >= REFINE_BELOW:
        return p
    label = label_dimension(passage_segment(p, taxonomy), p.section.value, taxonomy, model)
    label = replace(label, confidence=min(label.confidence, REFINED))
    return replace(p, dimension=label) if label != p.dimension else p
