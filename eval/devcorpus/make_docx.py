"""Regenerate the development corpus's .docx files from their plain-text sources.

``sources/NAME.txt`` (UTF-8, one paragraph per line) becomes ``docs/NAME.docx``, written the
way colleagues' Word files usually are: a centred title, body paragraphs with a first-line
indent, section headings in bold or in a Heading style. Markup in a source line:
``# text`` title, ``## text`` Heading 1 style, ``**text**`` a bold paragraph, ``%% text`` a
bold run followed by the rest of the line as normal text (``%% 一是理论学习不深入。|正文…``,
split at the first ``|``), anything else a normal paragraph. Run: ``python make_docx.py``.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

HERE = Path(__file__).resolve().parent


def convert(source: Path, target: Path) -> None:
    document = Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(14)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋")
    for raw in source.read_text("utf-8").splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        if line.startswith("# "):
            paragraph = document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(line[2:].strip())
            run.bold = True
            run.font.size = Pt(22)
        elif line.startswith("## "):
            document.add_heading(line[3:].strip(), level=1)
        elif line.startswith("**") and line.endswith("**"):
            document.add_paragraph().add_run(line.strip("*")).bold = True
        elif line.startswith("%% "):
            head, _, body = line[3:].partition("|")
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.first_line_indent = Pt(28)
            paragraph.add_run(head).bold = True
            paragraph.add_run(body)
        else:
            paragraph = document.add_paragraph(line.strip())
            paragraph.paragraph_format.first_line_indent = Pt(28)
    document.core_properties.author = "duizhao devcorpus"
    document.save(str(target))


def main() -> None:
    for source in sorted((HERE / "sources").glob("*.txt")):
        convert(source, HERE / "docs" / f"{source.stem}.docx")
        print(f"{source.name} -> docs/{source.stem}.docx")


if __name__ == "__main__":
    main()
