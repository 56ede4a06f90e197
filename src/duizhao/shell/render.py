"""Plain-text rendering for the shell: results, a passage in context, the basket, the status.

Pure functions from records to strings, shared by the terminal and the pipe front ends, so
what a test reads from a pipe is exactly what a person sees at the prompt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from duizhao.basket import source_note
from duizhao.models import Passage
from duizhao.query import explanation_lines
from duizhao.taxonomy import Taxonomy

if TYPE_CHECKING:
    from duizhao.search import Filters, SearchHit, SearchResult

MODE_NAMES = {"hybrid": "混合检索", "dense": "语义检索", "keyword": "关键词检索"}
SNIPPET = 120  # characters of a result shown in a list; /open shows all of it


def snippet(text: str, width: int = SNIPPET) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def labels(passage: Passage, taxonomy: Taxonomy) -> str:
    return " · ".join((
        taxonomy.name("section", passage.section.value),
        taxonomy.name("dimension", passage.dimension.value),
        taxonomy.name("role", passage.role.value),
    ))


def filter_parts(filters: Filters, taxonomy: Taxonomy) -> list[tuple[str, str]]:
    """(角色, 党支部书记)… for each kind, '全部' where no filter is set."""
    out = []
    for kind, title in (("role", "角色"), ("dimension", "维度"), ("section", "部分")):
        key = getattr(filters, kind)
        out.append((title, taxonomy.name(kind, key) if key else "全部"))  # type: ignore[arg-type]
    return out


def prompt_text(filters: Filters, taxonomy: Taxonomy) -> str:
    """The prompt names the filters that are set: ``对照[党支部书记·理论学习]> ``."""
    set_ = [value for _, value in filter_parts(filters, taxonomy) if value != "全部"]
    return f"对照[{'·'.join(set_) or '全部'}]> "


def status_line(filters: Filters, taxonomy: Taxonomy, k: int, mode: str, basket: int) -> str:
    parts = [f"{title}：{value}" for title, value in filter_parts(filters, taxonomy)]
    parts += [f"k={k}", MODE_NAMES.get(mode, mode), f"篮子 {basket} 条", "/help 帮助"]
    return " │ ".join(parts)


def result_list(result: SearchResult, first: int, taxonomy: Taxonomy) -> str:
    """Hits numbered from ``first`` with labels, score, a snippet and the source."""
    head = f"“{result.query}” · {MODE_NAMES.get(result.mode, result.mode)}"
    if not result.hits:
        lines = [head + (" · 没有更多结果了。" if first > 1 else " · 没有找到结果。")]
    else:
        last = first + len(result.hits) - 1
        lines = [f"{head} · 第 {first}–{last} 条（符合筛选的段落共 {result.matching} 条）"]
    if result.note:
        lines.append(f"提示：{result.note}")
    lines += explanation_lines(result.understood) if first == 1 else []
    for number, hit in enumerate(result.hits, first):
        outside = "（范围外）" if hit.outside_filters else ""
        lines.append(f"{number:>2}. [{labels(hit.passage, taxonomy)}]{outside}  {hit.score:.3f}")
        lines.append(f"    {snippet(hit.passage.text)}")
        lines.append(f"    {source_note(hit.passage)}")
    if result.hits:
        lines.append("/open N 查看上下文 · /pick N 放入篮子 · /more 下一页")
    return "\n".join(lines)


def in_context(number: int, hit: SearchHit, neighbours: list[Passage],
               taxonomy: Taxonomy) -> str:
    """The passage among its neighbours, each heading chain shown once, the hit marked ▶."""
    target = hit.passage
    lines = [f"第 {number} 条 · [{labels(target, taxonomy)}] · 《{target.title}》（{target.doc}）"]
    chain: tuple[str, ...] | None = None
    for passage in neighbours or [target]:
        here = passage.headings or ((passage.heading,) if passage.heading else ())
        if here != chain:
            chain = here
            lines.append("  " + (" › ".join(here) if here else "（开头，无标题）"))
        mark = "▶ " if passage.id == target.id else "  "
        lines.append(f"  {mark}{' '.join(passage.text.split())}")
    return "\n".join(lines)


def basket_list(passages: list[Passage], taxonomy: Taxonomy) -> str:
    if not passages:
        return "篮子为空。用 /pick N 挑选结果。"
    lines = [f"篮子共 {len(passages)} 条（保存时按 存在问题/原因剖析/整改措施、再按维度排列）："]
    for number, passage in enumerate(passages, 1):
        lines.append(f"{number:>2}. [{labels(passage, taxonomy)}] {snippet(passage.text, 60)}")
        lines.append(f"    {source_note(passage)}")
    lines.append("/drop N 移除 · /save 文件.docx 或 文件.md 保存")
    return "\n".join(lines)
