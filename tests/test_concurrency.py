"""Two writers: the second is refused with IndexLockedError and the index stays valid.
Readers running while a writer swaps versions always see a complete index."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from crash_helpers import check_usable, kill, start, wait_for
from encoder_double import FakeEncoder, copy_corpus, corpus_file
from typer.testing import CliRunner

from duizhao import library, store
from duizhao.errors import IndexLockedError


@pytest.fixture()
def index(tmp_path: Path) -> Path:
    copy_corpus(tmp_path / "docs", 2)
    library.build([tmp_path / "docs"], tmp_path / "ix", progress=False)
    return tmp_path / "ix"


def test_second_writer_process_is_refused_while_first_runs(index: Path) -> None:
    before = {p.id for p in store.open_index(index, search=False).passages}
    first = start(["add", str(corpus_file(3)), "--index", str(index), "-q"], "after_ingest:60")
    try:
        wait_for(first, "reached: after_ingest")
        second = start(["add", str(corpus_file(4)), "--index", str(index), "-q"])
        _, err = second.communicate(timeout=120)
        assert second.returncode == 5
        assert "索引正被另一个进程写入" in err and "Traceback" not in err
        with pytest.raises(IndexLockedError):
            library.add([corpus_file(4)], index, progress=False)
        result = CliRunner().invoke(__import__("duizhao.cli").cli.app,
                                    ["remove", "x.txt", "--index", str(index)])
        assert result.exit_code == 5
        # readers are never blocked by a writer
        assert {p.id for p in check_usable(index).passages} == before
    finally:
        kill(first)
    # the killed writer's lock died with it: a new writer goes ahead
    report = library.add([corpus_file(4)], index, progress=False)
    assert report.added == [str(corpus_file(4))]
    check_usable(index)


def test_two_writers_finish_one_after_the_other(index: Path) -> None:
    first = start(["add", str(corpus_file(3)), "--index", str(index), "-q"], "after_embed:2")
    wait_for(first, "reached: after_embed")
    second = start(["add", str(corpus_file(4)), "--index", str(index), "-q"])
    assert second.wait(timeout=120) == 5
    assert first.wait(timeout=120) == 0
    docs = {d.doc for d in check_usable(index).documents}
    assert str(corpus_file(3)) in docs and str(corpus_file(4)) not in docs


def test_readers_never_see_a_half_written_index(tmp_path: Path) -> None:
    copy_corpus(tmp_path / "docs", 2)
    library.build([tmp_path / "docs"], tmp_path / "ix", progress=False, encoder=FakeEncoder())
    index = tmp_path / "ix"
    passages = store.open_index(index, search=False).passages
    errors: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                loaded = store.open_index(index)
                assert len(loaded.passages) == len(passages)
            except BaseException as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(exc)
                return

    readers = [threading.Thread(target=read) for _ in range(2)]
    for thread in readers:
        thread.start()
    try:
        for i in range(12):
            dimension = ("style", "theory")[i % 2]
            library.correct_label(index, passages[i % len(passages)].id, dimension=dimension)
    finally:
        done.set()
        for thread in readers:
            thread.join()
    assert errors == []
