"""TEST DOUBLE: a tiny deterministic encoder for plumbing tests (store, add, crash safety).

It hashes character bigrams into 64 dimensions and normalises, so equal texts get equal
vectors and similar texts similar ones. It says nothing about retrieval quality; quality
tests use the real default encoder. It counts what it was asked to encode, so tests can
prove that ``add`` embeds only new passages.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pytest

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


class FakeEncoder:
    name = "fake-bigram-64"
    dim = 64
    normalized = True

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, texts: Sequence[str], batch_size: int = 64,
               progress: bool = False) -> np.ndarray:
        self.encoded.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for a, b in zip(text, text[1:], strict=False):
                h = hashlib.blake2b((a + b).encode("utf-8"), digest_size=4).digest()
                out[row, int.from_bytes(h, "little") % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms


def copy_corpus(folder: Path, count: int = 3) -> list[Path]:
    """The first ``count`` sample documents copied into ``folder`` (tests edit their copies)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for source in sorted(CORPUS.glob("*.txt"))[:count]:
        target = folder / source.name
        shutil.copyfile(source, target)
        out.append(target)
    return out


def corpus_file(n: int) -> Path:
    return sorted(CORPUS.glob("*.txt"))[n]


def accept_as_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let an index the double made open without ``--model``, as the bundled default's would.

    ``Searcher.open`` loads only an encoder the user named (or the default); for plumbing tests
    the double stands in for the default, and ``load_encoder`` hands it out.
    """
    import duizhao.embed

    is_default = duizhao.embed.is_default
    monkeypatch.setattr(duizhao.embed, "is_default",
                        lambda name: name == FakeEncoder.name or is_default(name))
    monkeypatch.setattr(duizhao.embed, "load_encoder", lambda name_or_path=None: FakeEncoder())
