"""Files → labelled passages: read, segment and label many files, collecting failures.

One unreadable file never stops the rest: whatever goes wrong with it (a reader's ReadError, an
OS error, a bug, running out of memory) becomes a ``FileFailure`` with the reason, and the caller
(``library.build``/``add``) decides the exit code. Documents stream one at a time, so a folder
of 10,000 files needs memory for one file plus the passages kept. Files are named by
``filenames.display_name`` (GBK names decoded, control characters escaped), and passages are
kept under ``limits.MAX_PASSAGE_CHARS`` so the encoder's work per passage is bounded.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from duizhao.clean import clean
from duizhao.errors import DuizhaoError
from duizhao.filenames import display_name, escape_controls, stored_name
from duizhao.label import label_document
from duizhao.models import FileFailure, Label, Passage
from duizhao.read import iter_input_files, read_document
from duizhao.read.limits import MAX_PASSAGE_CHARS, split_long
from duizhao.role import role_is_uncertain
from duizhao.segment import segment
from duizhao.taxonomy import UNKNOWN_ROLE, Taxonomy


@dataclass(frozen=True)
class DocumentInfo:
    """What the index remembers of one source document."""

    path: str
    content_hash: str
    title: str
    role: Label
    format: str
    encoding: str
    passages: int
    structured: bool
    notes: tuple[str, ...] = ()  # what reading changed (long lines broken, pages dropped …)

    @property
    def role_uncertain(self) -> bool:
        """Nothing in the text said who wrote it (``unknown``), or it said so unclearly: the
        user should set it (``--role``, ``duizhao label --doc``)."""
        return role_is_uncertain(self.role)

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "content_hash": self.content_hash,
            "title": self.title,
            "role": self.role.to_json(),
            "format": self.format,
            "encoding": self.encoding,
            "passages": self.passages,
            "structured": self.structured,
        }


@dataclass
class IngestResult:
    passages: list[Passage] = field(default_factory=list)
    documents: list[DocumentInfo] = field(default_factory=list)
    failures: list[FileFailure] = field(default_factory=list)


def ingest_file(
    path: Path,
    taxonomy: Taxonomy,
    role: str | None = None,
    display_path: str | None = None,
) -> tuple[DocumentInfo, list[Passage]]:
    """Read, segment and label one file. ``role`` (a taxonomy key) overrides the role cues.

    Messages name the file as given (``display_path``); the document is stored under its
    absolute name (``filenames.stored_name``) so it resolves from any working directory.
    """
    source = clean(read_document(path, display_path or display_name(path)))
    source = replace(source, path=stored_name(path))
    title, segments = segment(source, taxonomy)
    segments, split = split_long(segments)
    notes = source.notes
    if split:
        notes += (f"{display_path or display_name(path)} 有 {split} 段超过 {MAX_PASSAGE_CHARS} 字，"
                  "已按句子拆成较短的段落",)
    passages = label_document(source, title, segments, taxonomy, role)
    role_label = passages[0].role if passages else (
        Label(role, "option", 1.0) if role else Label(UNKNOWN_ROLE, "default"))
    info = DocumentInfo(
        path=source.path,
        content_hash=source.content_hash,
        title=title,
        role=role_label,
        format=source.format,
        encoding=source.encoding,
        passages=len(passages),
        structured=any(seg.structured for seg in segments),
        notes=notes,
    )
    return info, passages


def iter_ingest(
    paths: Iterable[Path],
    taxonomy: Taxonomy,
    role: str | None = None,
) -> Iterator[tuple[DocumentInfo, list[Passage]] | FileFailure]:
    """Yield each document's passages, or a FileFailure with the reason, one file at a time."""
    for item in iter_input_files(list(paths)):
        if isinstance(item, FileFailure):
            yield item
            continue
        display = display_name(item)
        try:
            ingested = ingest_file(item, taxonomy, role, display)
        except DuizhaoError as error:
            yield FileFailure(display, error.zh)
        except MemoryError:
            yield FileFailure(display, f"内存不足，无法读取：{display}。请把它拆成几个较小的文件")
        except Exception as error:  # a reader bug must not stop the other files
            detail = escape_controls(f"{type(error).__name__}: {error}")[:300]
            yield FileFailure(display, f"读取时出错：{display}（{detail}）。"
                              "请在 Word/WPS 中另存为 .docx 或 .txt 后重试")
        else:
            yield ingested


def ingest_paths(
    paths: Iterable[Path],
    taxonomy: Taxonomy,
    role: str | None = None,
) -> IngestResult:
    """All of ``iter_ingest`` at once, for small inputs and tests."""
    result = IngestResult()
    for item in iter_ingest(paths, taxonomy, role):
        if isinstance(item, FileFailure):
            result.failures.append(item)
        else:
            info, passages = item
            result.documents.append(info)
            result.passages.extend(passages)
    return result
