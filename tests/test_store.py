"""The index directory format: round trip, manifest, versions, atomic swap, lock, clean-up."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from duizhao import store
from duizhao.config import FORMAT_VERSION
from duizhao.errors import IndexCorruptError, IndexLockedError, IndexMissingError
from duizhao.models import Label, Passage, passage_id
from duizhao.store import EncoderInfo, open_index, write_index, writer_lock
from duizhao.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()
ENC = EncoderInfo("plain-numpy", 8, True)


def make_passages(texts: list[str], doc: str = "a.txt") -> list[Passage]:
    return [Passage(id=passage_id(t), doc=doc, title="标题", role=Label("community_member"),
                    section=Label("problem", "heading", 0.9), dimension=Label("theory"),
                    heading="（一）理论学习方面", text=t, ordinal=i, doc_hash="h" + doc)
            for i, t in enumerate(texts)]


def vectors(n: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, ENC.dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def write(directory: Path, texts: list[str], corrections: dict | None = None) -> None:
    passages = make_passages(texts)
    write_index(directory, passages, vectors(len(texts)), ENC, TAXONOMY, corrections or {},
                tokens=[list(t) for t in texts])


def test_round_trip_keeps_passages_vectors_and_corrections(tmp_path: Path) -> None:
    texts = ["学习不够深入", "联系群众不够紧密", "廉洁自律意识不强"]
    write(tmp_path / "ix", texts, {passage_id(texts[0]): {"dimension": "style"}})
    loaded = open_index(tmp_path / "ix")
    assert [p.text for p in loaded.passages] == texts
    assert loaded.passages[0].section == Label("problem", "heading", 0.9)
    np.testing.assert_array_equal(loaded.vectors, vectors(3))
    assert loaded.corrections == {passage_id(texts[0]): {"dimension": "style"}}
    assert loaded.tokens() == [list(t) for t in texts]
    assert loaded.taxonomy.digest == TAXONOMY.digest
    assert loaded.dense is not None and loaded.dense.size == 3
    assert loaded.keyword is not None


def test_manifest_records_versions_counts_and_checksums(tmp_path: Path) -> None:
    write(tmp_path, ["一", "二"])
    version = store.current_version(tmp_path)
    manifest = json.loads((version / store.MANIFEST).read_text("utf-8"))
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["encoder"] == {"name": "plain-numpy", "dim": 8, "normalized": True}
    assert manifest["taxonomy"] == {"version": TAXONOMY.version, "digest": TAXONOMY.digest}
    assert manifest["counts"]["passages"] == 2
    assert manifest["ann"] == "flat"
    for name in store.REQUIRED:
        entry = manifest["files"][name]
        assert entry["size"] == (version / name).stat().st_size
        assert entry["sha256"] == store.file_sha256(version / name)


def test_missing_index_says_to_build(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="duizhao build"):
        open_index(tmp_path / "nowhere")


@pytest.mark.parametrize(("version", "hint"), [(0, "duizhao build"), (99, "升级")])
def test_other_format_versions_are_refused_with_the_fix(tmp_path: Path, version: int,
                                                         hint: str) -> None:
    write(tmp_path, ["一"])
    path = store.current_version(tmp_path) / store.MANIFEST
    data = json.loads(path.read_text("utf-8"))
    data["format_version"] = version
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(IndexCorruptError, match=hint):
        open_index(tmp_path)


def test_each_write_swaps_to_a_new_version_and_cleans_up(tmp_path: Path) -> None:
    write(tmp_path, ["一"])
    first = store.current_version(tmp_path)
    (tmp_path / ".tmp-left-by-a-killed-writer").mkdir()
    (tmp_path / "v-20000101T000000-dead").mkdir()
    write(tmp_path, ["一", "二"])
    second = store.current_version(tmp_path)
    assert second != first and not first.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [".lock", "CURRENT", store.CORRECTIONS, second.name])
    assert len(open_index(tmp_path).passages) == 2


def test_user_files_in_the_index_directory_are_left_alone(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", "utf-8")
    write(tmp_path, ["一"])
    write(tmp_path, ["二"])
    assert (tmp_path / "notes.txt").read_text("utf-8") == "mine"


def test_second_writer_is_refused_while_the_lock_is_held(tmp_path: Path) -> None:
    write(tmp_path, ["一"])
    with writer_lock(tmp_path):
        with pytest.raises(IndexLockedError, match="索引正被另一个进程写入") as info:
            with writer_lock(tmp_path):
                pass
        assert str(tmp_path / store.LOCK) in str(info.value)
        assert info.value.exit_code == 5
    with writer_lock(tmp_path):  # released: a later writer goes ahead
        pass


def test_vectors_must_match_passages(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="do not match"):
        write_index(tmp_path, make_passages(["一", "二"]), vectors(3), ENC, TAXONOMY, {},
                    tokens=[["一"], ["二"]])
    with pytest.raises(IndexMissingError):
        open_index(tmp_path)


def test_empty_index_round_trips(tmp_path: Path) -> None:
    write_index(tmp_path, [], np.zeros((0, ENC.dim), np.float32), ENC, TAXONOMY, {}, tokens=[])
    loaded = open_index(tmp_path)
    assert loaded.passages == [] and loaded.vectors.shape == (0, ENC.dim)


def test_pause_hook_sleeps_only_at_its_point(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    slept: list[float] = []
    monkeypatch.setattr("duizhao.store.write.time.sleep", slept.append)
    monkeypatch.setenv("DUIZHAO_TEST_PAUSE_AT", "before_swap:2.5")
    store.pause("after_swap")
    store.pause("before_swap")
    assert slept == [2.5]
    assert "reached: before_swap" in capsys.readouterr().err


def test_an_unwritable_index_location_is_a_message(tmp_path: Path) -> None:
    from duizhao.errors import UsageError

    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder", "utf-8")
    with pytest.raises(UsageError, match="无法写入索引目录"):
        write(blocker, ["一"])
    with pytest.raises(UsageError, match="原有索引未改动") as info:
        write(blocker / "below", ["一"])
    assert "路径中有一段不是文件夹" in str(info.value)


def test_failure_while_writing_keeps_the_live_version(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from duizhao.errors import UsageError

    write(tmp_path, ["一"])
    live = store.current_version(tmp_path)

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("duizhao.store.write.np.save", disk_full)
    with pytest.raises(UsageError, match="磁盘空间不足"):
        write(tmp_path, ["一", "二"])
    monkeypatch.undo()
    assert store.current_version(tmp_path) == live
    assert [p.text for p in open_index(tmp_path).passages] == ["一"]
    write(tmp_path, ["一", "二"])  # the next writer clears the leftover temp directory
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


def test_index_from_another_tokenizer_dictionary_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stored keyword tokens from another dictionary would quietly stop matching queries."""
    import json as _json

    from encoder_double import accept_as_default

    accept_as_default(monkeypatch)

    from encoder_double import FakeEncoder

    from duizhao import library, store
    from duizhao.errors import IndexError_
    from duizhao.search import Searcher
    from duizhao.tokenize import tokenizer_digest

    index = tmp_path / "index"
    doc = tmp_path / "a.txt"
    doc.write_text("材料\n一、存在的问题\n（一）理论学习方面。一是学习不深。二是钻研不够。\n", "utf-8")
    library.build([doc], index, encoder=FakeEncoder(), progress=False)
    loaded = store.open_index(index, search=False)
    assert loaded.manifest.tokenizer_digest == tokenizer_digest()
    # Simulate an index written by a duizhao with another dictionary (manifest re-checksummed).
    version = store.current_version(index)
    data = _json.loads((version / store.MANIFEST).read_text("utf-8"))
    data["tokenizer"]["digest"] = "0" * 16
    (version / store.MANIFEST).write_text(_json.dumps(data), "utf-8")
    with pytest.raises(IndexError_, match="duizhao build"):
        store.check_tokenizer(store.open_index(index, search=False).manifest, index)
    with pytest.raises(IndexError_, match="duizhao build"):
        Searcher.open(index)
    other = tmp_path / "b.txt"
    other.write_text("材料\n二、整改措施\n一是加强学习。二是转变作风。\n", "utf-8")
    with pytest.raises(IndexError_, match="duizhao build"):
        library.add([other], index, progress=False)
