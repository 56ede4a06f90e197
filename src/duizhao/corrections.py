"""User label corrections: recorded in one small file, laid over the index's own labels.

A correction is written to ``index/corrections.json`` (``store/overlay.py``), outside the
versioned index data: recording one never rewrites the index, and every later ``build`` and
``add`` (even a rebuild after the index was damaged) keeps it. Keys are passage ids, so a
correction follows a passage's text wherever it moves; a whole document's role is keyed
``doc:PATH``. A correction is a ``Label`` with method "user" and confidence 1.0.
"""

from __future__ import annotations

from pathlib import Path

from duizhao.errors import UsageError
from duizhao.filenames import shown
from duizhao.models import Passage
from duizhao.store import (
    DOC_CORRECTION,
    Corrections,
    LoadedIndex,
    apply_corrections,
    find_document,
    open_index,
    write_corrections,
    writer_lock,
)
from duizhao.taxonomy import Kind

__all__ = ["DOC_CORRECTION", "Corrections", "apply_corrections", "correct_document_role",
           "correct_label"]


def correct_document_role(index_dir: Path, doc: str, role: str) -> list[Passage]:
    """Fix the role of a whole document (its text did not say, or said it wrongly).

    Applied to every passage the document yields, including those of a later, edited version
    of the file.
    """
    index_dir = Path(index_dir)
    with writer_lock(index_dir):
        old = open_index(index_dir, search=False)
        key = old.taxonomy.resolve("role", role)
        record = find_document(doc, old.documents)
        if record is None or key is None:
            known = "\n".join(f"  {shown(d.doc)}" for d in old.documents[:20])
            raise UsageError(f"索引中没有文档 {doc}。索引中的文档（duizhao docs 列出全部）："
                             f"\n{known}",
                             f"No document {doc} in the index; see `duizhao docs`.")
        corrections = dict(old.corrections)
        corrections[DOC_CORRECTION + record.doc] = {"role": key}
        write_corrections(index_dir, corrections)
    physical = old.passages.physical()
    return [apply_corrections(physical.row(r), corrections, old.taxonomy)
            for r in old.document_rows(record.doc)]


def correct_label(index_dir: Path, passage_id: str, role: str | None = None,
                  section: str | None = None, dimension: str | None = None) -> Passage:
    """Record a user's label correction for one passage; the index itself is not rewritten."""
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
        passage = old.passages.physical().row(_find_passage(passage_id, old))
        corrections: Corrections = dict(old.corrections)
        corrections[passage.id] = {**corrections.get(passage.id, {}), **values}
        write_corrections(index_dir, corrections)
    return apply_corrections(passage, corrections, old.taxonomy)


def _find_passage(passage_id: str, index: LoadedIndex) -> int:
    """The physical row of a passage by id or a unique prefix of ≥ 6 characters, found in the
    index's id arrays (no record is parsed: a label takes the same time at any size)."""
    wanted = passage_id.strip()
    hits = index.find_rows(wanted, prefix=len(wanted) >= 6)
    if len(hits) == 1:
        return hits[0]
    raise UsageError(
        f"索引中{'有多个' if hits else '没有'}编号为 {passage_id} 的段落。"
        "请用 duizhao search --json 或 duizhao export 查看段落编号 id。",
        f"{'Several passages match' if hits else 'No passage has'} id {passage_id}; find ids "
        "with `duizhao search --json` or `duizhao export`.")
