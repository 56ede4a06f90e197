"""Everything the command line says is Chinese, typer's own usage errors included.

Runs the installed ``duizhao`` entry point (``main()`` words typer's errors; CliRunner would
bypass it) with the mistakes people make, and checks for a Chinese message, the usage line,
exit code 2 and no English sentence.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

EXE = str(Path(sys.executable).with_name("duizhao"))
ENGLISH = re.compile(r"\b(Error|Usage|Try|Invalid|Missing|No such|Got|Options|Show this)\b")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("args", "says"), [
    (["search", "-k", "0", "理论"], "-k / --k 的值无效：应不小于 1"),
    (["search", "-k", "abc", "理论"], "应为整数"),
    (["search", "--bogus"], "没有选项 --bogus"),
    (["serch", "理论"], "没有命令 “serch”"),
    (["search", "--role"], "选项 --role 需要一个值"),
    (["search", "理论", "学习"], "多余的参数（学习）"),
    (["add"], "缺少参数 路径"),
])
def test_usage_errors_are_chinese(args: list[str], says: str) -> None:
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("错误：") and says in result.stderr, result.stderr
    assert not ENGLISH.search(result.stderr), result.stderr


@pytest.mark.parametrize("args", [["--help"], ["search", "--help"], ["build", "--help"], []])
def test_help_pages_are_chinese(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("用法：duizhao") and "显示本帮助并退出" in result.stdout
    assert "示例：" in result.stdout
    assert not ENGLISH.search(result.stdout), result.stdout
