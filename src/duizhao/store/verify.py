"""Full verification of an index (``duizhao verify``): what opening skips to stay fast.

Opening checks sizes, the manifest's own checksum and the arrays' shapes; this reads every
byte: each file against its sha256 in the manifest, every passage record, every vector
(finite), every token line. Writers hash the files they write, so a version is verified once
when made and again whenever the user asks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from duizhao.store.format import TOKENS, VECTORS, _corrupt, _expect, file_sha256
from duizhao.store.load import LoadedIndex, open_index
from duizhao.store.segments import read_tokens


@dataclass
class VerifyReport:
    version: str
    files: int
    bytes: int
    passages: int


def verify_index(directory: Path) -> VerifyReport:
    """Check every byte of the live version; ``IndexCorruptError`` names what is wrong."""
    directory = Path(directory)
    loaded = open_index(directory, search=True)
    version = loaded.version_dir
    total = 0
    for name, entry in sorted(loaded.manifest.files.items()):
        if file_sha256(version / name) != entry["sha256"]:
            raise _corrupt(directory, f"{name} does not match its checksum")
        total += int(entry["size"])
    _check_records(loaded)
    return VerifyReport(version.name, len(loaded.manifest.files), total, len(loaded.passages))


def _check_records(loaded: LoadedIndex) -> None:
    table = loaded.passages
    for row in range(table.physical_size):
        table.row(row)  # parses and checks the record
    for seg in loaded.segments:
        for start in range(0, len(seg.vectors), 65_536):
            block = np.asarray(seg.vectors[start:start + 65_536])
            _expect(bool(np.isfinite(block).all()), VECTORS, "holds NaN or infinite values")
        count = sum(1 for _ in read_tokens(loaded.version_dir / f"{seg.name}.{TOKENS}"))
        _expect(count == len(seg.ids), TOKENS, f"{count} lines, expected {len(seg.ids)}")
        ids = {bytes(i) for i in np.asarray(seg.ids)}
        _expect(len(ids) == len(seg.ids), "ids.npy", "duplicate passage ids")
    json.loads((loaded.version_dir / "dense.json").read_text("utf-8"))
