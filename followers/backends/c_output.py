"""What a solver prints on the C stdout, kept off the user's output and counted.

HiGHS's QP solver prints a bare ``error`` line with ``printf`` (not through its logger,
so ``output_flag`` does not silence it) when its basis bookkeeping finds an inconsistency
(``highs/qpsolver/basis.cpp``, ``*pricing.hpp``); a long v2g comparison printed 88 of them
among its results. Inside :func:`captured`, file descriptor 1 points at a temporary file:
the lines written there are counted in :data:`COUNTS` (``lines``; ``error`` for those
that read ``error``) and dropped. Blocks on several threads share one redirection (the
first opens it, the last closes it); the C library's buffers are flushed before fd 1 is
given back, so nothing printed inside leaks out later. Python's own ``print`` is not
affected unless it flushes to fd 1 inside a block (the library prints to stderr).
"""
from __future__ import annotations

import ctypes
import os
import sys
import tempfile
import threading
from contextlib import contextmanager

__all__ = ["COUNTS", "captured"]

#: what the solvers printed on the C stdout inside ``captured`` blocks, this process
COUNTS = {"lines": 0, "error": 0}
_LOCK = threading.Lock()
_STATE: dict = {"depth": 0, "saved": None, "file": None}
try:
    _LIBC = ctypes.CDLL(None)
except OSError:                                     # no C library handle: nothing to flush
    _LIBC = None


def _flush_c() -> None:
    if _LIBC is not None:
        _LIBC.fflush(None)


def _open() -> None:
    sys.stdout.flush()
    _flush_c()
    f = tempfile.TemporaryFile()
    _STATE["saved"], _STATE["file"] = os.dup(1), f
    os.dup2(f.fileno(), 1)


def _close() -> None:
    _flush_c()
    saved, f = _STATE["saved"], _STATE["file"]
    os.dup2(saved, 1)
    os.close(saved)
    f.seek(0)
    lines = f.read().decode(errors="replace").splitlines()
    f.close()
    COUNTS["lines"] += len(lines)
    COUNTS["error"] += sum(line.strip() == "error" for line in lines)
    _STATE["saved"] = _STATE["file"] = None


@contextmanager
def captured():
    """Run the block with the C stdout captured and counted (see the module)."""
    with _LOCK:
        if _STATE["depth"] == 0:
            _open()
        _STATE["depth"] += 1
    try:
        yield COUNTS
    finally:
        with _LOCK:
            _STATE["depth"] -= 1
            if _STATE["depth"] == 0:
                _close()
