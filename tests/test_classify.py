"""The dimension classifier: learns by counting, saves as plain arrays, refuses anything else."""

from __future__ import annotations

import io
import pickle
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from duizhao.classify import NaiveBayes, features, prior_dimensions, request_dimensions
from duizhao.label import label_document, refine_library
from duizhao.models import Label, SourceText
from duizhao.segment import segment
from duizhao.taxonomy import load_taxonomy

TAX = load_taxonomy()
DATA = Path(__file__).resolve().parents[1] / "src/duizhao/data/dimension_prior.npz"


def small_model() -> NaiveBayes:
    return NaiveBayes.empty(["theory", "style"]).learned([
        ("理论学习不深入，读原著少。", "theory", 1.0), ("学习不系统，笔记少。", "theory", 1.0),
        ("联系群众不紧密，走访少。", "style", 1.0), ("服务群众不主动，调研少。", "style", 1.0)])


def test_features_are_simplified_characters_and_pairs() -> None:
    assert features("學習 XX") == ["学", "习", "学习"]


def test_it_learns_and_tells_topics_apart() -> None:
    model = small_model()
    assert max(model.probabilities("平时读原著不多", 3.0).items(), key=lambda kv: kv[1])[0] == \
        "theory"
    assert max(model.probabilities("入户走访群众少", 3.0).items(), key=lambda kv: kv[1])[0] == \
        "style"
    assert NaiveBayes.empty(["theory"]).log_likelihoods("学习") == {"theory": 0.0}


def test_save_and_load_give_the_same_model(tmp_path: Path) -> None:
    model = small_model()
    model.save(tmp_path / "m.npz")
    again = NaiveBayes.load(tmp_path / "m.npz")
    assert again.labels == model.labels and again.vocabulary == model.vocabulary
    assert again.log_likelihoods("群众") == pytest.approx(model.log_likelihoods("群众"), abs=1e-5)


def test_load_refuses_pickles_and_broken_arrays(tmp_path: Path) -> None:
    evil = tmp_path / "evil.npz"
    np.savez(evil, format=np.array(1), labels=np.array(["a"]), vocabulary=np.array(["x"]),
             alpha=np.array(0.5), counts=np.array([{"pickled": True}], dtype=object))
    with pytest.raises(ValueError):
        NaiveBayes.load(evil)
    raw = tmp_path / "raw.npz"
    raw.write_bytes(pickle.dumps({"counts": [1, 2]}))
    with pytest.raises((ValueError, OSError)):
        NaiveBayes.load(raw)
    good = io.BytesIO()
    small_model().save(good)
    arrays = dict(np.load(io.BytesIO(good.getvalue())))
    for broken in ({"counts": -arrays["counts"]}, {"counts": arrays["counts"][:, :3]},
                   {"format": np.array(99)}):
        path = tmp_path / "broken.npz"
        np.savez(path, **{**arrays, **broken})
        with pytest.raises(ValueError):
            NaiveBayes.load(path)


def test_the_shipped_prior_is_small_and_fits_the_taxonomy() -> None:
    prior = prior_dimensions()
    assert prior is not None and DATA.stat().st_size < 200_000
    assert set(prior.labels) == set(TAX.dimensions) - {"other"}
    assert prior.counts.sum() > 10_000  # trained on the tune half's few hundred points


def test_the_request_model_has_counted_the_thesaurus_everyday_wording() -> None:
    """Rerun eval/devcorpus/train_prior.py after editing the thesaurus if this fails."""
    from duizhao.thesaurus import load_thesaurus

    model, passages = request_dimensions(), prior_dimensions()
    assert model is not None and passages is not None and model is not passages
    assert model.labels == passages.labels
    wording = [text for entry in load_thesaurus().entries if entry.dimension in model.labels
               for text in entry.everyday]
    unknown = {f for text in wording for f in features(text)} - set(model.vocabulary)
    assert not unknown, f"stale request model: {sorted(unknown)[:10]}"
    assert model.counts.sum() > passages.counts.sum()  # the passages' counts, and more


@pytest.mark.parametrize(("request_", "dimension"), [
    ("孩子结婚摆了几十桌酒席", "integrity"), ("一开口就是官腔", "style")])
def test_a_request_in_everyday_words_without_cue_words_is_still_placed(
        request_: str, dimension: str) -> None:
    from duizhao.query import CLASSIFIER_CUE, CLASSIFIER_SHARPNESS, CLASSIFIER_TRUST, understand
    from duizhao.query_cues import load_query_cues
    from duizhao.thesaurus import load_thesaurus

    taxonomy = load_taxonomy()
    plan = understand(request_, taxonomy, load_query_cues(taxonomy=taxonomy),
                      load_thesaurus(taxonomy=taxonomy))
    found = plan.get("dimension")
    assert found is not None and found.key == dimension and found.cue == CLASSIFIER_CUE
    passages = prior_dimensions()  # the passage model alone is not sure enough of these
    assert passages is not None
    surest = max(passages.probabilities(request_, CLASSIFIER_SHARPNESS).values())
    assert CLASSIFIER_TRUST * surest < found.confidence


def test_the_library_learns_a_new_dimension_from_its_own_headed_passages(tmp_path: Path) -> None:
    """A new year's theme added to the taxonomy has no prior and no cue words beyond its name:
    the library learns its wording from the passages filed under its heading."""
    custom = tmp_path / "taxonomy.toml"
    default = (DATA.parent / "taxonomy.toml").read_text("utf-8")
    custom.write_text(default + '\n[dimensions.safety]\nname = "安全生产"\nheading = ["安全生产"]\n'
                      'strong = []\ncues = []\n', "utf-8")
    tax = load_taxonomy(custom)
    headed = "".join(f"\n（{n}）安全生产方面\n1.隐患排查不细{n}。巡检走过场，消防通道堵塞，"
                     "隐患台账不全。" for n in "一二三四五六")
    text = ("对照检查材料\n一、存在的问题" + headed
            + "\n二、其他\n1.巡检走过场，消防通道堵塞，隐患台账不全。\n2.逢年过节收下老乡的土特产。")
    source = SourceText("t.txt", text, "txt")
    title, segments = segment(source, tax)
    passages = {p.id: p for p in label_document(source, title, segments, tax)}
    headed_ids = [p.id for p in passages.values() if p.dimension.method == "heading"]
    weak = [p for p in passages.values() if p.id not in headed_ids]
    assert len(headed_ids) == 6 and {passages[i].dimension.value for i in headed_ids} == {"safety"}
    assert len(weak) == 2 and all(p.dimension.value != "safety" for p in weak)
    user = replace(weak[1], dimension=Label("integrity", "user", 1.0))
    passages[user.id] = user
    assert refine_library(passages, tax) == 1
    assert passages[weak[0].id].dimension.value == "safety"
    assert passages[weak[0].id].dimension.confidence <= 0.5  # still shown as a guess
    assert passages[user.id].dimension == Label("integrity", "user", 1.0)  # the user's stays
