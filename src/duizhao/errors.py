"""Typed errors. Each carries a Chinese message first and the English beside it, and an exit code.

The CLI prints ``str(error)`` to stderr and exits with ``error.exit_code``; a traceback means a bug.
"""

from __future__ import annotations


class DuizhaoError(Exception):
    """Base of every error a user can cause; the message says what to do next."""

    exit_code = 1

    def __init__(self, zh: str, en: str = "") -> None:
        self.zh = zh
        self.en = en
        super().__init__(f"{zh}\n{en}" if en else zh)


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
