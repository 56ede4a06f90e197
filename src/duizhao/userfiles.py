"""Files a user hands us (a thesaurus, a taxonomy, cue words) and files we keep for them.

Reading: only a regular file is read (a FIFO or a link to a device named ``mine.toml`` must
not hang a command), up to a size no real file of this kind reaches, and every failure is one
Chinese message naming the file and the fix. Writing: a temp file beside the target, fsync,
then one ``os.replace``, so a crash leaves the old file or the new one, never half of either.
"""

from __future__ import annotations

import contextlib
import os
import tomllib
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from duizhao.errors import ReadError, UsageError, os_reason

MAX_BYTES = 16 * 2**20  # far above any thesaurus, taxonomy or cue file a person writes


def read_user_text(path: Path | str, what: str) -> str:
    """The UTF-8 text (a BOM allowed) of the user's file; ``what`` names it (同义词表, 分类文件)."""
    from duizhao.read.walk import open_regular

    file = Path(path)
    try:
        with open_regular(file, str(file)) as handle:
            raw = handle.read(MAX_BYTES + 1)
    except ReadError as exc:
        raise UsageError(f"无法读取{what} {file}：{exc.zh}", f"Cannot read {file}") from exc
    except OSError as exc:
        raise UsageError(f"无法读取{what} {file}：{os_reason(exc)}。请检查路径。",
                         f"Cannot read {file}: {exc}") from exc
    if len(raw) > MAX_BYTES:
        raise UsageError(f"{what} {file} 过大（上限 {MAX_BYTES // 2**20} MB）。",
                         f"{file} is too large.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{what} {file} 不是 UTF-8 编码。请另存为 UTF-8。",
                         f"{file} is not UTF-8.") from exc


def read_user_toml(path: Path | str, what: str) -> dict[str, Any]:
    """The parsed TOML of the user's file, or a message naming the line that is wrong."""
    text = read_user_text(path, what)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{what} {path} 不是有效的 TOML：{exc}",
                         f"{path} is not valid TOML: {exc}") from exc


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Let ``write`` fill a temp file beside ``path``, then put it in place in one step.

    Raises the ``OSError`` of a full disk or a missing permission (the caller words it); the
    temp file never stays behind and ``path`` keeps its old content.
    """
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):  # nothing left behind; never mask the real error
            tmp.unlink(missing_ok=True)
