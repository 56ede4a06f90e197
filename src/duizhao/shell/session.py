"""The shell's state and commands: one ``ShellSession.handle(line) -> str`` for every front end.

A line starting with ``/`` is a command, any other line is a query. The session keeps the
filters, k, mode, the results shown so far (numbered across ``/more`` pages, so ``/pick 7``
works after paging) and the basket. It only parses and renders; searching is
``Searcher.search``, exporting is ``duizhao.basket``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from duizhao.basket import Basket, save_basket
from duizhao.config import DEFAULT_K, DEFAULT_MODE
from duizhao.errors import DuizhaoError, UsageError
from duizhao.models import Passage
from duizhao.search import Filters, SearchHit, SearchResult
from duizhao.shell import render
from duizhao.taxonomy import Kind, Taxonomy

MODES = ("hybrid", "dense", "keyword")
MODE_ALIASES = {"混合": "hybrid", "语义": "dense", "向量": "dense", "关键词": "keyword",
                "bm25": "keyword"}
MAX_K = 100
# Chinese input methods type "／" or "、" for the "/" key; accept both before a command name.
_COMMAND_RE = re.compile(r"^(?:/|／|、(?=[a-zA-Z]))\s*([a-zA-Z]+)\s*(.*)$", re.S)
_NUMBER_SPLIT = re.compile(r"[\s,，、]+")


class SearcherLike(Protocol):
    def search(self, query: str, filters: Filters = ..., k: int = ..., mode: str = ...,
               offset: int = ...) -> SearchResult: ...

    def context(self, passage_id: str, radius: int = ...) -> list[Passage]: ...


@dataclass(frozen=True)
class Request:
    """A search as it was asked, so ``/more`` pages through it even after filters change."""

    query: str
    filters: Filters
    k: int
    mode: str


@dataclass(frozen=True)
class Command:
    names: tuple[str, ...]
    usage: str
    help: str
    completes: str | None = None  # "role" | "dimension" | "section" | "mode" | "path"


COMMANDS: tuple[Command, ...] = (
    Command(("role",), "/role [角色]", "按角色筛选；不带值或“全部”清除", "role"),
    Command(("dim", "dimension"), "/dim [维度]", "按维度筛选；不带值或“全部”清除", "dimension"),
    Command(("section",), "/section [部分]", "按部分筛选（存在问题/原因剖析/整改措施…）",
            "section"),
    Command(("k",), "/k N", "每页结果条数"),
    Command(("mode",), "/mode dense|keyword|hybrid", "检索方式：语义/关键词/混合", "mode"),
    Command(("clear",), "/clear", "清除全部筛选"),
    Command(("more",), "/more", "上一次查询的下一页"),
    Command(("open",), "/open N", "在原文上下文中查看第 N 条"),
    Command(("pick",), "/pick N …", "把第 N 条（可多个、可 1-3）放入篮子"),
    Command(("basket",), "/basket", "查看篮子"),
    Command(("drop",), "/drop N …", "从篮子移除第 N 条"),
    Command(("save",), "/save 文件.docx|文件.md", "按标准顺序保存篮子", "path"),
    Command(("help", "h"), "/help", "显示本帮助"),
    Command(("quit", "exit", "q"), "/quit", "退出（也可 Ctrl-D）"),
)
COMMAND_NAMES = tuple(name for c in COMMANDS for name in c.names)


def help_text() -> str:
    width = max(len(c.usage) for c in COMMANDS)
    lines = ["直接输入文字即检索；以 / 开头的是命令：",
             *(f"  {c.usage.ljust(width)}  {c.help}" for c in COMMANDS),
             "标签可用中文名、英文键或别名，按 Tab 补全。"]
    return "\n".join(lines)


def parse_numbers(args: str, what: str) -> list[int]:
    """"1 3", "1,3", "1、3", "2-4" → [1, 3] / [2, 3, 4]; UsageError on anything else."""
    out: list[int] = []
    for token in (t for t in _NUMBER_SPLIT.split(args.strip()) if t):
        lo, sep, hi = token.replace("–", "-").partition("-")
        try:
            first, last = int(lo), int(hi) if sep else int(lo)
        except ValueError:
            raise UsageError(f"{what}须为编号（如 1、1 3、2-4），而不是 “{token}”。",
                             f"{what}: expected numbers like 1, '1 3' or 2-4, not '{token}'.") \
                from None
        out += range(first, last + 1)
    if not out:
        raise UsageError(f"请给出{what}编号，例如 1 或 1 3。",
                         f"Give {what} numbers, e.g. 1 or 1 3.")
    return list(dict.fromkeys(out))


class ShellSession:
    """Everything the shell remembers between lines; ``handle`` answers one line."""

    def __init__(self, searcher: SearcherLike, taxonomy: Taxonomy, k: int = DEFAULT_K,
                 mode: str = DEFAULT_MODE, cwd: Path | None = None) -> None:
        self.searcher = searcher
        self.taxonomy = taxonomy
        self.filters = Filters()
        self.k = k
        self.mode = mode
        self.cwd = cwd
        self.request: Request | None = None
        self.shown: list[SearchHit] = []  # every hit shown for ``request``, numbered from 1
        self.basket = Basket()
        self.saved: list[str] = []  # passage ids at the last /save, to warn of unsaved picks
        self.done = False
        self.last_seconds = 0.0  # time of the last search call alone, without rendering
        self._handlers: dict[str, Callable[[str], str]] = {
            "role": lambda a: self._set_filter("role", a),
            "dim": lambda a: self._set_filter("dimension", a),
            "dimension": lambda a: self._set_filter("dimension", a),
            "section": lambda a: self._set_filter("section", a),
            "k": self._set_k, "mode": self._set_mode, "clear": self._clear,
            "more": self._more, "open": self._open, "pick": self._pick,
            "basket": lambda a: render.basket_list(self.basket.passages, self.taxonomy),
            "drop": self._drop, "save": self._save, "help": lambda a: help_text(),
            "h": lambda a: help_text(), "quit": self._quit, "exit": self._quit, "q": self._quit,
        }

    # -- what the front ends show -------------------------------------------------------
    def prompt(self) -> str:
        return render.prompt_text(self.filters, self.taxonomy)

    def status(self) -> str:
        return render.status_line(self.filters, self.taxonomy, self.k, self.mode, len(self.basket))

    # -- one line in, text out -------------------------------------------------------------
    def handle(self, line: str) -> str:
        """Answer one line; a user's mistake is a message and the session goes on."""
        text = line.strip()
        if not text:
            return ""
        try:
            match = _COMMAND_RE.match(text)
            if match is None:
                if text[0] in "/／":
                    raise self._unknown(text)
                return self._query(text)
            name, args = match.group(1).lower(), match.group(2).strip()
            handler = self._handlers.get(name)
            if handler is None:
                raise self._unknown(name)
            return handler(args)
        except DuizhaoError as error:
            return f"错误：{error.zh}"

    def search(self, request: Request, offset: int = 0) -> SearchResult:
        """The search call alone, timed: what the benchmark measures."""
        start = time.perf_counter()
        result = self.searcher.search(request.query, filters=request.filters, k=request.k,
                                      mode=request.mode, offset=offset)
        self.last_seconds = time.perf_counter() - start
        return result

    # -- queries and paging ------------------------------------------------------------------
    def _query(self, query: str) -> str:
        self.request = Request(query, replace(self.filters), self.k, self.mode)
        result = self.search(self.request)
        self.shown = list(result.hits)
        return render.result_list(result, 1, self.taxonomy)

    def _more(self, args: str) -> str:
        if self.request is None:
            raise UsageError("还没有查询，先输入要检索的内容。",
                             "No query yet; type a query first.")
        result = self.search(self.request, offset=len(self.shown))
        first = len(self.shown) + 1
        self.shown += result.hits
        return render.result_list(result, first, self.taxonomy)

    def _hit(self, number: int) -> SearchHit:
        if not 1 <= number <= len(self.shown):
            valid = f"1–{len(self.shown)}" if self.shown else "（还没有结果）"
            raise UsageError(f"没有第 {number} 条结果。可用编号：{valid}",
                             f"No result {number}. Valid numbers: {valid}")
        return self.shown[number - 1]

    def _open(self, args: str) -> str:
        numbers = parse_numbers(args, "结果")
        hit = self._hit(numbers[0])
        neighbours = self.searcher.context(hit.passage.id, radius=2)
        return render.in_context(numbers[0], hit, neighbours, self.taxonomy)

    # -- basket ------------------------------------------------------------------------------
    def _pick(self, args: str) -> str:
        hits = [(n, self._hit(n)) for n in parse_numbers(args, "结果")]
        added = [str(n) for n, hit in hits if self.basket.add(hit.passage)]
        kept = [str(n) for n, _ in hits if str(n) not in added]
        lines = []
        if added:
            lines.append(f"已放入篮子：第 {'、'.join(added)} 条。")
        if kept:
            lines.append(f"第 {'、'.join(kept)} 条已在篮子中。")
        lines.append(f"篮子共 {len(self.basket)} 条。/basket 查看，/save 文件.docx 保存。")
        return "\n".join(lines)

    def _drop(self, args: str) -> str:
        numbers = parse_numbers(args, "篮子")
        bad = [n for n in numbers if not 1 <= n <= len(self.basket)]
        if bad:  # check all first, so one typo drops nothing; Basket.drop words the message
            self.basket.drop(bad[0])
        for number in sorted(numbers, reverse=True):
            self.basket.drop(number)
        return f"已移除第 {'、'.join(map(str, numbers))} 条，篮子剩 {len(self.basket)} 条。"

    def _save(self, args: str) -> str:
        name = args.strip().strip("\"'“”")
        if not name:
            raise UsageError("请给出文件名，例如 /save 草稿.docx 或 /save 草稿.md。",
                             "Give a file name, e.g. /save draft.docx or /save draft.md.")
        path = Path(name).expanduser()
        if self.cwd is not None and not path.is_absolute():
            path = self.cwd / path
        existed = path.exists()
        save_basket(self.basket.passages, path, self.taxonomy)
        self.saved = [p.id for p in self.basket.passages]
        return (f"已保存 {len(self.basket)} 条到 {path}"
                + ("（覆盖了原文件）" if existed else "") + "。")

    # -- settings ----------------------------------------------------------------------------
    def _set_filter(self, kind: Kind, args: str) -> str:
        key = self.taxonomy.resolve(kind, args) if args else None
        self.filters = replace(self.filters, **{kind: key})
        title = {"role": "角色", "dimension": "维度", "section": "部分"}[kind]
        said = f"{title}筛选：{self.taxonomy.name(kind, key)}。" if key else f"{title}筛选已清除。"
        return f"{said}\n{self.status()}"

    def _clear(self, args: str) -> str:
        self.filters = Filters()
        return f"已清除全部筛选。\n{self.status()}"

    def _set_k(self, args: str) -> str:
        if not args:
            return f"每页 {self.k} 条。用 /k N 修改（1–{MAX_K}）。"
        try:
            k = int(args)
        except ValueError:
            k = 0
        if not 1 <= k <= MAX_K:
            raise UsageError(f"k 须为 1–{MAX_K} 之间的整数，而不是 “{args}”。",
                             f"k must be a whole number from 1 to {MAX_K}, not '{args}'.")
        self.k = k
        return f"每页 {k} 条。\n{self.status()}"

    def _set_mode(self, args: str) -> str:
        valid = "hybrid（混合）、dense（语义）、keyword（关键词）"
        if not args:
            return f"当前检索方式：{self.mode}。可用：{valid}"
        mode = MODE_ALIASES.get(args.lower(), args.lower())
        if mode not in MODES:
            raise UsageError(f"未知的检索方式 “{args}”。可用：{valid}",
                             f"Unknown mode '{args}'. Valid: {', '.join(MODES)}.")
        self.mode = mode
        return f"检索方式：{render.MODE_NAMES[mode]}（{mode}）。\n{self.status()}"

    @property
    def unsaved(self) -> bool:
        """The basket changed since the last /save (or was never saved)."""
        return [p.id for p in self.basket.passages] != self.saved and bool(self.basket)

    def _quit(self, args: str) -> str:
        self.done = True
        if self.unsaved:
            return f"再见。篮子中的 {len(self.basket)} 条自上次保存后有改动，未保存。"
        return "再见。"

    def _unknown(self, name: str) -> UsageError:
        valid = " ".join(f"/{c.names[0]}" for c in COMMANDS)
        return UsageError(f"未知命令 “{name}”。可用命令：{valid}（/help 查看说明）",
                          f"Unknown command '{name}'. Commands: {valid}")
