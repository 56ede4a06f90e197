"""Helpers for tests that run duizhao in a subprocess and kill it at chosen moments."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from duizhao.store import LoadedIndex, open_index


def start(args: list[str], pause: str | None = None) -> subprocess.Popen[str]:
    """``duizhao ARGS`` as a child process; ``pause`` = "point:seconds" for the test hook."""
    env = dict(os.environ)
    env.pop("DUIZHAO_TEST_PAUSE_AT", None)
    if pause:
        env["DUIZHAO_TEST_PAUSE_AT"] = pause
    return subprocess.Popen([sys.executable, "-m", "duizhao.cli", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(proc: subprocess.Popen[str], marker: str, timeout: float = 120) -> str:
    """Read the child's stderr until a line holds ``marker``; fail if it exits first."""
    assert proc.stderr is not None
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 0.5)
        if ready:
            line = proc.stderr.readline()
            if not line:
                break
            seen.append(line)
            if marker in line:
                return "".join(seen)
    raise AssertionError(f"child never printed {marker!r}; stderr so far:\n{''.join(seen)}")


def kill(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def check_usable(index: Path) -> LoadedIndex:
    """Open the index and run a dense and a keyword search on it, as a reader would."""
    loaded = open_index(index)
    assert loaded.dense is not None and loaded.keyword is not None
    scores, rows = loaded.dense.search(loaded.vectors[0], 1, None)
    assert list(rows) == [0] and np.isclose(scores[0], 1.0, atol=1e-4)
    tokens = loaded.tokens()[0]
    _, rows = loaded.keyword.search(tokens, 3, None)
    assert 0 in list(rows)
    return loaded
