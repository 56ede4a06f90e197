"""Readers: files → SourceText, one module per format (text, markdown, docx, pdf).

``read_document`` picks the reader by suffix; ``iter_input_files`` (walk.py) turns the paths a
user gave into the files to read, naming what it skips instead of stopping at it. Every reader
opens its file with ``walk.open_regular``; the text it returns loses its control characters
(terminal colour codes pasted into a .txt would reach the terminal from search results) and
passes ``limits.cap_lines``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from duizhao.errors import ReadError
from duizhao.filenames import display_name
from duizhao.models import SourceText
from duizhao.read.limits import cap_lines
from duizhao.read.walk import (
    MAX_FILE_BYTES,
    SUPPORTED_SUFFIXES,
    iter_input_files,
    open_regular,
    unsupported_format,
)

# ANSI escape sequences (CSI "ESC [ … m", OSC "ESC ] … BEL"), then any other C0/C1 control
# but the line break and the tab.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]{0,512}(?:\x07|\x1b\\)?")
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def without_controls(source: SourceText) -> SourceText:
    """``source`` with escape sequences and control characters removed (lines stay as they are)."""
    text = source.text
    if text.isprintable() or not _CONTROLS.search(text):
        return source
    return replace(source, text=_CONTROLS.sub("", _ANSI.sub("", text)))


def read_document(path: Path, display_path: str | None = None) -> SourceText:
    """Read one file as SourceText; ``display_path`` (default ``str(path)``) names it everywhere.

    Raises ReadError (never a traceback) for anything about the file itself.
    """
    display = display_path or display_name(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise unsupported_format(display, suffix)
    if path.is_dir():
        raise ReadError(f"这是文件夹，不是文件：{display}", f"{display} is a folder, not a file")
    if suffix == ".txt":
        from duizhao.read.text import read_text as reader
    elif suffix == ".md":
        from duizhao.read.markdown import read_markdown as reader
    elif suffix == ".docx":
        from duizhao.read.docx import read_docx as reader
    else:
        from duizhao.read.pdf import read_pdf as reader
    return cap_lines(without_controls(reader(path, display)))


__all__ = ["MAX_FILE_BYTES", "SUPPORTED_SUFFIXES", "iter_input_files", "open_regular",
           "read_document", "unsupported_format", "without_controls"]
