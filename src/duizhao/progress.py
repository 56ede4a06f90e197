"""A one-line progress counter on stderr for long loops whose length is not known in advance.

Reading a folder of 10,000 files streams them from a generator, so there is no total to draw
a bar against; a count with a rate still tells the user it is moving and how fast. It redraws
at most five times a second and only when stderr is a terminal (or when forced), so logs and
captured output stay clean.
"""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, label: str, unit: str = "", enabled: bool = True,
                 force: bool = False, total: int | None = None) -> None:
        self.total = total  # known length: the line adds a share done and the time left
        self.label = label
        self.unit = unit
        self.enabled = enabled and (force or sys.stderr.isatty())
        self.count = 0
        self._start = time.perf_counter()
        self._drawn = 0.0

    def step(self, n: int = 1) -> None:
        self.count += n
        now = time.perf_counter()
        if self.enabled and now - self._drawn >= 0.2:
            self._drawn = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        rate = self.count / max(now - self._start, 1e-9)
        line = f"\r{self.label} {self.count} {self.unit}  {rate:,.0f}/s"
        if self.total:
            left = max(self.total - self.count, 0) / max(rate, 1e-9)
            line = (f"\r{self.label} {self.count}/{self.total} {self.unit} "
                    f"{100 * self.count / self.total:.0f}%  {rate:,.0f}/s  "
                    f"还需约 {int(left // 60)} 分 {int(left % 60):02d} 秒")
        sys.stderr.write(line)
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.count:
            self._draw(time.perf_counter())
            sys.stderr.write("\n")
            sys.stderr.flush()
