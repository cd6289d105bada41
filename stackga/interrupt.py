"""Ctrl-C as a request to stop: the GA finishes its generation and returns the best so far.

Inside ``graceful()`` the first SIGINT only sets a flag that the engines read
between generations (so it never lands inside compiled follower code); a second
SIGINT raises ``KeyboardInterrupt`` as usual. Nested uses share one flag, so a
command that runs several solves (``stackga compare``) stops them all.
Outside the main thread (where Python delivers no signals) it is a no-op flag.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

__all__ = ["StopFlag", "graceful", "requested"]


class StopFlag:
    """``flag()`` is True once a stop was requested."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self) -> bool:
        return self.requested


_active: StopFlag | None = None


def requested() -> bool:
    """True when a stop was requested inside the current ``graceful()`` block."""
    return _active is not None and _active.requested


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
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum, frame):
        if flag.requested:                        # the second Ctrl-C aborts
            signal.signal(signal.SIGINT, previous)
            raise KeyboardInterrupt
        flag.requested = True

    signal.signal(signal.SIGINT, handler)
    _active = flag
    try:
        yield flag
    finally:
        _active = None
        signal.signal(signal.SIGINT, previous)
