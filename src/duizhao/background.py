"""Start-up work done in background threads, so a cold ``duizhao search`` pays the longest
load (the encoder) rather than the sum of encoder + jieba + index files.

The loaders are mostly C/numpy work that releases the GIL (decompressing weights, reading
arrays), so on two cores the overlap is real.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Background(Generic[T]):
    """Run a loader in a daemon thread now; ``get()`` waits for it (and re-raises its error).

    Used to load the encoder and jieba while the index files are read: a cold search pays
    roughly the longest of the three instead of their sum.
    """

    def __init__(self, loader: Callable[[], T]) -> None:
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(loader,), daemon=True)
        self._thread.start()

    def _run(self, loader: Callable[[], T]) -> None:
        try:
            self._value = loader()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller in get()
            self._error = exc

    def get(self) -> T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


def peek_encoder(index_dir: Path) -> str | None:
    """The encoder name in the live manifest, read early so the encoder can start loading.

    Nothing is trusted here: any problem returns ``None`` and ``store.open_index`` (which
    checks everything) reports it properly.
    """
    import json

    from duizhao import store

    try:
        version = store.current_version(index_dir)
        manifest = json.loads((version / store.MANIFEST).read_text("utf-8"))
        name = manifest["encoder"]["name"]
        return name if isinstance(name, str) and name else None
    except Exception:  # noqa: BLE001 - open_index gives the real error
        return None


def warm_jieba() -> bool:
    from duizhao import tokenize as tok

    tok.warm()
    return True


def warm_encoder(encoder: Any) -> Any:
    """Load the encoder's weights now (in the background thread), if it loads lazily."""
    load = getattr(encoder, "load", None)
    if callable(load):
        load()
    encoder.encode(["预热 warm-up"])  # first call pays BLAS start-up: pay it off the main path
    return encoder
