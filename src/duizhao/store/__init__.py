"""The index directory on disk: versioned, checksummed, swapped atomically, one writer at a time.

Layout of an index directory::

    index/
      CURRENT            name of the live version ("v-…"), replaced atomically with os.replace
      .lock              writer lock (fcntl; released by the kernel if the writer dies)
      corrections.json   the user's label corrections (overlay.py): outside the versions, so
                         they survive any rebuild
      v-20250101T…-ab12/ one complete version: manifest.json + the data files it lists
      .tmp-…/            a version being written; never read, removed by the next writer

A writer builds a complete version in a temp directory beside the live one (same filesystem),
fsyncs it, renames it to ``v-…`` and only then points ``CURRENT`` at it. A reader resolves
``CURRENT`` once and reads one version, so it never sees a half-written index, and a killed
writer leaves the previous version live. Loading trusts nothing but stays constant-time: every
file is checked against the size in the manifest, the manifest against its own checksum, arrays are
memory-mapped with ``allow_pickle=False`` and checked for shape and dtype, JSON fields and
passage records are type-checked when read, and any mismatch is an ``IndexCorruptError`` that
says to rebuild. ``verify_index`` (``duizhao verify``) checks every byte against the sha256
recorded when the file was written. Data lives in segments (``segments.py``): ``add`` writes
one more and hard-links the rest, ``remove`` leaves tombstones.
"""

from duizhao.store.format import (
    CURRENT,
    DOCUMENTS,
    LOCK,
    MANIFEST,
    PASSAGES,
    REQUIRED,
    TAXONOMY,
    TOKENS,
    VECTORS,
    DocumentRecord,
    EncoderInfo,
    Manifest,
    file_sha256,
    find_document,
    text_hash,
)
from duizhao.store.load import LoadedIndex, current_version, live_version, open_index
from duizhao.store.overlay import (
    CORRECTIONS,
    DOC_CORRECTION,
    Corrections,
    apply_corrections,
    orphaned,
    read_corrections,
    write_corrections,
)
from duizhao.store.verify import VerifyReport, verify_index
from duizhao.store.write import (
    append_index,
    check_tokenizer,
    cleanup,
    documents_from_passages,
    pause,
    rewrite_index,
    write_index,
    writer_lock,
)

__all__ = [
    "VerifyReport", "append_index", "verify_index",
    "CORRECTIONS", "CURRENT", "DOCUMENTS", "DOC_CORRECTION", "LOCK", "MANIFEST", "PASSAGES",
    "REQUIRED", "TAXONOMY", "TOKENS", "VECTORS", "Corrections", "DocumentRecord", "EncoderInfo",
    "LoadedIndex", "Manifest", "apply_corrections", "check_tokenizer", "cleanup",
    "current_version", "documents_from_passages", "file_sha256", "find_document",
    "live_version", "open_index", "orphaned", "pause", "read_corrections", "rewrite_index",
    "text_hash", "write_corrections", "write_index", "writer_lock",
]
