"""Sentence encoders: one small interface, one module per implementation.

``load_encoder(None)`` gives the bundled default (USE multilingual v3, pure numpy, offline);
any other name or directory is loaded with sentence-transformers, offline only.
"""

from __future__ import annotations

from duizhao.embed.base import DEFAULT_ENCODER, Encoder, l2_normalize

__all__ = ["DEFAULT_ENCODER", "Encoder", "encoder_to_load", "is_default", "l2_normalize",
           "load_encoder", "same_encoder"]

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


def encoder_to_load(stored: str, requested: str | None) -> str | None:
    """What to load for an index whose vectors ``stored`` made: only ever what the user named.

    An index may come from a colleague, so the encoder name in its manifest is a name to
    compare, never something to load: a non-default encoder is loaded only when the user names
    it with ``--model`` (and it must be the index's). ``None`` means the bundled default.
    """
    from duizhao.errors import EncoderMismatchError

    if not same_encoder(stored, requested):
        raise EncoderMismatchError(
            f"索引由编码器 {stored} 建立，不能用 {requested} 检索。要换用 {requested}，请重建索引："
            f"duizhao build --model {requested}（或去掉 --model 使用索引自带的编码器）。",
            f"The index was built with encoder {stored}, not {requested}. Rebuild with "
            f"`duizhao build --model {requested}` (or drop --model).")
    if is_default(stored):
        return None
    if requested is None:
        raise EncoderMismatchError(
            f"此索引由编码器 {stored} 建立。duizhao 不会自动加载索引里记录的模型"
            f"（索引可能来自他人）；如确认要用它，请加上 --model {stored}。",
            f"This index was built with encoder {stored}; duizhao never loads a model an index "
            f"names by itself. If you trust it, pass --model {stored}.")
    return requested
