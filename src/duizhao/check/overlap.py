"""How much of a sentence is copied from a passage: characters in shared runs, by LCS alignment.

The sentence and the passage are compared on their letters and digits only (punctuation and
spaces say nothing about copying), in simplified characters (a sentence taken from a
traditional-character source and converted, as drafts are, is still copied). ``rapidfuzz``
aligns the two by longest common subsequence and we count the sentence characters that sit in
aligned runs of at least ``MIN_RUN`` characters: a lightly edited sentence (a word changed, a
clause added) keeps most of its runs, while an original sentence shares only scattered
characters and the odd set phrase with even its closest passage, and single shared characters
(的, 学, 党) are not counted at all.
"""

from __future__ import annotations

import unicodedata

from duizhao.draft.ordinals import strip_ordinals
from duizhao.simplified import to_simplified

MIN_RUN = 3


def letters(text: str) -> str:
    """Letters and digits only, simplified: what copying is measured on."""
    return "".join(c for c in to_simplified(text) if unicodedata.category(c)[0] in "LN")


def sentence_key(sentence: str) -> str:
    """The sentence as compared: its leading ordinal (1. 一是 （一）) dropped, letters only."""
    return letters(strip_ordinals(sentence))


def copied_share(sentence: str, passage: str) -> float:
    """Share (0–1) of ``sentence``'s characters copied from ``passage`` (both ``letters``)."""
    from rapidfuzz.distance import LCSseq

    if not sentence or not passage:
        return 0.0
    matched = 0
    for op in LCSseq.opcodes(sentence, passage):
        run = op.src_end - op.src_start
        if op.tag == "equal" and run >= MIN_RUN:
            matched += run
    return matched / len(sentence)
