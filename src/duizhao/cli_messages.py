"""typer's own words (usage errors, help headings) in Chinese, so the screen speaks one language.

typer words some messages through ``gettext`` (bound at import as ``typer.core._``), formats
the usage line and the help option itself, and raises usage errors with English messages. So:
``install()`` rebinds ``typer.core._`` to the table below; ``ChineseCommand``/``ChineseGroup``
write the usage line and the ``--help`` line in Chinese; ``usage_error_text`` words a usage
error from the exception's own fields (option name, parameter, suggestions), never from its
English message, so an unknown error still reads in Chinese. typer is pinned to a minor
version in ``pyproject.toml``; a test runs the common mistakes and checks for English.
"""

from __future__ import annotations

import re
from typing import Any

import typer.core

USAGE_PREFIX = "用法："
HELP_TEXT = "显示本帮助并退出。"

MESSAGES: dict[str, str] = {
    "Aborted!": "已取消。",
    "Options": "选项",
    "Arguments": "参数",
    "Commands": "命令",
    "Missing command.": "缺少命令。",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
    "No such command {name!r}.": "没有命令 {name!r}。",
}

# Value problems typer reports in English, by the fact they state (checked in order).
_VALUE_FACTS: tuple[tuple[str, str], ...] = (
    (r"greater than or equal to (\S+?)\.?$", "应不小于 {0}"),
    (r"less than or equal to (\S+?)\.?$", "应不大于 {0}"),
    (r"greater than (\S+?)\.?$", "应大于 {0}"),
    (r"valid integer", "应为整数"),
    (r"valid (number|float)", "应为数字"),
    (r"valid boolean", "应为 是/否"),
    (r"does not exist", "不存在"),
    (r"is a directory", "是文件夹，不是文件"),
    (r"is a file", "是文件，不是文件夹"),
    (r"not readable", "无法读取"),
)


def translate(message: str) -> str:
    return MESSAGES.get(message, message)


def install() -> None:
    """Rebind typer's gettext lookups to the Chinese table (idempotent)."""
    typer.core._ = translate


class _ChineseWords:
    """Usage line and ``--help`` line in Chinese; mixed into typer's command and group."""

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=USAGE_PREFIX)

    def get_usage(self, ctx: Any) -> str:
        usage = super().get_usage(ctx)  # type: ignore[misc]
        return str(usage).replace("Usage:", USAGE_PREFIX.rstrip(), 1)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = HELP_TEXT
        return option


class ChineseCommand(_ChineseWords, typer.core.TyperCommand):
    """A typer command whose usage line and ``--help`` line are Chinese."""


class ChineseGroup(_ChineseWords, typer.core.TyperGroup):
    """The top-level ``duizhao`` group, worded like ``ChineseCommand``."""


def _hint(exc: Any) -> str:
    """The option or argument an error is about, as the user typed it."""
    hint = getattr(exc, "param_hint", None)
    param = getattr(exc, "param", None)
    if hint is None and param is not None:
        if getattr(param, "param_type_name", "") == "argument" and getattr(param, "metavar", None):
            return str(param.metavar)
        opts = getattr(param, "opts", None) or [getattr(param, "name", "") or ""]
        hint = " / ".join(opts)
    if isinstance(hint, list | tuple):
        hint = " / ".join(str(h) for h in hint)
    return str(hint or "")


def _value_fact(message: str) -> str:
    for pattern, words in _VALUE_FACTS:
        found = re.search(pattern, message)
        if found:
            return words.format(*found.groups())
    return ""


def usage_error_message(exc: Any) -> str:
    """The Chinese sentence for one typer usage error."""
    kind = type(exc).__name__
    message = str(getattr(exc, "message", "") or "")
    if kind == "NoSuchOption":
        name = getattr(exc, "option_name", "")
        text = f"没有选项 {name}。"
        possibilities = getattr(exc, "possibilities", None)
        if possibilities:
            text += f"是否想用 {'、'.join(sorted(possibilities))}？"
        return text
    if kind == "MissingParameter":
        param = getattr(exc, "param", None)
        what = "参数" if getattr(param, "param_type_name", "") == "argument" else "选项"
        return f"缺少{what} {_hint(exc)}。".replace(" 。", "。")
    if kind == "BadParameter":
        fact = _value_fact(message)
        return f"{_hint(exc)} 的值无效" + (f"：{fact}。" if fact else "。")
    if kind == "BadOptionUsage":
        name = getattr(exc, "option_name", "")
        if "requires" in message:
            return f"选项 {name} 需要一个值。"
        if "does not take a value" in message:
            return f"选项 {name} 不接受值。"
        return f"选项 {name} 的用法有误。"
    extra = re.search(r"unexpected extra argument(?:s|\(s\))? \((.*)\)", message)
    if extra:
        return f"多余的参数（{extra.group(1)}）。内容中有空格时请加引号。"
    command = re.search(r"No such command '(.*?)'", message) or re.search(
        r"没有命令 '(.*?)'", message)
    if command:
        return f"没有命令 “{command.group(1)}”。"
    return "命令行有误。"


def usage_error_text(exc: Any) -> str:
    """What ``duizhao`` prints for a usage error: the error, the usage line, where help is."""
    lines = [f"错误：{usage_error_message(exc)}"]
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        lines.append(str(ctx.get_usage()).replace("Usage:", USAGE_PREFIX.rstrip(), 1))
        lines.append(f"运行 “{ctx.command_path} --help” 查看帮助。")
    return "\n".join(lines)
