"""Typed errors: a Chinese message for the user, an English one for logs, and an exit code.

The CLI prints ``str(error)`` (the Chinese message: one language on screen) to stderr and exits
with ``error.exit_code``; ``error.en`` is kept for logs and tests. A traceback means a bug.
"""

from __future__ import annotations

import errno


class DuizhaoError(Exception):
    """Base of every error a user can cause; the message says what to do next."""

    exit_code = 1

    def __init__(self, zh: str, en: str = "") -> None:
        self.zh = zh
        self.en = en
        super().__init__(zh)


class UsageError(DuizhaoError):
    """A bad value on the command line or in a call (unknown label, bad option)."""

    exit_code = 2


class ReadError(DuizhaoError):
    """A file could not be read or decoded; other files in the same run go on."""

    exit_code = 3


class IndexError_(DuizhaoError):
    """The index is missing, old, foreign, corrupt or locked."""

    exit_code = 4


class IndexMissingError(IndexError_):
    pass


class IndexCorruptError(IndexError_):
    pass


class IndexLockedError(IndexError_):
    exit_code = 5


class EncoderMismatchError(IndexError_):
    pass


class EncoderError(DuizhaoError):
    """The requested encoder cannot be loaded (not installed, not found offline)."""

    exit_code = 6


class PartialFailure(DuizhaoError):
    """Some input files failed while the rest were indexed (build/add exit non-zero)."""

    exit_code = 3


_OS_REASONS = {
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "超出磁盘配额",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EROFS: "只读的文件系统",
    errno.ENOENT: "文件或文件夹不存在",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EISDIR: "这是文件夹，不是文件",
    errno.ENAMETOOLONG: "文件名太长",
    errno.ELOOP: "符号链接循环",
    errno.EIO: "读写设备出错",
    errno.EMFILE: "打开的文件太多",
}


def os_reason(exc: OSError) -> str:
    """An operating-system error in Chinese (the OS's own text is English)."""
    if exc.errno in _OS_REASONS:
        return _OS_REASONS[exc.errno]
    return f"系统错误（errno {exc.errno}）" if exc.errno else "系统错误"
