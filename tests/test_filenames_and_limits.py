"""Invariants of file-name display (filenames.py) and of the line/passage caps (read/limits.py)."""

from __future__ import annotations

import os
import tempfile
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duizhao.filenames import decode_argument, display_name, escape_controls, locate
from duizhao.models import Segment, SourceText
from duizhao.read.limits import cap_lines, split_long

# Any byte string that can be a file name on Linux (no "/" and no NUL).
_NAMES = st.binary(min_size=1, max_size=40).filter(
    lambda b: b"/" not in b and b"\0" not in b and b not in (b".", b".."))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_NAMES)
def test_property_any_name_is_shown_printable_and_found_again(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.fsencode(tmp) + b"/sub/" + raw
        os.mkdir(os.fsencode(tmp) + b"/sub")
        with open(path, "wb") as out:
            out.write(b"x")
        shown = display_name(os.fsdecode(path))
        shown.encode("utf-8")  # valid text: no lone surrogates
        assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs")
                       for ch in shown), repr(shown)
        found = locate(shown)
        assert found is not None and os.fsencode(found) == path


def test_gbk_names_read_as_chinese() -> None:
    raw = "组织生活会/张三对照检查.docx".encode("gbk")
    assert display_name(os.fsdecode(raw)) == "组织生活会/张三对照检查.docx"


def test_plain_names_are_unchanged() -> None:
    for name in ["corpus/003_369052e5566db757.txt", "/home/用户/材料 2024/a b.md", "../x.txt"]:
        assert display_name(name) == name
        assert display_name(Path(name)) == name


def test_control_and_bidi_characters_are_escaped() -> None:
    assert escape_controls("a\x1b[2Jb\x07\u202etxt.exe") == "a\\x1b[2Jb\\x07\\u202etxt.exe"
    assert display_name("evil\x9b31m.txt") == "evil\\u009b31m.txt"


def test_locate_gives_none_for_a_missing_file(tmp_path: Path) -> None:
    assert locate(str(tmp_path / "nope.txt")) is None
    assert locate(str(tmp_path / "张三.txt")) is None


def test_decode_argument() -> None:
    assert decode_argument("理论学习") == "理论学习"
    assert decode_argument(os.fsdecode("理论学习".encode("gbk"))) == "理论学习"
    assert decode_argument(os.fsdecode(b"\xff\xfe")) is None


_TEXT = st.text(st.sampled_from("理论学习，。；！ abc\n"), max_size=3000)


@settings(max_examples=200)
@given(_TEXT, st.integers(min_value=8, max_value=300))
def test_property_cap_lines_keeps_every_character(text: str, cap: int) -> None:
    source = SourceText("t.txt", text, "txt", heading_levels={0: 1})
    capped = cap_lines(source, cap)
    assert all(len(line) <= cap for line in capped.text.split("\n"))
    assert capped.text.replace("\n", "") == text.replace("\n", "")
    if capped is not source:
        assert capped.notes and "已在句末断成较短的行" in capped.notes[-1]
        assert capped.heading_levels == {0: 1}


@settings(max_examples=200)
@given(_TEXT, st.integers(min_value=8, max_value=300))
def test_property_split_long_pieces_map_back_to_the_source(text: str, cap: int) -> None:
    start = 5
    source = "前言。\n" + text[:1] + text  # offsets into a longer document
    body = source[start:]
    segment = Segment(start=start, end=len(source), text=body, headings=("一、问题",),
                      point_title="问题", ordinal=0)
    pieces, split = split_long([segment], cap)
    assert split == (1 if len(body) > cap else 0)
    for i, piece in enumerate(pieces):
        assert len(piece.text) <= cap
        assert source[piece.start:piece.end] == piece.text
        assert piece.headings == ("一、问题",) and piece.ordinal == i
    assert "".join("".join(p.text.split()) for p in pieces) == "".join(body.split())
