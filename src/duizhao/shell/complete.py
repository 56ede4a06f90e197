"""Tab completion for the shell: command names, then label names (Chinese, keys, aliases).

Kept apart from the prompt loop so it can be tested with a plain ``Document``, no terminal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from duizhao.shell.session import COMMANDS, MODE_ALIASES, MODES
from duizhao.taxonomy import Kind, Taxonomy

_ARG_RE = re.compile(r"^(?:/|／)([a-zA-Z]+)\s+(.*)$", re.S)
_BY_NAME = {name: command for command in COMMANDS for name in command.names}


class ShellCompleter(Completer):
    """``/ro`` → ``/role``; ``/role 支`` → ``支部书记``; ``/dim the`` → ``theory``."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.paths = PathCompleter(expanduser=True)

    def get_completions(self, document: Document,
                        complete_event: CompleteEvent) -> Iterable[Completion]:
        text = document.text_before_cursor
        if text[:1] in ("/", "／") and not any(ch.isspace() for ch in text):
            typed = text[1:].lower()
            for each in COMMANDS:
                for name in each.names:
                    if name.startswith(typed):
                        yield Completion(f"/{name}", -len(text), display_meta=each.help)
            return
        match = _ARG_RE.match(text)
        command = _BY_NAME.get(match.group(1).lower()) if match else None
        if match is None or command is None or command.completes is None:
            return
        arg = match.group(2)
        if command.completes == "slot":  # /move N 维度|部分, /note 部分 维度 文字
            words = arg.split(" ")
            if len(words) <= 3:  # the slot words only, not the note's own text
                for kind in ("section", "dimension"):
                    yield from self._labels(kind, words[-1])
        elif command.completes == "path":
            yield from self.paths.get_completions(Document(arg, len(arg)), complete_event)
        elif command.completes == "mode":
            for value in (*MODES, *MODE_ALIASES):
                if value.startswith(arg.lower()):
                    yield Completion(value, -len(arg),
                                     display_meta=MODE_ALIASES.get(value, value))
        else:
            yield from self._labels(command.completes, arg)  # type: ignore[arg-type]

    def _labels(self, kind: Kind, arg: str) -> Iterable[Completion]:
        wanted = arg.strip().lower()
        choices = (*self.taxonomy.choices(kind), "全部")
        prefix = [c for c in choices if c.lower().startswith(wanted)]
        inside = [c for c in choices if wanted and wanted in c.lower() and c not in prefix]
        for choice in prefix + inside:
            key = self.taxonomy.resolve(kind, choice)
            meta = f"{self.taxonomy.name(kind, key)} {key}" if key else "清除筛选"
            yield Completion(choice, -len(arg), display_meta=meta)
