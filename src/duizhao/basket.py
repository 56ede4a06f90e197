"""The basket: passages a user picked while searching, exported as a draft skeleton.

A 对照检查材料 is read in a fixed order (存在问题 → 原因剖析 → 整改措施, each by dimension), so
the export groups picked passages the same way, whatever order they were picked in: sections
in taxonomy order, then dimensions in taxonomy order, then pick order. Every passage keeps a
note of where it came from, because the draft is material to rewrite, not text to hand in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from duizhao.errors import UsageError, os_reason
from duizhao.models import Passage
from duizhao.taxonomy import Taxonomy

DEFAULT_TITLE = "对照检查材料（素材草稿）"
EXPORT_SUFFIXES = (".md", ".docx")
_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三: for 一、 and （一） headings (1 ≤ n ≤ 99)."""
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def source_note(passage: Passage) -> str:
    """Where a passage came from: document title and path, and its heading chain."""
    chain = " › ".join(h for h in passage.headings if h) or passage.heading
    where = f"《{passage.title}》（{passage.doc}）" if passage.title else passage.doc
    return f"来源：{where}" + (f" · {chain}" if chain else "")


@dataclass
class Group:
    """One section of the draft with its passages split by dimension, both in taxonomy order."""

    section: str
    section_name: str
    dimensions: list[tuple[str, str, list[Passage]]]  # (key, Chinese name, passages)


def group_passages(passages: list[Passage], taxonomy: Taxonomy) -> list[Group]:
    """Sections in taxonomy order, dimensions in taxonomy order; unknown keys go last."""
    def order(keys: list[str], key: str) -> tuple[int, str]:
        return (keys.index(key), "") if key in keys else (len(keys), key)

    section_keys = taxonomy.keys("section")
    dimension_keys = taxonomy.keys("dimension")
    by_section: dict[str, dict[str, list[Passage]]] = {}
    for passage in passages:
        dims = by_section.setdefault(passage.section.value, {})
        dims.setdefault(passage.dimension.value, []).append(passage)
    groups = []
    for section in sorted(by_section, key=lambda s: order(section_keys, s)):
        dims = by_section[section]
        groups.append(Group(
            section=section,
            section_name=taxonomy.name("section", section),
            dimensions=[(d, taxonomy.name("dimension", d), dims[d])
                        for d in sorted(dims, key=lambda d: order(dimension_keys, d))],
        ))
    return groups


@dataclass
class Basket:
    """Picked passages in pick order; a passage is kept once however often it is picked."""

    passages: list[Passage] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.passages)

    def add(self, passage: Passage) -> bool:
        """Keep ``passage``; False when it is already in the basket."""
        if any(p.id == passage.id for p in self.passages):
            return False
        self.passages.append(passage)
        return True

    def drop(self, number: int) -> Passage:
        """Remove the passage shown as ``number`` (1-based) in the basket listing."""
        if not 1 <= number <= len(self.passages):
            valid = f"1–{len(self.passages)}" if self.passages else "（篮子为空）"
            raise UsageError(f"篮子中没有第 {number} 条。可用编号：{valid}",
                             f"No basket item {number}. Valid numbers: {valid}")
        return self.passages.pop(number - 1)

    def clear(self) -> None:
        self.passages.clear()


def to_markdown(passages: list[Passage], taxonomy: Taxonomy, title: str = DEFAULT_TITLE) -> str:
    """The draft as Markdown: ``## 一、存在问题`` / ``### （一）理论学习`` / passage / source."""
    lines = [f"# {title}", ""]
    for i, group in enumerate(group_passages(passages, taxonomy), 1):
        lines += [f"## {chinese_number(i)}、{group.section_name}", ""]
        for j, (_, dim_name, items) in enumerate(group.dimensions, 1):
            lines += [f"### （{chinese_number(j)}）{dim_name}", ""]
            for passage in items:
                lines += [passage.text.strip(), "", f"> {source_note(passage)}", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def write_docx(passages: list[Passage], taxonomy: Taxonomy, path: Path,
               title: str = DEFAULT_TITLE) -> None:
    """The draft as Word: Heading 1 per section, Heading 2 per dimension, source in grey."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    document = Document()
    normal = document.styles["Normal"]
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    document.add_heading(title, level=0)
    for i, group in enumerate(group_passages(passages, taxonomy), 1):
        document.add_heading(f"{chinese_number(i)}、{group.section_name}", level=1)
        for j, (_, dim_name, items) in enumerate(group.dimensions, 1):
            document.add_heading(f"（{chinese_number(j)}）{dim_name}", level=2)
            for passage in items:
                document.add_paragraph(passage.text.strip())
                run = document.add_paragraph().add_run(source_note(passage))
                run.font.size = Pt(9)
                run.font.color.rgb = RGBColor(0x80, 0x80, 0x80)
    document.save(str(path))


def save_basket(passages: list[Passage], path: Path, taxonomy: Taxonomy,
                title: str = DEFAULT_TITLE) -> Path:
    """Write ``passages`` to ``path`` as .md or .docx, chosen by the suffix."""
    suffix = path.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise UsageError(
            f"无法保存为 “{path.name}”：文件名须以 .md 或 .docx 结尾。",
            f"Cannot save as '{path.name}': the file name must end in .md or .docx.",
        )
    if not passages:
        raise UsageError("篮子为空，没有可保存的内容。先用 /pick N 挑选结果。",
                         "The basket is empty; pick results with /pick N first.")
    if path.parent and not path.parent.is_dir():
        raise UsageError(f"目录不存在：{path.parent}", f"No such directory: {path.parent}")
    try:
        if suffix == ".md":
            path.write_text(to_markdown(passages, taxonomy, title), encoding="utf-8")
        else:
            write_docx(passages, taxonomy, path, title)
    except OSError as exc:
        raise UsageError(f"无法写入 {path}：{os_reason(exc)}",
                         f"Cannot write {path}: {exc}") from exc
    return path
