"""A damaged or crafted index is refused with IndexCorruptError, never a traceback or code run.

Each test damages one file of a good index. Opening checks sizes and the manifest's own
checksum, not every file's sha256 (that is ``duizhao verify``), so "refused" here means: open,
read every record, or verify refuses it. Some tests also rewrite the manifest's entry and
checksum (as an attacker could), so the check behind them (allow_pickle=False, shapes, JSON
types) is what must catch it.
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
from duizhao.store import open_index, verify_index
from duizhao.store.format import manifest_checksum

VECTORS = "s0001." + store.VECTORS
PASSAGES = "s0001." + store.PASSAGES
TOKENS = "s0001." + store.TOKENS


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
    manifest["checksum"] = manifest_checksum(manifest)
    path.write_text(json.dumps(manifest), "utf-8")


def edit_manifest(index: Path, change: Callable[[dict], None]) -> None:
    path = version(index) / store.MANIFEST
    data = json.loads(path.read_text("utf-8"))
    change(data)
    data["checksum"] = manifest_checksum(data)
    path.write_text(json.dumps(data), "utf-8")


def refused(index: Path, *words: str) -> str:
    with pytest.raises(IndexCorruptError) as info:
        loaded = open_index(index)
        list(loaded.passages), loaded.documents  # noqa: B018 - records are read lazily
        verify_index(index)
    message = str(info.value)
    assert "索引已损坏" in message or "索引格式" in message
    assert "duizhao build" in message
    for word in words:
        assert word in message
    return message


def test_truncated_vectors(index: Path) -> None:
    path = version(index) / VECTORS
    path.write_bytes(path.read_bytes()[:100])
    refused(index, "vectors.npy")


def test_truncated_vectors_with_matching_checksum(index: Path) -> None:
    path = version(index) / VECTORS
    path.write_bytes(path.read_bytes()[:150])
    rehash(index, VECTORS)
    refused(index, "vectors.npy")


def test_edited_passage_text_fails_the_checksum(index: Path) -> None:
    path = version(index) / PASSAGES
    path.write_text(path.read_text("utf-8").replace("学习", "学问"), "utf-8")
    refused(index, "passages.jsonl", "checksum")


def test_open_hashes_nothing_but_catches_a_size_change(index: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Constant-time open: no file is hashed, yet a truncated or grown file is refused."""
    import duizhao.store.format as fmt

    def no_hashing(path: Path) -> str:
        raise AssertionError(f"open hashed {path.name}")

    monkeypatch.setattr(fmt, "file_sha256", no_hashing)
    assert len(open_index(index).passages) == 3
    path = version(index) / TOKENS
    path.write_bytes(path.read_bytes() + b"\n")
    with pytest.raises(IndexCorruptError, match="tokens.jsonl"):
        open_index(index)


def test_a_flipped_byte_opens_but_fails_verify(index: Path) -> None:
    """Same size, other bytes: only the full check sees it, and names the file."""
    path = version(index) / VECTORS
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x40
    path.write_bytes(bytes(data))
    open_index(index)
    with pytest.raises(IndexCorruptError, match="vectors.npy"):
        verify_index(index)


def test_a_manifest_edited_without_its_checksum_is_refused(index: Path) -> None:
    path = version(index) / store.MANIFEST
    data = json.loads(path.read_text("utf-8"))
    data["counts"]["passages"] = 2
    path.write_text(json.dumps(data), "utf-8")
    refused(index, "manifest.json", "checksum")


@pytest.mark.parametrize("line", ["{not json", "[1, 2]", '{"id": "x"}', '"text"',
                                  '{"id": 1, "doc": "a", "text": "t", "role": "nobody", '
                                  '"section": "problem", "dimension": "theory"}'])
def test_crafted_passage_lines(index: Path, line: str) -> None:
    path = version(index) / PASSAGES
    lines = path.read_text("utf-8").splitlines()
    lines[1] = line
    path.write_text("\n".join(lines) + "\n", "utf-8")
    rehash(index, PASSAGES)
    refused(index, "passages.jsonl")


def test_pickle_in_npy_is_never_loaded(index: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self) -> tuple:
            return (Path.touch, (marker,))

    evil = np.empty((3, 8), dtype=object)
    evil[0, 0] = Payload()
    path = version(index) / VECTORS
    with path.open("wb") as handle:
        np.lib.format.write_array(handle, evil, allow_pickle=True)
    assert b"pwned" in path.read_bytes()  # the payload really is in the file
    rehash(index, VECTORS)
    refused(index, "vectors.npy")
    assert not marker.exists()


@pytest.mark.parametrize("array", [np.zeros((2, 8), np.float32), np.zeros((3, 9), np.float32),
                                   np.zeros((3, 8), np.float64), np.zeros(24, np.float32),
                                   np.full((3, 8), np.nan, np.float32)])
def test_wrong_shape_dtype_or_values(index: Path, array: np.ndarray) -> None:
    np.save(version(index) / VECTORS, array)
    rehash(index, VECTORS)
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
    lambda m: m["files"].pop(TOKENS),
    lambda m: m["files"].update({"../../etc/passwd": {"size": 1, "sha256": "0"}}),
    lambda m: m.update(counts={"passages": 4, "documents": 1}),
    lambda m: m.update(encoder={"name": "x", "dim": 9, "normalized": True}),
])
def test_crafted_manifest_fields(index: Path, change: Callable[[dict], None]) -> None:
    edit_manifest(index, change)
    refused(index)


def test_missing_data_file(index: Path) -> None:
    (version(index) / TOKENS).unlink()
    refused(index, TOKENS)


def test_crafted_dense_note(index: Path) -> None:
    path = version(index) / "dense.json"
    path.write_text('{"kind": "ivf-sq8", "size": 3, "dim": 8, "ann_rows": 3}', "utf-8")
    rehash(index, "dense.json")
    refused(index)


@pytest.mark.parametrize("pointer", ["../../etc", "v-does-not-exist", "", "\x00\x01"])
def test_current_pointer_outside_or_missing(index: Path, pointer: str) -> None:
    (index / store.CURRENT).write_text(pointer, "utf-8")
    refused(index, "CURRENT")


def test_cli_shows_a_message_not_a_traceback(index: Path) -> None:
    from typer.testing import CliRunner

    from duizhao.cli import app

    (version(index) / VECTORS).write_bytes(b"\x93NUMPY garbage")
    result = CliRunner().invoke(app, ["label", "abc", "--role", "书记", "--index", str(index)])
    assert result.exit_code == 4
    assert "索引已损坏" in result.output
    assert "Traceback" not in result.output


def test_verify_command_reports_a_flipped_byte(index: Path) -> None:
    from typer.testing import CliRunner

    from duizhao.cli import app

    ok = CliRunner().invoke(app, ["verify", "--index", str(index)])
    assert ok.exit_code == 0 and "索引完好" in ok.output
    path = version(index) / PASSAGES
    data = bytearray(path.read_bytes())
    data[2] ^= 0x01
    path.write_bytes(bytes(data))
    bad = CliRunner().invoke(app, ["verify", "--index", str(index)])
    assert bad.exit_code == 4 and "索引已损坏" in bad.output and "passages.jsonl" in bad.output
