"""The shell's state and commands: one ``ShellSession.handle(line) -> str`` for every front end.

A line starting with ``/`` is a command, any other line is a query. The session keeps the
filters, k, mode, the results shown so far (numbered across ``/more`` pages, so ``/pick 7``
works after paging) and the basket; the basket and draft commands live in ``drafting``.
A command may ask a question (overwrite a file? quit with unsaved picks?): the next line is
its answer, whichever front end reads it. After every line that changed the basket, the
basket is written to disk, so nothing picked is lost to Ctrl-C, a crash or a closed window.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from duizhao.basket import Basket, load_basket, store_basket
from duizhao.config import DEFAULT_K, DEFAULT_MODE, TEST_PAUSE_ENV
from duizhao.draft import Labels
from duizhao.errors import DuizhaoError, UsageError
from duizhao.models import Passage
from duizhao.search import Filters, SearchHit, SearchResult
from duizhao.shell import render
from duizhao.shell.drafting import DraftingCommands, Question
from duizhao.taxonomy import Kind, Taxonomy

MODES = ("hybrid", "dense", "keyword")
MODE_ALIASES = {"混合": "hybrid", "语义": "dense", "向量": "dense", "关键词": "keyword",
                "bm25": "keyword"}
MAX_K = 100
# Chinese input methods type "／" or "、" for the "/" key; accept both before a command name.
_COMMAND_RE = re.compile(r"^(?:/|／|、(?=[a-zA-Z]))\s*([a-zA-Z]+)\s*(.*)$", re.S)
_NUMBER_SPLIT = re.compile(r"[\s,，、]+")
# Bytes that were not UTF-8, as a terminal front end hands them on (surrogate escapes).
UNDECODABLE = re.compile("[\udc80-\udcff]")
# A whole line that only says "leave" (people type 退出 or exit without the slash): nobody
# searches their library for it, so it quits as /quit does (asking first if picks are unsaved).
BARE_QUIT = frozenset({"退出", "结束", "quit", "exit"})
NOT_UTF8 = "这一行含有无法识别的字节（不是 UTF-8 文本），已忽略。请检查终端或输入文件的编码。"


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
    completes: str | None = None  # "role" | "dimension" | "section" | "mode" | "path" | "slot"


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
    Command(("basket",), "/basket", "按草稿顺序查看篮子"),
    Command(("drop",), "/drop N …", "从篮子移除第 N 条"),
    Command(("move",), "/move N 维度|部分", "把篮子第 N 条放到另一维度或部分", "slot"),
    Command(("note",), "/note [部分] [维度] 文字", "在该处加一段自己写的话", "slot"),
    Command(("outline",), "/outline", "提纲：部分 × 维度，已选与空缺"),
    Command(("title",), "/title [标题]", "草稿标题；不带值显示标题、署名、日期"),
    Command(("author",), "/author 单位 姓名", "标题下的署名"),
    Command(("date",), "/date 日期|今天", "文末日期"),
    Command(("save",), "/save 文件.docx|.md [无来源] [覆盖]",
            "按公文格式保存草稿（来源在批注/脚注中）", "path"),
    Command(("check",), "/check 文件 [年份]", "查草稿抄录比例和过时提法", "path"),
    Command(("help", "h"), "/help", "显示本帮助"),
    Command(("quit", "exit", "q"), "/quit", "退出（也可 Ctrl-D）；篮子会保留"),
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


def _test_pause(point: str) -> None:
    """Test hook (DUIZHAO_TEST_PAUSE_AT=shell_query:5): a slow query, to be interrupted."""
    name, _, seconds = os.environ.get(TEST_PAUSE_ENV, "").partition(":")
    if name == point:
        time.sleep(float(seconds or 30))


class ShellSession(DraftingCommands):
    """Everything the shell remembers between lines; ``handle`` answers one line.

    ``basket_file`` is where the basket is kept (``None``: in memory only); ``interactive``
    says a person is at a terminal, so questions are asked rather than safe defaults taken.
    """

    def __init__(self, searcher: SearcherLike, taxonomy: Taxonomy, k: int = DEFAULT_K,
                 mode: str = DEFAULT_MODE, cwd: Path | None = None,
                 basket_file: Path | None = None, interactive: bool = False) -> None:
        self.searcher = searcher
        self.taxonomy = taxonomy
        self.filters = Filters()
        self.k = k
        self.mode = mode
        self.cwd = cwd
        self.interactive = interactive
        self.request: Request | None = None
        self.shown: list[SearchHit] = []  # every hit shown for ``request``, numbered from 1
        self.pending: Question | None = None
        self.done = False
        self.last_seconds = 0.0  # time of the last search call alone, without rendering
        self.notes: list[str] = []  # for the front end to show at start-up
        self.basket_file = basket_file
        labels = Labels.from_taxonomy(taxonomy)
        self.basket = Basket(labels)
        if basket_file is not None:
            self.basket, note = load_basket(basket_file, labels)
            self.notes += [note] if note else []
            if self.basket:
                state = "，上次保存成文件后有改动" if self.basket.unsaved else ""
                self.notes.append(f"已恢复上次的篮子：{len(self.basket)} 条{state}。/basket 查看。")
        self._stored = self._basket_state()
        self._store_failed = False
        self._handlers: dict[str, Callable[[str], str]] = {
            "role": lambda a: self._set_filter("role", a),
            "dim": lambda a: self._set_filter("dimension", a),
            "dimension": lambda a: self._set_filter("dimension", a),
            "section": lambda a: self._set_filter("section", a),
            "k": self._set_k, "mode": self._set_mode, "clear": self._clear,
            "more": self._more, "open": self._open, "pick": self._pick,
            "basket": self._basket, "drop": self._drop, "move": self._move,
            "note": self._note, "outline": self._outline, "title": self._title,
            "author": self._author, "date": self._date, "save": self._save,
            "check": self._check, "help": lambda a: help_text(),
            "h": lambda a: help_text(), "quit": self._quit, "exit": self._quit, "q": self._quit,
        }

    # -- what the front ends show -------------------------------------------------------
    def prompt(self) -> str:
        if self.pending is not None:
            return self.pending.prompt
        return render.prompt_text(self.filters, self.taxonomy)

    def status(self) -> str:
        return render.status_line(self.filters, self.taxonomy, self.k, self.mode, len(self.basket))

    # -- one line in, text out -------------------------------------------------------------
    def handle(self, line: str) -> str:
        """Answer one line; a user's mistake is a message and the session goes on."""
        text = line.strip()
        if UNDECODABLE.search(text):
            return f"错误：{NOT_UTF8}"
        if self.pending is not None:
            question, self.pending = self.pending, None
            return self._guarded(lambda: question.answer(text))
        if not text:
            return ""
        return self._guarded(lambda: self._dispatch(text))

    def cancel_question(self) -> str:
        """Ctrl-C at a question: the safe answer (nothing overwritten, nobody leaves)."""
        question, self.pending = self.pending, None
        return question.cancelled if question is not None else ""

    def _dispatch(self, text: str) -> str:
        if text.lower() in BARE_QUIT:
            return self._quit("")
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

    def _guarded(self, run: Callable[[], str]) -> str:
        """Run a command; errors become messages; the basket is stored if it changed
        (also when Ctrl-C interrupts the command: the interrupt goes on after the store)."""
        warning = ""
        try:
            answer = run()
        except DuizhaoError as error:
            answer = f"错误：{error.zh}"
        finally:
            warning = self._persist()
        return answer + (f"\n{warning}" if warning else "")

    def _basket_state(self) -> str:
        return json.dumps(self.basket.to_json(), ensure_ascii=False, sort_keys=True)

    def _persist(self) -> str:
        """Write the basket if it changed; a message the first time that fails."""
        state = self._basket_state()
        if self.basket_file is None or state == self._stored:
            return ""
        try:
            store_basket(self.basket, self.basket_file)
        except UsageError as error:
            if self._store_failed:
                return ""
            self._store_failed = True
            return f"注意：{error.zh}。本次的篮子只在内存中，请尽快 /save 保存成文件。"
        self._stored = state
        self._store_failed = False
        return ""

    def search(self, request: Request, offset: int = 0) -> SearchResult:
        """The search call alone, timed: what the benchmark measures."""
        start = time.perf_counter()
        _test_pause("shell_query")
        result = self.searcher.search(request.query, filters=request.filters, k=request.k,
                                      mode=request.mode, offset=offset)
        self.last_seconds = time.perf_counter() - start
        return result

    # -- queries and paging ------------------------------------------------------------------
    def _query(self, query: str) -> str:
        request = Request(query, replace(self.filters), self.k, self.mode)
        result = self.search(request)
        self.request = request
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

    def _unknown(self, name: str) -> UsageError:
        valid = " ".join(f"/{c.names[0]}" for c in COMMANDS)
        return UsageError(f"未知命令 “{name}”。可用命令：{valid}（/help 查看说明）",
                          f"Unknown command '{name}'. Commands: {valid}")
