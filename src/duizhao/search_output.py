"""``duizhao search`` input and output: JSON for scripts, readable text for people, batch files.

Kept out of ``cli.py`` so the command stays a thin layer and the formatting can be tested alone.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from duizhao.errors import UsageError
from duizhao.filenames import shown
from duizhao.query import explanation_lines
from duizhao.search import MODES, Filters, SearchResult
from duizhao.taxonomy import Taxonomy


def result_json(result: SearchResult) -> list[dict[str, Any]]:
    """The CONTRACT array: passages best first, each with ``rank`` and ``score``.

    Each element also carries ``understood``: how the request was read (``QueryPlan.to_json``:
    text matched, recognised role/section/dimension with confidence, thesaurus expansions,
    the one-line explanation). The CONTRACT fixes one array of passages, so the plan rides on
    every element rather than around the array.
    """
    plan = result.understood.to_json() if result.understood is not None else None
    records = []
    for hit in result.hits:
        record = hit.to_json()
        if plan is not None:
            record["understood"] = plan
        records.append(record)
    return records


def understood_line(result: SearchResult) -> str | None:
    """``理解为：…`` when the request was read as more than its plain words, else None."""
    return next(iter(explanation_lines(result.understood)), None)


def dumps(records: list[dict[str, Any]]) -> str:
    return json.dumps(records, ensure_ascii=False)


def highlighter(terms: list[str], color: bool) -> Any:
    """A function marking the query's keywords in a text (bold yellow on a terminal)."""
    words = sorted({t for t in terms if len(t) >= 2 or not t.isascii()}, key=len, reverse=True)
    if not color or not words:
        return lambda text: text
    import typer

    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    return lambda text: pattern.sub(
        lambda m: typer.style(m.group(0), fg=typer.colors.YELLOW, bold=True), text)


def result_text(result: SearchResult, taxonomy: Taxonomy, color: bool = False) -> str:
    """Readable results: rank, score, Chinese labels, source, the passage with keywords marked."""
    mark = highlighter(result.terms, color)
    lines: list[str] = []
    understood = understood_line(result)
    if understood:
        lines += [understood, ""]
    if result.note:
        lines += [f"注意：{result.note}", ""]
    if not result.hits:
        lines.append("没有找到结果。")
    for hit in result.hits:
        p = hit.passage
        labels = " · ".join((taxonomy.name("role", p.role.value),
                             taxonomy.name("section", p.section.value),
                             taxonomy.name("dimension", p.dimension.value)))
        outside = "  ［范围外］" if hit.outside_filters else ""
        head = f"{hit.rank}. [{hit.score:.4f}] {labels}{outside}"
        if color:
            import typer

            head = typer.style(head, bold=True)
        lines.append(head)
        where = f"   《{p.title}》 {shown(p.doc)}" + (f" › {p.heading}" if p.heading else "")
        lines.append(where)
        lines.append("   " + mark(" ".join(p.text.split())))
        lines.append("")
    return "\n".join(lines).rstrip("\n")


@dataclass(frozen=True)
class BatchRequest:
    """One line of a ``--batch`` file."""

    query: str
    filters: Filters
    k: int | None = None
    mode: str | None = None


def read_batch(path: Path) -> list[BatchRequest]:
    """Parse a ``--batch`` file (``-`` = stdin) whole, so a bad line fails before any output."""
    try:
        text = sys.stdin.read() if str(path) == "-" else Path(path).read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"无法读取批量检索文件 {path}：{exc}",
                         f"Cannot read batch file {path}: {exc}") from exc
    requests: list[BatchRequest] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _bad_line(path, number, f"不是 JSON（{exc.msg}）") from exc
        if not isinstance(data, dict) or not isinstance(data.get("query"), str) \
                or not data["query"].strip():
            raise _bad_line(path, number, "须为含非空 \"query\" 字符串的对象")
        labels = {}
        for key in ("role", "dimension", "section"):
            value = data.get(key)
            if value is not None and not isinstance(value, str):
                raise _bad_line(path, number, f"\"{key}\" 须为字符串或 null")
            labels[key] = value
        k = data.get("k")
        if k is not None and (not isinstance(k, int) or isinstance(k, bool) or k < 1):
            raise _bad_line(path, number, "\"k\" 须为正整数")
        mode = data.get("mode")
        if mode is not None and mode not in MODES:
            raise _bad_line(path, number, f"\"mode\" 须为 {' | '.join(MODES)}")
        requests.append(BatchRequest(data["query"], Filters(**labels), k, mode))
    return requests


def _bad_line(path: Path, number: int, why: str) -> UsageError:
    return UsageError(f"批量检索文件 {path} 第 {number} 行有误：{why}",
                      f"Batch file {path}, line {number}: {why}")
