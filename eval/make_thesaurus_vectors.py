"""Rebuild ``src/duizhao/data/thesaurus_vectors.npz``: the default encoder's vectors of every
everyday string in the default thesaurus (for the lookup by meaning, ``duizhao.semantic``).

    python eval/make_thesaurus_vectors.py

Run it after editing ``src/duizhao/data/thesaurus.toml`` (``tests/test_semantic.py`` says
when the shipped file no longer covers the thesaurus). Vectors are stored as int8 codes with a
per-row scale (plain arrays, no pickle): a quarter of float32, cosines within 0.01.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from duizhao.embed import load_encoder
from duizhao.semantic import FORMAT, SHIPPED, quantised
from duizhao.thesaurus import load_thesaurus

TARGET = Path(__file__).resolve().parents[1] / "src" / "duizhao" / SHIPPED


def main() -> None:
    strings = sorted({s for entry in load_thesaurus().entries for s in entry.everyday})
    encoder = load_encoder(None)
    codes, scales = quantised(encoder.encode(strings, progress=True))
    np.savez_compressed(TARGET, format=np.array(FORMAT), encoder=np.array(encoder.name),
                        strings=np.array(strings), codes=codes, scales=scales)
    print(f"{len(strings)} strings → {TARGET} ({TARGET.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
