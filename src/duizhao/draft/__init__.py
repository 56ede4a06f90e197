"""Draft layout: picked passages and the user's notes → a 对照检查材料 to hand in.

``layout`` decides the structure (standard section order and headings, dimension
sub-headings, the sources' ordinals stripped and points renumbered); ``word`` writes it as a
公文-layout .docx with sources as comments, ``markdown`` as Markdown with sources as footnotes.
``write_draft`` picks the writer by suffix and writes atomically: a failed or interrupted
save never leaves half a file, and an existing file is replaced only when asked.
"""

from __future__ import annotations

from pathlib import Path

from duizhao.draft.layout import (
    Draft,
    DraftInfo,
    Entry,
    Labels,
    Source,
    chinese_number,
    lay_out,
)
from duizhao.errors import UsageError, os_reason
from duizhao.userfiles import atomic_write

DRAFT_SUFFIXES = (".docx", ".md")

__all__ = ["DRAFT_SUFFIXES", "Draft", "DraftInfo", "Entry", "Labels", "Source",
           "chinese_number", "check_target", "free_name", "lay_out", "write_draft"]


def check_target(path: Path) -> None:
    """A UsageError unless ``path`` can take a draft: known suffix, existing folder."""
    if path.suffix.lower() not in DRAFT_SUFFIXES:
        raise UsageError(f"无法保存为 “{path.name}”：文件名须以 .docx 或 .md 结尾。",
                         f"Cannot save as '{path.name}': the name must end in .docx or .md.")
    if not path.parent.is_dir():
        raise UsageError(f"目录不存在：{path.parent}", f"No such directory: {path.parent}")
    if path.is_dir():
        raise UsageError(f"{path} 是文件夹，请给出文件名。", f"{path} is a folder.")


def free_name(path: Path) -> Path:
    """``草稿（2）.docx``, ``草稿（3）.docx`` …: the first name beside ``path`` not yet taken."""
    for n in range(2, 1000):
        candidate = path.with_name(f"{path.stem}（{n}）{path.suffix}")
        if not candidate.exists():
            return candidate
    raise UsageError(f"{path.parent} 中同名文件太多，请换一个文件名。",
                     f"Too many files named like {path.name}.")


def write_draft(draft: Draft, path: Path, sources: bool = True, overwrite: bool = False) -> Path:
    """Write ``draft`` as .docx or .md (by suffix) via a temp file and an atomic rename.

    Without ``overwrite`` an existing ``path`` is an error and stays as it was.
    """
    check_target(path)
    if path.exists() and not overwrite:
        raise UsageError(f"{path} 已存在，未覆盖。", f"{path} exists; not overwritten.")

    def write(tmp: Path) -> None:
        if path.suffix.lower() == ".md":
            from duizhao.draft.markdown import to_markdown

            tmp.write_text(to_markdown(draft, sources), encoding="utf-8")
        else:
            from duizhao.draft.word import write_docx

            write_docx(draft, tmp, sources)

    try:
        atomic_write(path, write)
    except OSError as exc:
        raise UsageError(f"无法写入 {path}：{os_reason(exc)}",
                         f"Cannot write {path}: {exc}") from exc
    return path
