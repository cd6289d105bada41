"""HiGHS backend: limits are always set, a limit reached is its own status, and
"unbounded or infeasible" is never reported as infeasible."""
import numpy as np
import pytest
import scipy.sparse as sp
from stackga.followers import Status
from stackga.followers.backends.highs import LIMITS, quiet_highs, solve_highs

from stackga.bilevel import Bilevel, Follower, solve_exact


def _lp(n=30, seed=0):
    """A random bounded, feasible LP min c x s.t. A x <= b, 0 <= x <= 1 (many pivots)."""
    rng = np.random.default_rng(seed)
    A = rng.uniform(0.0, 1.0, (n, n))
    return -rng.uniform(1.0, 2.0, n), sp.csr_matrix(A), np.full(n, -np.inf), A.sum(1) / 3


def test_every_model_has_limits():
    h = quiet_highs()
    for name, value in LIMITS.items():
        assert h.getOptionValue(name)[1] == value


def test_iteration_limit_is_a_status_not_a_hang():
    c, A, lo, hi = _lp()
    st, _, _ = solve_highs(c, A, lo, hi, np.zeros(30), np.ones(30))
    assert st == Status.OPTIMAL
    st, x, _ = solve_highs(c, A, lo, hi, np.zeros(30), np.ones(30),
                           options={"simplex_iteration_limit": 1, "presolve": "off"})
    assert st == Status.LIMIT and not x.any()


def test_unbounded_lp_is_not_infeasible():
    st, _, _ = solve_highs(np.array([-1.0]), sp.csr_matrix([[1.0]]), np.array([0.0]),
                           np.array([np.inf]), np.array([0.0]), np.array([np.inf]))
    assert st == Status.UNBOUNDED


@pytest.mark.parametrize("method", ["bigm", pytest.param("sos1", marks=pytest.mark.filterwarnings("ignore"))])
def test_exact_reference_of_an_unbounded_game_is_not_infeasible(method):
    """min -x over x >= 0 with a follower y = x: feasible and unbounded (big-M reported it
    "infeasible" with a validated audit)."""
    if method == "sos1":
        pytest.importorskip("pyscipopt")
    bl = Bilevel("min", c_x=[-1.0], x_lb=[0.0],
                 followers=[Follower(d=[1.0], B=[[1.0]], b=[0.0], sense=">=", A=[[-1.0]])])
    out = solve_exact(bl, method=method, time_limit=10)
    assert out.status in ("unbounded", "unbounded_or_infeasible", "time_limit"), out.status
    assert out.status != "infeasible"


def test_highs_prints_nothing():
    """The first HiGHS model of a process prints no banner on stdout."""
    import subprocess
    import sys
    code = ("from stackga.followers.backends.highs import solve_highs; import numpy as np;"
            "import scipy.sparse as sp;"
            "solve_highs(np.ones(1), sp.csr_matrix([[1.0]]), np.zeros(1), np.ones(1), np.zeros(1), np.ones(1))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == ""


def test_a_reused_model_gets_its_time_limit_per_run():
    """HiGHS's clock runs on across a model's runs; run(h, time_limit) gives each run its
    own budget (a persistent follower model once stopped every solve after its limit's
    worth of solving in all)."""
    import highspy
    from stackga.followers.backends.highs import run
    n = 40
    h = quiet_highs()
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), -np.ones(n))
    h.addRow(-highspy.kHighsInf, 10.0, n, np.arange(n, dtype=np.int32), np.ones(n))
    budget, statuses = 0.05, []
    while h.getRunTime() < 4 * budget:          # several budgets' worth of solving in all
        h.clearSolver()
        statuses.append(run(h, time_limit=budget))
    assert set(statuses) == {Status.OPTIMAL}


def test_matrix_follower_keeps_answering_past_its_time_limit(monkeypatch):
    from stackga.bilevel import Bilevel, MatrixFollower
    from stackga.bilevel import response as matrix_response
    monkeypatch.setattr(matrix_response, "TIME_LIMIT", 0.25)    # per run; the runs below take over 1 s in all
    f = Follower(d=np.ones(30), Q=np.eye(30), B=np.ones((1, 30)), b=[5.0], sense=">=",
                 M=np.eye(30), lb=np.zeros(30), ub=np.full(30, 10.0))
    bl = Bilevel("max", c_x=np.zeros(30), Q_xy=np.eye(30), followers=[f],
                 x_lb=np.zeros(30), x_ub=np.ones(30))
    mf = MatrixFollower(bl, 0, fast=False)          # HiGHS answers every row (its limit tested)
    X = np.random.default_rng(0).uniform(0, 1, (400, 30))
    for _ in range(3):
        r = mf.respond(X)
        assert np.all(r.status == Status.OPTIMAL)
    assert mf._h["follower"].getRunTime() > 0.25        # more than one budget in all


def test_solves_after_a_users_own_highs_model():
    """HiGHS has one thread scheduler per process: a model asking for another thread count
    than the first one used fails without solving (every follower was SOLVER_FAILED after
    a user's own HiGHS model ran first)."""
    import subprocess
    import sys
    code = ("import highspy, numpy as np, scipy.sparse as sp\n"
            "h = highspy.Highs(); h.setOptionValue('output_flag', False)\n"
            "h.addVars(1, np.zeros(1), np.ones(1)); h.run()\n"
            "from stackga.followers.backends.highs import solve_highs\n"
            "st, x, f = solve_highs(-np.ones(2), sp.csr_matrix([[1.0, 1.0]]), np.array([-np.inf]),\n"
            "                       np.array([1.0]), np.zeros(2), np.ones(2))\n"
            "print(st.name, f)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1].split()[0] == "OPTIMAL"   # (the banner is theirs)


def test_a_qp_answer_off_its_rows_comes_back_failed(monkeypatch):
    """A QP answer HiGHS calls optimal but that breaks a row is SOLVER_FAILED and counted;
    the same QP's true answer passes, and an LP is not checked this way."""
    from types import SimpleNamespace

    import stackga.followers.backends.highs as hb
    H = sp.identity(2, format="csc")
    args = (np.array([-1.0, -1.0]), sp.csr_matrix([[1.0, 1.0]]), [-np.inf], [1.0], np.zeros(2), np.full(2, 5.0))
    st, x, obj = solve_highs(*args, hessian=H)          # min x'x/2 - x1 - x2, x1 + x2 <= 1
    assert st == Status.OPTIMAL and x == pytest.approx([0.5, 0.5])
    build = hb.build_highs

    def shifted(*a, **k):
        h = build(*a, **k)

        class Off:
            def __getattr__(self, name):
                return getattr(h, name)

            def getSolution(self):
                sol = h.getSolution()
                return SimpleNamespace(col_value=np.array(sol.col_value) + 0.01, row_dual=sol.row_dual)
        return Off()
    monkeypatch.setattr(hb, "build_highs", shifted)
    before = hb.QP_REJECTED["count"]
    st, x, _ = solve_highs(*args, hessian=H)
    assert st == Status.SOLVER_FAILED and np.all(x == 0) and hb.QP_REJECTED["count"] == before + 1
    st, x, _ = solve_highs(*args)                        # an LP: the simplex's answer is trusted
    assert st == Status.OPTIMAL and hb.QP_REJECTED["count"] == before + 1
