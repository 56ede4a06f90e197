"""Readers: files → SourceText, one module per format (text.py, markdown.py, docx.py).

``read_document`` picks the reader by suffix; ``iter_input_files`` turns the paths a user gave
into the files to read, reporting what cannot be read instead of stopping at it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from duizhao.errors import ReadError
from duizhao.models import FileFailure, SourceText

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx")

# Conversions to suggest for formats people commonly have instead.
_CONVERT_HINTS: dict[str, tuple[str, str]] = {
    ".pdf": ("把 PDF 中的文字复制到一个 .txt 文件中", "copy the PDF's text into a .txt file"),
    ".doc": ("在 Word/WPS 中打开，另存为 .docx", "open it in Word/WPS and save as .docx"),
    ".wps": ("在 WPS 中打开，另存为 .docx", "open it in WPS and save as .docx"),
    ".rtf": ("在 Word/WPS 中打开，另存为 .docx", "open it in Word/WPS and save as .docx"),
    ".odt": ("在 WPS/LibreOffice 中打开，另存为 .docx", "open it and save as .docx"),
}


def unsupported_format(display: str, suffix: str) -> ReadError:
    """The error for a file we have no reader for, saying which formats work and how to convert."""
    zh_hint, en_hint = _CONVERT_HINTS.get(
        suffix, ("在 Word/WPS 中另存为 .docx 或 .txt", "save it as .docx or .txt from Word/WPS"))
    shown = suffix or "（无扩展名）"
    return ReadError(
        f"不支持的文件格式 {shown}：{display}。支持 .txt .md .docx；请{zh_hint}",
        f"Unsupported format {suffix or '(no extension)'}: {display}. Supported: .txt .md .docx; "
        f"{en_hint} (for PDF, copy the text into a .txt file)",
    )


def read_document(path: Path, display_path: str | None = None) -> SourceText:
    """Read one file as SourceText; ``display_path`` (default ``str(path)``) names it everywhere.

    Raises ReadError (never a traceback) for anything about the file itself.
    """
    display = display_path or str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise unsupported_format(display, suffix)
    if path.is_dir():
        raise ReadError(f"这是文件夹，不是文件：{display}", f"{display} is a folder, not a file")
    if suffix == ".txt":
        from duizhao.read.text import read_text

        return read_text(path, display)
    if suffix == ".md":
        from duizhao.read.markdown import read_markdown

        return read_markdown(path, display)
    from duizhao.read.docx import read_docx

    return read_docx(path, display)


def _hidden(name: str) -> bool:
    # "~$报告.docx" is Word's lock file for an open document, not a document.
    return name.startswith((".", "~$"))


def _walk(folder: Path) -> Iterator[Path]:
    """Readable files under ``folder``, recursively, in a stable sorted order."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not _hidden(d))
        base = Path(root)
        for name in sorted(files):
            if not _hidden(name) and Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                yield base / name


def iter_input_files(paths: list[Path]) -> Iterator[Path | FileFailure]:
    """The files to read for ``paths``, in order; a FileFailure for each path that gives none.

    A missing path or an unsupported file named explicitly is a failure; inside folders, hidden
    files and unsupported formats are skipped quietly, but a folder with nothing readable is a
    failure (it is almost always the wrong folder). A file reached twice is yielded once.
    """
    seen: set[Path] = set()
    for path in paths:
        display = str(path)
        if path.is_dir():
            found = False
            for file in _walk(path):
                found = True
                key = file.resolve()
                if key not in seen:
                    seen.add(key)
                    yield file
            if not found:
                yield FileFailure(display, f"文件夹中没有可读取的文件（.txt .md .docx）：{display}")
        elif path.is_file():
            suffix = path.suffix.lower()
            if suffix not in SUPPORTED_SUFFIXES:
                yield FileFailure(display, str(unsupported_format(display, suffix)))
                continue
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                yield path
        else:
            yield FileFailure(display, f"路径不存在：{display}，请检查拼写或当前目录")
