"""The README's transcript is real: replay every `$ duizhao …` line and compare the output."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMING = re.compile(r"用时|段/s|passages/s")


def transcript() -> list[tuple[str, list[str]]]:
    readme = (ROOT / "README.md").read_text("utf-8")
    steps: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", readme, flags=re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps and line.strip():
                steps[-1][1].append(line.strip())
    return steps


def test_readme_transcript_replays(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    exe = str(Path(sys.executable).with_name("duizhao"))
    steps = transcript()
    assert len(steps) >= 3 and steps[0][0].startswith("duizhao build")
    for command, expected in steps:
        args = shlex.split(command)
        result = subprocess.run([exe, *args[1:]], cwd=tmp_path, capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == 0, (command, result.stderr)
        actual = [line.strip() for line in (result.stdout + result.stderr).splitlines()]
        for line in expected:
            if TIMING.search(line):
                continue
            assert line in actual, (command, line)


def test_readme_shell_excerpt_is_part_of_the_replayed_transcript() -> None:
    """The README's shell excerpt is copied from docs/shell-transcript.md, which test_shell
    replays against a real index; so the excerpt is real output too."""
    readme = (ROOT / "README.md").read_text("utf-8")
    excerpt = re.findall(r"```text\n(.*?)```", readme, flags=re.S)
    assert excerpt, "README has no shell excerpt"
    transcript = (ROOT / "docs" / "shell-transcript.md").read_text("utf-8")
    lines = [line for line in excerpt[0].splitlines() if line.strip()]
    assert len(lines) >= 10 and any(line.startswith("对照[") for line in lines)
    for line in lines:
        assert line in transcript, line
