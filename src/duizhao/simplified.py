"""Traditional → simplified Chinese for matching, never for display.

Materials reach users in both scripts (a Hong Kong or Taiwan source, a file converted by a
colleague's input method). Labelling, keyword tokens, query understanding and embeddings
compare the simplified form, so 理論學習 and 理论学习 meet; the passage text a user sees and
exports stays as written. OpenCC's ``t2s`` table does the work (a C++ library, ~1 ms to load,
microseconds per passage); it is loaded once, lazily.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _converter() -> Any:
    import opencc

    with _lock:
        return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """``text`` with traditional characters mapped to simplified (ASCII and simplified pass)."""
    if text.isascii():
        return text
    return str(_converter().convert(text))
