"""What a solver prints on the C stdout inside a QP solve is captured and counted, never
shown; blocks on several threads share one redirection and leave fd 1 as it was."""
import ctypes
import os
import threading

import numpy as np
import scipy.sparse as sp
from stackga.followers.backends import c_output
from stackga.followers.backends.highs import solve_highs

libc = ctypes.CDLL(None)


def test_c_printf_inside_is_counted_and_not_shown(capfd):
    before = dict(c_output.COUNTS)
    with c_output.captured():
        libc.printf(b"error\n")
        libc.printf(b"something else\n")           # buffered: flushed before fd 1 returns
    libc.printf(b"after\n")
    libc.fflush(None)
    out = capfd.readouterr().out
    assert out == "after\n"
    assert c_output.COUNTS["error"] == before["error"] + 1
    assert c_output.COUNTS["lines"] == before["lines"] + 2


def test_threads_share_one_redirection_and_fd_1_comes_back(capfd):
    fd1 = os.fstat(1)
    started = threading.Barrier(4)

    def work():
        with c_output.captured():
            started.wait()
            libc.printf(b"error\n")

    threads = [threading.Thread(target=work) for _ in range(4)]
    before = c_output.COUNTS["error"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert c_output.COUNTS["error"] == before + 4
    assert (os.fstat(1).st_ino, os.fstat(1).st_dev) == (fd1.st_ino, fd1.st_dev)
    print("shown")
    assert capfd.readouterr().out == "shown\n"


def test_a_qp_solve_still_answers_inside_the_capture():
    # min 1/2 (x0^2 + x1^2) - x0 - x1 s.t. x0 + x1 <= 1: x = (0.5, 0.5)
    st, x, obj = solve_highs(np.array([-1.0, -1.0]), sp.csr_matrix([[1.0, 1.0]]), np.array([-np.inf]),
                             np.array([1.0]), np.zeros(2), np.full(2, 10.0), hessian=sp.identity(2))
    np.testing.assert_allclose(x, [0.5, 0.5], atol=1e-7)
    assert obj == np.float64(obj) and abs(obj + 0.75) < 1e-7
