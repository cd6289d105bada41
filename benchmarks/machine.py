"""What every benchmark shares: the machine it ran on (its report line) and the timing of
one solve."""
from __future__ import annotations

import os
import platform
import time


def cpu() -> str:
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as f:
            return next((line.split(":", 1)[1].strip() for line in f if "model name" in line), "?")
    return platform.processor()


def machine() -> str:
    """'CPU, N cores, Python X.Y.Z'."""
    return f"{cpu()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def timed(game, cfg):
    """(seconds, Result) of ``stackga.solve(game, cfg)``."""
    import stackga
    t0 = time.perf_counter()
    res = stackga.solve(game, cfg)
    return time.perf_counter() - t0, res
