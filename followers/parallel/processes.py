"""Rows of a batch solved in helper processes, with the same answer as one process.

For solvers that hold the GIL (PIQP), threads do not use a second core; helper processes
do. The rows are cut into contiguous chunks as in :mod:`stackga.followers.parallel.threads`: this process
solves the first chunk while helpers solve the others, and the outputs are concatenated
in order. Every row is solved by the same code on its own, so the result is bit for bit
the one-process result whatever the number of helpers.

A helper is a plain ``python`` running :func:`serve` (never the user's script, so a
script without an ``if __name__ == "__main__"`` guard is safe), in its own session (so
Ctrl-C stops the run, not the helper), talking numbered pickles over its stdin and a
private copy of its stdout (its own stdout goes to stderr: prints and C-level logs
cannot corrupt a reply); it exits when this process closes its stdin. Helpers are
started on first use (each says it is ready) and kept.

Helpers are used only by a top-level process, from one thread at a time: in a worker
of a process pool or a Dask cluster (which already fill the cores), in a helper, from a
second thread while another uses them, or after a helper failed to start, the batch is
solved in-process, as with ``threads == 1``. A helper that dies, errs or answers out of
turn is dropped and its chunk solved here; one with a request unanswered when this
process's own chunk raises is killed (its late reply must never answer a later call).
"""
from __future__ import annotations

import atexit
import hashlib
import multiprocessing as mp
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
from typing import Any

import numpy as np

from .threads import n_threads

__all__ = ["map_rows_processes", "serve", "stats"]

START_TIMEOUT = 120.0                 # s for a helper to import and say it is ready
_HELPERS: list[subprocess.Popen] = []
_LOCK = threading.Lock()
_STATE = {"disabled": False, "in_helper": False, "request": 0}
stats = {"helper_rows": 0, "fallback_rows": 0}   # rows answered by helpers / solved here instead


def _send(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(data)) + data)
    stream.flush()


def _recv(stream):
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError("helper stream closed")
    (n,) = struct.unpack("<Q", head)
    data = stream.read(n)
    if len(data) < n:
        raise EOFError("helper stream closed")
    return pickle.loads(data)


def serve(out_fd: int) -> None:
    """A helper's loop: (request, token, blob, method, args) in, (request, "ok", result)
    or (request, "error", text) out on ``out_fd``; the object of ``blob`` is unpickled
    once and kept by its token."""
    _STATE["in_helper"] = True
    held: dict[str, Any] = {}
    inp, out = sys.stdin.buffer, os.fdopen(out_fd, "wb")
    _send(out, "ready")
    while True:
        try:
            request, token, blob, method, args = _recv(inp)
        except EOFError:
            return
        try:
            obj = held.get(token)
            if obj is None:
                if len(held) > 16:
                    held.clear()
                obj = held[token] = pickle.loads(blob)
            _send(out, (request, "ok", getattr(obj, method)(*args)))
        except Exception as e:                       # reported, solved by the caller
            _send(out, (request, "error", f"{type(e).__name__}: {e}"))


# the protocol's stdout is copied and fd 1 sent to stderr before anything is imported
_CODE = ("import os, sys; fd = os.dup(1); os.dup2(2, 1); sys.stdout = sys.stderr; "
         "sys.path[:0] = {path!r}; from stackga.followers.parallel.processes import serve; serve(fd)")


def _wait_readable(h: subprocess.Popen, timeout: float | None) -> bool:
    """Whether h's stdout has data before ``timeout`` (None: while h lives)."""
    fd = h.stdout.fileno()
    waited = 0.0
    while timeout is None or waited < timeout:
        if select.select([fd], [], [], 1.0)[0]:
            return True
        waited += 1.0
        if h.poll() is not None:
            return bool(select.select([fd], [], [], 0.0)[0])
    return False


def _start() -> subprocess.Popen | None:
    """A new helper that said it is ready, or None (then no more are started here)."""
    try:
        h = subprocess.Popen([sys.executable, "-c", _CODE.format(path=[p for p in sys.path if p])],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True)
    except OSError:
        _STATE["disabled"] = True
        return None
    try:
        if _wait_readable(h, START_TIMEOUT) and _recv(h.stdout) == "ready":
            return h
    except (EOFError, OSError, pickle.UnpicklingError):
        pass
    _kill(h)
    _STATE["disabled"] = True
    return None


def _kill(h: subprocess.Popen) -> None:
    try:
        h.kill()
        h.wait(timeout=5)
    except Exception:
        pass


def _close() -> None:
    for h in _HELPERS:
        try:
            h.stdin.close()
            h.wait(timeout=5)
        except Exception:
            _kill(h)
    _HELPERS.clear()


atexit.register(_close)


def _helpers(k: int) -> list[subprocess.Popen]:
    """Up to k live helpers; none where this process must not use any."""
    if (k < 1 or _STATE["disabled"] or _STATE["in_helper"] or mp.parent_process() is not None
            or mp.current_process().daemon):
        return []
    _HELPERS[:] = [h for h in _HELPERS if h.poll() is None]
    while len(_HELPERS) < k:
        h = _start()
        if h is None:
            break
        _HELPERS.append(h)
    return _HELPERS[:k]


def map_rows_processes(obj: Any, method: str, arrays: tuple, threads: int = 0,
                       min_rows: int = 8) -> tuple:
    """``getattr(obj, method)(*chunk)`` for contiguous chunks of ``arrays`` (each (n, ...),
    cut along the first axis), on up to ``threads`` processes (this one and helpers; 0 =
    every core; chunks of at least ``min_rows`` rows); the outputs (a tuple of arrays
    whose first axis is the chunk's rows) concatenated in order. ``obj`` is pickled per
    call (its ``__getstate__`` may leave caches out) and unpickled once per helper, kept
    by the pickle's hash, so a helper never uses a stale copy."""
    n = len(arrays[0])
    k = max(1, min(n_threads(threads), n // max(min_rows, 1)))
    if k == 1 or not _LOCK.acquire(blocking=False):
        return getattr(obj, method)(*arrays)
    try:
        helpers = _helpers(k - 1)
        try:
            blob = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            helpers = []
        if not helpers:
            return getattr(obj, method)(*arrays)
        return _scatter(obj, method, arrays, helpers, blob)
    finally:
        _LOCK.release()


def _scatter(obj, method: str, arrays: tuple, helpers: list, blob: bytes) -> tuple:
    n, k = len(arrays[0]), len(helpers) + 1
    cuts = np.linspace(0, n, k + 1).astype(int)
    chunks = [tuple(a[lo:hi] for a in arrays) for lo, hi in zip(cuts[:-1], cuts[1:])]
    token = hashlib.blake2b(blob, digest_size=16).hexdigest()
    pending: list[tuple[subprocess.Popen | None, int]] = []
    try:
        for h, c in zip(helpers, chunks[1:]):
            _STATE["request"] += 1
            try:
                _send(h.stdin, (_STATE["request"], token, blob, method, c))
                pending.append((h, _STATE["request"]))
            except OSError:
                _kill(h)
                pending.append((None, 0))
        parts = [getattr(obj, method)(*chunks[0])]
        for i, c in enumerate(chunks[1:]):
            h, request = pending[i]
            reply = None
            if h is not None:
                try:
                    if _wait_readable(h, None):
                        reply = _recv(h.stdout)
                except (EOFError, OSError, pickle.UnpicklingError):
                    reply = None
                pending[i] = (None, 0)                   # answered (or given up)
                if reply is None or reply[0] != request:
                    _kill(h)
                    reply = None
            if reply is not None and reply[1] == "ok":
                stats["helper_rows"] += len(c[0])
                parts.append(reply[2])
            else:
                stats["fallback_rows"] += len(c[0])
                parts.append(getattr(obj, method)(*c))
    finally:
        for h, _ in pending:                             # unanswered: never read later
            if h is not None:
                _kill(h)
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(len(parts[0])))
