"""Rows solved in helper processes (stackga.followers.parallel.processes): bit for bit the one-process
answer, whatever the number of helpers, and the batch still solved where a helper dies."""
from __future__ import annotations

import numpy as np
import pytest
from stackga.followers.parallel import processes


@pytest.fixture(scope="module")
def dispatch():
    from stackga.cases.eva.case import build
    return build().followers["market"].dispatch


def _rows(dispatch, n=40, seed=0):
    rng = np.random.default_rng(seed)
    r = 200.0 + 150.0 * rng.standard_normal((n, dispatch.T))
    gam = rng.choice([0.005, 0.125, 3.125, 78.125], n)
    return r, gam


def _piqp_rows(dispatch, r, gam, threads):
    """The dispatch's PIQP/HiGHS rows (its path for rows its compiled kernel does not
    certify) on ``threads`` processes."""
    return processes.map_rows_processes(dispatch, "_solve_rows", (r, gam), threads, 4)


def test_helpers_give_the_one_process_answer(dispatch):
    r, gam = _rows(dispatch)
    one = _piqp_rows(dispatch, r, gam, 1)
    before = processes.stats["helper_rows"]
    three = _piqp_rows(dispatch, r, gam, 3)                            # this one and two helpers
    assert processes.stats["helper_rows"] - before == len(r) - len(r) // 3   # two of three chunks
    for a, b in zip(one, three):
        assert np.array_equal(a, b)
    assert np.all(one[1] == 0)


def test_a_dead_helper_is_replaced_and_its_rows_solved(dispatch):
    r, gam = _rows(dispatch, seed=1)
    ref = _piqp_rows(dispatch, r, gam, 1)
    _piqp_rows(dispatch, r[:20], gam[:20], 2)   # a helper is running
    for h in processes._HELPERS:
        h.kill()
        h.wait()
    out = _piqp_rows(dispatch, r, gam, 2)       # dead ones dropped, a new one started
    for a, b in zip(ref, out):
        assert np.array_equal(a, b)
    assert all(h.poll() is None for h in processes._HELPERS)


def test_a_helper_that_errs_leaves_its_chunk_to_this_process():
    """An object whose method fails in the helper (it cannot be unpickled there) is still
    answered: the chunk is solved here."""
    out = processes.map_rows_processes(_LocalOnly(), "double", (np.arange(40.0),), threads=2)
    assert np.array_equal(out[0], 2 * np.arange(40.0))


class _LocalOnly:
    def __reduce__(self):                       # unpickles to an error in the helper
        return (_refuse, ())

    def double(self, x):
        return (2 * x,)


def _refuse():
    raise RuntimeError("not here")


def test_output_written_in_a_helper_does_not_break_its_replies():
    """A method that prints (Python and C level) in the helper: the helper still answers
    its chunk (its rows carry the helper's pid, not this one's)."""
    import os
    out = processes.map_rows_processes(_Printer(), "double", (np.arange(40.0),), threads=2)
    assert np.array_equal(out[0], 2 * np.arange(40.0))
    assert np.all(out[1][:20] == os.getpid()) and np.all(out[1][20:] != os.getpid())


class _Printer:
    def double(self, x):
        import os
        print("noise from print")
        os.write(1, b"noise at the C level\n")
        return 2 * x, np.full(len(x), os.getpid())


class _Fails:
    """Raises in this process (for odd values) but not in a helper."""

    def __init__(self):
        import os
        self.pid = os.getpid()

    def double(self, x):
        import os
        if os.getpid() == self.pid and x[0] % 2:
            raise ValueError("this chunk fails here")
        return (2 * x,)


def test_a_failing_chunk_here_leaves_no_reply_for_the_next_call():
    """This process's own chunk raises while a helper works on the other: that helper is
    dropped, so its late reply never answers the next call."""
    with pytest.raises(ValueError):
        processes.map_rows_processes(_Fails(), "double", (np.arange(1.0, 41.0),), threads=2)
    out = processes.map_rows_processes(_Fails(), "double", (np.arange(200.0, 240.0),), threads=2)
    assert np.array_equal(out[0], 2 * np.arange(200.0, 240.0))


def test_calls_from_two_threads_each_get_their_own_rows():
    from concurrent.futures import ThreadPoolExecutor
    data = [np.arange(40.0) + 1000 * i for i in range(40)]
    with ThreadPoolExecutor(2) as pool:
        outs = list(pool.map(lambda x: processes.map_rows_processes(_Printer(), "double", (x,),
                                                                    threads=2)[0], data))
    for x, o in zip(data, outs):
        assert np.array_equal(o, 2 * x)


def test_a_python_that_cannot_serve_disables_helpers(monkeypatch):
    monkeypatch.setattr(processes.sys, "executable", "/bin/true")
    monkeypatch.setitem(processes._STATE, "disabled", False)
    assert processes._start() is None and processes._STATE["disabled"]
    monkeypatch.setitem(processes._STATE, "disabled", True)
    out = processes.map_rows_processes(_Printer(), "double", (np.arange(40.0),), threads=2)
    assert np.array_equal(out[0], 2 * np.arange(40.0))


def test_dispatch_rows_left_by_its_kernel_go_to_helpers(dispatch, monkeypatch):
    """End to end: the dispatch's rows its compiled kernel does not certify are solved on
    helpers, bit for bit as in one process."""
    import dataclasses

    from stackga.followers.recourse.microgrid_dispatch import MicrogridDispatch
    monkeypatch.setattr(MicrogridDispatch, "_kernel_rows",
                        lambda self, r, g: (np.zeros((len(r), 6 * self.T)), np.zeros(len(r), bool)))
    r, gam = _rows(dispatch, n=24, seed=2)
    one = dataclasses.replace(dispatch, threads=1).solve(r, gam)
    before = processes.stats["helper_rows"]
    two = dataclasses.replace(dispatch, threads=2).solve(r, gam)
    assert processes.stats["helper_rows"] - before == len(r) - len(r) // 2
    for k in one:
        assert np.array_equal(one[k], two[k]), k
    assert np.all(one["status"] == 0)
