"""The basket: the passages a user picked and the paragraphs they wrote, kept on disk.

Each pick is a self-contained snapshot of the passage (id, text, labels, title, heading
chain, document), so rebuilding the index or removing a document never loses it. Each item
sits in a slot (section × dimension): a pick starts in the slot of its labels, ``move`` puts
it elsewhere, a note (the user's own paragraph) goes where the user says. Items are numbered
in draft order (sections, then dimensions, in taxonomy order, then as added), the order
``/basket`` lists them and the draft prints them.

The basket lives in ``basket.json`` at the top of the index directory (outside the versioned
index data, which writers leave alone), rewritten atomically after every change, so a
Ctrl-C, a crash or a closed terminal loses nothing; the next shell restores it.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from duizhao.draft import Draft, DraftInfo, Entry, Labels, Source, lay_out, write_draft
from duizhao.errors import ReadError, UsageError, os_reason
from duizhao.models import Passage
from duizhao.read.walk import open_regular
from duizhao.userfiles import atomic_write

BASKET_FILE = "basket.json"
FORMAT = 1
# The slots a 对照检查材料 is expected to fill: /outline shows them, /save warns of empty ones.
CORE_SECTIONS = ("problem", "cause", "measure")


@dataclass
class Item:
    """A pick (``passage`` set) or the user's own paragraph (``note``), in a slot."""

    section: str
    dimension: str
    passage: Passage | None = None
    note: str = ""

    @property
    def text(self) -> str:
        return self.passage.text if self.passage is not None else self.note

    def entry(self) -> Entry:
        source = None
        if self.passage is not None:
            p = self.passage
            source = Source(p.title, p.headings or ((p.heading,) if p.heading else ()), p.doc)
        return Entry(self.text, self.section, self.dimension, source)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"section": self.section, "dimension": self.dimension}
        if self.passage is not None:
            out["passage"] = self.passage.to_json()
        else:
            out["note"] = self.note
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Item:
        passage = Passage.from_json(data["passage"]) if "passage" in data else None
        return cls(str(data["section"]), str(data["dimension"]), passage,
                   str(data.get("note", "")))


@dataclass
class Basket:
    """Items in the order they were added; ``ordered()`` gives draft order (the numbering)."""

    labels: Labels
    items: list[Item] = field(default_factory=list)
    info: DraftInfo = field(default_factory=DraftInfo)
    saved: str = ""  # digest of the content when last written to a draft file

    def __len__(self) -> int:
        return len(self.items)

    @property
    def picks(self) -> list[Passage]:
        return [i.passage for i in self.ordered() if i.passage is not None]

    def ordered(self) -> list[Item]:
        return sorted(self.items, key=lambda i: (self.labels.order("section", i.section),
                                                 self.labels.order("dimension", i.dimension)))

    def add(self, passage: Passage) -> bool:
        """Keep ``passage`` in the slot of its labels; False when it is already here."""
        if any(i.passage is not None and i.passage.id == passage.id for i in self.items):
            return False
        self.items.append(Item(passage.section.value, passage.dimension.value, passage))
        return True

    def add_note(self, text: str, section: str, dimension: str) -> Item:
        item = Item(section, dimension, note=text.strip())
        self.items.append(item)
        return item

    def item(self, number: int) -> Item:
        """The item shown as ``number`` (1-based, draft order)."""
        ordered = self.ordered()
        if not 1 <= number <= len(ordered):
            valid = f"1–{len(ordered)}" if ordered else "（篮子为空）"
            raise UsageError(f"篮子中没有第 {number} 条。可用编号：{valid}",
                             f"No basket item {number}. Valid numbers: {valid}")
        return ordered[number - 1]

    def drop(self, numbers: list[int]) -> list[Item]:
        """Remove items by number; checks them all first, so one typo removes nothing."""
        chosen = [self.item(n) for n in numbers]
        self.items = [i for i in self.items if all(i is not c for c in chosen)]
        return chosen

    def move(self, number: int, section: str | None, dimension: str | None) -> Item:
        """Put item ``number`` in another slot; it goes last there."""
        item = self.item(number)
        self.items.remove(item)
        moved = replace(item, section=section or item.section,
                        dimension=dimension or item.dimension)
        self.items.append(moved)
        return moved

    def clear(self) -> None:
        self.items.clear()

    def draft(self, info: DraftInfo | None = None) -> Draft:
        return lay_out([i.entry() for i in self.ordered()], self.labels, info or self.info)

    def count(self, section: str, dimension: str) -> int:
        return sum(i.section == section and i.dimension == dimension for i in self.items)

    def empty_slots(self) -> list[tuple[str, str]]:
        """Core sections × dimensions (not "other") with nothing in them, in draft order."""
        dims = [k for k, _ in self.labels.dimensions if k != "other"]
        return [(s, d) for s in CORE_SECTIONS for d in dims if not self.count(s, d)]

    def digest(self) -> str:
        content = {"items": [i.to_json() for i in self.items], "info": self.info.__dict__}
        raw = json.dumps(content, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]

    @property
    def unsaved(self) -> bool:
        """Something is in the basket that no draft file has had since it changed."""
        return bool(self.items) and self.digest() != self.saved

    def mark_saved(self) -> None:
        self.saved = self.digest()

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "labels": self.labels.to_json(),
                "info": dict(self.info.__dict__), "saved": self.saved,
                "items": [i.to_json() for i in self.items]}

    @classmethod
    def from_json(cls, data: dict[str, Any], labels: Labels | None = None) -> Basket:
        """Items and settings from ``data``; ``labels`` (the index's taxonomy) come first,
        the copy stored with the basket fills in what they lack."""
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown basket format {data.get('format')!r}")
        stored = Labels.from_json(data["labels"]) if "labels" in data else default_labels()
        labels = labels or stored
        # the index's taxonomy first; names only the stored copy knows are kept after it
        extra_s = tuple(p for p in stored.sections if p[0] not in dict(labels.sections))
        extra_d = tuple(p for p in stored.dimensions if p[0] not in dict(labels.dimensions))
        merged = Labels(labels.sections + extra_s, labels.dimensions + extra_d)
        return cls(merged, [Item.from_json(i) for i in data["items"]],
                   DraftInfo(**{k: str(v) for k, v in data.get("info", {}).items()
                                if k in DraftInfo.__dataclass_fields__}),
                   str(data.get("saved", "")))


def default_labels() -> Labels:
    from duizhao.taxonomy import load_taxonomy

    return Labels.from_taxonomy(load_taxonomy())


def basket_path(index_dir: Path) -> Path:
    return Path(index_dir) / BASKET_FILE


def load_basket(path: Path, labels: Labels | None = None) -> tuple[Basket, str | None]:
    """The basket stored at ``path`` (an empty one when there is none) and a note for the user.

    A damaged file is renamed aside, never deleted, and the note says where it went.
    """
    if not path.exists() and not path.is_symlink():
        return Basket(labels or default_labels()), None
    try:
        with open_regular(path, str(path)) as handle:  # a FIFO or device must not hang us
            raw = handle.read()
    except ReadError as exc:
        raise UsageError(f"无法读取篮子 {path}：{exc.zh}", f"Cannot read basket {path}") from exc
    except OSError as exc:
        raise UsageError(f"无法读取篮子 {path}：{os_reason(exc)}",
                         f"Cannot read basket {path}: {exc}") from exc
    try:
        return Basket.from_json(json.loads(raw.decode("utf-8")), labels), None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        aside = path.with_name(f"{path.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(path, aside)
        except OSError as move_error:
            raise UsageError(
                f"篮子文件 {path} 已损坏，且无法改名保留：{os_reason(move_error)}",
                f"Basket {path} is damaged and cannot be moved aside") from exc
        said = f"篮子文件已损坏，原文件改名保留为 {aside.name}；本次从空篮子开始。"
        return Basket(labels or default_labels()), said


def store_basket(basket: Basket, path: Path) -> None:
    """Write the basket atomically (temp file, fsync, rename): old or new, never half."""
    data = json.dumps(basket.to_json(), ensure_ascii=False, indent=1)
    try:
        atomic_write(path, lambda tmp: tmp.write_text(data, encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"篮子无法存盘（{path}）：{os_reason(exc)}",
                         f"Cannot store the basket at {path}: {exc}") from exc

def draft_from_basket(index_dir: Path, output: Path, *, title: str | None = None,
                      unit: str | None = None, name: str | None = None,
                      date: str | None = None, sources: bool = True,
                      overwrite: bool = False) -> tuple[Basket, str | None]:
    """``duizhao draft``: write the index's basket to ``output``; given settings are kept."""
    path = basket_path(index_dir)
    basket, note = load_basket(path)
    if not basket:
        raise UsageError(f"篮子为空（{path}）。先在 duizhao shell --index {index_dir} 中用 /pick "
                         "挑选段落。", f"The basket at {path} is empty; pick passages first.")
    given = {"title": title, "unit": unit, "name": name, "date": date}
    basket.info = replace(basket.info, **{k: v for k, v in given.items() if v is not None})
    write_draft(basket.draft(), output, sources=sources, overwrite=overwrite)
    basket.mark_saved()
    store_basket(basket, path)
    return basket, note
