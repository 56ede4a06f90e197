"""Any sentence-transformers model, by hub name (already in the local cache) or local directory.

Offline by design: ``HF_HUB_OFFLINE`` is set and ``local_files_only=True`` is passed, so a
missing model is a clear error instead of a download; remote code is never trusted.
sentence-transformers (and torch) are imported only here, only when asked for.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from duizhao.embed.base import encode_in_batches
from duizhao.errors import EncoderError


def st_name(name_or_path: str) -> str:
    """The name an index records: a local directory's absolute path, else the hub id as given."""
    path = Path(name_or_path).expanduser()
    return str(path.resolve()) if path.is_dir() else name_or_path.strip()


MIN_ST_MAJOR = 6


def _require_safe_version() -> None:
    """sentence-transformers before 6 imports Python modules a model folder ships (custom
    modules named in modules.json), whatever ``trust_remote_code`` says: refuse to load then."""
    import sentence_transformers

    version = getattr(sentence_transformers, "__version__", "0")
    try:
        major = int(version.split(".")[0])
    except ValueError:
        major = 0
    if major < MIN_ST_MAJOR:
        raise EncoderError(
            f"已安装的 sentence-transformers 版本为 {version}，低于 {MIN_ST_MAJOR}："
            "旧版本会执行模型目录中附带的代码，duizhao 不用它加载模型。"
            '请升级：pip install "sentence-transformers>=6"',
            f"sentence-transformers {version} is older than {MIN_ST_MAJOR} and may run code a "
            'model folder ships; upgrade: pip install "sentence-transformers>=6"')


class SentenceTransformerEncoder:
    """A sentence-transformers model loaded from local files only, on CPU."""

    normalized = True

    def __init__(self, name_or_path: str) -> None:
        self.name = st_name(name_or_path)
        self._model: Any = self._load(name_or_path)
        getter = getattr(self._model, "get_embedding_dimension", None)
        if getter is None:  # sentence-transformers < 5
            getter = self._model.get_sentence_embedding_dimension
        dim = getter()
        if not dim:
            dim = int(self._model.encode(["维度"], convert_to_numpy=True).shape[1])
        self.dim = int(dim)

    @staticmethod
    def _load(name_or_path: str) -> Any:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EncoderError(
                f"要使用模型 “{name_or_path}”，需先安装 sentence-transformers："
                'pip install "duizhao[st]"',
                f"Model '{name_or_path}' needs sentence-transformers: "
                'pip install "duizhao[st]"',
            ) from exc
        _require_safe_version()
        path = Path(name_or_path).expanduser()
        target = str(path.resolve()) if path.is_dir() else name_or_path
        try:
            return SentenceTransformer(
                target, device="cpu", local_files_only=True, trust_remote_code=False
            )
        except Exception as exc:  # noqa: BLE001 - HF raises many types for "not found"
            raise EncoderError(
                f"找不到模型 “{name_or_path}”：duizhao 不会联网下载模型。请事先下载该模型"
                "（放入 Hugging Face 缓存），或用 --model 指定模型所在的本地目录。"
                f"（原因：{type(exc).__name__}: {exc}）",
                f"Model '{name_or_path}' was not found locally: duizhao never downloads models. "
                "Download it beforehand (into the Hugging Face cache) or pass a local model "
                f"directory with --model. ({type(exc).__name__}: {exc})",
            ) from exc

    def encode(
        self, texts: Sequence[str], batch_size: int = 64, progress: bool = False
    ) -> np.ndarray:
        model = self._model

        def batch_encode(batch: list[str]) -> np.ndarray:
            return np.asarray(
                model.encode(batch, batch_size=len(batch), convert_to_numpy=True,
                             normalize_embeddings=True, show_progress_bar=False),
                dtype=np.float32,
            )

        return encode_in_batches(texts, batch_encode, self.dim, batch_size, progress)
