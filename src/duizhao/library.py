"""Build and grow an index: ingest → de-duplicate → embed only what is new → store atomically.

``build`` makes a fresh index (carrying over the user's label corrections); ``add`` embeds only
documents that are new or changed (by content hash) and, within a changed document, only the
passages whose text changed; ``remove`` drops documents; ``correct_label`` records a user's
label correction, which every later ``build`` and ``add`` re-applies. Each of them holds the
index's writer lock and ends in one atomic ``store.write_index``, so a crash leaves the previous
version live. One unreadable file never stops the rest: it becomes a ``FileFailure`` in the
report and the CLI exits non-zero naming it.

This module holds the entry points and their reports; the parts live by concept: the in-memory
state of ``add``/``remove`` in ``assembly.py``, what a fresh build keeps and refuses in
``carry_over.py``, the streaming build in ``building.py``, the append and tombstone paths in
``incremental.py``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from duizhao.assembly import Assembly, ingest_into
from duizhao.building import BUILD_PREFIX, Spool, stream_build
from duizhao.carry_over import (
    check_nothing_dropped,
    check_orphans,
    held_documents,
    keep_missing,
    nothing_indexed,
)
from duizhao.config import DEFAULT_CORPUS, EMBED_BATCH_SIZE
from duizhao.corrections import (  # correct_* re-exported: the library's public API
    correct_document_role,
    correct_label,
)
from duizhao.errors import (
    EncoderMismatchError,
    PartialFailure,
    UsageError,
)
from duizhao.filenames import locate
from duizhao.models import FileFailure, Passage
from duizhao.simplified import to_simplified
from duizhao.store import (
    EncoderInfo,
    LoadedIndex,
    check_tokenizer,
    find_document,
    live_version,
    open_index,
    pause,
    read_corrections,
    rewrite_index,
    text_hash,
    write_index,
    writer_lock,
)
from duizhao.taxonomy import load_taxonomy
from duizhao.tokenize import passage_tokens

if TYPE_CHECKING:
    from duizhao.embed import Encoder

@dataclass
class BuildReport:
    """What a build or add did, for the CLI to print and for scripts to check."""

    index_dir: Path
    documents: int = 0  # documents in the index afterwards
    passages: int = 0  # passages in the index afterwards
    added: list[str] = field(default_factory=list)  # new documents
    replaced: list[str] = field(default_factory=list)  # changed documents re-ingested
    unchanged: list[str] = field(default_factory=list)  # same path, same content: skipped
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (doc, same content as)
    repeated_passages: int = 0  # passages found verbatim in an earlier document: kept once
    embedded: int = 0  # passages sent to the encoder
    reused: int = 0  # passages whose stored vector was reused
    failures: list[FileFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # documents whose role the text does not say (or says unclearly): (doc, role key, name)
    uncertain_roles: list[tuple[str, str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passages_per_second(self) -> float:
        return self.embedded / self.seconds if self.seconds > 0 else 0.0

    def raise_for_failures(self) -> None:
        """``PartialFailure`` naming each file that failed (the rest are indexed)."""
        if not self.failures:
            return
        lines = "\n".join(f"  {f.path}：{f.reason}" for f in self.failures)
        raise PartialFailure(
            f"{len(self.failures)} 个文件未能读取（其余文件已编入索引）：\n{lines}",
            f"{len(self.failures)} file(s) could not be read (the rest were indexed).")


@dataclass
class RemoveReport:
    removed: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    passages_removed: int = 0
    documents: int = 0
    passages: int = 0


def embedding_text(passage: Passage) -> str:
    """The text a passage is embedded from: its own words (headings are labels, not content),
    in simplified characters so a traditional passage meets a simplified query and back."""
    return to_simplified(passage.text)


# ---------------------------------------------------------------- build / add


def build(paths: Iterable[Path | str] | None, index_dir: Path, model: str | None = None,
          taxonomy_path: Path | str | None = None, role: str | None = None,
          progress: bool = True, encoder: Encoder | None = None,
          replace_documents: bool = False) -> BuildReport:
    """A fresh index of ``paths`` into ``index_dir``; nothing the user has is lost.

    With ``paths=None`` the documents the index already holds are rebuilt (a new index starts
    from ``corpus/``). A held document whose file is gone keeps its stored passages (the
    report says so). Given ``paths`` that leave out documents the index holds, the build is
    refused, naming them, unless ``replace_documents``. The user's label corrections live
    outside the index and carry over, even when the old index cannot be read; a taxonomy that
    no longer has a value a correction uses is refused. ``encoder`` passes an already loaded
    encoder instead of loading ``model``.
    """
    from duizhao.embed import load_encoder

    start = time.perf_counter()
    index_dir = Path(index_dir)
    taxonomy = load_taxonomy(taxonomy_path)
    role_key = taxonomy.resolve("role", role)
    report = BuildReport(index_dir)
    with writer_lock(index_dir):
        old, held = held_documents(index_dir, report)
        corrections = read_corrections(index_dir, live_version(index_dir))
        check_orphans(corrections, taxonomy, taxonomy_path)
        given = [Path(p) for p in paths] if paths is not None else (
            [] if held else [Path(DEFAULT_CORPUS)])
        if not replace_documents:
            check_nothing_dropped(held, given)
        encoder = encoder or load_encoder(model)
        spool = Spool(taxonomy, corrections, index_dir / f"{BUILD_PREFIX}spool.jsonl")
        try:
            here = given + [found for d in held if not given
                            and (found := locate(d.doc)) is not None]
            ingest_into(here, spool, role_key, report, progress)
            if not replace_documents:
                keep_missing(old, held, spool, report)
            spool.close()
            if not spool.documents:
                nothing_indexed(report)
            pause("after_ingest")
            stream_build(index_dir, spool, encoder, taxonomy, report, progress)
        finally:
            spool.close()
            spool.path.unlink(missing_ok=True)
    report.documents, report.passages = len(spool.documents), spool.count
    report.repeated_passages = spool.repeated
    report.seconds = time.perf_counter() - start
    return report


def add(paths: Iterable[Path | str], index_dir: Path, role: str | None = None,
        progress: bool = True, model: str | None = None,
        taxonomy_path: Path | str | None = None, encoder: Encoder | None = None) -> BuildReport:
    """Add new or changed documents, embedding only passages whose text is not stored yet.

    The encoder and taxonomy come from the index; a ``model`` or ``taxonomy_path`` that differs
    from them is an error saying to rebuild.
    """
    from duizhao.embed import encoder_to_load
    from duizhao.incremental import add_appending

    start = time.perf_counter()
    index_dir = Path(index_dir)
    report = BuildReport(index_dir)
    with writer_lock(index_dir):
        old = open_index(index_dir, search=False)
        check_tokenizer(old.manifest, index_dir)  # stored tokens are reused below
        taxonomy = old.taxonomy
        _check_same_taxonomy(old, taxonomy_path)
        stored = old.encoder
        wanted: str | None = stored.name
        if encoder is None or model is not None:  # never a model only the index names
            wanted = encoder_to_load(stored.name, model)
        role_key = taxonomy.resolve("role", role)

        def embed(todo: list[Passage]) -> np.ndarray:  # the encoder loads only when needed
            return _embed(_checked_encoder(encoder, stored, wanted),
                          [embedding_text(p) for p in todo], progress)

        fast = add_appending(old, paths, role_key, report, embed, progress, start)
        if fast is not None:
            return fast
        report = BuildReport(index_dir)
        state = Assembly(taxonomy, old.corrections)
        state.load(old)
        ingest_into(paths, state, role_key, report, progress)
        pause("after_ingest")
        if not report.added and not report.replaced and not state.dropped:
            return _finish(report, state, start)  # nothing new: leave the index as it is
        passages = list(state.passages.values())
        rows = {(p.id, text_hash(p.text)): i for i, p in enumerate(old.passages)}
        where = [rows.get((p.id, text_hash(p.text)), -1) for p in passages]
        todo = [i for i, row in enumerate(where) if row < 0]
        vectors = np.empty((len(passages), stored.dim), dtype=np.float32)
        if todo:
            vectors[todo] = embed([passages[i] for i in todo])
        kept = [i for i, row in enumerate(where) if row >= 0]
        vectors[kept] = old.vectors[[where[i] for i in kept]]
        report.embedded, report.reused = len(todo), len(kept)
        pause("after_embed")
        old_tokens = old.tokens()
        tokens = [old_tokens[row] if row >= 0 else None for row in where]
        fresh = iter(passage_tokens([passages[i] for i in todo]))
        write_index(index_dir, passages, vectors, stored, taxonomy, state.corrections,
                    documents=list(state.documents.values()),
                    tokens=[t if t is not None else next(fresh) for t in tokens],
                    created=old.manifest.created)
    return _finish(report, state, start)


def _checked_encoder(encoder: Encoder | None, stored: EncoderInfo,
                     wanted: str | None) -> Encoder:
    from duizhao.embed import load_encoder

    encoder = encoder or load_encoder(wanted)
    if encoder.name != stored.name or int(encoder.dim) != stored.dim:
        raise EncoderMismatchError(
            f"编码器 {encoder.name}（{encoder.dim} 维）与索引的 {stored.name}"
            f"（{stored.dim} 维）不一致。请重新运行 duizhao build。",
            f"Encoder {encoder.name} ({encoder.dim} dims) does not match the index's "
            f"{stored.name} ({stored.dim} dims). Rebuild with `duizhao build`.")
    return encoder


def _embed(encoder: Any, texts: list[str], progress: bool) -> np.ndarray:
    """Encode in batches (the encoder writes into one preallocated array, no copies)."""
    vectors = encoder.encode(texts, batch_size=EMBED_BATCH_SIZE, progress=progress)
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), int(encoder.dim))


def _finish(report: BuildReport, state: Assembly, start: float) -> BuildReport:
    report.documents = len(state.documents)
    report.passages = len(state.passages)
    report.repeated_passages = state.repeated
    report.seconds = time.perf_counter() - start
    return report


def _check_same_taxonomy(old: LoadedIndex, taxonomy_path: Path | str | None) -> None:
    if taxonomy_path is None:
        return
    wanted = load_taxonomy(taxonomy_path)
    if wanted.digest != old.taxonomy.digest:
        raise UsageError(
            f"分类文件 {taxonomy_path} 与索引所用的分类（版本 {old.taxonomy.version}）不同。"
            f"要使用新分类，请重新运行 duizhao build --taxonomy {taxonomy_path}。",
            f"Taxonomy {taxonomy_path} differs from the one this index was built with "
            f"(version {old.taxonomy.version}). Rebuild: duizhao build --taxonomy "
            f"{taxonomy_path}.")


# ---------------------------------------------------------------- remove / correct


def remove(docs: Iterable[str], index_dir: Path, missing: bool = False) -> RemoveReport:
    """Drop documents by the path they were indexed under (``missing``: files now gone)."""
    from duizhao.incremental import remove_tombstoning

    index_dir = Path(index_dir)
    report = RemoveReport()
    with writer_lock(index_dir):
        old = open_index(index_dir, search=False)
        # locate: a stored name may stand for GBK bytes or escaped characters (filenames.py)
        wanted = [d for d in old.documents if missing and locate(d.doc) is None]
        for doc in docs:
            match = find_document(doc, old.documents)
            if match is None:
                report.not_found.append(doc)
            elif match not in wanted:
                wanted.append(match)
        if not wanted:
            report.documents, report.passages = len(old.documents), len(old.passages)
            return report
        if remove_tombstoning(old, wanted, report):
            return report
        state = Assembly(old.taxonomy, old.corrections)
        state.load(old)
        for record in wanted:
            report.passages_removed += state.drop(record.doc)
            report.removed.append(record.doc)
        if report.removed:
            rewrite_index(old, list(state.passages.values()), state.corrections,
                          list(state.documents.values()))
        report.documents, report.passages = len(state.documents), len(state.passages)
    return report


__all__ = ["BuildReport", "RemoveReport", "add", "build", "correct_document_role",
           "correct_label", "embedding_text", "remove"]
