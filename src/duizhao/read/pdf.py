"""PDF with a text layer: text in reading order, page furniture dropped, paragraphs rejoined.

pypdfium2 (PDFium, the engine in Chrome) is imported lazily. Each page's text runs and their
boxes go to pdf_layout.py, which orders them, drops page numbers and running headers/footers,
and joins the lines of one paragraph. A PDF without a text layer (a scan, photos of pages) is
named as needing OCR, an encrypted one as needing its password removed, and pages without text
in an otherwise readable PDF are listed in a note.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from duizhao.errors import ReadError
from duizhao.models import SourceText
from duizhao.read.pdf_layout import Line, Run, page_lines, paragraphs, running_lines
from duizhao.read.text import empty_file

MAX_PAGES = 2000
MAX_RUNS_PER_PAGE = 20_000
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
    return ReadError(
        f"PDF 中没有文字层（是扫描件或图片），需要先做文字识别（OCR）：{display}。"
        "请用 WPS/Acrobat 的“PDF 转 Word”或“图片转文字”功能转成 .docx 后再加入",
        f"The PDF has no text layer (a scan or images) and needs OCR first: {display}. "
        "Convert it to .docx with an OCR tool (WPS, Acrobat) and add that",
    )


def _open(path: Path, display: str) -> Any:
    import pypdfium2 as pdfium  # lazy: only PDF input needs PDFium

    from duizhao.read.text import io_error
    from duizhao.read.walk import open_regular

    with open_regular(path, display) as stream:
        try:
            data = stream.read()
        except OSError as exc:
            raise io_error(display, exc) from None
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


def _pages_text(document: Any) -> tuple[list[list[Line]], list[int], int]:
    """(lines of each page with text, 1-based numbers of pages without text, pages read)."""
    pages: list[list[Line]] = []
    blank: list[int] = []
    count = min(len(document), MAX_PAGES)
    for number in range(count):
        page = document[number]
        try:
            lines = page_lines(_page_runs(page))
        finally:
            page.close()
        if sum(len(line.text.strip()) for line in lines) < _MIN_PAGE_CHARS:
            blank.append(number + 1)
        else:
            pages.append(lines)
    return pages, blank, count


def _page_list(numbers: list[int]) -> str:
    shown = "、".join(str(n) for n in numbers[:10])
    return f"第 {shown} 页" + (f"等 {len(numbers)} 页" if len(numbers) > 10 else "")


def read_pdf(path: Path, display_path: str | None = None) -> SourceText:
    """A PDF's text layer as SourceText: one line per paragraph, page furniture removed."""
    display = display_path or str(path)
    document = _open(path, display)
    try:
        total = len(document)
        pages, blank, read = _pages_text(document)
    finally:
        document.close()
    if not pages:
        if total == 0:
            raise empty_file(display)
        raise needs_ocr(display)
    drop = running_lines(pages)
    body = [[line for i, line in enumerate(lines) if i not in gone]
            for lines, gone in zip(pages, drop, strict=True)]
    text = "\n".join(paragraphs(body))
    if not text.strip():
        raise empty_file(display)
    notes: list[str] = []
    if blank:
        notes.append(f"{display} {_page_list(blank)}没有文字层（可能是扫描页），未读取；"
                     "如需这些内容，请先做文字识别（OCR）")
    if total > read:
        notes.append(f"{display} 共 {total} 页，只读取了前 {read} 页；请把它拆成较小的文件")
    return SourceText(path=display, text=text, format="pdf", encoding="pdf", notes=tuple(notes))
