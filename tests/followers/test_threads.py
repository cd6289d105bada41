"""Rows of a batch on threads (stackga.followers.parallel.threads.map_rows): the serial answer whatever the
thread count, from nested calls and from several callers at once; every chunk done
before a failing call raises."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from stackga.followers.parallel.threads import map_rows


def _double(x):
    return lambda k: (2.0 * x[k], x[k] + 1.0)


def test_threads_give_the_serial_answer():
    x = np.arange(100.0)
    serial = map_rows(_double(x), len(x), threads=1)
    for th in (2, 3, 5):
        out = map_rows(_double(x), len(x), threads=th)
        assert all(np.array_equal(a, b) for a, b in zip(serial, out))


def test_a_nested_call_returns():
    """A chunk that itself cuts its rows over threads (run in that chunk's thread)."""
    x = np.arange(64.0)

    def outer(k):
        inner = map_rows(_double(x[k]), k.stop - k.start, threads=2, min_rows=2)
        return (inner[0],)

    out = map_rows(outer, len(x), threads=2, min_rows=8)
    assert np.array_equal(out[0], 2.0 * x)


def test_a_nested_call_in_the_callers_chunk_runs_on_the_caller():
    """The calling thread holds the first chunk while the pool holds the others: a call
    nested in it runs its rows there, not queued behind the busy pool threads."""
    x = np.arange(64.0)
    caller, seen = threading.get_ident(), []

    def inner(k):
        seen.append((threading.get_ident(), k.start))
        return (2.0 * x[k],)

    def outer(k):
        if k.start == 0:
            return map_rows(inner, k.stop - k.start, threads=2, min_rows=2)
        return (2.0 * x[k],)

    out = map_rows(outer, len(x), threads=2, min_rows=8)
    assert np.array_equal(out[0], 2.0 * x)
    assert [s[1] for s in seen] == [0, 16] and {s[0] for s in seen} == {caller}


def test_several_callers_at_once():
    """Threads calling with different thread counts (the pool grows; none is shut down
    under a caller)."""
    x = np.arange(200.0)
    errors, results = [], {}

    def call(i):
        try:
            for _ in range(20):
                results[i] = map_rows(_double(x), len(x), threads=2 + i % 4, min_rows=4)
        except Exception as exc:                    # noqa: BLE001  reported below
            errors.append(exc)

    workers = [threading.Thread(target=call, args=(i,)) for i in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors
    assert all(np.array_equal(r[0], 2.0 * x) for r in results.values()) and len(results) == 8


def test_a_failing_chunk_raises_after_every_chunk_ends():
    done = []

    def fn(k):
        if k.start == 0:
            raise RuntimeError("first chunk fails")
        time.sleep(0.05)
        done.append(k.start)
        return (np.zeros(k.stop - k.start),)

    with pytest.raises(RuntimeError, match="first chunk"):
        map_rows(fn, 40, threads=4, min_rows=4)
    assert len(done) == 3
