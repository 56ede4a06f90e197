"""User label corrections: recorded once, re-applied by every later ``build`` and ``add``.

Corrections live in the index (``corrections.json``) keyed by passage id, so they follow a
passage's text wherever it moves; a whole document's role is keyed ``doc:PATH``. A correction
is a ``Label`` with method "user" and confidence 1.0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from duizhao.errors import UsageError
from duizhao.models import Label, Passage
from duizhao.store import find_document, open_index, rewrite_index, writer_lock
from duizhao.taxonomy import Kind

Corrections = dict[str, dict[str, str]]
DOC_CORRECTION = "doc:"  # corrections key prefix for a whole document's role


def apply_corrections(passage: Passage, corrections: Corrections) -> Passage:
    """The passage with the user's corrections applied (method "user").

    A document-wide role (key ``doc:PATH``) applies first; a correction of the passage itself
    wins over it.
    """
    fix = {**corrections.get(DOC_CORRECTION + passage.doc, {}),
           **corrections.get(passage.id, {})}
    if not fix:
        return passage
    def label(kind: str, current: Label) -> Label:
        return Label(fix[kind], "user", 1.0) if kind in fix else current

    return replace(passage, role=label("role", passage.role),
                   section=label("section", passage.section),
                   dimension=label("dimension", passage.dimension))


def correct_document_role(index_dir: Path, doc: str, role: str) -> list[Passage]:
    """Fix the role of a whole document (its text did not say, or said it wrongly).

    Kept across ``build`` and ``add`` like any correction, and applied to every passage the
    document yields, including those of a later, edited version of the file.
    """
    index_dir = Path(index_dir)
    with writer_lock(index_dir):
        old = open_index(index_dir, search=False)
        key = old.taxonomy.resolve("role", role)
        record = find_document(doc, old.documents)
        if record is None or key is None:
            known = "\n".join(f"  {d.doc}" for d in old.documents[:20])
            raise UsageError(f"索引中没有文档 {doc}。索引中的文档：\n{known}",
                             f"No document {doc} in the index; see `duizhao stats`.")
        corrections = dict(old.corrections)
        corrections[DOC_CORRECTION + record.doc] = {"role": key}
        passages = [apply_corrections(p, corrections) for p in old.passages]
        rewrite_index(old, passages, corrections, old.documents)
    return [p for p in passages if p.doc == record.doc]


def correct_label(index_dir: Path, passage_id: str, role: str | None = None,
                  section: str | None = None, dimension: str | None = None) -> Passage:
    """Record a user's label correction for one passage, apply it, and keep it across builds."""
    index_dir = Path(index_dir)
    with writer_lock(index_dir):
        old = open_index(index_dir, search=False)
        wanted: dict[Kind, str | None] = {"role": role, "section": section,
                                          "dimension": dimension}
        values: dict[str, str] = {}
        for kind, given in wanted.items():
            key = old.taxonomy.resolve(kind, given) if given is not None else None
            if key is not None:
                values[kind] = key
        if not values:
            raise UsageError("请至少给出 --role、--section 或 --dimension 之一。",
                             "Give at least one of --role, --section, --dimension.")
        index = _find_passage(passage_id, old.passages)
        corrections = dict(old.corrections)
        corrections[old.passages[index].id] = {
            **corrections.get(old.passages[index].id, {}), **values}
        passages = list(old.passages)
        passages[index] = apply_corrections(passages[index], corrections)
        rewrite_index(old, passages, corrections, old.documents)
    return passages[index]


def _find_passage(passage_id: str, passages: Sequence[Passage]) -> int:
    wanted = passage_id.strip()
    exact = [i for i, p in enumerate(passages) if p.id == wanted]
    hits = exact or ([i for i, p in enumerate(passages) if p.id.startswith(wanted)]
                     if len(wanted) >= 6 else [])
    if len(hits) == 1:
        return hits[0]
    raise UsageError(
        f"索引中{'有多个' if hits else '没有'}编号为 {passage_id} 的段落。"
        "请用 duizhao search --json 或 duizhao export 查看段落编号 id。",
        f"{'Several passages match' if hits else 'No passage has'} id {passage_id}; find ids "
        "with `duizhao search --json` or `duizhao export`.")
