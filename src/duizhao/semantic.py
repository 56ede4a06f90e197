"""Meeting the thesaurus by meaning: a request close to an entry's everyday wording in the
encoder's space, though it shares few characters with it.

"碰到难办的事就躲开" shares no wording with "遇到难事绕着走" (→ 畏难情绪), yet the encoder puts
the two short, colloquial sentences close together (cosine 0.64), much closer than it puts
the request to any passage written in the genre's words. So the everyday strings of every
thesaurus entry are embedded once, and a request that holds no formal wording of its own is
compared with them; the entries it comes closest to (cosine at least ``MEANING_MIN``, at most
``MEANING_TOP`` of them) add their formal phrases to the keyword search like an entry whose
wording occurs in the request, weighted by how close the request came.

The vectors of the default thesaurus for the default encoder ship with the package
(``data/thesaurus_vectors.npz``: plain int8 arrays with a per-row scale, loaded without
pickle; rebuilt by ``eval/make_thesaurus_vectors.py``). Strings it does not hold (a user's own
entries, an edited thesaurus) are encoded on first use, once per process. With another
encoder the shipped vectors do not apply and every string is encoded on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources

import numpy as np

from duizhao.thesaurus import Entry, Thesaurus

MEANING_MIN = 0.65  # cosine from which a request meets an everyday wording by meaning
MEANING_TOP = 3  # entries met by meaning at most
SHIPPED = "data/thesaurus_vectors.npz"
FORMAT = 1
BLOCK_ROWS = 256  # rows per matrix-vector product (see _cosines)


@dataclass(frozen=True)
class Meaning:
    """An entry the request met by meaning: the everyday wording it came closest to."""

    entry: Entry
    everyday: str
    cosine: float


@lru_cache(maxsize=1)
def shipped_vectors() -> tuple[str, dict[str, np.ndarray]]:
    """(encoder name, everyday string → unit vector) shipped with the package."""
    resource = resources.files("duizhao").joinpath(SHIPPED)
    if not resource.is_file():
        return "", {}
    with resource.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
        if set(data.files) != {"format", "encoder", "strings", "codes", "scales"} \
                or int(data["format"]) != FORMAT:
            return "", {}
        strings = [str(s) for s in data["strings"]]
        vectors = data["codes"].astype(np.float32) * data["scales"].astype(np.float32)[:, None]
        encoder = str(data["encoder"])
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    vectors /= norms
    return encoder, dict(zip(strings, vectors, strict=True))


def _cosines(vectors: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """``vectors @ vector`` in blocks of ``BLOCK_ROWS``: each block is too small for OpenBLAS
    to wake its threads, which right after FAISS and the encoder have worked cost ~6 ms to
    wake (measured; the blocks take 0.2 ms in all)."""
    out = np.empty(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), BLOCK_ROWS):
        np.dot(vectors[start:start + BLOCK_ROWS], vector, out=out[start:start + BLOCK_ROWS])
    return out


def quantised(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 codes and per-row scales of float ``vectors`` (what the shipped file stores)."""
    scales = np.abs(vectors).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    codes = np.round(vectors / scales[:, None]).astype(np.int8)
    return codes, scales.astype(np.float32)


class MeaningIndex:
    """The everyday strings of ``thesaurus`` as unit vectors of the encoder ``encoder_name``.

    ``encode(texts)`` embeds what the shipped vectors do not hold; it is called at most once,
    on the first lookup."""

    def __init__(self, thesaurus: Thesaurus, encoder_name: str,
                 encode: Callable[[list[str]], np.ndarray],
                 genre_words: Sequence[str] = ()) -> None:
        self.thesaurus = thesaurus
        self.encoder_name = encoder_name
        self._encode = encode
        self._genre_words = genre_words

    @cached_property
    def _genre(self) -> tuple[str, ...]:
        """The genre's own words: every formal phrase of three characters or more, and the
        given names (the taxonomy's dimension names), longest first."""
        words = {f for entry in self.thesaurus.entries for f in entry.formal if len(f) >= 3}
        words |= {w for w in self._genre_words if len(w) >= 2}
        return tuple(sorted(words, key=lambda w: (-len(w), w)))

    def in_genre_words(self, text: str) -> bool:
        """Whether ``text`` (simplified) already says something in the genre's own words: then
        its words meet the passages directly and a lookup by meaning only adds noise."""
        return any(word in text for word in self._genre)

    @cached_property
    def _table(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """(vectors, entry number of each row, the strings) over every everyday string."""
        strings: list[str] = []
        owners: list[int] = []
        for number, entry in enumerate(self.thesaurus.entries):
            for phrase in entry.everyday:
                strings.append(phrase)
                owners.append(number)
        name, shipped = shipped_vectors()
        known = shipped if name == self.encoder_name else {}
        missing = sorted({s for s in strings if s not in known})
        fresh: dict[str, np.ndarray] = {}
        if missing:
            encoded = np.asarray(self._encode(missing), dtype=np.float32)
            fresh = dict(zip(missing, encoded, strict=True))
        dim = next(iter((known or fresh).values())).shape[0] if strings else 0
        vectors = np.zeros((len(strings), dim), dtype=np.float32)
        for row, phrase in enumerate(strings):
            vectors[row] = known[phrase] if phrase in known else fresh[phrase]
        return vectors, np.asarray(owners, dtype=np.int64), strings

    def nearest(self, vector: np.ndarray, skip: Sequence[Entry] = ()) -> list[Meaning]:
        """Entries whose everyday wording ``vector`` comes within ``MEANING_MIN`` of, closest
        first, at most ``MEANING_TOP``, each once (by its closest wording); ``skip`` are
        entries the request already met by its wording."""
        vectors, owners, strings = self._table
        if not len(strings) or vectors.shape[1] != vector.shape[0]:
            return []
        cosines = _cosines(vectors, np.asarray(vector, dtype=np.float32))
        close = np.flatnonzero(cosines >= MEANING_MIN)  # usually a handful, often none
        skipped = {id(entry) for entry in skip}
        out: list[Meaning] = []
        seen: set[int] = set()
        for row in close[np.argsort(-cosines[close], kind="stable")]:
            number = int(owners[row])
            entry = self.thesaurus.entries[number]
            if number in seen or id(entry) in skipped:
                continue
            seen.add(number)
            out.append(Meaning(entry, strings[row], round(float(cosines[row]), 3)))
            if len(out) >= MEANING_TOP:
                break
        return out
