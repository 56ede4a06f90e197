"""`duizhao build` / `export` / `stats` through the CLI, including every bad input of issue 2.

Each bad input is asserted three ways: the message on stderr, a non-zero exit code, and that
the good files of the same run are still indexed (read back with `export`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from docx_fixtures import write_docx
from typer.testing import CliRunner

from duizhao.cli import app

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "002_92db7604694cf289.txt"
runner = CliRunner()


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def exported(index: Path) -> list[dict[str, object]]:
    result = run("export", "--index", str(index))
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture()
def good(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(SEED, folder / "good.txt")
    return folder


def test_build_export_stats_on_the_sample_corpus(tmp_path: Path) -> None:
    index = tmp_path / "index"
    result = run("build", str(ROOT / "corpus"), "--index", str(index), "-q")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""  # messages go to stderr only
    assert "93" in result.stderr
    rows = exported(index)
    assert len(rows) == 93
    keys = ["id", "doc", "title", "role", "section", "dimension", "heading", "text"]
    assert list(rows[0])[:8] == keys
    stats = run("stats", "--index", str(index), "--json")
    data = json.loads(stats.stdout)
    assert data["passages"] == 93 and data["documents"] == 5
    assert sum(c["passages"] for c in data["counts"]) == 93
    table = run("stats", "--index", str(index))
    assert "党支部书记" in table.stdout and "整改措施" in table.stdout


def test_ids_are_stable_across_rebuilds(tmp_path: Path, good: Path) -> None:
    run("build", str(good), "--index", str(tmp_path / "a"), "-q")
    run("build", str(good), "--index", str(tmp_path / "b"), "-q")
    assert [r["id"] for r in exported(tmp_path / "a")] == [r["id"] for r in exported(tmp_path / "b")]


BAD_FILES = {
    "empty.txt": (b"", "为空"),
    "binary.txt": (bytes(range(256)) * 8, "不是文本"),
    "broken.docx": (b"PK\x03\x04 this is not really a zip", "损坏"),
    "scan.pdf": (b"%PDF-1.4 ...", ".docx"),
    "old.doc": (b"\xd0\xcf\x11\xe0 word 97", "另存为"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_named_and_the_rest_indexed(name: str, tmp_path: Path, good: Path) -> None:
    content, phrase = BAD_FILES[name]
    bad = good / name
    bad.write_bytes(content)
    index = tmp_path / "index"
    # Unsupported files inside a folder are skipped quietly; named explicitly they are errors.
    result = run("build", str(good), str(bad), "--index", str(index), "-q")
    assert result.exit_code != 0
    assert name in result.stderr and phrase in result.stderr
    assert result.stdout == ""
    docs = {r["doc"] for r in exported(index)}
    assert docs == {str(good / "good.txt")}


def test_folder_with_nothing_readable(tmp_path: Path) -> None:
    folder = tmp_path / "nothing"
    folder.mkdir()
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4")
    (folder / "empty.txt").write_bytes(b"")
    result = run("build", str(folder), "--index", str(tmp_path / "index"), "-q")
    assert result.exit_code != 0
    assert str(folder) in result.stderr or "empty.txt" in result.stderr
    assert not (tmp_path / "index" / "CURRENT").exists()  # nothing half-built left behind


def test_text_with_no_structure_is_indexed_with_low_confidence(tmp_path: Path) -> None:
    doc = tmp_path / "notes.txt"
    doc.write_text("平时学习不够主动，理论学习满足于完成任务。\n\n对群众的事情关心不够，调研少。\n",
                   "utf-8")
    index = tmp_path / "index"
    result = run("build", str(doc), "--index", str(index), "-q")
    assert result.exit_code == 0, result.stderr
    rows = exported(index)
    assert len(rows) == 2
    for row in rows:
        labels = row["labels"]
        assert isinstance(labels, dict)
        assert labels["section"]["confidence"] <= 0.5
        assert labels["dimension"]["confidence"] <= 0.5


def test_unknown_label_value_lists_valid_ones(tmp_path: Path, good: Path) -> None:
    result = run("build", str(good), "--index", str(tmp_path / "i"), "--role", "校长", "-q")
    assert result.exit_code == 2
    assert "校长" in result.stderr
    for valid in ("community_member", "branch_secretary", "department_head", "党支部书记"):
        assert valid in result.stderr


def test_role_option_wins_over_cues(tmp_path: Path, good: Path) -> None:
    index = tmp_path / "index"
    run("build", str(good), "--index", str(index), "--role", "社区党员", "-q")
    rows = exported(index)
    assert {r["role"] for r in rows} == {"community_member"}


def test_docx_with_auto_numbering_builds(tmp_path: Path) -> None:
    lines = [line for line in SEED.read_text("utf-8").split("\n") if line.strip()]
    path = tmp_path / "材料.docx"
    write_docx(path, lines, auto_number=True)
    index = tmp_path / "index"
    assert run("build", str(path), "--index", str(index), "-q").exit_code == 0
    rows = exported(index)
    assert len(rows) == 17
    assert rows[1]["heading"] == "（一）理论学习方面" and rows[1]["dimension"] == "theory"


def test_missing_index_says_to_build(tmp_path: Path) -> None:
    result = run("export", "--index", str(tmp_path / "nope"))
    assert result.exit_code != 0
    assert "duizhao build" in result.stderr
    assert result.stdout == ""


def test_document_role_override_survives_rebuild(tmp_path: Path, good: Path) -> None:
    index = tmp_path / "index"
    assert run("build", str(good), "--index", str(index), "-q").exit_code == 0
    doc = str(good / "good.txt")
    assert {r["role"] for r in exported(index)} == {"branch_secretary"}  # from its own words
    result = run("label", "--doc", doc, "--role", "部门负责人", "--index", str(index))
    assert result.exit_code == 0, result.stderr
    assert run("build", str(good), "--index", str(index), "-q").exit_code == 0
    rows = exported(index)
    assert {r["role"] for r in rows} == {"department_head"}
    labels = rows[0]["labels"]
    assert isinstance(labels, dict) and labels["role"]["method"] == "user"
    unknown = run("label", "--doc", "nope.txt", "--role", "书记", "--index", str(index))
    assert unknown.exit_code == 2 and "nope.txt" in unknown.stderr
