"""Plain-text rendering for the shell: results, a passage in context, the basket, the status.

Pure functions from records to strings, shared by the terminal and the pipe front ends, so
what a test reads from a pipe is exactly what a person sees at the prompt.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from duizhao.filenames import shown
from duizhao.models import Passage
from duizhao.query import explanation_lines
from duizhao.taxonomy import Taxonomy

if TYPE_CHECKING:
    from duizhao.basket import Basket
    from duizhao.draft import DraftInfo
    from duizhao.search import Filters, SearchHit, SearchResult

MODE_NAMES = {"hybrid": "混合检索", "dense": "语义检索", "keyword": "关键词检索"}
SNIPPET = 120  # characters of a result shown in a list; /open shows all of it
OUTLINE_EXAMPLES = 6  # empty slots /outline shows an example passage for


def snippet(text: str, width: int = SNIPPET) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def source_note(passage: Passage) -> str:
    """Where a passage came from: document title and path, and its heading chain."""
    chain = " › ".join(h for h in passage.headings if h) or passage.heading
    where = f"《{passage.title}》（{shown(passage.doc)}）" if passage.title else shown(passage.doc)
    return f"来源：{where}" + (f" · {chain}" if chain else "")


def width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


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
    lines = [f"第 {number} 条 · [{labels(target, taxonomy)}] · "
             f"《{target.title}》（{shown(target.doc)}）"]
    chain: tuple[str, ...] | None = None
    for passage in neighbours or [target]:
        here = passage.headings or ((passage.heading,) if passage.heading else ())
        if here != chain:
            chain = here
            lines.append("  " + (" › ".join(here) if here else "（开头，无标题）"))
        mark = "▶ " if passage.id == target.id else "  "
        lines.append(f"  {mark}{' '.join(passage.text.split())}")
    return "\n".join(lines)


def basket_list(basket: Basket, taxonomy: Taxonomy) -> str:
    """The basket in draft order: slot, author's role (or 自写), a snippet, the source."""
    if not basket:
        return "篮子为空。用 /pick N 挑选结果，或 /note 部分 维度 文字 写一段。"
    lines = [f"篮子共 {len(basket)} 条（按草稿顺序：存在问题/原因剖析/整改措施，再按维度）："]
    for number, item in enumerate(basket.ordered(), 1):
        who = taxonomy.name("role", item.passage.role.value) if item.passage else "自写"
        slot = " · ".join((taxonomy.name("section", item.section),
                           taxonomy.name("dimension", item.dimension), who))
        lines.append(f"{number:>2}. [{slot}] {snippet(item.text, 60)}")
        if item.passage is not None:
            lines.append(f"    {source_note(item.passage)}")
    lines.append("/drop N 移除 · /move N 维度|部分 换位置 · /outline 提纲 · /save 文件.docx 保存")
    return "\n".join(lines)


def outline(basket: Basket, taxonomy: Taxonomy, offers: dict[tuple[str, str], tuple[int, str]],
            role: str | None) -> str:
    """The 3 × 6 grid of core sections × dimensions: picked counts, or what the library offers."""
    from duizhao.basket import CORE_SECTIONS

    dims = [k for k in taxonomy.keys("dimension") if k != "other"]
    cell = 11
    whose = f"（{taxonomy.name('role', role)}）" if role else ""
    lines = [f"提纲：✓N 已选 N 段；空缺处为库中可选的段数{whose}。",
             pad("", 10) + "".join(pad(taxonomy.name("dimension", d), cell) for d in dims)]
    for section in CORE_SECTIONS:
        cells = []
        for dim in dims:
            count = basket.count(section, dim)
            offered = offers.get((section, dim), (0, ""))[0]
            cells.append(f"✓{count}" if count else f"空 · 库{offered}")
        lines.append(pad(taxonomy.name("section", section), 10)
                     + "".join(pad(c, cell) for c in cells))
    others = [(s, d) for s in taxonomy.keys("section") for d in taxonomy.keys("dimension")
              if basket.count(s, d) and (s not in CORE_SECTIONS or d not in dims)]
    if others:
        lines.append("另有：" + "；".join(
            f"{taxonomy.name('section', s)} › {taxonomy.name('dimension', d)} "
            f"{basket.count(s, d)} 段" for s, d in others))
    examples = [(slot, text) for slot, (n, text) in offers.items() if n and text]
    if examples:
        lines.append("空缺处库中的例子（/section 部分 /dim 维度 后检索可看更多）：")
        for (section, dim), text in examples[:OUTLINE_EXAMPLES]:
            where = f"{taxonomy.name('section', section)}·{taxonomy.name('dimension', dim)}"
            lines.append(f"  {pad(where, 18)}{snippet(text, 40)}")
        if len(examples) > OUTLINE_EXAMPLES:
            lines.append(f"  ……另有 {len(examples) - OUTLINE_EXAMPLES} 处空缺库中有段落可选。")
    return "\n".join(line.rstrip() for line in lines)


def empty_slots(basket: Basket, taxonomy: Taxonomy) -> str:
    """The warning /save gives: which core sections × dimensions are still empty."""
    from duizhao.basket import CORE_SECTIONS

    empty = basket.empty_slots()
    if not empty:
        return ""
    dims = [k for k in taxonomy.keys("dimension") if k != "other"]
    parts = []
    for section in CORE_SECTIONS:
        missing = [d for s, d in empty if s == section]
        if not missing:
            continue
        names = "全部维度" if len(missing) == len(dims) else "、".join(
            taxonomy.name("dimension", d) for d in missing)
        parts.append(f"{taxonomy.name('section', section)}缺{names}")
    return (f"注意：还有 {len(empty)} 处空缺——{'；'.join(parts)}。"
            "/outline 查看库中可选的段落。")


def draft_info(info: DraftInfo) -> str:
    return (f"标题：{info.title}\n署名：{info.byline or '（未设，/author 单位 姓名）'}\n"
            f"日期：{info.date or '（未设，/date 日期 或 /date 今天）'}")
