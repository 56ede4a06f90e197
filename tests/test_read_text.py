"""Plain-text reading: encodings, line endings, and refusing what is not clean text."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duizhao.errors import ReadError
from duizhao.read import read_document
from duizhao.read.text import decode_text

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SEED = CORPUS / "000_29e5a74810614467.txt"


def test_utf8_seed_reads_verbatim() -> None:
    source = read_document(SEED, "corpus/000.txt")
    assert source.path == "corpus/000.txt"
    assert source.format == "txt"
    assert source.encoding == "utf-8"
    assert source.text == SEED.read_text(encoding="utf-8")
    assert source.heading_levels == {}


def test_path_defaults_to_the_path_as_given() -> None:
    assert read_document(SEED).path == str(SEED)


def test_mixed_brackets_and_stray_spaces_kept() -> None:
    # The seeds hold a half-width "(四）" and a leading no-break space: keep them, don't "fix".
    lines = read_document(SEED).text.split("\n")
    assert "(四）担当作为方面。" in lines
    seed4 = read_document(CORPUS / "004_d29e0af6fa98f9af.txt").text.split("\n")
    assert seed4[2].startswith("\xa0根据上级通知要求")  # a no-break space


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(codecs.BOM_UTF8 + "一、存在问题\n内容".encode())
    source = read_document(path)
    assert source.text == "一、存在问题\n内容"
    assert source.encoding == "utf-8-sig"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(tmp_path: Path, codec: str) -> None:
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    path = tmp_path / "u16.txt"
    path.write_bytes(bom + "（一）理论学习方面。\r\n一是学习不够。".encode(codec))
    source = read_document(path)
    assert source.text == "（一）理论学习方面。\n一是学习不够。"
    assert source.encoding == "utf-16"


def test_gb18030_seed_reads_like_utf8(tmp_path: Path) -> None:
    utf8 = read_document(SEED)
    path = tmp_path / "gbk.txt"
    path.write_bytes(SEED.read_text(encoding="utf-8").encode("gb18030"))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # the file really is not UTF-8
    gb = read_document(path)
    assert gb.encoding == "gb18030"
    assert gb.text == utf8.text


def test_gbk_windows_file_with_crlf(tmp_path: Path) -> None:
    path = tmp_path / "win.txt"
    path.write_bytes("一、存在的问题\r\n（一）理论学习方面。\r\n".encode("gbk"))
    source = read_document(path)
    assert source.text == "一、存在的问题\n（一）理论学习方面。\n"
    assert source.encoding == "gb18030"


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_line_endings_become_lf(tmp_path: Path, newline: str) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(newline.join(["标题", "", "（一）方面。", "一是。"]).encode())
    assert read_document(path).text == "标题\n\n（一）方面。\n一是。"


def test_big5_is_refused_not_garbled(tmp_path: Path) -> None:
    # Big5 bytes decode "successfully" as GBK into nonsense; we must refuse instead.
    path = tmp_path / "big5.txt"
    path.write_bytes(("對照檢查材料：理論學習方面存在差距，聯繫群眾不夠緊密，"
                      "擔當作為還需加強，廉潔自律意識有待提高。" * 3).encode("big5"))
    with pytest.raises(ReadError) as err:
        read_document(path)
    assert "编码" in str(err.value) and "UTF-8" in str(err.value)


def test_undecodable_bytes_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes("正文".encode() + b"\xff\xfe\xfa" * 3 + b" end")
    with pytest.raises(ReadError) as err:
        read_document(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("content", [b"", b"   \r\n\t\n", "\u3000\n".encode()])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(ReadError) as err:
        read_document(path)
    assert "文件为空" in str(err.value) and "empty" in str(err.value).lower()
    assert err.value.exit_code == 3


@pytest.mark.parametrize("content", [
    b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)),  # a zip (docx) renamed .txt
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64),
    bytes(range(1, 32)) * 20,  # control characters without a NUL
])
def test_binary_named_txt(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(content)
    with pytest.raises(ReadError) as err:
        read_document(path)
    message = str(err.value)
    assert "不是文本文件" in message and "not a text file" in err.value.en.lower()
    assert "report.txt" in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as err:
        read_document(tmp_path / "nope.txt")
    assert "nope.txt" in str(err.value)


def _normalised(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")


# Any text without control characters (other than line breaks and tabs) and without
# surrogates; UTF-8 must round-trip all of it.
_ANY = st.text(st.characters(blacklist_categories=("Cs", "Cc"))
               | st.sampled_from("\n\r\t"), max_size=200)
# Chinese-document-like text for GB18030: GB2312 hanzi, Chinese punctuation, ASCII.
def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


_HANZI = [chr(c) for c in range(0x4E00, 0x9FA6) if _in_gb2312(chr(c))]
_CHINESE = st.text(st.sampled_from(_HANZI) | st.sampled_from("，。、；：？！“”‘’（）《》—…·　")
                   | st.characters(min_codepoint=0x20, max_codepoint=0x7E)
                   | st.sampled_from("\n\r\t"), max_size=200)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(_ANY)
def test_property_utf8_round_trip(text: str) -> None:
    expected = _normalised(text)
    if not expected.strip():
        with pytest.raises(ReadError):
            decode_text(text.encode("utf-8"), "p.txt")
        return
    decoded, encoding = decode_text(text.encode("utf-8"), "p.txt")
    assert decoded == expected
    assert encoding in ("utf-8", "utf-8-sig")


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(_CHINESE)
def test_property_gb18030_round_trip(text: str) -> None:
    expected = _normalised(text)
    data = text.encode("gb18030")
    if not expected.strip():
        with pytest.raises(ReadError):
            decode_text(data, "p.txt")
        return
    decoded, encoding = decode_text(data, "p.txt")
    try:
        as_utf8 = data.decode("utf-8")
    except UnicodeDecodeError:
        as_utf8 = None
    if as_utf8 is None:
        assert (decoded, encoding) == (expected, "gb18030")
    else:
        # A few short GB18030 strings are also valid UTF-8 (e.g. pure ASCII); UTF-8 wins,
        # which is right for ASCII and a known ambiguity for two or three stray hanzi.
        assert decoded == _normalised(as_utf8)


@pytest.mark.parametrize("codec", ["utf-8", "gb18030", "utf-16"])
def test_chunk_boundaries_split_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        codec: str) -> None:
    # Tiny chunks put CRLF pairs and multi-byte characters across chunk edges.
    monkeypatch.setattr("duizhao.read.text._CHUNK", 5)
    text = SEED.read_text(encoding="utf-8")
    path = tmp_path / "chunks.txt"
    path.write_bytes(text.replace("\n", "\r\n").encode(codec))
    assert read_document(path).text == text
