"""Progress bars on a terminal (silent otherwise): one run, or a sweep's runs."""
from __future__ import annotations

import sys
import time


class Progress:
    """A one-line progress bar on a terminal; silent otherwise."""

    def __init__(self, total: int, label: str = "") -> None:
        self.total, self.label = total, label
        self.live = sys.stderr.isatty()
        self.open = False

    def __call__(self, row: dict) -> None:
        if self.live:
            done = int(30 * row["gen"] / self.total)
            sys.stderr.write(f"\r{self.label} [{'#' * done}{'.' * (30 - done)}] "
                             f"gen {row['gen']}/{self.total}  best {row['best']:.1f}   ")
            self.open = row["gen"] != self.total
            if not self.open:
                sys.stderr.write("\n")
            sys.stderr.flush()

    def close(self) -> None:
        if self.open:
            sys.stderr.write("\n")
            self.open = False


class SweepProgress:
    """One bar per sweep on a terminal: runs done, best so far, time left; silent otherwise."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.best = total, 0, -float("inf")
        self.live, self.t0 = sys.stderr.isatty(), time.perf_counter()

    def __call__(self, spec, res) -> None:
        self.done += 1
        if res.report.get("feasible"):
            self.best = max(self.best, res.leader)
        if self.live:
            el = time.perf_counter() - self.t0
            left = el / self.done * (self.total - self.done)
            bar = "#" * int(30 * self.done / self.total)
            sys.stderr.write(f"\r[{bar:<30}] runs {self.done}/{self.total}  best {self.best:.1f}  "
                             f"~{left:.0f} s left   " + ("\n" if self.done == self.total else ""))
            sys.stderr.flush()
