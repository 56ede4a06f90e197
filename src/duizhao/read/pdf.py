"""PDF with a text layer: text in reading order, page furniture dropped, paragraphs rejoined.

pypdfium2 (PDFium, the engine in Chrome) is imported lazily. Each page's text runs and their
boxes go to pdf_layout.py, which orders them, drops page numbers and running headers/footers,
and joins the lines of one paragraph. Pages without a text layer (scans) are read by OCR where
the ``ocr`` extra is installed (ocr.py), with a note to check the text; otherwise a PDF without
any text is named as needing OCR, and such pages in an otherwise readable PDF are listed in a
note. An encrypted PDF is named as needing its password removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from duizhao.errors import ReadError
from duizhao.models import SourceText
from duizhao.read import ocr
from duizhao.read.pdf_layout import Line, Run, page_lines, paragraphs, running_lines
from duizhao.read.text import empty_file

# Bounds, so a small file claiming a million pages (or runs) costs bounded time and memory.
MAX_PAGES = 2000
MAX_RUNS_PER_PAGE = 5000
MAX_CHARS = 10_000_000  # text kept from one PDF (a 2,000-page book is ~3 M)
MAX_OCR_PAGES = 100  # OCR takes seconds a page
# A page with fewer characters than this is treated as having no text layer.
_MIN_PAGE_CHARS = 5
_ERR_PASSWORD = 4


def _pdf_error(display: str, detail: str) -> ReadError:
    return ReadError(
        f"PDF 文件已损坏或无法打开：{display}（{detail}）。请用 PDF 阅读器打开后另存一份，"
        "或把文字复制到 .docx/.txt 文件中",
        f"Damaged or unreadable PDF: {display} ({detail}). Save it again from a PDF reader, "
        "or copy its text into a .docx/.txt file",
    )


def _encrypted(display: str) -> ReadError:
    return ReadError(
        f"PDF 文件设有打开密码：{display}。请用 PDF 阅读器输入密码打开，"
        "另存（或打印）为不加密的 PDF 后再加入",
        f"Password-protected PDF: {display}. Open it with the password and save (or print) it "
        "as a PDF without a password",
    )


def needs_ocr(display: str) -> ReadError:
    extra = "" if ocr.available() else "，或安装文字识别扩展：pip install 'duizhao[ocr]'"
    return ReadError(
        f"PDF 中没有文字层（是扫描件或图片），需要先做文字识别（OCR）：{display}。"
        f"请用 WPS/Acrobat 的“PDF 转 Word”或“图片转文字”功能转成 .docx 后再加入{extra}",
        f"The PDF has no text layer (a scan or images) and needs OCR first: {display}. "
        "Convert it to .docx with an OCR tool (WPS, Acrobat) and add that",
    )


def _open(path: Path, display: str) -> Any:
    import pypdfium2 as pdfium  # lazy: only PDF input needs PDFium

    from duizhao.read.text import io_error
    from duizhao.read.walk import MAX_FILE_BYTES, open_regular, too_large

    with open_regular(path, display) as stream:
        try:
            data = stream.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise io_error(display, exc) from None
    if len(data) > MAX_FILE_BYTES:
        raise too_large(display)
    if b"%PDF" not in data[:1024]:
        raise _pdf_error(display, "不是 PDF 文件")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == _ERR_PASSWORD:
            raise _encrypted(display) from None
        raise _pdf_error(display, str(exc).replace("Failed to load document", "无法载入")) \
            from None


def _page_runs(page: Any) -> list[Run]:
    textpage = page.get_textpage()
    try:
        runs = []
        for i in range(min(textpage.count_rects(), MAX_RUNS_PER_PAGE)):
            left, bottom, right, top = textpage.get_rect(i)
            text = textpage.get_text_bounded(left, bottom, right, top)
            runs.append(Run(text.replace("\r", "").replace("\n", " "), left, bottom, right, top))
        return runs
    finally:
        textpage.close()


@dataclass
class _Pages:
    lines: list[list[Line]] = field(default_factory=list)  # pages with text, in order
    blank: list[int] = field(default_factory=list)  # 1-based numbers of pages without text
    scanned: list[int] = field(default_factory=list)  # pages read by OCR
    read: int = 0
    unread_scans: int = 0  # scanned pages past MAX_OCR_PAGES


def _has_image(page: Any) -> bool:
    import pypdfium2.raw as pdfium_c

    image = pdfium_c.FPDF_PAGEOBJ_IMAGE
    return any(obj.type == image for obj in page.get_objects(max_depth=3))


def _has_text(lines: list[Line]) -> bool:
    return sum(len(line.text.strip()) for line in lines) >= _MIN_PAGE_CHARS


def _pages_text(document: Any) -> _Pages:
    out = _Pages()
    use_ocr = ocr.available()
    chars = 0
    for number in range(min(len(document), MAX_PAGES)):
        if chars > MAX_CHARS:
            break
        out.read = number + 1
        page = document[number]
        try:
            lines = page_lines(_page_runs(page))
            pictured = _has_text(lines) or _has_image(page)
            over_cap = len(out.scanned) >= MAX_OCR_PAGES
            if not _has_text(lines) and pictured and use_ocr and not over_cap:
                lines = page_lines(ocr.page_runs(page))
                if _has_text(lines):
                    out.scanned.append(number + 1)
        finally:
            page.close()
        if _has_text(lines):
            out.lines.append(lines)
            chars += sum(len(line.text) for line in lines)
        elif pictured and use_ocr and over_cap:
            out.unread_scans += 1
        elif pictured:  # a page with neither text nor pictures is just blank
            out.blank.append(number + 1)
    return out


def _page_list(numbers: list[int]) -> str:
    shown = "、".join(str(n) for n in numbers[:10])
    return f"第 {shown} 页" + (f"等 {len(numbers)} 页" if len(numbers) > 10 else "")


def read_pdf(path: Path, display_path: str | None = None) -> SourceText:
    """A PDF's text layer as SourceText: one line per paragraph, page furniture removed."""
    display = display_path or str(path)
    document = _open(path, display)
    try:
        total = len(document)
        pages = _pages_text(document)
    finally:
        document.close()
    if not pages.lines:
        if not pages.blank and not pages.unread_scans:  # no page with text or pictures
            raise empty_file(display)
        raise needs_ocr(display)
    drop = running_lines(pages.lines)
    body = [[line for i, line in enumerate(lines) if i not in gone]
            for lines, gone in zip(pages.lines, drop, strict=True)]
    text = "\n".join(paragraphs(body))
    if not text.strip():
        raise empty_file(display)
    notes: list[str] = []
    if pages.scanned:
        notes.append(f"{display} {_page_list(pages.scanned)}是扫描页，已用文字识别（OCR）读取，"
                     "可能有错字，请核对")
    if pages.unread_scans:
        notes.append(f"{display} 另有 {pages.unread_scans} 页扫描页超过文字识别的上限 "
                     f"{MAX_OCR_PAGES} 页，未读取；请把它拆成较小的文件")
    if pages.blank:
        notes.append(f"{display} {_page_list(pages.blank)}没有文字层（可能是扫描页），未读取；"
                     "如需这些内容，请先做文字识别（OCR）")
    if total > pages.read:
        notes.append(f"{display} 共 {total} 页，只读取了前 {pages.read} 页；请把它拆成较小的文件")
    return SourceText(path=display, text=text, format="pdf", encoding="pdf", notes=tuple(notes))
