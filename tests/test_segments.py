"""Writes proportional to the change: add appends a segment, remove tombstones, compaction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from encoder_double import FakeEncoder, copy_corpus, corpus_file

from duizhao import library, store
from duizhao.search import Filters, Searcher
from duizhao.store import open_index, verify_index


@pytest.fixture()
def index(tmp_path: Path) -> Path:
    copy_corpus(tmp_path / "docs", 3)
    library.build([tmp_path / "docs"], tmp_path / "ix", progress=False, encoder=FakeEncoder())
    return tmp_path / "ix"


def files(index: Path) -> dict[str, tuple[int, int, bytes]]:
    """name → (inode, size, bytes) of the live version's files."""
    version = store.current_version(index)
    return {p.name: (p.stat().st_ino, p.stat().st_size, p.read_bytes())
            for p in version.iterdir()}


def test_add_appends_a_segment_and_leaves_stored_files_alone(index: Path) -> None:
    before = files(index)
    report = library.add([corpus_file(3)], index, progress=False, encoder=FakeEncoder())
    after = files(index)
    assert report.added == [str(corpus_file(3))] and report.embedded > 0
    for name, (inode, size, data) in before.items():
        if name.startswith("s0001."):  # stored segment: the same file (hard link), unchanged
            assert after[name] == (inode, size, data)
    assert "s0002.passages.jsonl" in after and "s0002.vectors.npy" in after
    loaded = open_index(index)
    assert [s["name"] for s in loaded.manifest.segments] == ["s0001", "s0002"]
    assert len(loaded.passages) == report.passages
    verify_index(index)
    # the new passages are found, by both the dense and the keyword side
    new = next(p for p in loaded.passages if p.doc == str(corpus_file(3)) and len(p.text) > 20)
    searcher = Searcher(loaded.passages.physical(), loaded.vectors.physical(), FakeEncoder(),
                        loaded.taxonomy, loaded.dense, loaded.keyword, labels=loaded.labels,
                        deleted=loaded.deleted)
    assert new.id in [h.passage.id for h in searcher.search(new.text, k=3).hits]


def test_remove_tombstones_without_rewriting(index: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import duizhao.incremental

    monkeypatch.setattr(duizhao.incremental, "COMPACT_DELETED", 0.9)  # a third goes: no compaction
    gone = str(tmp_path / "docs" / corpus_file(0).name)
    loaded = open_index(index, search=False)
    removed_ids = {p.id for p in loaded.passages if p.doc == gone}
    before = files(index)
    report = library.remove([gone], index)
    assert report.removed == [gone] and report.passages_removed == len(removed_ids) > 0
    after = files(index)
    assert after["s0001.passages.jsonl"] == before["s0001.passages.jsonl"]
    loaded = open_index(index)
    assert int(loaded.deleted.sum()) == len(removed_ids)
    assert removed_ids.isdisjoint(p.id for p in loaded.passages)
    assert len(loaded.passages) == len(loaded.vectors) == report.passages
    searcher = Searcher(loaded.passages.physical(), loaded.vectors.physical(), FakeEncoder(),
                        loaded.taxonomy, loaded.dense, loaded.keyword, labels=loaded.labels,
                        deleted=loaded.deleted)
    for mode in ("hybrid", "dense", "keyword"):
        for filters in (Filters(), Filters(section="problem")):
            result = searcher.search("理论学习 不够深入", filters, k=50, mode=mode)
            assert removed_ids.isdisjoint(h.passage.id for h in result.hits)


def test_removing_most_of_the_index_compacts_it(index: Path, tmp_path: Path) -> None:
    docs = sorted(str(tmp_path / "docs" / p.name) for p in (tmp_path / "docs").iterdir())
    library.remove(docs[:2], index)
    loaded = open_index(index, search=False)
    assert not loaded.deleted.any() and [s["name"] for s in loaded.manifest.segments] == ["s0001"]
    assert {p.doc for p in loaded.passages} == {docs[2]}


def test_add_then_remove_then_add_keeps_vectors_with_their_passages(index: Path) -> None:
    encoder = FakeEncoder()
    library.add([corpus_file(3)], index, progress=False, encoder=encoder)
    library.remove([str(corpus_file(3))], index)
    library.add([corpus_file(4)], index, progress=False, encoder=encoder)
    loaded = open_index(index, search=False)
    texts = [p.text for p in loaded.passages]
    expected = np.asarray(encoder.encode([library.embedding_text(p) for p in loaded.passages]))
    np.testing.assert_allclose(np.asarray(loaded.vectors), expected, atol=1e-6)
    assert len(set(texts)) == len(texts)
    verify_index(index)


class Interrupted(Exception):
    pass


class DiesAfter(FakeEncoder):
    """Encodes ``blocks`` blocks, then fails as a killed build would stop."""

    def __init__(self, blocks: int) -> None:
        super().__init__()
        self.blocks = blocks

    def encode(self, texts, batch_size=64, progress=False):  # type: ignore[no-untyped-def]
        if self.blocks == 0:
            raise Interrupted
        self.blocks -= 1
        return super().encode(texts, batch_size, progress)


def test_an_interrupted_build_resumes_without_re_embedding(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import duizhao.building

    monkeypatch.setattr(duizhao.building, "BLOCK", 16)
    copy_corpus(tmp_path / "docs", 4)
    first = DiesAfter(3)
    with pytest.raises(Interrupted):
        library.build([tmp_path / "docs"], tmp_path / "ix", progress=False, encoder=first)
    assert not (tmp_path / "ix" / "CURRENT").exists()
    done = set(first.encoded)
    assert len(done) == 48
    second = FakeEncoder()
    report = library.build([tmp_path / "docs"], tmp_path / "ix", progress=False, encoder=second)
    assert done.isdisjoint(second.encoded)  # nothing finished before is encoded again
    assert report.reused == 48 and report.embedded == report.passages - 48
    assert not list((tmp_path / "ix").glob(".build-*"))  # the cache goes once the build is done
    fresh = FakeEncoder()
    library.build([tmp_path / "docs"], tmp_path / "ix2", progress=False, encoder=fresh)
    a, b = open_index(tmp_path / "ix", search=False), open_index(tmp_path / "ix2", search=False)
    assert [p.id for p in a.passages] == [p.id for p in b.passages]
    np.testing.assert_array_equal(np.asarray(a.vectors), np.asarray(b.vectors))


def test_a_repeat_of_a_stored_passage_is_recorded_without_rewriting(index: Path,
                                                                     tmp_path: Path) -> None:
    loaded = open_index(index, search=False)
    first = next(p for p in loaded.passages if len(p.text) > 30)
    other = tmp_path / "other.txt"
    other.write_text("某同志对照检查材料\n一、存在的主要问题\n（一）理论学习方面。\n" + first.text
                     + "\n二是另一段完全不同的文字，讲联系群众不够紧密的问题。\n", "utf-8")
    before = files(index)
    report = library.add([other], index, progress=False, encoder=FakeEncoder())
    assert report.repeated_passages >= 1
    after = files(index)
    assert after["s0001.passages.jsonl"] == before["s0001.passages.jsonl"]
    kept = [p for p in open_index(index, search=False).passages if p.id == first.id]
    assert len(kept) == 1 and kept[0].doc == first.doc and str(other) in kept[0].also_in
    verify_index(index)


def test_searching_the_stored_index_equals_searching_it_in_memory(index: Path) -> None:
    """Lazy records, label arrays, memory-mapped vectors and postings change no result."""
    from duizhao.search import _doc_codes

    encoder = FakeEncoder()
    loaded = open_index(index)  # as Searcher.open passes it (which would load the real encoder)
    stored = Searcher(loaded.passages.physical(), loaded.vectors.physical(), encoder,
                      loaded.taxonomy, loaded.dense, loaded.keyword, labels=loaded.labels,
                      deleted=loaded.deleted, doc_codes=_doc_codes(loaded))
    memory = Searcher(list(loaded.passages), np.asarray(loaded.vectors), encoder, loaded.taxonomy,
                      tokens=loaded.tokens())
    for query in ("理论学习不够深入", "联系群众 工作作风", "整改措施 廉洁自律"):
        for filters in (Filters(), Filters(section="problem"),
                        Filters(role="community_member", dimension="theory")):
            for mode in ("hybrid", "dense", "keyword"):
                a = stored.search(query, filters, k=8, mode=mode)
                b = memory.search(query, filters, k=8, mode=mode)
                assert [(h.passage.id, h.outside_filters) for h in a.hits] == \
                    [(h.passage.id, h.outside_filters) for h in b.hits]
                np.testing.assert_allclose([h.score for h in a.hits], [h.score for h in b.hits],
                                           rtol=1e-5, atol=1e-6)


def test_point_titles_and_lengths_are_stored_and_an_index_without_them_ranks_the_same(
        index: Path) -> None:
    """Ranking reads each candidate's title and length from the index (no text parse); an index
    written before they were stored works them out from the texts, with the same results."""
    import json

    from duizhao.markers import simplified_title
    from duizhao.search import _doc_codes
    from duizhao.store.format import MANIFEST, RANKING_FILES, manifest_checksum

    def searcher() -> Searcher:
        loaded = open_index(index)
        return Searcher(loaded.passages.physical(), loaded.vectors.physical(), FakeEncoder(),
                        loaded.taxonomy, loaded.dense, loaded.keyword, labels=loaded.labels,
                        deleted=loaded.deleted, doc_codes=_doc_codes(loaded))

    def ranked(s: Searcher) -> list[list[tuple[str, float]]]:
        return [[(h.passage.id, round(h.score, 6)) for h in s.search(q, f, k=8).hits]
                for q in ("理论学习不深入", "学习不主动的问题", "联系群众不够 工作作风")
                for f in (Filters(), Filters(section="problem"))]

    table = open_index(index).passages.physical()
    rows = np.arange(len(table))
    assert table.titles(rows) == [simplified_title(p.text) for p in table]
    assert table.lengths(rows).tolist() == [len(p.text) for p in table]
    assert any(table.titles(rows))  # the samples' points have titles
    with_titles = ranked(searcher())

    manifest_path = store.current_version(index) / MANIFEST
    manifest = json.loads(manifest_path.read_text("utf-8"))
    for name in RANKING_FILES:  # as an index written before titles were stored
        del manifest["files"][f"s0001.{name}"]
    manifest["checksum"] = manifest_checksum(manifest)
    manifest_path.write_text(json.dumps(manifest), "utf-8")
    old = open_index(index).passages.physical()
    assert old.titles(rows) is None and old.lengths(rows) is None
    assert ranked(searcher()) == with_titles


def test_gathered_vector_pages_are_handed_back_and_rows_stay_right(index: Path,
                                                                  monkeypatch) -> None:
    """Re-scoring gathers scattered rows through the memory map; every RELEASE_ROWS rows the
    mapped pages are handed back to the OS (they stay in its file cache), so a long-running
    search does not come to hold the vectors. Rows read after a release are the same."""
    import duizhao.store.table as table

    library.add([corpus_file(3)], index, progress=False, encoder=FakeEncoder())
    physical = open_index(index).vectors.physical()
    mapped = np.concatenate([np.array(p) for p in physical.parts])
    rows = np.array([len(mapped) - 1, 0, 5, len(mapped) // 2, 5])

    monkeypatch.setattr(table, "RELEASE_ROWS", 10**9)
    assert np.array_equal(physical.take(rows), mapped[rows])
    assert resident_kb() > 0  # the copy above and the gather mapped pages in
    monkeypatch.setattr(table, "RELEASE_ROWS", 3)
    assert np.array_equal(physical.take(rows), mapped[rows])
    assert resident_kb() > 0  # a small library keeps its pages …
    monkeypatch.setattr(table, "RELEASE_ABOVE_BYTES", 0)  # … a big one hands them back
    monkeypatch.setattr(table, "READ_ROWS", 2)  # (gathers of more rows go through the map)
    assert np.array_equal(physical.take(rows), mapped[rows])  # … and released them
    assert resident_kb() == 0
    assert np.array_equal(physical.take(rows[::-1]), mapped[rows[::-1]])


def test_a_few_rows_of_big_vectors_are_read_without_the_map(index: Path, monkeypatch) -> None:
    """A query's few hundred rows of a large library are read with pread: the same floats
    across segments and through the live view, nothing of the map resident afterwards, and a
    vectors file cut short is reported as a corrupt index."""
    import duizhao.store.table as table
    from duizhao.errors import IndexCorruptError

    library.add([corpus_file(3)], index, progress=False, encoder=FakeEncoder())
    loaded = open_index(index)
    physical = loaded.vectors.physical()
    mapped = np.concatenate([np.array(p) for p in physical.parts])
    assert len(physical.parts) == 2
    rows = np.array([len(mapped) - 1, 0, 5, len(mapped) // 2, 5])
    monkeypatch.setattr(table, "RELEASE_ABOVE_BYTES", 0)  # as big as a million passages
    for part in physical.parts:  # nothing of the map resident before …
        table._mapping_of(part).madvise(table.mmap.MADV_DONTNEED)
    assert np.array_equal(physical.take(rows), mapped[rows])
    assert resident_kb() == 0  # … nor after
    live = loaded.vectors  # the public view (tombstoned rows left out, if any)
    seen = mapped if live.live is None else mapped[live.live]
    assert np.array_equal(live.take([0, len(live) - 1]), seen[[0, -1]])
    last = physical._files[-1]
    with open(last, "r+b") as f:  # cut short after it was opened
        f.truncate(last.stat().st_size - 8)
    with pytest.raises(IndexCorruptError, match="向量文件被截短"):
        physical.take([len(mapped) - 1])


def resident_kb() -> int:
    """Resident kB of this process's mappings of index vectors files."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split()
        if head and "-" in head[0] and not head[0].endswith(":"):
            inside = line.endswith("vectors.npy")
        elif inside and line.startswith("Rss:"):
            total += int(head[1])
    return total
