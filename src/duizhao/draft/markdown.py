"""The draft as Markdown: the same headings and numbers as the Word file, sources as footnotes.

Bold titles close before their final punctuation (``**…差距**。``): CommonMark does not end
bold on ``。**`` followed by a Chinese character, so ``**…差距。**对…`` would print the stars.
Sources are Markdown footnotes (``[^1]``), listed after the text, so none sits between points.
"""

from __future__ import annotations

import re

from duizhao.draft.layout import Draft, Point

_TRAILING_PUNCT = re.compile(r"[。！？!?”’」』）)]+$")


def _bold(text: str) -> str:
    match = _TRAILING_PUNCT.search(text)
    core, tail = (text[: match.start()], match.group()) if match else (text, "")
    return f"**{core}**{tail}" if core else text


def _point(point: Point) -> str:
    if point.number and point.title:
        return _bold(point.number + point.title) + point.body
    return point.number + point.title + point.body


def to_markdown(draft: Draft, sources: bool = True) -> str:
    lines = [f"# {draft.info.title}", ""]
    if draft.info.byline:
        lines += [draft.info.byline, ""]
    notes: list[str] = []
    for section in draft.sections:
        if section.heading:
            lines += [f"## {section.heading}", ""]
        for group in section.groups:
            if group.heading:
                lines += [f"### {group.heading}", ""]
            for point in group.points:
                paragraphs = [_point(point), *point.more]
                if sources and point.source is not None:
                    notes.append(point.source.describe())
                    paragraphs[-1] += f"[^{len(notes)}]"
                for paragraph in paragraphs:
                    lines += [paragraph, ""]
    if draft.info.date:
        lines += [draft.info.date, ""]
    if notes:
        lines += ["---", ""]
        lines += [f"[^{i}]: {note}" for i, note in enumerate(notes, 1)]
    return "\n".join(lines).rstrip("\n") + "\n"
