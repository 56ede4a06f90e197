"""The index's documents and passages while ``add`` and ``remove`` change them in memory.

Why a module of its own: ``add`` (both its append and its rewrite path) and ``remove`` (when a
shared passage forces the rewrite) assemble the same state — one record per document, one
passage per text, verbatim repeats merged into ``also_in``, a dropped document's shared
passages handed to the next document holding them. A fresh build streams the same steps
through ``building.Spool`` instead; ``ingest_into`` feeds either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from duizhao.corrections import Corrections, apply_corrections
from duizhao.models import FileFailure, Passage
from duizhao.progress import Progress
from duizhao.store import DocumentRecord, LoadedIndex, text_hash

if TYPE_CHECKING:
    from duizhao.building import Spool
    from duizhao.ingest import DocumentInfo
    from duizhao.library import BuildReport
    from duizhao.taxonomy import Taxonomy


class Assembly:
    """Documents and passages being assembled, with verbatim repeats merged into one passage."""

    def __init__(self, taxonomy: Taxonomy, corrections: Corrections) -> None:
        self.taxonomy = taxonomy
        self.corrections = dict(corrections)
        self.documents: dict[str, DocumentRecord] = {}
        self.by_hash: dict[str, str] = {}  # content hash → doc
        self.passages: dict[str, Passage] = {}
        self.repeated = 0
        self.dropped = 0  # documents removed
        self.dropped_records: list[DocumentRecord] = []

    def load(self, old: LoadedIndex) -> None:
        self.documents = {d.doc: d for d in old.documents}
        self.by_hash = {d.content_hash: d.doc for d in old.documents}
        self.passages = {p.id: p for p in old.passages}

    def offer(self, record: DocumentRecord, passages: list[Passage],
              report: BuildReport) -> None:
        """Take one ingested document, unless it is already here (same content)."""
        same = self.by_hash.get(record.content_hash)
        if same == record.doc:
            report.unchanged.append(record.doc)
            return
        if same is not None:
            if record.doc in self.documents:  # a changed file now repeats another document
                self.drop(record.doc)
            report.duplicates.append((record.doc, same))
            return
        if record.doc in self.documents:
            self.drop(record.doc)
            report.replaced.append(record.doc)
        else:
            report.added.append(record.doc)
        self.documents[record.doc] = record
        self.by_hash[record.content_hash] = record.doc
        for passage in passages:
            kept = self.passages.get(passage.id)
            if kept is None:
                self.passages[passage.id] = apply_corrections(passage, self.corrections)
            elif passage.doc != kept.doc and passage.doc not in kept.also_in:
                kept.also_in.append(passage.doc)
                self.repeated += 1

    def drop(self, doc: str) -> int:
        """Remove a document and its share of passages; returns how many passages went."""
        record = self.documents.pop(doc)
        self.dropped += 1
        self.dropped_records.append(record)
        self.by_hash.pop(record.content_hash, None)
        gone = 0
        for pid in dict.fromkeys(record.passage_ids):
            passage = self.passages.get(pid)
            if passage is None:
                continue
            if passage.doc == doc and passage.also_in:
                # another document holds the same words: it becomes the passage's source
                heir = passage.also_in[0]
                heir_record = self.documents.get(heir)
                self.passages[pid] = replace(passage, doc=heir, also_in=passage.also_in[1:],
                                             title=heir_record.title if heir_record
                                             else passage.title)
            elif passage.doc == doc:
                del self.passages[pid]
                gone += 1
            elif doc in passage.also_in:
                passage.also_in.remove(doc)
        return gone


def ingest_into(paths: Iterable[Path | str], state: Assembly | Spool, role: str | None,
                report: BuildReport, progress: bool) -> None:
    """Read ``paths`` into ``state``, one document at a time; failures go to the report."""
    from duizhao.ingest import iter_ingest
    from duizhao.label import refine_library

    bar = Progress("读取", unit="个文件", enabled=progress)
    for item in iter_ingest([Path(p) for p in paths], state.taxonomy, role):
        if isinstance(item, FileFailure):
            report.failures.append(item)
        else:
            info, passages = item
            report.warnings.extend(info.notes)
            state.offer(document_record(info, passages), passages, report)
            if info.role_uncertain and "doc:" + info.path not in state.corrections:
                report.uncertain_roles.append(
                    (info.path, info.role.value, state.taxonomy.name("role", info.role.value)))
        bar.step()
    bar.close()
    if isinstance(state, Assembly):  # a streaming build refines as it writes (building.py)
        refine_library(state.passages, state.taxonomy)  # relabel weak guesses from the rest


def document_record(info: DocumentInfo, passages: list[Passage]) -> DocumentRecord:
    return DocumentRecord(
        doc=info.path, content_hash=info.content_hash, title=info.title,
        role=info.role.value, passage_ids=[p.id for p in passages],
        passage_hashes=[text_hash(p.text) for p in passages])
