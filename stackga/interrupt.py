"""Ctrl-C (and SIGTERM, SIGHUP) as a request to stop: the GA finishes its generation and
returns the best so far.

Inside ``graceful()`` the first SIGINT, SIGTERM or SIGHUP (what ``timeout``, SLURM and
``docker stop`` send, or a closed terminal) only sets a flag that the engines read
between generations (so it never lands inside compiled follower code); a second one
raises ``KeyboardInterrupt`` as usual. :func:`exit_code` is the shell's code for the
signal that stopped the work (128 + its number: 130, 143, 129). Nested uses share one flag, so a
command that runs several solves (``stackga compare``) stops them all.
Outside the main thread (where Python delivers no signals) it is a no-op flag.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

__all__ = ["StopFlag", "exit_code", "graceful", "request", "requested", "SIGNALS"]

#: the signals that ask a run to stop (those the platform has)
SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                if hasattr(signal, name))
_last = {"signum": int(signal.SIGINT)}


class StopFlag:
    """``flag()`` is True once a stop was requested."""

    def __init__(self) -> None:
        self.requested = False
        self.signum: int | None = None

    def __call__(self) -> bool:
        return self.requested


_active: StopFlag | None = None


def exit_code() -> int:
    """128 + the number of the last signal that asked to stop (130 for Ctrl-C)."""
    return 128 + _last["signum"]


def requested() -> bool:
    """True when a stop was requested inside the current ``graceful()`` block."""
    return _active is not None and _active.requested


def request(signum: int = int(signal.SIGINT)) -> bool:
    """Ask the current ``graceful()`` block to stop, as the signal ``signum`` would (from
    any thread: e.g. a pool worker's watcher when its parent was asked to stop). True if
    a block was running and had not been asked yet."""
    flag = _active
    if flag is None or flag.requested:
        return False
    _last["signum"] = int(signum)
    flag.requested, flag.signum = True, int(signum)
    return True


@contextmanager
def graceful():
    global _active
    if _active is not None:                       # nested: share the outer flag
        yield _active
        return
    flag = StopFlag()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    # a signal the parent set to be ignored (e.g. SIGHUP under nohup) stays ignored
    previous = {sig: h for sig in SIGNALS
                if (h := signal.getsignal(sig)) is not signal.SIG_IGN}
    previous = {sig: (signal.SIG_DFL if h is None else h) for sig, h in previous.items()}
    _last["signum"] = int(signal.SIGINT)          # a new block: no signal yet

    def handler(signum, frame):
        _last["signum"] = int(signum)
        if flag.requested:                        # the second one aborts
            for sig, h in previous.items():
                signal.signal(sig, h)
            raise KeyboardInterrupt
        flag.requested, flag.signum = True, int(signum)

    for sig in previous:
        signal.signal(sig, handler)
    _active = flag
    try:
        yield flag
    finally:
        _active = None
        for sig, h in previous.items():
            signal.signal(sig, h)
