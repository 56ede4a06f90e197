"""``duizhao shell``: the interactive drafting session (search, open, pick, save).

``session`` holds the state and the search commands, ``drafting`` the basket, draft and check
commands, ``render`` turns records into text,
``complete`` does Tab completion, ``frontend`` runs prompt_toolkit or the plain line mode.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from duizhao.shell.frontend import run_shell
    from duizhao.shell.session import ShellSession

__all__ = ["ShellSession", "run_shell"]


def __getattr__(name: str) -> Any:
    # Lazy, so ``import duizhao.shell.render`` does not pull in the search stack.
    if name == "ShellSession":
        from duizhao.shell.session import ShellSession
        return ShellSession
    if name == "run_shell":
        from duizhao.shell.frontend import run_shell
        return run_shell
    raise AttributeError(name)
