"""What the library holds, document by document: ``duizhao docs``.

A user who collects materials over the years needs to see what is in the library, who wrote
each one (as labelled), how many passages it gave, and whether its file is still where it
was and unchanged — before a rebuild, or to find the files to fix with ``duizhao label``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from duizhao.filenames import locate, shown
from duizhao.store import open_index

STATUS_NAMES = {"ok": "正常", "changed": "已改动", "missing": "源文件不存在",
                "unreadable": "无法读取"}


@dataclass(frozen=True)
class DocumentStatus:
    doc: str  # as stored: absolute, resolves from anywhere
    title: str
    role: str  # taxonomy key, after the user's corrections
    role_name: str
    passages: int  # passages the document is the source of
    status: str  # ok | changed | missing | unreadable

    def to_json(self) -> dict[str, Any]:
        return {"doc": self.doc, "title": self.title, "role": self.role,
                "passages": self.passages, "status": self.status}

    @property
    def shown(self) -> str:
        return shown(self.doc)


def list_documents(index_dir: Path, check_files: bool = True) -> list[DocumentStatus]:
    """Every document in the index, in stored order; ``check_files`` re-reads each file to
    tell an edited one (``changed``: run ``duizhao add`` on it) from an unchanged one."""
    index = open_index(Path(index_dir), search=False)
    passages = Counter(p.doc for p in index.passages)
    roles: dict[str, Counter[str]] = {}
    for p in index.passages:
        roles.setdefault(p.doc, Counter())[p.role.value] += 1
    out = []
    for record in index.documents:
        role = roles[record.doc].most_common(1)[0][0] if record.doc in roles else record.role
        out.append(DocumentStatus(
            record.doc, record.title, role, index.taxonomy.name("role", role),
            passages.get(record.doc, 0),
            _status(record.doc, record.content_hash) if check_files else
            ("ok" if locate(record.doc) is not None else "missing")))
    return out


def _status(doc: str, content_hash: str) -> str:
    from duizhao.clean import clean
    from duizhao.errors import DuizhaoError
    from duizhao.read import read_document

    path = locate(doc)
    if path is None:
        return "missing"
    try:
        text = clean(read_document(path, shown(doc)))
    except (DuizhaoError, OSError, ValueError):
        return "unreadable"
    return "ok" if text.content_hash == content_hash else "changed"
