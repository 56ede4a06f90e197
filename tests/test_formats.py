"""The same document in every supported format gives the same passages and labels (issue 2).

Each sample document is written as UTF-8 .txt, GB18030 .txt, Markdown (title as ``#``, section
headings in ``**``) and two real .docx files, one plain and one whose 一、/（一）/1. numbers come
from Word's automatic numbering rather than from the text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx_fixtures import write_docx

from duizhao.ingest import ingest_file
from duizhao.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "corpus").glob("*.txt"))
TAX = load_taxonomy()
_SECTION_LINE = re.compile(r"^[一二三四五六七八九十]+、")


def plain_lines(seed: Path) -> list[str]:
    """The seed's lines without the Markdown decoration some seeds carry in their .txt."""
    lines = seed.read_text("utf-8").split("\n")
    return [re.sub(r"^\*\*(.*)\*\*$", r"\1", line.removeprefix("# ")) for line in lines]


def as_markdown(lines: list[str]) -> str:
    out = []
    lines = [line.replace("*", "\\*") for line in lines]  # a literal asterisk, escaped
    for i, line in enumerate(lines):
        if i == 0:
            out.append(f"# {line}")
        elif _SECTION_LINE.match(line):
            out.append(f"**{line}**")
        else:
            out.append(line)
    return "\n".join(out)


def observed(path: Path) -> list[tuple[object, ...]]:
    info, passages = ingest_file(path, TAX)
    return [(info.title, p.id, p.text, p.heading, p.headings, p.role.value, p.section.value,
             p.dimension.value, p.dimension.method) for p in passages]


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_every_format_gives_the_same_passages(seed: Path, tmp_path: Path) -> None:
    lines = plain_lines(seed)
    text = "\n".join(lines)
    utf8 = tmp_path / "doc-utf8.txt"
    utf8.write_text(text, "utf-8")
    gb = tmp_path / "doc-gb.txt"
    gb.write_bytes(text.encode("gb18030"))
    md = tmp_path / "doc.md"
    md.write_text(as_markdown(lines), "utf-8")
    docx_plain = tmp_path / "doc-plain.docx"
    write_docx(docx_plain, [line for line in lines if line.strip()])
    docx_auto = tmp_path / "doc-auto.docx"
    write_docx(docx_auto, [line for line in lines if line.strip()], auto_number=True)

    reference = observed(utf8)
    assert len(reference) >= 15
    for other in (gb, md, docx_plain, docx_auto):
        assert observed(other) == reference, other.name


def test_auto_numbered_docx_really_has_no_number_text(tmp_path: Path) -> None:
    """Guard for the test above: the numbers must come from numbering.xml, not the text."""
    import docx

    lines = plain_lines(SEEDS[2])
    path = tmp_path / "auto.docx"
    write_docx(path, [line for line in lines if line.strip()], auto_number=True)
    texts = [p.text for p in docx.Document(str(path)).paragraphs]
    assert "存在的突出问题" in texts
    assert not any(t.startswith(("一、", "（一）")) for t in texts)
