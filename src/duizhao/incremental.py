"""Writes proportional to the change: ``add`` appends a segment, ``remove`` leaves tombstones.

Why: rewriting a 100k-passage index to add one document took over a minute. Here ``add``
ingests only the given files, embeds only passages whose text is not stored yet, and writes
one new segment beside hard links to everything stored (``store.append_index``); replaced and
removed passages become tombstones (rows masked out of every search). Both stay atomic (a new
version and the ``CURRENT`` swap) under the writer lock the caller holds.

A new passage whose text is already stored under another document is not stored twice: the
stored one's further documents grow in ``also_in.json``, a small overlay applied as records are
read. A removed passage that another document also holds (it moves to that document) is left
to the full rewrite (``library.add``/``remove`` fall back to it when ``add_appending`` returns
``None`` or ``remove_tombstoning`` False). Labels of new passages are refined on what they
bring; the library-wide refinement runs at the next ``build``. ``compact_if_worth`` rewrites
the index when tombstones or rows outside the ANN index have grown past a share of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from duizhao.assembly import Assembly, ingest_into
from duizhao.store import (
    DocumentRecord,
    LoadedIndex,
    append_index,
    open_index,
    pause,
    rewrite_index,
    text_hash,
)
from duizhao.tokenize import passage_tokens

if TYPE_CHECKING:
    from duizhao.library import BuildReport, RemoveReport
    from duizhao.models import Passage

COMPACT_DELETED = 0.3  # rewrite when this share of rows are tombstones …
COMPACT_TAIL = 0.1  # … or this share of rows lies outside the ANN index (scanned exactly)


def add_appending(old: LoadedIndex, paths: Iterable[Path | str], role_key: str | None,
                  report: BuildReport, embed: Callable[[list[Passage]], np.ndarray],
                  progress: bool, start: float) -> BuildReport | None:
    """``library.add`` as one appended segment; ``None``: the change needs the full rewrite.

    Only the index's document records are loaded, never its passages: ``embed`` gets the
    passages whose text is not stored yet.
    """
    state = Assembly(old.taxonomy, old.corrections)
    state.documents = {d.doc: d for d in old.documents}
    state.by_hash = {d.content_hash: d.doc for d in old.documents}
    ingest_into(paths, state, role_key, report, progress)
    pause("after_ingest")
    if not report.added and not report.replaced and not state.dropped:
        report.documents, report.passages = len(state.documents), len(old.passages)
        report.repeated_passages = state.repeated
        report.seconds = time.perf_counter() - start
        return report  # nothing new: leave the index as it is
    passages = list(state.passages.values())
    done = append_passages(old, passages, state.dropped_records,
                           list(state.documents.values()), state.corrections, embed)
    if done is None:
        return None
    report.embedded, report.reused, repeats = done
    report.repeated_passages = state.repeated + repeats
    compact_if_worth(old.directory)
    after = open_index(old.directory, search=False)
    report.documents, report.passages = len(state.documents), len(after.passages)
    report.seconds = time.perf_counter() - start
    return report


def remove_tombstoning(old: LoadedIndex, wanted: list[DocumentRecord],
                       report: RemoveReport) -> bool:
    """``library.remove`` as tombstones; False: a passage is shared, use the full rewrite."""
    names = {r.doc for r in wanted}
    documents = [d for d in old.documents if d.doc not in names]
    gone = tombstone(old, wanted, documents, old.corrections)
    if gone is None:
        return False
    compact_if_worth(old.directory)
    report.removed = [r.doc for r in wanted]
    report.passages_removed = gone
    report.documents, report.passages = len(documents), len(old.passages) - gone
    return True


def append_passages(old: LoadedIndex, passages: list[Passage], dropped: list[DocumentRecord],
                    documents: list[DocumentRecord], corrections: dict[str, dict[str, str]],
                    embed: Any) -> tuple[int, int, int] | None:
    """Append ``passages`` (new documents' passages) and tombstone ``dropped`` documents'.

    ``embed(passages)`` returns vectors for passages not stored yet. Returns (embedded, reused:
    stored vectors kept or copied, repeats of stored passages), or ``None`` when the change
    needs the full rewrite.
    """
    drop_rows = _rows_owned(old, dropped)
    if drop_rows is None:
        return None
    dropping = set(drop_rows.tolist())
    stored = old.rows_of([p.id for p in passages])
    physical = old.passages.physical()
    also_in = {k: list(v) for k, v in old.also_in.items()}
    repeats = 0
    fresh = []
    for p in passages:
        row = stored.get(p.id)
        if row is None or row in dropping:
            fresh.append(p)
            continue
        holder = physical.row(row)  # kept by another document: that one's also_in grows
        for doc in [p.doc, *p.also_in]:
            if doc != holder.doc and doc not in holder.also_in:
                also_in.setdefault(p.id, []).append(doc)
                repeats += 1
    passages = fresh
    reuse = {i: stored[p.id] for i, p in enumerate(passages)
             if p.id in stored and text_hash(physical.row(stored[p.id]).text) == text_hash(p.text)}
    vectors = np.empty((len(passages), old.encoder.dim), dtype=np.float32)
    todo = [i for i in range(len(passages)) if i not in reuse]
    if todo:
        vectors[todo] = embed([passages[i] for i in todo])
    if reuse:
        table = old.vectors.physical()
        vectors[list(reuse)] = table.take(np.asarray(list(reuse.values()), dtype=np.int64))
    pause("after_embed")
    append_index(old, passages, vectors, passage_tokens(passages), documents, corrections,
                 drop_rows, also_in)
    return len(todo), len(reuse) + len(old.passages) - len(drop_rows), repeats


def tombstone(old: LoadedIndex, dropped: list[DocumentRecord], documents: list[DocumentRecord],
              corrections: dict[str, dict[str, str]]) -> int | None:
    """Remove documents by tombstoning their passages; ``None`` when a passage is shared."""
    rows = _rows_owned(old, dropped)
    if rows is None:
        return None
    append_index(old, [], np.zeros((0, old.encoder.dim), np.float32), [], documents,
                 corrections, rows)
    return len(rows)


def _rows_owned(old: LoadedIndex, dropped: list[DocumentRecord]) -> np.ndarray | None:
    """Physical rows of the dropped documents' passages, if no other document shares one."""
    if not dropped:
        return np.zeros(0, dtype=np.int64)
    names = {d.doc for d in dropped}
    rows = old.rows_of([pid for d in dropped for pid in d.passage_ids])
    physical = old.passages.physical()
    out = []
    for row in rows.values():
        passage = physical.row(row)
        if passage.also_in or passage.doc not in names:
            return None
        out.append(row)
    return np.asarray(sorted(out), dtype=np.int64)


def compact_if_worth(index_dir: Any) -> bool:
    """Rewrite the live version into one segment when tombstones or the exactly-scanned tail
    have grown (call with the writer lock held); returns whether it did."""
    from duizhao.dense import FLAT_MAX

    loaded = open_index(index_dir, search=False)
    rows = len(loaded.deleted)
    deleted = int(np.count_nonzero(loaded.deleted))
    first = int(loaded.manifest.segments[0]["rows"]) if loaded.manifest.segments else 0
    tail = rows - first
    if not (deleted > COMPACT_DELETED * rows
            or (rows > FLAT_MAX and tail > max(COMPACT_TAIL * rows, FLAT_MAX // 2))
            or (deleted and rows - deleted == 0)):
        return False
    rewrite_index(loaded, list(loaded.passages), loaded.corrections, loaded.documents)
    return True
