"""The ``duizhao`` command: a thin typer layer over the library.

Each command parses options, calls one library function, formats the result and maps
``DuizhaoError`` to its exit code. stdout carries data; stderr carries messages.
Heavy modules (faiss, jieba, encoders) are imported inside commands, so ``--help`` is fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from duizhao.errors import DuizhaoError

app = typer.Typer(
    name="duizhao",
    help="对照 duizhao — 从往年对照检查材料中按维度、角色、部分查找可借鉴的段落。\n\n"
    "Find passages from earlier 对照检查材料 to adapt, by dimension, role and section.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

IndexOption = Annotated[
    Path, typer.Option("--index", help="索引目录 / index directory.", show_default=True)
]


def say(message: str) -> None:
    """A message for the person at the terminal: always stderr, never mixed into data."""
    typer.echo(message, err=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a DuizhaoError into its message on stderr and its exit code; nothing on stdout."""
    try:
        yield
    except DuizhaoError as error:
        say(f"错误 Error: {error}")
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:
        say("已中断。索引保持原样。 Interrupted; the index is unchanged.")
        raise typer.Exit(130) from None


def print_jsonl(records: Iterator[dict[str, Any]]) -> None:
    for record in records:
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")


def command(**kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a command; every command's help ends with an example (see each docstring)."""
    return app.command(**kwargs)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
