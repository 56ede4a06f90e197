"""Plain text: decode bytes without guessing wrong, normalise line endings, nothing else.

Where GBK/GB18030 files are decoded. Order: a BOM decides (UTF-8, UTF-16, UTF-32); else a file
with NUL bytes is UTF-16 without a BOM (Notepad's "Unicode" from some tools) when it reads as
text in one byte order, or binary; else strict UTF-8; else strict GB18030, accepted only when
the result looks like Chinese text rather than another encoding read as GBK (Big5, Latin-1 both
decode "successfully" into nonsense); else, last, UTF-16 without BOM or NULs (all-CJK text).
Files are decoded in 1 MB chunks, so a 50 MB file costs about two copies of its text, not the
bytes plus a 3× decoding buffer; a file that is not UTF-8 is read a second time as GB18030.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
from pathlib import Path
from typing import BinaryIO

from duizhao.errors import ReadError, os_reason
from duizhao.models import SourceText

# BOMs checked longest first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# C0 controls that real text files carry; anything else in quantity means binary.
_TEXT_CONTROLS = frozenset("\t\n\r\f\v\x1a\x1b")
# Share of characters a GB18030 reading may have outside GB2312 before we call it a misreading.
_MAX_RARE_SHARE = 0.10
_MIN_RARE_COUNT = 5
# Mis-decoding and binary content show throughout a file; a prefix is enough to judge.
_SAMPLE = 200_000
_CHUNK = 1 << 20


def io_error(display: str, exc: OSError) -> ReadError:
    """An OS error while reading an open file, in Chinese."""
    return ReadError(f"无法读取文件 {display}：{os_reason(exc)}",
                     f"Cannot read {display}: {exc.strerror or exc}")


def read_decoded(path: Path, display: str) -> tuple[str, str]:
    """Read and decode a text file; returns (text with LF line endings and no BOM, encoding).

    Raises ReadError for binary content, empty files and bytes no supported encoding reads
    cleanly: garbled text would be indexed and searched as if it were real, so we refuse it.
    """
    from duizhao.read.walk import open_regular

    with open_regular(path, display) as stream:
        try:
            return _decode(stream, display)
        except OSError as exc:
            raise io_error(display, exc) from None


def decode_text(data: bytes, display: str) -> tuple[str, str]:
    """Like read_decoded, for bytes already in memory."""
    return _decode(io.BytesIO(data), display)


def _decode(stream: BinaryIO, display: str) -> tuple[str, str]:
    head = stream.read(_SAMPLE)
    bom_codec = next((codec for bom, codec in _BOMS if head.startswith(bom)), None)
    codecs_to_try: tuple[str, ...]
    if bom_codec:
        codecs_to_try = (bom_codec,)
    elif b"\x00" in head:
        utf16 = _utf16_order(head, strict=False)
        if utf16 is None:
            raise _not_text(display)
        codecs_to_try = (utf16,)
    else:
        codecs_to_try = ("utf-8", "gb18030", "utf-16 without BOM")
    for codec in codecs_to_try:
        if codec == "utf-16 without BOM":
            codec = _utf16_order(head, strict=True) or ""
            if not codec:
                break
        stream.seek(0)
        try:
            text = _decode_chunks(stream, codec, display, check_nul=bom_codec is None
                                  and not codec.startswith("utf-16"))
        except UnicodeDecodeError:
            continue
        if codec == "gb18030":
            if _misread_as_gb(text):
                continue
            text = text.removeprefix("\ufeff")
        if _looks_binary(text):
            raise _not_text(display)
        if not text or text.isspace():
            raise empty_file(display)
        return text, codec
    raise _undecodable(display, bom_codec or "utf-8 / gb18030")


def _decode_chunks(stream: BinaryIO, codec: str, display: str, check_nul: bool) -> str:
    """Decode in chunks, turning CRLF/CR into LF as we go: the only whole-size copies are the
    decoded pieces and their join (decoding 50 MB in one call peaks at ~3× the bytes)."""
    from duizhao.read.walk import MAX_FILE_BYTES, too_large

    decoder = codecs.getincrementaldecoder(codec)("strict")
    pieces: list[str] = []
    carry_cr = False
    total = 0
    while True:
        chunk = stream.read(_CHUNK)
        final = not chunk
        total += len(chunk)
        if total > MAX_FILE_BYTES:  # a file that grows while read (/proc, a log being written)
            raise too_large(display)
        if check_nul and b"\x00" in chunk:
            raise _not_text(display)
        piece = decoder.decode(chunk, final=final)
        if carry_cr:
            piece = "\r" + piece
        carry_cr = not final and piece.endswith("\r")  # its "\n" may start the next chunk
        if carry_cr:
            piece = piece[:-1]
        if "\r" in piece:
            piece = piece.replace("\r\n", "\n").replace("\r", "\n")
        pieces.append(piece)
        if final:
            return "".join(pieces)


# What Chinese documents are made of: CJK ideographs and punctuation, full-width forms, ASCII,
# Latin letters, general punctuation. UTF-16 read in the wrong byte order (or binary read as
# UTF-16) gives unassigned, private-use and surrogate code points and scripts from all over.
_UNEXPECTED = re.compile("[^\n\r\t\x20-\x7e\xa0-\u024f\u2000-\u206f\u2100-\u27bf"
                         "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f"
                         "\uff00-\uffef]")


def _utf16_order(head: bytes, strict: bool) -> str | None:
    """"utf-16-le" or "utf-16-be" when ``head`` reads as text in that byte order, else None.

    ``strict`` (no NUL bytes, so no ASCII to go by) asks for nearly all CJK-document characters.
    """
    best: tuple[float, str] | None = None
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            sample = codecs.getincrementaldecoder(codec)("strict").decode(head, final=False)
        except UnicodeDecodeError:
            continue
        if not sample:
            continue
        odd = sum(1 for ch in sample if unicodedata.category(ch) in ("Cn", "Co", "Cs")
                  or (ch < " " and ch not in _TEXT_CONTROLS))
        share = 1 - len(_UNEXPECTED.findall(sample)) / len(sample)
        if odd > len(sample) // 200 or share < (0.95 if strict else 0.8):
            continue
        if best is None or share > best[0]:
            best = (share, codec)
    return best[1] if best else None


def _looks_binary(text: str) -> bool:
    """Control characters beyond the odd stray one mean this is not a text file."""
    sample = text[:_SAMPLE]
    bad = sum(1 for ch in sample if ch < " " and ch not in _TEXT_CONTROLS)
    return bad > max(2, len(sample) // 200)


def _misread_as_gb(text: str) -> bool:
    """True when a GB18030 reading is probably another encoding read as GBK.

    Real GBK/GB18030 Chinese text is overwhelmingly GB2312 characters; Big5 or Latin-1 bytes read
    as GBK give rare extension characters, private-use or unassigned code points.
    """
    rare = 0
    wide = 0
    for ch in text[:_SAMPLE]:
        if ch < "\x80":
            continue
        wide += 1
        category = unicodedata.category(ch)
        if category in ("Co", "Cn", "Cs"):
            return True
        if category[0] in "PSZ":  # punctuation such as — (U+2014) is outside GB2312's mapping
            continue
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            rare += 1
    return rare >= _MIN_RARE_COUNT and rare > wide * _MAX_RARE_SHARE


def empty_file(display: str) -> ReadError:
    return ReadError(f"文件为空：{display}（没有可读取的文字）",
                     f"Empty file: {display} has no text to read")


def _not_text(display: str) -> ReadError:
    return ReadError(
        f"不是文本文件：{display}（含有二进制内容）。"
        "请确认文件类型，或把文字复制到新的 .txt 文件中",
        f"Not a text file: {display} holds binary content. Check the file type, or copy the "
        "text into a new .txt file",
    )


def _undecodable(display: str, tried: str) -> ReadError:
    return ReadError(
        f"无法识别文件编码：{display}（已尝试 {tried}）。请用记事本或 WPS 另存为 UTF-8 编码后重试",
        f"Cannot decode {display} (tried {tried}). Save it as UTF-8 (e.g. Notepad: Save As → "
        "Encoding UTF-8) and try again",
    )


def read_text(path: Path, display_path: str | None = None) -> SourceText:
    """A .txt file as a SourceText: the text exactly as written, only line endings unified."""
    display = display_path or str(path)
    text, encoding = read_decoded(path, display)
    return SourceText(path=display, text=text, format="txt", encoding=encoding)
