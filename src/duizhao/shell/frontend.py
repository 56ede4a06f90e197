"""The two front ends over one ``ShellSession``: prompt_toolkit on a terminal, lines on a pipe.

The index and encoder are loaded once, before the first prompt, with a warm-up query, so
every query a person types is answered at once. On a pipe the shell echoes each line after
the prompt text and prints plain text, so a scripted run reads like the session it replays.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from pathlib import Path
from typing import TextIO

from duizhao.shell.session import ShellSession
from duizhao.taxonomy import Taxonomy, load_taxonomy

WARM_UP_QUERY = "加强理论学习"


def history_path() -> Path:
    """$DUIZHAO_HISTORY, else $XDG_DATA_HOME/duizhao/history, else ~/.local/share/duizhao/…"""
    if os.environ.get("DUIZHAO_HISTORY"):
        return Path(os.environ["DUIZHAO_HISTORY"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "duizhao" / "history"


def open_session(index_dir: Path, model: str | None = None) -> tuple[ShellSession, float]:
    """Load the index and encoder once and warm them up; returns the session and seconds taken."""
    from duizhao.search import Searcher

    start = time.perf_counter()
    searcher = Searcher.open(index_dir, model=model)
    taxonomy: Taxonomy = getattr(searcher, "taxonomy", None) or load_taxonomy()
    session = ShellSession(searcher, taxonomy, cwd=Path.cwd())
    searcher.search(WARM_UP_QUERY, k=1)  # loads the encoder and tokenizer now, not on query 1
    return session, time.perf_counter() - start


def run_plain(session: ShellSession, lines: TextIO, out: TextIO) -> None:
    """Read queries and commands line by line; echo each after the prompt, then the answer."""
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        out.write(f"{session.prompt()}{line}\n")
        answer = session.handle(line)
        if answer:
            out.write(answer + "\n")
        out.flush()
        if session.done:
            return
    if session.unsaved:
        print(f"注意：篮子中 {len(session.basket)} 条未保存。 "
              "Note: the basket was not saved.", file=sys.stderr)


def run_terminal(session: ShellSession) -> None:
    """prompt_toolkit: filters in the prompt and the bottom toolbar, Tab completion, history."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    from duizhao.shell.complete import ShellCompleter

    path = history_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        history: FileHistory | InMemoryHistory = FileHistory(str(path))
    except OSError as exc:
        print(f"无法使用历史文件 {path}：{exc}；本次历史不保存。", file=sys.stderr)
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
        except KeyboardInterrupt:  # Ctrl-C drops the line being typed, as in a shell
            continue
        except EOFError:  # Ctrl-D
            print(session.handle("/quit"))
            return
        try:
            answer = session.handle(line)
        except Exception:  # a bug must not throw away the user's basket
            traceback.print_exc()
            print("内部错误（duizhao 的缺陷，请报告）；会话继续。",
                  file=sys.stderr)
            continue
        if answer:
            print(answer)


def run_shell(index_dir: Path, model: str | None = None, plain: bool = False) -> None:
    """``duizhao shell``: a terminal gets prompt_toolkit, anything else the plain line mode."""
    session, seconds = open_session(index_dir, model)
    terminal = not plain and sys.stdin.isatty() and sys.stdout.isatty()
    size = getattr(session.searcher, "size", None)
    ready = (f"已载入索引 {index_dir}" + (f"（{size} 段）" if size else "")
             + f"，用时 {seconds:.1f} 秒。输入查询检索，/help 查看命令，Ctrl-D 或 /quit 退出。")
    if terminal:
        print(ready)
        run_terminal(session)
    else:
        print(ready, file=sys.stderr)
        run_plain(session, sys.stdin, sys.stdout)
