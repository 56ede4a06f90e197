"""The parts of a .docx the reader needs, taken from the zip with bounded work.

Only three parts are read (the main document, its styles and numbering), each through a
decompressed-size cap: a 750 KB file can unpack to gigabytes. Word's "Strict Open XML" files use
other namespace and relationship names for the same markup; they are mapped onto the usual
(transitional) ones before parsing. A password-protected .docx is not a zip at all but an OLE
compound file holding an ``EncryptedPackage`` stream; it, and an old .doc renamed to .docx, are
named as what they are with the fix. XML is parsed without DTDs, entities or network access.
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from duizhao.errors import ReadError
from duizhao.read.numbering import W

MAX_PART_BYTES = 32 * 1024 * 1024
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_STRICT_W = b"http://purl.oclc.org/ooxml/wordprocessingml/main"
_TRANSITIONAL_W = W[1:-1].encode()
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# An OLE directory entry: the stream name in UTF-16-LE with its terminator, then (at offset 64)
# the name's length in bytes: 34 for "EncryptedPackage".
_ENCRYPTED_NAME = "EncryptedPackage\0".encode("utf-16-le")


@dataclass(frozen=True)
class DocxParts:
    """Parsed XML roots: the main document's ``w:document``, and styles/numbering if present."""

    document: Any
    styles: Any | None
    numbering: Any | None


def damaged(display: str, detail: str) -> ReadError:
    return ReadError(
        f"Word 文件已损坏或不是真正的 .docx：{display}（{detail}）。"
        "请在 Word/WPS 中打开后重新另存为 .docx 再试",
        f"Damaged or not a real .docx: {display} ({detail}). Open it in Word/WPS and save it "
        "again as .docx, then retry",
    )


def _encrypted(display: str) -> ReadError:
    return ReadError(
        f"Word 文件设有打开密码：{display}。请在 Word/WPS 中输入密码打开，"
        "在“文件 → 信息/文档加密”中清除密码后另存为 .docx，再加入",
        f"Password-protected .docx: {display}. Open it in Word/WPS with the password, remove "
        "the password (File → Info → Protect Document) and save it again as .docx",
    )


def _old_doc(display: str) -> ReadError:
    return ReadError(
        f"这是旧版 Word 97-2003（.doc）文件，只是扩展名为 .docx：{display}。"
        "请在 Word/WPS 中打开，另存为 .docx",
        f"An old Word 97-2003 .doc file named .docx: {display}. Open it in Word/WPS and save "
        "it as .docx",
    )


def _has_encrypted_package(stream: BinaryIO) -> bool:
    """True when the OLE file holds a directory entry named EncryptedPackage (any sector)."""
    stream.seek(0)
    offset = 0
    tail = b""
    while True:
        chunk = stream.read(1 << 20)
        if not chunk:
            return False
        data = tail + chunk
        base = offset - len(tail)
        hit = data.find(_ENCRYPTED_NAME)
        while hit >= 0:
            entry = base + hit
            length = data[hit + 64:hit + 66]
            if entry % 128 == 0 and (len(length) < 2 or length == b"\x22\x00"):
                return True
            hit = data.find(_ENCRYPTED_NAME, hit + 1)
        offset += len(chunk)
        tail = data[-128:]


def _read_part(zf: zipfile.ZipFile, name: str, display: str) -> bytes | None:
    """A part's bytes, None when absent; refuses to unpack more than MAX_PART_BYTES."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    too_big = damaged(display, f"{name} 解压后超过 {MAX_PART_BYTES // 2**20} MB，"
                               "可能是异常或恶意构造的文件")
    too_big.en = (f"{display}: part {name} unpacks to more than {MAX_PART_BYTES} bytes "
                  "(a zip bomb?)")
    if info.file_size > MAX_PART_BYTES:
        raise too_big
    pieces: list[bytes] = []
    size = 0
    with zf.open(info) as part:  # the declared size can lie: count what really comes out
        while True:
            piece = part.read(1 << 20)
            if not piece:
                break
            size += len(piece)
            if size > MAX_PART_BYTES:
                raise too_big
            pieces.append(piece)
    return b"".join(pieces)


def _parse(data: bytes, name: str, display: str) -> Any:
    from lxml import etree  # lazy: only .docx input needs lxml

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        return etree.fromstring(data.replace(_STRICT_W, _TRANSITIONAL_W), parser)
    except etree.XMLSyntaxError as exc:
        raise damaged(display, f"{name} 不是有效的 XML：{exc}") from None


def _relationships(zf: zipfile.ZipFile, source: str, display: str) -> dict[str, str]:
    """{relationship kind ("officeDocument", "styles", …): part name} for one part's rels.

    Kinds are the last segment of the relationship type, which is what transitional and
    Strict files share.
    """
    folder, base = posixpath.split(source)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    data = _read_part(zf, rels_name, display)
    if data is None:
        return {}
    found: dict[str, str] = {}
    for rel in _parse(data, rels_name, display):
        if not isinstance(rel.tag, str) or not rel.tag.endswith("Relationship"):
            continue
        kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
        target = rel.get("Target") or ""
        if rel.get("TargetMode") == "External" or not target or kind in found:
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        found[kind] = posixpath.normpath(path)
    return found


def open_docx(path: Path, display: str) -> DocxParts:
    """Read and parse the parts of ``path``; ReadError naming what is wrong and the fix."""
    from duizhao.read.walk import open_regular

    with open_regular(path, display) as stream:
        head = stream.read(8)
        if head.startswith(CFB_MAGIC):
            raise _encrypted(display) if _has_encrypted_package(stream) else _old_doc(display)
        if not head.startswith(b"PK"):
            raise damaged(display, "不是 zip 压缩包，可能是其他格式的文件改了扩展名")
        stream.seek(0)
        try:
            with zipfile.ZipFile(stream) as zf:
                return _parts(zf, display)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
            raise damaged(display, f"zip 结构损坏：{exc}") from None
        except (OSError, RuntimeError) as exc:  # truncated data, an encrypted zip entry
            raise damaged(display, f"无法解压：{exc}") from None


def _parts(zf: zipfile.ZipFile, display: str) -> DocxParts:
    main = _relationships(zf, "", display).get("officeDocument", "word/document.xml")
    data = _read_part(zf, main, display)
    if data is None:
        raise damaged(display, f"缺少 {main}")
    document = _parse(data, main, display)
    if document.find(W + "body") is None:
        raise damaged(display, f"{main} 中没有 Word 正文（w:body）")
    related = _relationships(zf, main, display)
    folder = posixpath.dirname(main)
    roots: list[Any | None] = []
    for kind in ("styles", "numbering"):
        name = related.get(kind, posixpath.join(folder, f"{kind}.xml"))
        try:  # the text reads without them, only headings and numbers would be lost
            part = _read_part(zf, name, display)
            roots.append(_parse(part, name, display) if part is not None else None)
        except ReadError:
            roots.append(None)
    return DocxParts(document, roots[0], roots[1])
