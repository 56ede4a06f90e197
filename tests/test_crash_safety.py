"""A writer killed (SIGKILL) at any moment leaves the previous index intact and usable.

The writer runs as a real ``duizhao`` subprocess with the real default encoder. Kill points
are either named (``DUIZHAO_TEST_PAUSE_AT=point:seconds`` makes the writer announce the point
on stderr and sleep there) or plain timers during a rebuild.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from crash_helpers import check_usable, kill, start, wait_for
from encoder_double import copy_corpus, corpus_file

from duizhao import library, store


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("crash")
    copy_corpus(root / "docs", 2)
    library.build([root / "docs"], root / "ix", progress=False)
    return root


@pytest.fixture()
def index(base: Path, tmp_path: Path) -> Path:
    shutil.copytree(base / "ix", tmp_path / "ix")
    return tmp_path / "ix"


def ids(index: Path) -> set[str]:
    return {p.id for p in store.open_index(index, search=False).passages}


@pytest.mark.parametrize("point", ["after_ingest", "after_embed", "before_manifest",
                                   "before_swap"])
def test_add_killed_before_the_swap_keeps_the_old_index(index: Path, point: str) -> None:
    before = ids(index)
    proc = start(["add", str(corpus_file(3)), "--index", str(index), "-q"], f"{point}:60")
    wait_for(proc, f"reached: {point}")
    kill(proc)
    loaded = check_usable(index)
    assert {p.id for p in loaded.passages} == before
    # the next writer cleans up what the killed one left and succeeds
    report = library.add([corpus_file(3)], index, progress=False)
    assert report.added == [str(corpus_file(3))]
    assert ids(index) > before
    leftovers = [p.name for p in index.iterdir() if p.name.startswith(".tmp-")]
    assert leftovers == [] and len([p for p in index.iterdir() if p.name.startswith("v-")]) == 1


def test_add_killed_after_the_swap_has_the_new_index(index: Path) -> None:
    before = ids(index)
    proc = start(["add", str(corpus_file(3)), "--index", str(index), "-q"], "after_swap:60")
    wait_for(proc, "reached: after_swap")
    kill(proc)
    assert {p.id for p in check_usable(index).passages} > before


@pytest.mark.parametrize("delay", [0.3, 1.0, 2.0, 3.5])
def test_rebuild_killed_at_any_time_leaves_old_or_new(index: Path, base: Path,
                                                      delay: float) -> None:
    before = ids(index)
    proc = start(["build", str(base / "docs"), str(corpus_file(4)), "--index", str(index),
                  "-q"])
    time.sleep(delay)
    kill(proc)
    after = ids(index)
    assert after == before or after > before
    check_usable(index)


def test_label_writes_only_the_corrections_file(index: Path) -> None:
    """A correction is an overlay: the versioned index is not rewritten, so there is no
    index write to interrupt; the corrections file itself is replaced atomically."""
    before = store.current_version(index)
    passage = store.open_index(index, search=False).passages[0]
    proc = start(["label", passage.id, "--dimension", "廉洁自律", "--index", str(index)])
    proc.wait(120)
    assert proc.returncode == 0
    assert store.current_version(index) == before
    assert not list(index.glob(".corrections.json.*"))
    kept = check_usable(index).passages[0]
    assert kept.dimension.value == "integrity" and kept.dimension.method == "user"
