"""Rows of a batch solved in helper processes, with the same answer as one process.

For solvers that hold the GIL (PIQP), threads do not use a second core; helper processes
do. The rows are cut into contiguous chunks as in :mod:`followers.threads`: this process
solves the first chunk while helpers solve the others, and the outputs are concatenated
in order. Every row is solved by the same code on its own, so the result is bit for bit
the one-process result whatever the number of helpers.

A helper is a plain ``python`` running :func:`serve` (never the user's script, so a
script without an ``if __name__ == "__main__"`` guard is safe), in its own session (so
Ctrl-C stops the run, not the helper), talking pickles over its stdin/stdout; it exits
when this process closes its stdin. Helpers are started on first use and kept. Only a
top-level process starts them: in a worker of a process pool or a Dask cluster (which
already fill the cores) the batch is solved in-process, as with ``threads == 1``. A
helper that fails or dies is dropped and its chunk solved here.
"""
from __future__ import annotations

import atexit
import hashlib
import multiprocessing as mp
import os
import pickle
import struct
import subprocess
import sys
from typing import Any

import numpy as np

from .threads import n_threads

__all__ = ["map_rows_processes", "serve"]

_HELPERS: list[subprocess.Popen] = []


def _send(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(data)) + data)
    stream.flush()


def _recv(stream):
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError("helper stream closed")
    (n,) = struct.unpack("<Q", head)
    return pickle.loads(stream.read(n))


def serve() -> None:
    """A helper's loop: (token, blob, method, args) in, ("ok", result) or ("error", text)
    out; the object of ``blob`` is unpickled once and kept by its token."""
    held: dict[str, Any] = {}
    # the protocol gets its own copy of stdout; anything else written to stdout (a solver's
    # C-level log, a print) goes to stderr and cannot corrupt it
    inp, out = sys.stdin.buffer, os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    while True:
        try:
            token, blob, method, args = _recv(inp)
        except EOFError:
            return
        try:
            obj = held.get(token)
            if obj is None:
                if len(held) > 16:
                    held.clear()
                obj = held[token] = pickle.loads(blob)
            _send(out, ("ok", getattr(obj, method)(*args)))
        except Exception as e:                       # reported, solved by the caller
            _send(out, ("error", f"{type(e).__name__}: {e}"))


def _start() -> subprocess.Popen | None:
    code = (f"import sys; sys.path[:0] = {[p for p in sys.path if p]!r}; "
            "from followers.processes import serve; serve()")
    try:
        return subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, start_new_session=True)
    except OSError:
        return None


def _close() -> None:
    for h in _HELPERS:
        try:
            h.stdin.close()
            h.wait(timeout=5)
        except Exception:
            h.kill()
    _HELPERS.clear()


atexit.register(_close)


def _helpers(k: int) -> list[subprocess.Popen]:
    """Up to k live helpers; none where this process must not start any."""
    if k < 1 or mp.parent_process() is not None or mp.current_process().daemon:
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
    helpers = _helpers(k - 1) if k > 1 else []
    if not helpers:
        return getattr(obj, method)(*arrays)
    k = len(helpers) + 1
    cuts = np.linspace(0, n, k + 1).astype(int)
    chunks = [tuple(a[lo:hi] for a in arrays) for lo, hi in zip(cuts[:-1], cuts[1:])]
    blob = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    token = hashlib.blake2b(blob, digest_size=16).hexdigest()
    sent = []
    for h, c in zip(helpers, chunks[1:]):
        try:
            _send(h.stdin, (token, blob, method, c))
            sent.append(h)
        except OSError:
            sent.append(None)
    parts = [getattr(obj, method)(*chunks[0])]
    for h, c in zip(sent, chunks[1:]):
        reply = None
        if h is not None:
            try:
                reply = _recv(h.stdout)
            except (EOFError, OSError, pickle.UnpicklingError):
                h.kill()
        parts.append(reply[1] if reply is not None and reply[0] == "ok" else getattr(obj, method)(*c))
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(len(parts[0])))
