"""Chinese word tokens for keyword (BM25) search: jieba with a domain dictionary and stopwords.

One function serves both indexing and queries, so a query word matches the same token in a
passage. The user dictionary (``data/userdict.txt``) keeps fixed political phrases such as
四个意识, 两个维护, 三会一课, 八项规定 as single tokens; search mode additionally emits their
dictionary sub-words (四个意识 → 四个, 意识, 四个意识), so a query "意识" still reaches them.
Traditional characters are cut as simplified. ASCII is lower-cased; punctuation, whitespace
and stopwords (``data/stopwords.txt``) are dropped.

jieba is imported lazily and gets its own ``jieba.Tokenizer`` instance (never the global one,
which other code may have changed). Its main dictionary is ``data/jieba_dict.txt``: jieba's own
dict.txt cut to the ~105k words with frequency ≥ 10 (of 349k). Loading the full dictionary
costs ~0.5 s even from jieba's cache, a third of the cold-search budget; the rare words dropped
fall back to jieba's HMM, the same way at indexing and at query time, and the domain phrases
come from the user dictionary anyway. jieba caches the prefix dictionary on first use, and
``warm()`` lets a caller load it in a background thread while other start-up work runs.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import threading
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from duizhao.simplified import to_simplified

if TYPE_CHECKING:
    from duizhao.models import Passage

_lock = threading.Lock()
_tokenizer: Any = None


def _data_path(name: str) -> str:
    return str(resources.files("duizhao").joinpath(f"data/{name}"))


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The stopword set from ``data/stopwords.txt`` (comments and blank lines skipped)."""
    text = resources.files("duizhao").joinpath("data/stopwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )


def _jieba() -> Any:
    """The shared jieba tokenizer with the domain dictionary, built once (thread-safe)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer(_data_path("jieba_dict.txt"))
                tok.initialize()
                tok.load_userdict(_data_path("userdict.txt"))
                _tokenizer = tok
    return _tokenizer


def warm() -> None:
    """Load jieba's dictionary now (call from a thread to overlap it with other start-up)."""
    _jieba()


def _is_word(token: str) -> bool:
    """A token worth indexing: holds at least one letter, CJK character or digit."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in token)


def tokenize(text: str) -> list[str]:
    """Tokens of ``text`` for BM25, in order, with repeats (term frequency matters).

    Cut from the simplified form, so 理論學習 and 理论学习 give the same tokens.
    """
    stop = stopwords()
    out: list[str] = []
    for raw in _jieba().cut_for_search(to_simplified(text), HMM=True):
        token = raw.strip().lower()
        if token and token not in stop and _is_word(token):
            out.append(token)
    return out


def tokenize_many(texts: list[str]) -> list[list[str]]:
    """``tokenize`` over many texts (indexing)."""
    return [tokenize(text) for text in texts]


def passage_tokens(passages: list[Passage]) -> list[list[str]]:
    """Keyword tokens, interned: a corpus repeats a small vocabulary millions of times."""
    return [[sys.intern(t) for t in tokenize(p.text)] for p in passages]


# Bump when the tokenising code changes what it emits; the data files are hashed below.
TOKENIZER_VERSION = "2"  # 2: tokens cut from the simplified form
_TOKENIZER_DATA = ("jieba_dict.txt", "userdict.txt", "stopwords.txt")


@lru_cache(maxsize=1)
def tokenizer_digest() -> str:
    """What decides the keyword tokens (code version, dictionaries, stopwords), as a short hash.

    Saved in an index's manifest: an index whose stored tokens came from another dictionary
    would quietly stop matching queries, so search and ``add`` refuse it and say to rebuild.
    """
    digest = hashlib.sha256(TOKENIZER_VERSION.encode())
    for name in _TOKENIZER_DATA:
        data = resources.files("duizhao").joinpath(f"data/{name}")
        if data.is_file():
            digest.update(name.encode() + b"\0" + data.read_bytes())
    return digest.hexdigest()[:16]
