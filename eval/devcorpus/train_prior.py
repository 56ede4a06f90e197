"""Train the dimension models shipped with duizhao, from the TUNE half of the dev corpus only.

Run: ``python eval/devcorpus/train_prior.py`` → ``src/duizhao/data/dimension_prior.npz`` (for
passages) and ``src/duizhao/data/request_dimensions.npz`` (for requests: the same counts plus
the default thesaurus' everyday wording, each string counted ``EVERYDAY_WEIGHT`` times, since
requests say things the way people talk, not the way materials are written). Rerun it after
editing ``src/duizhao/data/thesaurus.toml``.
The held-out half and the sample corpus (``corpus/``) are never read, so figures measured on
them stay honest. Each gold point of a tune document is matched to the passage duizhao cuts for
it (the same segmentation a user's build does) and counted under its hand-given dimension;
``intro``/``rectification`` points (dimension ``other``) teach nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TARGET = ROOT / "src/duizhao/data/dimension_prior.npz"
REQUEST_TARGET = ROOT / "src/duizhao/data/request_dimensions.npz"
# Chosen on the tune half of eval/understanding_b.jsonl (dimension read right 82 → 88 %; 3, 5
# and 10 tie, the smallest is kept).
EVERYDAY_WEIGHT = 3.0


def tune_examples() -> list[tuple[str, str, float]]:
    from duizhao.clean import clean
    from duizhao.read import read_document
    from duizhao.segment import segment
    from duizhao.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    docs = [json.loads(line) for line in (HERE / "documents.jsonl").open(encoding="utf-8")]
    gold = [json.loads(line) for line in (HERE / "gold.jsonl").open(encoding="utf-8")]
    examples: list[tuple[str, str, float]] = []
    for doc in docs:
        if doc["split"] != "tune":
            continue
        _, segments = segment(clean(read_document(ROOT / doc["doc"], doc["doc"])), taxonomy)
        squashed = ["".join(s.text.split()) for s in segments]
        for point in gold:
            if point["doc"] != doc["doc"] or point["dimension"] == "other":
                continue
            hits = [s for s, q in zip(segments, squashed, strict=True)
                    if q.startswith(point["starts"])]
            if len(hits) == 1:
                examples.append((hits[0].text, point["dimension"], 1.0))
    return examples


def main() -> int:
    from duizhao.classify import NaiveBayes
    from duizhao.taxonomy import load_taxonomy

    labels = [k for k in load_taxonomy().dimensions if k != "other"]
    examples = tune_examples()
    model = NaiveBayes.empty(labels).learned(examples)
    model.save(TARGET)
    print(f"{TARGET.relative_to(ROOT)}: {len(examples)} tune points, "
          f"{len(model.vocabulary)} features, {TARGET.stat().st_size // 1024} KB")
    everyday = everyday_examples(labels)
    requests = model.learned(everyday)
    requests.save(REQUEST_TARGET)
    print(f"{REQUEST_TARGET.relative_to(ROOT)}: + {len(everyday)} everyday strings, "
          f"{len(requests.vocabulary)} features, {REQUEST_TARGET.stat().st_size // 1024} KB")
    return 0


def everyday_examples(labels: list[str]) -> list[tuple[str, str, float]]:
    """The default thesaurus' everyday strings under their entry's dimension."""
    from duizhao.thesaurus import load_thesaurus

    return [(text, entry.dimension, EVERYDAY_WEIGHT) for entry in load_thesaurus().entries
            if entry.dimension in labels for text in entry.everyday]


if __name__ == "__main__":
    sys.exit(main())
