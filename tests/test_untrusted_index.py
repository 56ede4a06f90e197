"""A damaged or crafted index is refused with IndexCorruptError, never a traceback or code run.

Each test damages one file of a good index. Some damage is caught by the checksums alone;
for the rest the test also rewrites the manifest's checksum (as an attacker could), so the
check behind the checksum (allow_pickle=False, shapes, JSON types) is what must catch it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from test_store import write

from duizhao import store
from duizhao.errors import IndexCorruptError
from duizhao.store import open_index


@pytest.fixture()
def index(tmp_path: Path) -> Path:
    write(tmp_path / "ix", ["学习不够深入", "联系群众不够紧密", "廉洁自律意识不强"])
    return tmp_path / "ix"


def version(index: Path) -> Path:
    return store.current_version(index)


def rehash(index: Path, name: str) -> None:
    """Make the manifest agree with a crafted file, as someone crafting an index would."""
    v = version(index)
    path = v / store.MANIFEST
    manifest = json.loads(path.read_text("utf-8"))
    manifest["files"][name] = {"size": (v / name).stat().st_size,
                               "sha256": store.file_sha256(v / name)}
    path.write_text(json.dumps(manifest), "utf-8")


def edit_manifest(index: Path, change: Callable[[dict], None]) -> None:
    path = version(index) / store.MANIFEST
    data = json.loads(path.read_text("utf-8"))
    change(data)
    path.write_text(json.dumps(data), "utf-8")


def refused(index: Path, *words: str) -> str:
    with pytest.raises(IndexCorruptError) as info:
        open_index(index)
    message = str(info.value)
    assert "索引已损坏" in message or "索引格式" in message
    assert "duizhao build" in message
    for word in words:
        assert word in message
    return message


def test_truncated_vectors(index: Path) -> None:
    path = version(index) / store.VECTORS
    path.write_bytes(path.read_bytes()[:100])
    refused(index, "vectors.npy")


def test_truncated_vectors_with_matching_checksum(index: Path) -> None:
    path = version(index) / store.VECTORS
    path.write_bytes(path.read_bytes()[:150])
    rehash(index, store.VECTORS)
    refused(index, "vectors.npy")


def test_edited_passage_text_fails_the_checksum(index: Path) -> None:
    path = version(index) / store.PASSAGES
    path.write_text(path.read_text("utf-8").replace("学习", "学问"), "utf-8")
    refused(index, "passages.jsonl", "checksum")


@pytest.mark.parametrize("line", ["{not json", "[1, 2]", '{"id": "x"}', '"text"',
                                  '{"id": 1, "doc": "a", "text": "t", "role": "nobody", '
                                  '"section": "problem", "dimension": "theory"}'])
def test_crafted_passage_lines(index: Path, line: str) -> None:
    path = version(index) / store.PASSAGES
    lines = path.read_text("utf-8").splitlines()
    lines[1] = line
    path.write_text("\n".join(lines) + "\n", "utf-8")
    rehash(index, store.PASSAGES)
    refused(index, "passages.jsonl")


def test_pickle_in_npy_is_never_loaded(index: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self) -> tuple:
            return (Path.touch, (marker,))

    evil = np.empty((3, 8), dtype=object)
    evil[0, 0] = Payload()
    path = version(index) / store.VECTORS
    with path.open("wb") as handle:
        np.lib.format.write_array(handle, evil, allow_pickle=True)
    assert b"pwned" in path.read_bytes()  # the payload really is in the file
    rehash(index, store.VECTORS)
    refused(index, "vectors.npy")
    assert not marker.exists()


@pytest.mark.parametrize("array", [np.zeros((2, 8), np.float32), np.zeros((3, 9), np.float32),
                                   np.zeros((3, 8), np.float64), np.zeros(24, np.float32),
                                   np.full((3, 8), np.nan, np.float32)])
def test_wrong_shape_dtype_or_values(index: Path, array: np.ndarray) -> None:
    np.save(version(index) / store.VECTORS, array)
    rehash(index, store.VECTORS)
    refused(index, "vectors.npy")


@pytest.mark.parametrize("name", [store.DOCUMENTS, store.TAXONOMY])
@pytest.mark.parametrize("text", ["{bad json", "[[[", '{"a": 1}', "[1, 2, 3]", "null"])
def test_bad_json_files(index: Path, name: str, text: str) -> None:
    (version(index) / name).write_text(text, "utf-8")
    rehash(index, name)
    refused(index, name)


@pytest.mark.parametrize("text", ["{bad json", "[[[", '{"a": 1}', "[1, 2, 3]", "null",
                                  '{"x": {"dimension": 3}}', '{"x": {"colour": "red"}}'])
def test_bad_corrections_file_is_named_and_kept(index: Path, text: str) -> None:
    """The corrections file is the user's own work: a damaged one is named, never replaced."""
    path = index / store.CORRECTIONS
    path.write_text(text, "utf-8")
    with pytest.raises(IndexCorruptError) as info:
        open_index(index)
    assert str(path) in str(info.value) and "不会覆盖" in str(info.value)
    with pytest.raises(IndexCorruptError):
        write(index, ["学习不够深入"])
    assert path.read_text("utf-8") == text


def test_bad_manifest_json(index: Path) -> None:
    (version(index) / store.MANIFEST).write_text('{"format_version": 1, ', "utf-8")
    refused(index, "manifest.json")


@pytest.mark.parametrize("change", [
    lambda m: m.update(format_version="1"),
    lambda m: m.update(encoder={"name": "x", "dim": -1, "normalized": True}),
    lambda m: m.update(encoder="usem3"),
    lambda m: m.update(counts={"passages": "3"}),
    lambda m: m["files"].pop("tokens.jsonl"),
    lambda m: m["files"].update({"../../etc/passwd": {"size": 1, "sha256": "0"}}),
    lambda m: m.update(counts={"passages": 4, "documents": 1}),
    lambda m: m.update(encoder={"name": "x", "dim": 9, "normalized": True}),
])
def test_crafted_manifest_fields(index: Path, change: Callable[[dict], None]) -> None:
    edit_manifest(index, change)
    refused(index)


def test_missing_data_file(index: Path) -> None:
    (version(index) / store.TOKENS).unlink()
    refused(index, "tokens.jsonl")


def test_truncated_dense_index(index: Path) -> None:
    path = version(index) / "dense.faiss"
    path.write_bytes(path.read_bytes()[:40])
    rehash(index, "dense.faiss")
    refused(index)


@pytest.mark.parametrize("pointer", ["../../etc", "v-does-not-exist", "", "\x00\x01"])
def test_current_pointer_outside_or_missing(index: Path, pointer: str) -> None:
    (index / store.CURRENT).write_text(pointer, "utf-8")
    refused(index, "CURRENT")


def test_cli_shows_a_message_not_a_traceback(index: Path) -> None:
    from typer.testing import CliRunner

    from duizhao.cli import app

    (version(index) / store.VECTORS).write_bytes(b"\x93NUMPY garbage")
    result = CliRunner().invoke(app, ["label", "abc", "--role", "书记", "--index", str(index)])
    assert result.exit_code == 4
    assert "索引已损坏" in result.output
    assert "Traceback" not in result.output
