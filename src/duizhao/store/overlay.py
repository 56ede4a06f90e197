"""The user's label corrections: one small file beside ``CURRENT``, outside the versions.

Corrections are the user's own work, so they must outlive any version of the index: a rebuild
after damage, a new encoder, a new taxonomy. They live in ``index/corrections.json`` (keyed by
passage id, or ``doc:PATH`` for a whole document's role), are written atomically under the
writer lock, and are laid over the stored labels when an index is opened. Recording a
correction rewrites only this file, never the index.

A correction whose value the taxonomy no longer has is *orphaned*: it is kept in the file
(the user may bring the dimension back), reported, and not applied.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from duizhao.errors import IndexCorruptError, ReadError
from duizhao.models import Label, Passage
from duizhao.read.walk import open_regular
from duizhao.taxonomy import Taxonomy
from duizhao.userfiles import atomic_write

Corrections = dict[str, dict[str, str]]
CORRECTIONS = "corrections.json"
DOC_CORRECTION = "doc:"  # key prefix for a whole document's role
KINDS = ("role", "section", "dimension")
MAX_BYTES = 64 * 2**20  # far above any real set of corrections


def read_corrections(directory: Path, legacy_version: Path | None = None) -> Corrections:
    """The corrections of the index at ``directory``; none yet is ``{}``.

    An index written before corrections moved out of the versions keeps them in its live
    version (``legacy_version``); they are read from there until the next write moves them.
    A damaged file is an error that names it (it is never overwritten or dropped).
    """
    path = Path(directory) / CORRECTIONS
    if not path.exists() and not path.is_symlink() and legacy_version is not None:
        path = legacy_version / CORRECTIONS
    if not path.exists():
        return {}
    try:
        with open_regular(path, str(path)) as handle:  # a FIFO or device must not hang us
            data = json.loads(handle.read(MAX_BYTES + 1).decode("utf-8"))
    except ReadError as exc:
        raise _damaged(path, exc.zh) from exc
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _damaged(path, str(exc)) from exc
    if not (isinstance(data, dict) and all(
            isinstance(k, str) and isinstance(v, dict)
            and all(a in KINDS and isinstance(b, str) for a, b in v.items())
            for k, v in data.items())):
        raise _damaged(path, "must map a passage id to {role|section|dimension: value}")
    return {k: dict(v) for k, v in data.items()}


def write_corrections(directory: Path, corrections: Corrections) -> None:
    """Replace the corrections file atomically (the caller holds the writer lock)."""
    text = json.dumps(corrections, ensure_ascii=False, indent=1, sort_keys=True)
    atomic_write(Path(directory) / CORRECTIONS, lambda tmp: tmp.write_text(text, "utf-8"))

def orphaned(corrections: Corrections, taxonomy: Taxonomy) -> list[tuple[str, str, str]]:
    """(key, kind, value) of every correction whose value ``taxonomy`` does not have."""
    out = []
    for key, fix in corrections.items():
        for kind, value in fix.items():
            if value not in taxonomy.keys(kind):  # type: ignore[arg-type]
                out.append((key, kind, value))
    return out


def apply_corrections(passage: Passage, corrections: Corrections,
                      taxonomy: Taxonomy | None = None) -> Passage:
    """The passage with the user's corrections laid over its labels (method "user").

    A document-wide role (key ``doc:PATH``) applies first; a correction of the passage itself
    wins over it. With ``taxonomy``, values it does not have are left out (orphaned).
    """
    fix = {**corrections.get(DOC_CORRECTION + passage.doc, {}),
           **corrections.get(passage.id, {})}
    if taxonomy is not None:
        fix = {k: v for k, v in fix.items() if v in taxonomy.keys(k)}  # type: ignore[arg-type]
    if not fix:
        return passage

    def label(kind: str, current: Label) -> Label:
        return Label(fix[kind], "user", 1.0) if kind in fix else current

    return replace(passage, role=label("role", passage.role),
                   section=label("section", passage.section),
                   dimension=label("dimension", passage.dimension))


def _damaged(path: Path, what: str) -> IndexCorruptError:
    return IndexCorruptError(
        f"标签更正文件无法读取：{path}（{what}）。它保存着您的更正，duizhao 不会覆盖它；"
        "请修复该 JSON 文件，或把它移走后重试（移走即放弃其中的更正）。",
        f"The label corrections file {path} cannot be read ({what}); fix it or move it away.")
