"""Choosing what to read: folders, hidden files, unsupported formats, missing paths.

(Special files, symlink loops, unreadable folders and odd names: tests/test_hostile_inputs.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from duizhao.errors import ReadError
from duizhao.models import FileFailure
from duizhao.read import SUPPORTED_SUFFIXES, iter_input_files, read_document


def _tree(root: Path) -> None:
    (root / "b").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "a.txt").write_text("甲", encoding="utf-8")
    (root / "c.MD").write_text("# 丙", encoding="utf-8")
    (root / "b" / "d.docx").write_bytes(b"")
    (root / "b" / "e.pdf").write_bytes(b"%PDF-1.4")
    (root / "b" / "f.wps").write_bytes(b"wps")
    (root / ".hidden.txt").write_text("隐藏", encoding="utf-8")
    (root / ".git" / "f.txt").write_text("x", encoding="utf-8")
    (root / "~$lock.docx").write_bytes(b"owner")


def _files(found: list[Path | FileFailure]) -> list[Path]:
    return [f for f in found if isinstance(f, Path)]


def test_folder_walk_sorted_recursive_skipping_hidden(tmp_path: Path) -> None:
    _tree(tmp_path)
    found = list(iter_input_files([tmp_path]))
    assert _files(found) == [tmp_path / "a.txt", tmp_path / "c.MD", tmp_path / "b" / "d.docx",
                             tmp_path / "b" / "e.pdf"]
    # the one skipped file is named, with how to convert it; hidden files and lock files are not
    skipped = [f for f in found if isinstance(f, FileFailure)]
    assert [f.path for f in skipped] == [str(tmp_path / "b" / "f.wps")]
    assert "另存为 .docx" in skipped[0].reason


def test_paths_keep_the_form_the_user_gave(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert [str(p) for p in _files(list(iter_input_files([Path("b")])))] == ["b/d.docx", "b/e.pdf"]


def test_same_file_twice_is_read_once(tmp_path: Path) -> None:
    _tree(tmp_path)
    found = _files(list(iter_input_files([tmp_path / "a.txt", tmp_path])))
    assert found.count(tmp_path / "a.txt") == 1
    assert len(found) == 4


def test_missing_path_and_explicit_unsupported_file(tmp_path: Path) -> None:
    _tree(tmp_path)
    found = list(iter_input_files([tmp_path / "nope", tmp_path / "b" / "f.wps",
                                   tmp_path / "a.txt"]))
    assert isinstance(found[0], FileFailure) and "不存在" in found[0].reason
    assert found[0].path == str(tmp_path / "nope")
    assert isinstance(found[1], FileFailure) and ".txt .md .docx .pdf" in found[1].reason
    assert found[2] == tmp_path / "a.txt"


def test_folder_with_nothing_readable(tmp_path: Path) -> None:
    folder = tmp_path / "scans"
    folder.mkdir()
    (folder / ".notes.txt").write_text("隐藏", encoding="utf-8")
    (folder / "Thumbs.db").write_bytes(b"\xd0\xcf")
    found = list(iter_input_files([folder]))
    assert len(found) == 1 and isinstance(found[0], FileFailure)
    assert "没有可读取的文件" in found[0].reason


@pytest.mark.parametrize("name", ["old.doc", "wps.wps", "rich.rtf", "noext"])
def test_unsupported_formats_say_how_to_convert(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"whatever")
    with pytest.raises(ReadError) as err:
        read_document(path)
    message = str(err.value)
    assert name in message
    assert ".txt .md .docx .pdf" in message
    assert "另存为 .docx" in message
    assert err.value.exit_code == 3


def test_supported_suffixes_are_the_interface() -> None:
    assert SUPPORTED_SUFFIXES == (".txt", ".md", ".docx", ".pdf")


def test_a_folder_named_twice_or_linked_is_read_once_quietly(tmp_path: Path) -> None:
    _tree(tmp_path)
    (tmp_path / "link_to_b").symlink_to(tmp_path / "b")
    (tmp_path / "b" / "loop").symlink_to(tmp_path)  # a real loop: named
    found = list(iter_input_files([tmp_path, tmp_path / "b", tmp_path]))
    assert _files(found) == [tmp_path / "a.txt", tmp_path / "c.MD", tmp_path / "b" / "d.docx",
                             tmp_path / "b" / "e.pdf"]
    skipped = {Path(f.path).name: f.reason for f in found if isinstance(f, FileFailure)}
    assert set(skipped) == {"f.wps", "loop"}
    assert "符号链接循环" in skipped["loop"]
