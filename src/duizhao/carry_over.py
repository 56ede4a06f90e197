"""What a fresh ``build`` keeps of the index it replaces, and when it refuses to replace it.

Why: the index is the user's data. A rebuild re-reads the documents the index already holds
(named by its document list even when the rest is damaged), keeps the stored passages of those
whose files are gone, refuses paths that would silently leave held documents out, refuses a
taxonomy that would undo the user's label corrections, and never replaces an index with one
holding nothing. ``library.build`` calls these under the writer lock.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from duizhao.corrections import Corrections
from duizhao.errors import IndexError_, ReadError, UsageError
from duizhao.filenames import locate, shown
from duizhao.store import (
    DOCUMENTS,
    DocumentRecord,
    LoadedIndex,
    live_version,
    open_index,
    orphaned,
)

if TYPE_CHECKING:
    from duizhao.building import Spool
    from duizhao.library import BuildReport
    from duizhao.taxonomy import Taxonomy


def held_documents(index_dir: Path, report: BuildReport
                   ) -> tuple[LoadedIndex | None, list[DocumentRecord]]:
    """The index's documents before a build (its loaded form when it can be read).

    A damaged index still names its documents when its document list reads: a rebuild then
    re-reads them (their stored passages cannot be carried over).
    """
    try:
        old = open_index(index_dir, search=False)
        return old, list(old.documents)
    except IndexError_ as exc:
        version = live_version(index_dir)
        if version is None and not (index_dir / "CURRENT").exists():
            return None, []
        report.warnings.append(f"旧索引无法读取（{exc.zh}），将按其文档清单重新读取源文件。")
        if version is None:
            return None, []
        try:
            import json

            from duizhao.read.walk import open_regular

            # a damaged index may hold anything: never a read that a FIFO or device can hang
            with open_regular(version / DOCUMENTS, DOCUMENTS) as handle:
                data = json.loads(handle.read().decode("utf-8"))
            return None, [DocumentRecord.from_json(d) for d in data]
        except Exception:  # noqa: BLE001 - a damaged list: nothing to keep but the files given
            return None, []


def check_nothing_dropped(held: list[DocumentRecord], paths: list[Path]) -> None:
    """Refuse a build whose paths leave out documents the index holds (they would be lost)."""
    if not paths:
        return
    roots = [os.path.abspath(p) for p in paths]
    left_out = [d.doc for d in held if not any(
        d.doc == root or d.doc.startswith(root.rstrip("/") + "/") for root in roots)]
    if not left_out:
        return
    names = "\n".join(f"  {shown(doc)}" for doc in left_out[:10])
    more = f"\n  ……共 {len(left_out)} 个" if len(left_out) > 10 else ""
    raise UsageError(
        f"索引中有 {len(left_out)} 个文档不在本次给出的路径中，重建会丢掉它们：\n{names}{more}\n"
        "要保留它们并加入新文档，请用 duizhao add 路径；要重建索引中已有的全部文档，"
        "运行 duizhao build（不给路径）；确实只要本次给出的文档，请加 --replace。",
        f"{len(left_out)} indexed documents are not under the given paths; use `duizhao add`, "
        "a plain `duizhao build`, or --replace to drop them.")


def keep_missing(old: LoadedIndex | None, held: list[DocumentRecord], state: Spool,
                 report: BuildReport) -> None:
    """Keep the stored passages of held documents whose files are gone (never drop them)."""
    from duizhao.library import BuildReport

    if old is None:
        return
    missing = [record for record in held
               if record.doc not in state.documents and locate(record.doc) is None
               and record.content_hash not in state.by_hash]  # not read under another name
    if not missing:
        return
    physical = old.passages.physical()
    rows = old.rows_of([i for record in missing for i in record.passage_ids])
    kept = []
    for record in missing:
        passages = [p for p in (physical.row(rows[i]) for i in record.passage_ids if i in rows)
                    if p.doc == record.doc]
        state.offer(record, passages, BuildReport(report.index_dir))  # a throwaway tally
        kept.append(record.doc)
    names = "、".join(shown(doc) for doc in kept[:5]) + ("等" if len(kept) > 5 else "")
    report.warnings.append(
        f"{len(kept)} 个文档的源文件已不存在（{names}），保留了索引中原有的段落；"
        "要移除它们，请运行 duizhao remove --missing。")


def check_orphans(corrections: Corrections, taxonomy: Taxonomy,
                  taxonomy_path: Path | str | None) -> None:
    """A taxonomy without a value the user's corrections use would silently undo them."""
    lost = orphaned(corrections, taxonomy)
    if not lost:
        return
    values = "、".join(sorted({f"{kind}={value}" for _, kind, value in lost}))
    where = f"分类文件 {taxonomy_path}" if taxonomy_path else "默认分类"
    raise UsageError(
        f"{where}中没有 {len(lost)} 处标签更正用到的值：{values}。索引未改动。"
        "请在分类文件中保留这些值，或先用 duizhao label 把这些更正改成新分类中的值。",
        f"The taxonomy lacks values used by {len(lost)} label corrections ({values}); "
        "the index was left unchanged.")


def nothing_indexed(report: BuildReport) -> None:
    """Never replace an index with one holding nothing (no document could be read)."""
    lines = "\n".join(f"  {f.path}：{f.reason}" for f in report.failures) or "  （没有文件）"
    raise ReadError(f"没有可编入索引的文档，索引未改动：\n{lines}",
                    "No document could be indexed; the index was left unchanged.")
