"""Build the files a careless or hostile user hands `duizhao build`, for real, small.

Word files start from a real python-docx document and are edited at the XML level (Strict
namespaces, a huge numbering start, a zip bomb); PDFs are drawn with reportlab's built-in CJK
font STSong-Light (no font file needed) so PDFium has a real text layer to extract; the
encrypted .docx is encrypted by msoffcrypto-tool, as Word would.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from docx_fixtures import write_docx

TRANSITIONAL_W = b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"
STRICT_W = b"http://purl.oclc.org/ooxml/wordprocessingml/main"
TRANSITIONAL_R = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_R = b"http://purl.oclc.org/ooxml/officeDocument/relationships"

DOC_LINES = ["一、存在的主要问题", "（一）理论学习方面。", "1.学习不够深入，满足于读原文、记笔记。",
             "（二）工作作风方面。", "1.调查研究不够，联系群众不紧密。"]


def rewrite_docx(src: Path, dst: Path, edit: Callable[[str, bytes], bytes]) -> None:
    """Copy a .docx part by part, passing each part's bytes through ``edit``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, edit(info.filename, zin.read(info.filename)))


def strict_docx(path: Path) -> str:
    """A Word "Strict Open XML" document; returns the text a reader should give back."""
    plain = path.with_name("transitional_" + path.name)
    expected = write_docx(plain, DOC_LINES, auto_number=True)

    def to_strict(name: str, data: bytes) -> bytes:
        data = data.replace(TRANSITIONAL_W, STRICT_W).replace(TRANSITIONAL_R, STRICT_R)
        if name == "word/document.xml":
            data = data.replace(b"<w:document ", b'<w:document w:conformance="strict" ', 1)
        return data

    rewrite_docx(plain, path, to_strict)
    plain.unlink()
    return expected


def huge_numbering_docx(path: Path) -> None:
    """Automatic numbering that starts at 999999999999 in a letter format (AAAA… n/26 times)."""
    plain = path.with_name("plain_" + path.name)
    write_docx(plain, DOC_LINES, auto_number=True)

    def huge(name: str, data: bytes) -> bytes:
        if name != "word/numbering.xml":
            return data
        data = data.replace(b'w:start w:val="1"', b'w:start w:val="999999999999"')
        data = data.replace(b'w:numFmt w:val="decimal"', b'w:numFmt w:val="lowerLetter"')
        return data.replace(b'w:startOverride w:val="1"', b'w:startOverride w:val="999999999999"')

    rewrite_docx(plain, path, huge)
    plain.unlink()


def zip_bomb_docx(path: Path, unpacked_mb: int = 200) -> None:
    """A real .docx whose document.xml unpacks to ``unpacked_mb`` MB (the file stays < 1 MB)."""
    plain = path.with_name("plain_" + path.name)
    write_docx(plain, DOC_LINES)
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="'
            + TRANSITIONAL_W + b'"><w:body>')
    filler = b"<w:p><w:r><w:t>\xe5\xad\xa6</w:t></w:r></w:p>" * 20_000
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED,
                                                         compresslevel=9) as zout:
        for info in zin.infolist():
            if info.filename != "word/document.xml":
                zout.writestr(info.filename, zin.read(info.filename))
        with zout.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(head)
            written = len(head)
            while written < unpacked_mb * 2**20:
                part.write(filler)
                written += len(filler)
            part.write(b"</w:body></w:document>")
    plain.unlink()


def encrypted_docx(path: Path) -> None:
    """A .docx with an opening password, encrypted as Word does (OLE EncryptedPackage)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = path.with_name("plain_" + path.name)
    write_docx(plain, DOC_LINES)
    with plain.open("rb") as source, path.open("wb") as out:
        OOXMLFile(source).encrypt("密码123", out)
    plain.unlink()


# ---------------------------------------------------------------- PDF

FONT = "STSong-Light"
SIZE = 12.0
LEFT, TOP = 72.0, 760.0
CHARS_PER_LINE = 30  # body width: 30 full-width characters of SIZE points


def _font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def wrap(paragraph: str, indent: int = 2) -> list[tuple[float, str]]:
    """A paragraph of full-width characters as (x, line) pairs, first line indented."""
    lines: list[tuple[float, str]] = []
    first = CHARS_PER_LINE - indent
    lines.append((LEFT + indent * SIZE, paragraph[:first]))
    rest = paragraph[first:]
    while rest:
        lines.append((LEFT, rest[:CHARS_PER_LINE]))
        rest = rest[CHARS_PER_LINE:]
    return lines


def write_pdf(path: Path, pages: Sequence[Sequence[tuple[float, str]]],
              header: str | None = None, footer: Callable[[int, int], str] | None = None,
              running_footer: str | None = None, reverse: bool = False,
              password: str | None = None) -> None:
    """Pages of (x, text) lines drawn top down, with optional running header/footer lines.

    ``reverse`` draws each page's lines bottom-up and the header last, so the content stream
    order is not the reading order.
    """
    from reportlab.pdfgen import canvas

    _font()
    encrypt = None
    if password is not None:
        from reportlab.lib.pdfencrypt import StandardEncryption

        encrypt = StandardEncryption(password, canPrint=0)
    pdf = canvas.Canvas(str(path), encrypt=encrypt)
    for number, lines in enumerate(pages, start=1):
        draws: list[tuple[float, float, str, float]] = []
        for row, (x, text) in enumerate(lines):
            draws.append((x, TOP - row * 1.8 * SIZE, text, SIZE))
        if header:
            draws.append((LEFT, 800.0, header, 9.0))
        if running_footer:
            draws.append((LEFT, 60.0, running_footer, 9.0))
        if footer:
            draws.append((280.0, 40.0, footer(number, len(pages)), 9.0))
        for x, y, text, size in reversed(draws) if reverse else draws:
            pdf.setFont(FONT, size)
            pdf.drawString(x, y, text)
        pdf.showPage()
    pdf.save()


def image_only_pdf(path: Path) -> None:
    """A "scan": a page of Chinese text drawn as a picture and placed in a new PDF.

    The glyphs come from the Noto Sans CJK font shipped by the test extra's
    ``noto-cjk-sans-jp-regular`` wheel, so the picture holds real Chinese characters whatever
    fonts the machine has.
    """
    from noto_cjk_sans_jp_regular import FONT_PATH
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("RGB", (1785, 2526), "white")  # A4 at ~216 dpi
    font = ImageFont.truetype(str(FONT_PATH), 48)
    ImageDraw.Draw(image).text((220, 300), "理论学习不够深入，满足于读原文、记笔记。",
                               font=font, fill="black")
    pdf = canvas.Canvas(str(path))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    pdf.drawImage(ImageReader(buffer), 0, 0, 595, 842)
    pdf.showPage()
    pdf.save()
