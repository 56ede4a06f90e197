"""Which files to read: the paths a user gave, folders walked, every skip named with its reason.

Only regular files are read. A FIFO named ``.txt`` would block the first read forever, a device
(``/dev/zero``) never ends, a symlink loop never resolves: each is named and skipped, as are
broken symlinks, sub-folders that cannot be listed and files in formats we have no reader for
(with how to convert them). Hidden files, Word lock files (``~$报告.docx``) and system clutter
(``Thumbs.db``, ``__MACOSX``) are skipped quietly. ``open_regular`` re-checks the file type on
the open descriptor, so a file swapped for a FIFO after the walk cannot block either.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from duizhao.errors import ReadError, os_reason
from duizhao.filenames import display_name
from duizhao.models import FileFailure

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf")
SUPPORTED_TEXT = " ".join(SUPPORTED_SUFFIXES)
# Larger inputs are not 对照检查材料; reading one would take minutes and gigabytes.
MAX_FILE_BYTES = 128 * 1024 * 1024
MAX_DEPTH = 64  # folder nesting; deeper trees are almost always a link farm or a mistake

_SAVE_AS_DOCX = ("在 Word/WPS 中打开，另存为 .docx", "open it in Word/WPS and save as .docx")
_IMAGE = ("图片中的文字需先识别：用 WPS/微信等的“提取文字”（OCR）功能转成文字，"
          "另存为 .docx 或 .txt",
          "images need OCR first: extract the text (e.g. WPS or WeChat) and save it as .docx/.txt")
# Conversions to suggest for formats people commonly have instead.
_CONVERT_HINTS: dict[str, tuple[str, str]] = {
    ".doc": _SAVE_AS_DOCX,
    ".wps": ("在 WPS 中打开，另存为 .docx", "open it in WPS and save as .docx"),
    ".rtf": _SAVE_AS_DOCX,
    ".docm": _SAVE_AS_DOCX,
    ".dotx": _SAVE_AS_DOCX,
    ".odt": ("在 WPS/LibreOffice 中打开，另存为 .docx", "open it and save as .docx"),
    ".ofd": ("用数科阅读器等打开，导出为 PDF 或 .docx", "export it to PDF or .docx"),
    ".caj": ("用 CAJViewer 打开，导出为 PDF 或复制文字到 .txt", "export it to PDF or .txt"),
    ".zip": ("先解压，再加入解压出的文件夹", "unpack it first and add the folder"),
    ".rar": ("先解压，再加入解压出的文件夹", "unpack it first and add the folder"),
    ".7z": ("先解压，再加入解压出的文件夹", "unpack it first and add the folder"),
    **{s: _IMAGE for s in (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp",
                           ".heic")},
}
_CLUTTER = frozenset({"thumbs.db", "desktop.ini", "__macosx", "$recycle.bin"})


def unsupported_format(display: str, suffix: str) -> ReadError:
    """The error for a file we have no reader for, saying which formats work and how to convert."""
    zh_hint, en_hint = _CONVERT_HINTS.get(
        suffix, ("在 Word/WPS 中另存为 .docx 或 .txt", "save it as .docx or .txt from Word/WPS"))
    shown = display_name(suffix) if suffix else "（无扩展名）"
    return ReadError(
        f"不支持的文件格式 {shown}：{display}。支持 {SUPPORTED_TEXT}；请{zh_hint}",
        f"Unsupported format {suffix or '(no extension)'}: {display}. Supported: "
        f"{SUPPORTED_TEXT}; {en_hint}",
    )


def _quiet(name: str) -> bool:
    # "~$报告.docx" is Word's lock file for an open document, not a document.
    return name.startswith((".", "~$")) or name.lower() in _CLUTTER


def _stat_failure(display: str, exc: OSError, path: Path) -> FileFailure:
    if exc.errno == errno.ENOENT and os.path.islink(path):
        return FileFailure(display,
                           f"符号链接指向的文件不存在：{display}，已跳过（请检查链接目标）")
    if exc.errno == errno.ENOENT:
        return FileFailure(display, f"路径不存在：{display}，请检查拼写或当前目录")
    if exc.errno == errno.ELOOP:
        return FileFailure(display, f"符号链接循环：{display}，已跳过（请删除或修正该链接）")
    return FileFailure(display, f"无法读取 {display}：{os_reason(exc)}")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "命名管道（FIFO）"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备文件"
    if stat.S_ISSOCK(mode):
        return "套接字"
    return "特殊文件"


def _not_regular(display: str, mode: int) -> FileFailure:
    return FileFailure(display, f"不是普通文件（{_kind(mode)}）：{display}，已跳过")


class _Walk:
    """One run over the user's paths: files already yielded, folders already entered."""

    def __init__(self) -> None:
        self.files: set[tuple[int, int]] = set()
        self.folders: set[tuple[int, int]] = set()
        self.open: set[tuple[int, int]] = set()  # folders being walked: the current chain

    def path(self, path: Path) -> Iterator[Path | FileFailure]:
        display = display_name(path)
        try:
            st = os.stat(path)
        except OSError as exc:
            yield _stat_failure(display, exc, path)
            return
        except ValueError:  # a NUL in the name
            yield FileFailure(display, f"文件名无效：{display}")
            return
        if stat.S_ISDIR(st.st_mode):
            if (st.st_dev, st.st_ino) in self.folders:
                return  # named twice, or inside a folder already read: nothing new
            found = False
            for item in self.folder(path, st, display):
                found = True
                yield item
            if not found:
                yield FileFailure(
                    display, f"文件夹中没有可读取的文件（{SUPPORTED_TEXT}）：{display}")
        elif stat.S_ISREG(st.st_mode):
            suffix = path.suffix.lower()
            if suffix not in SUPPORTED_SUFFIXES:
                yield FileFailure(display, str(unsupported_format(display, suffix)))
            elif self._first(st):
                yield path
        else:
            yield _not_regular(display, st.st_mode)

    def _first(self, st: os.stat_result) -> bool:
        key = (st.st_dev, st.st_ino)
        if key in self.files:
            return False
        self.files.add(key)
        return True

    def folder(self, folder: Path, st: os.stat_result, display: str, depth: int = 0
               ) -> Iterator[Path | FileFailure]:
        """Files under ``folder``, recursively, in a stable sorted order; skips named."""
        key = (st.st_dev, st.st_ino)
        if depth > MAX_DEPTH:
            yield FileFailure(display, f"文件夹层级超过 {MAX_DEPTH} 层：{display}，已跳过"
                              "（请直接加入更深处的文件夹）")
            return
        if key in self.open:
            yield FileFailure(display, f"符号链接循环（指向它所在的文件夹）：{display}，已跳过"
                              "（请删除或修正该链接）")
            return
        if key in self.folders:  # a link to a folder read elsewhere: its files are in already
            return
        self.folders.add(key)
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            yield FileFailure(display, f"无法读取文件夹 {display}：{os_reason(exc)}，已跳过"
                              "（请检查文件夹权限）")
            return
        self.open.add(key)
        try:
            yield from self._entries(folder, entries, depth)
        finally:
            self.open.discard(key)

    def _entries(self, folder: Path, entries: list[os.DirEntry[str]], depth: int
                 ) -> Iterator[Path | FileFailure]:
        folders: list[tuple[Path, os.stat_result, str]] = []
        for entry in entries:  # files first, then sub-folders (as os.walk does)
            if _quiet(entry.name):
                continue
            path = folder / entry.name
            shown = display_name(path)
            try:
                est = entry.stat()  # follows symlinks
            except OSError as exc:
                yield _stat_failure(shown, exc, path)
                continue
            suffix = Path(entry.name).suffix.lower()
            if stat.S_ISDIR(est.st_mode):
                folders.append((path, est, shown))
            elif not stat.S_ISREG(est.st_mode):
                yield _not_regular(shown, est.st_mode)
            elif suffix not in SUPPORTED_SUFFIXES:
                yield FileFailure(shown, str(unsupported_format(shown, suffix)))
            elif self._first(est):
                yield path
        for path, est, shown in folders:
            yield from self.folder(path, est, shown, depth + 1)


def iter_input_files(paths: list[Path]) -> Iterator[Path | FileFailure]:
    """The files to read for ``paths``, in order; a FileFailure naming each path skipped.

    A file reached twice (named twice, through a symlink, a hard link) is yielded once. A folder
    that gives nothing at all is a failure too (it is almost always the wrong folder).
    """
    walk = _Walk()
    for path in paths:
        yield from walk.path(Path(path))


def open_regular(path: Path, display: str) -> BinaryIO:
    """Open a regular file for reading, refusing anything else without blocking on it."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _open_error(display, exc, path) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ReadError(_not_regular(display, st.st_mode).reason,
                            f"Not a regular file: {display}")
        if st.st_size > MAX_FILE_BYTES:
            raise too_large(display, st.st_size)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def too_large(display: str, size: int | None = None) -> ReadError:
    """A file over MAX_FILE_BYTES (``size`` None: it kept growing while read, as /proc files)."""
    shown = f"{size / 2**20:.0f} MB，" if size else ""
    return ReadError(
        f"文件过大（{shown}上限 {MAX_FILE_BYTES // 2**20} MB）：{display}。"
        "请拆分成几个较小的文件后再加入",
        f"File too large (limit {MAX_FILE_BYTES} bytes): {display}; split it into smaller files")


def _open_error(display: str, exc: OSError, path: Path) -> ReadError:
    if isinstance(exc, IsADirectoryError):
        return ReadError(f"这是文件夹，不是文件：{display}", f"{display} is a folder, not a file")
    if exc.errno == errno.ENOENT and not os.path.islink(path):
        return ReadError(f"找不到文件：{display}", f"File not found: {display}")
    failure = _stat_failure(display, exc, path)
    return ReadError(failure.reason, f"Cannot open {display}: {exc.strerror or exc}")
