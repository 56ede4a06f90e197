"""A small text classifier for labels the headings do not give: naive Bayes over characters.

Passages are short and their topic words are few (学习, 群众, 纪律, 担当 …), so a multinomial
naive Bayes over character bigrams of the simplified text is a good fit: it learns from a few
hundred examples, trains by counting (so the library can retrain it on every build from its
own confidently labelled passages and the user's corrections), and scores a passage in
microseconds. A model is plain arrays in an ``.npz`` file (never a pickle), checked on load.

``prior_dimensions()`` is the model shipped with duizhao (``data/dimension_prior.npz``), trained
only on the TUNE half of the development corpus (``eval/devcorpus``; see
``eval/devcorpus/train_prior.py``), never on the held-out half or the sample corpus.
``request_dimensions()`` (``data/request_dimensions.npz``) is the same model that has also
counted the default thesaurus' everyday wording, for reading requests: people ask "钱怎么花的
说不清", not "财务管理不规范".
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import IO

import numpy as np

from duizhao.simplified import to_simplified

_NOT_TEXT = re.compile(r"[^\u3400-\u9fff]+")  # punctuation, digits, ordinals, masks (XX, **)
MAX_VOCABULARY = 60_000
FORMAT = 1


def features(text: str) -> list[str]:
    """Character unigrams and bigrams of the simplified Chinese text, runs split at non-CJK."""
    out: list[str] = []
    for run in _NOT_TEXT.split(to_simplified(text)):
        out.extend(run)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


@dataclass
class NaiveBayes:
    """Multinomial naive Bayes: per-label feature counts, add-``alpha`` smoothing."""

    labels: tuple[str, ...]
    vocabulary: dict[str, int]
    counts: np.ndarray  # float64 (labels, vocabulary)
    alpha: float = 0.5

    @classmethod
    def empty(cls, labels: Sequence[str]) -> NaiveBayes:
        return cls(tuple(labels), {}, np.zeros((len(labels), 0)))

    def with_labels(self, labels: Sequence[str]) -> NaiveBayes:
        """The same counts over ``labels`` (new labels start with none, unknown ones go)."""
        rows = {label: i for i, label in enumerate(self.labels)}
        counts = np.zeros((len(labels), self.counts.shape[1]))
        for i, label in enumerate(labels):
            if label in rows:
                counts[i] = self.counts[rows[label]]
        return NaiveBayes(tuple(labels), dict(self.vocabulary), counts, self.alpha)

    def learned(self, examples: Iterable[tuple[str, str, float]]) -> NaiveBayes:
        """A copy that has also counted ``(text, label, weight)`` examples."""
        vocabulary = dict(self.vocabulary)
        rows: dict[str, defaultdict[str, float]] = {label: defaultdict(float)
                                                     for label in self.labels}
        for text, label, weight in examples:
            if label in rows:
                for feature, n in Counter(features(text)).items():
                    rows[label][feature] += n * weight
        for row in rows.values():
            for feature in row:
                if feature not in vocabulary and len(vocabulary) < MAX_VOCABULARY:
                    vocabulary[feature] = len(vocabulary)
        counts = np.zeros((len(self.labels), len(vocabulary)))
        counts[:, : self.counts.shape[1]] = self.counts
        for i, label in enumerate(self.labels):
            for feature, count in rows[label].items():
                column = vocabulary.get(feature)
                if column is not None:
                    counts[i, column] += count
        return NaiveBayes(self.labels, vocabulary, counts, self.alpha)

    @property
    def trained(self) -> bool:
        return bool(self.counts.size) and bool(self.counts.sum())

    @cached_property
    def _log_probabilities(self) -> np.ndarray:
        totals = self.counts.sum(axis=1) + self.alpha * self.counts.shape[1]
        return (np.log(self.counts + self.alpha) - np.log(totals)[:, None]).astype(np.float32)

    def log_likelihoods(self, text: str) -> dict[str, float]:
        """Mean log-likelihood per feature under each label (0.0 everywhere when untrained)."""
        get = self.vocabulary.get
        columns = [c for c in map(get, features(text)) if c is not None]
        if not columns or not self.trained:
            return dict.fromkeys(self.labels, 0.0)
        mean = self._log_probabilities[:, columns].mean(axis=1)
        return {label: float(mean[i]) for i, label in enumerate(self.labels)}

    def probabilities(self, text: str, sharpness: float) -> dict[str, float]:
        """A tempered posterior: softmax of ``sharpness`` × mean log-likelihood."""
        scores = self.log_likelihoods(text)
        top = max(scores.values())
        weights = {k: math.exp(sharpness * (v - top)) for k, v in scores.items()}
        total = sum(weights.values())
        return {k: w / total for k, w in weights.items()}

    def save(self, target: Path | IO[bytes]) -> None:
        words = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        np.savez_compressed(
            target, format=np.array(FORMAT), labels=np.array(self.labels, dtype="<U32"),
            vocabulary=np.array(words, dtype="<U2"), alpha=np.array(self.alpha),
            counts=self.counts.astype(np.float32))

    @classmethod
    def load(cls, source: Path | IO[bytes]) -> NaiveBayes:
        """Load and check a saved model; ``ValueError`` for anything that is not one."""
        with np.load(source, allow_pickle=False) as data:
            if set(data.files) != {"format", "labels", "vocabulary", "alpha", "counts"}:
                raise ValueError("not a duizhao classifier")
            if int(data["format"]) != FORMAT:
                raise ValueError(f"classifier format {int(data['format'])}, expected {FORMAT}")
            labels = tuple(str(x) for x in data["labels"])
            words = [str(x) for x in data["vocabulary"]]
            counts = np.asarray(data["counts"], dtype=np.float64)
            alpha = float(data["alpha"])
        if counts.shape != (len(labels), len(words)) or len(set(words)) != len(words):
            raise ValueError("classifier arrays do not fit together")
        if not np.isfinite(counts).all() or (counts < 0).any() or not alpha > 0:
            raise ValueError("classifier counts must be finite and non-negative")
        return cls(labels, {w: i for i, w in enumerate(words)}, counts, alpha)


@lru_cache(maxsize=1)
def prior_dimensions() -> NaiveBayes | None:
    """The shipped dimension model for passages (None when the package carries none)."""
    return _shipped("data/dimension_prior.npz")


@lru_cache(maxsize=1)
def request_dimensions() -> NaiveBayes | None:
    """The shipped dimension model for requests (the passage model when there is none)."""
    return _shipped("data/request_dimensions.npz") or prior_dimensions()


def _shipped(name: str) -> NaiveBayes | None:
    resource = resources.files("duizhao").joinpath(name)
    if not resource.is_file():
        return None
    with resource.open("rb") as handle:
        return NaiveBayes.load(handle)
