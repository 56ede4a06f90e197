"""The two front ends over one ``ShellSession``: prompt_toolkit on a terminal, lines on a pipe.

The index and encoder are loaded once, before the first prompt, with a warm-up query, so
every query a person types is answered at once. On a pipe the shell echoes each line after
the prompt text and prints plain text, so a scripted run reads like the session it replays.

Nothing here may lose the basket: at a terminal Ctrl-C cancels the running query or the
line being typed (never the session), a line that is not UTF-8 is a message, and an internal
error is reported and the session goes on; on a pipe Ctrl-C ends the run with the basket
kept. The basket itself is on disk after every change (``ShellSession``).
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from duizhao.basket import basket_path
from duizhao.shell.session import NOT_UTF8, UNDECODABLE, ShellSession
from duizhao.taxonomy import Taxonomy, load_taxonomy

if TYPE_CHECKING:
    from prompt_toolkit.history import History

WARM_UP_QUERY = "加强理论学习"
INTERRUPTED = 130


def history_path() -> Path:
    """$DUIZHAO_HISTORY, else $XDG_DATA_HOME/duizhao/history, else ~/.local/share/duizhao/…"""
    if os.environ.get("DUIZHAO_HISTORY"):
        return Path(os.environ["DUIZHAO_HISTORY"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "duizhao" / "history"


def open_session(index_dir: Path, model: str | None = None,
                 interactive: bool = False) -> tuple[ShellSession, float]:
    """Load the index and encoder once and warm them up; returns the session and seconds taken."""
    from duizhao.search import Searcher

    start = time.perf_counter()
    searcher = Searcher.open(index_dir, model=model)
    taxonomy: Taxonomy = getattr(searcher, "taxonomy", None) or load_taxonomy()
    session = ShellSession(searcher, taxonomy, cwd=Path.cwd(),
                           basket_file=basket_path(index_dir), interactive=interactive)
    searcher.search(WARM_UP_QUERY, k=1)  # loads the encoder and tokenizer now, not on query 1
    return session, time.perf_counter() - start


def _decode(raw: bytes | str) -> tuple[str, bool]:
    """A line as text and whether it was UTF-8 (undecodable bytes shown as �)."""
    if isinstance(raw, str):
        return raw, not UNDECODABLE.search(raw)
    try:
        return raw.decode("utf-8"), True
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace"), False


def run_plain(session: ShellSession, lines: Iterable[bytes | str], out: TextIO) -> int:
    """Read queries and commands line by line; echo each after the prompt, then the answer.

    Returns the exit code: 0, or 130 when Ctrl-C ended the run (the basket is kept).
    """
    try:
        for raw in lines:
            line, ok = _decode(raw)
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            out.write(f"{session.prompt()}{line}\n")
            answer = session.handle(line) if ok else f"错误：{NOT_UTF8}"
            if answer:
                out.write(answer + "\n")
            out.flush()
            if session.done:
                return 0
    except KeyboardInterrupt:
        out.flush()
        print(f"已中断。篮子已保留（{len(session.basket)} 条），下次启动自动恢复。",
              file=sys.stderr)
        return INTERRUPTED
    if session.basket.unsaved:
        print(f"注意：篮子里的 {len(session.basket)} 条还没有保存成文件；篮子已保留，"
              "下次启动自动恢复。", file=sys.stderr)
    return 0


def _history(path: Path) -> History:
    """A file history that skips lines it cannot store (undecodable bytes) instead of failing."""
    from prompt_toolkit.history import FileHistory

    class SafeFileHistory(FileHistory):
        def store_string(self, string: str) -> None:
            if not UNDECODABLE.search(string):
                super().store_string(string)

    return SafeFileHistory(str(path))


def run_terminal(session: ShellSession) -> int:
    """prompt_toolkit: filters in the prompt and the bottom toolbar, Tab completion, history."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
    from prompt_toolkit.history import InMemoryHistory

    from duizhao.shell.complete import ShellCompleter

    path = history_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        history: History = _history(path)
    except OSError as exc:
        print(f"无法使用历史文件 {path}：{exc.strerror or exc}；本次历史不保存。", file=sys.stderr)
        history = InMemoryHistory()
    prompt: PromptSession[str] = PromptSession(
        history=history,
        completer=ShellCompleter(session.taxonomy),
        auto_suggest=AutoSuggestFromHistory(),
        bottom_toolbar=lambda: " " + session.status(),
    )
    while not session.done:
        try:
            line = prompt.prompt(session.prompt())
        except KeyboardInterrupt:  # Ctrl-C drops the line being typed (or declines a question)
            said = session.cancel_question()
            if said:
                print(said)
            continue
        except EOFError:  # Ctrl-D: quit; at a question, its own Ctrl-D answer or cancel
            question = session.pending
            if question is None:
                print(session.handle("/quit"))
            elif question.on_eof is not None:
                print(session.handle(question.on_eof))
            else:
                print(session.cancel_question())
            continue
        try:
            answer = session.handle(line)
        except KeyboardInterrupt:
            print("已取消（Ctrl-C）。篮子未受影响。")
            continue
        except Exception:  # a bug must not throw away the user's basket
            traceback.print_exc()
            print("内部错误（duizhao 的缺陷，请报告）；会话继续，篮子未受影响。", file=sys.stderr)
            continue
        if answer:
            print(answer)
    return 0


def run_shell(index_dir: Path, model: str | None = None, plain: bool = False) -> int:
    """``duizhao shell``: a terminal gets prompt_toolkit, anything else the plain line mode."""
    terminal = not plain and sys.stdin.isatty() and sys.stdout.isatty()
    session, seconds = open_session(index_dir, model, interactive=terminal)
    size = getattr(session.searcher, "size", None)
    ready = (f"已载入索引 {index_dir}" + (f"（{size} 段）" if size else "")
             + f"，用时 {seconds:.1f} 秒。输入查询检索，/help 查看命令，"
             "Ctrl-D、/quit 或“退出”离开。")
    if terminal:
        print("\n".join([ready, *session.notes]))
        return run_terminal(session)
    print("\n".join([ready, *session.notes]), file=sys.stderr)
    return run_plain(session, sys.stdin.buffer, sys.stdout)
