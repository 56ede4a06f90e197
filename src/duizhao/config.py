"""Defaults in one place: where things live, how big batches are, when the ANN index kicks in.

Every module reads its defaults from here rather than hard-coding them, so a change (a bigger
batch for a faster machine, a different HNSW threshold) is one edit. The values that shape an
index on disk (format version, ANN type) are also written into its manifest by ``store.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Paths the CLI uses when the user gives none (CONTRACT.md: build reads corpus/ into index/).
DEFAULT_INDEX_DIR = "index"
DEFAULT_CORPUS = "corpus"

# Index directory format. Bump when the files or their meaning change; ``open_index`` refuses
# other versions with a message to rebuild (older) or upgrade duizhao (newer).
FORMAT_VERSION = 2

# Passages encoded per call to the encoder: bounds memory while ingesting very large inputs.
EMBED_BATCH_SIZE = 64

# The dense index is an exact flat inner-product search up to this many passages and an HNSW
# graph above it (exact search over 20k × 512 floats is still a few milliseconds).
ANN_THRESHOLD = 20_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128

# Search defaults (CONTRACT.md: hybrid, k = 5).
DEFAULT_K = 5
DEFAULT_MODE = "hybrid"

# Environment variable naming a point where a writer sleeps, for crash-safety tests:
# ``DUIZHAO_TEST_PAUSE_AT=before_swap:5`` sleeps 5 s just before the atomic swap.
TEST_PAUSE_ENV = "DUIZHAO_TEST_PAUSE_AT"


@dataclass(frozen=True)
class Settings:
    """The typed view of the defaults above, for code that wants to pass them around."""

    index_dir: Path = Path(DEFAULT_INDEX_DIR)
    corpus: Path = Path(DEFAULT_CORPUS)
    batch_size: int = EMBED_BATCH_SIZE
    ann_threshold: int = ANN_THRESHOLD
    default_k: int = DEFAULT_K
    default_mode: str = DEFAULT_MODE


DEFAULTS = Settings()
