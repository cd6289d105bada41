"""The compiled simplex of matrix followers (stackga.followers.kernels.lp_simplex) against
scipy's linprog, its codes (ties, a start infeasible at a row's data, a ray), answers
independent of the batch, and MatrixFollower with and without it."""
from __future__ import annotations

import highspy
import numpy as np
import pytest
from scipy.optimize import linprog
from stackga.followers.backends.highs import build_highs, run
from stackga.followers.kernels import lp_simplex as K
from stackga.followers.response import Status

_CODE = {highspy.HighsBasisStatus.kBasic: K.BASIC, highspy.HighsBasisStatus.kLower: K.AT_LOWER,
         highspy.HighsBasisStatus.kUpper: K.AT_UPPER, highspy.HighsBasisStatus.kZero: K.AT_ZERO}


def start(B, c, lo, hi, lb, ub):
    """The optimal basis of the LP at a reference cost (HiGHS), as the kernel takes it."""
    h = build_highs(c, B, lo, hi, lb, ub)
    assert run(h) == 0
    b = h.getBasis()
    stat = np.array([_CODE[s] for s in list(b.col_status) + list(b.row_status)], np.int8)
    return np.flatnonzero(stat == K.BASIC).astype(np.int64), stat


def solve(B, C, LO, HI, lb, ub, basis, stat, cap=10_000):
    N, n = C.shape
    Y, obj, code = np.zeros((N, n)), np.zeros(N), np.zeros(N, np.int64)
    LB, UB = (np.ascontiguousarray(np.broadcast_to(np.asarray(v, float), (N, n))) for v in (lb, ub))
    K.solve_rows(np.ascontiguousarray(B), np.ascontiguousarray(C), np.ascontiguousarray(LO),
                 np.ascontiguousarray(HI), LB, UB, np.ascontiguousarray(np.broadcast_to(basis, (N, len(basis)))),
                 np.ascontiguousarray(np.broadcast_to(stat, (N, len(stat)))), cap, Y, obj, code)
    return Y, obj, code


def storage(T=24):
    """A storage's LP: charge, discharge (0..25), energy (10..90, the last >= 50);
    E(t) - E(t-1) - 0.95 ch + dis / 0.95 = 0, E(0) = 50."""
    eye = np.eye(T)
    B = np.hstack([-0.95 * eye, eye / 0.95, eye - np.eye(T, k=-1)])
    rhs = np.zeros(T)
    rhs[0] = 50.0
    lb = np.r_[np.zeros(2 * T), np.full(T, 10.0)]
    lb[-1] = 50.0
    ub = np.r_[np.full(2 * T, 25.0), np.full(T, 90.0)]
    return B, rhs, lb, ub


def costs(P, wear=0.01):
    T = P.shape[1]
    return np.hstack([P + wear, -(P - wear), np.zeros((len(P), T))])


@pytest.mark.parametrize("seed", range(3))
def test_storage_lps_against_linprog(seed):
    """Random hourly prices (unique optima): the same answer and value as linprog."""
    rng = np.random.default_rng(seed)
    B, rhs, lb, ub = storage()
    C = costs(rng.uniform(0.2, 1.5, (40, 24)))
    basis, stat = start(B, costs(np.full((1, 24), 0.8))[0], rhs, rhs, lb, ub)
    LO = HI = np.tile(rhs, (40, 1))
    Y, obj, code = solve(B, C, LO, HI, lb, ub, basis, stat)
    assert np.all(code == K.UNIQUE)
    for k in range(40):
        r = linprog(C[k], A_eq=B, b_eq=rhs, bounds=list(zip(lb, ub)), method="highs")
        assert obj[k] == pytest.approx(r.fun, rel=1e-9, abs=1e-9)
        assert np.abs(Y[k] - r.x).max() < 1e-7


@pytest.mark.parametrize("seed", range(4))
def test_general_lps_against_linprog(seed):
    """Inequality rows both ways, free and one-sided variables, right sides moved from the
    reference: every row is either answered to linprog's value (and its answer when
    unique) or handed back with a code that says why."""
    rng = np.random.default_rng(seed)
    m, n, N = 6, 10, 60
    B = rng.normal(size=(m, n))
    x0 = rng.uniform(0.0, 1.0, n)
    lo = B @ x0 - rng.uniform(0.0, 1.0, m)
    hi = B @ x0 + rng.uniform(0.0, 1.0, m)
    lo[:2] = -np.inf                                        # <= rows
    hi[2:4] = np.inf                                        # >= rows
    lb, ub = np.zeros(n), np.full(n, 2.0)
    lb[0], ub[1] = -np.inf, np.inf                          # one free below, one above
    lb[2], ub[2] = -np.inf, np.inf                          # a free variable
    c_ref = rng.normal(size=n)
    c_ref[[0, 2]] = 0.0
    try:
        basis, stat = start(B, c_ref, lo, hi, lb, ub)
    except AssertionError:
        pytest.skip("the reference LP is unbounded at this draw")
    C = c_ref + 0.3 * rng.normal(size=(N, n))
    C[:, [0, 2]] = 0.0                                      # else the free ones are rays
    shift = rng.normal(size=(N, m)) * 0.05 * (rng.random((N, 1)) < 0.5)
    LO, HI = lo + shift, hi + shift
    Y, obj, code = solve(B, C, LO, HI, lb, ub, basis, stat)
    seen = set()
    for k in range(N):
        A_ub = np.vstack([B[np.isfinite(HI[k])], -B[np.isfinite(LO[k])]])
        b_ub = np.r_[HI[k][np.isfinite(HI[k])], -LO[k][np.isfinite(LO[k])]]
        r = linprog(C[k], A_ub=A_ub, b_ub=b_ub, bounds=[(a if np.isfinite(a) else None,
                    b if np.isfinite(b) else None) for a, b in zip(lb, ub)], method="highs")
        seen.add(int(code[k]))
        if code[k] in (K.UNIQUE, K.TIED):
            assert r.status == 0 and obj[k] == pytest.approx(r.fun, rel=1e-8, abs=1e-8)
            assert np.all(B @ Y[k] <= HI[k] + 1e-7) and np.all(B @ Y[k] >= LO[k] - 1e-7)
            if code[k] == K.UNIQUE:
                assert np.abs(Y[k] - r.x).max() < 1e-6
        elif code[k] == K.UNBOUNDED:
            assert r.status == 3
        else:
            assert code[k] in (K.START_INFEASIBLE, K.LIMIT, K.FAILED)
    assert K.UNIQUE in seen


def test_ties_are_told_and_valued_right():
    """Hours at equal prices: the storage is indifferent, so the answer is optimal but not
    the only one (TIED), at linprog's value; prices one part in 1e6 apart are not a tie."""
    B, rhs, lb, ub = storage()
    basis, stat = start(B, costs(np.full((1, 24), 0.8))[0], rhs, rhs, lb, ub)
    P = np.tile(np.r_[np.full(12, 0.5), np.full(12, 1.2)], (2, 1))
    P[1] += np.arange(24) * 1e-6
    Y, obj, code = solve(B, costs(P), np.tile(rhs, (2, 1)), np.tile(rhs, (2, 1)), lb, ub, basis, stat)
    assert code[0] == K.TIED and code[1] == K.UNIQUE
    r = linprog(costs(P)[0], A_eq=B, b_eq=rhs, bounds=list(zip(lb, ub)), method="highs")
    assert obj[0] == pytest.approx(r.fun, rel=1e-10)


def test_a_start_infeasible_at_the_rows_data_is_handed_back():
    """Right sides that make the starting basis infeasible: START_INFEASIBLE, no answer."""
    B, rhs, lb, ub = storage()
    basis, stat = start(B, costs(np.full((1, 24), 0.8))[0], rhs, rhs, lb, ub)
    moved = rhs.copy()
    moved[0] = 85.0                                         # E(0) = 85: the basis's plan breaks
    Y, obj, code = solve(B, costs(np.full((1, 24), 0.8)), moved[None], moved[None], lb, ub, basis, stat)
    assert code[0] == K.START_INFEASIBLE and obj[0] == 0.0


def test_an_unbounded_row_and_the_iteration_cap_are_codes():
    """min -y1 with y1 free above: a ray (UNBOUNDED); a cap of one pivot where more are
    needed: LIMIT. Never a hang, never a number."""
    B = np.array([[1.0, -1.0]])
    lb, ub = np.zeros(2), np.array([np.inf, np.inf])
    basis, stat = np.array([2], np.int64), np.array([K.AT_LOWER, K.AT_LOWER, K.BASIC], np.int8)
    _, _, code = solve(B, np.array([[-1.0, 0.5]]), np.zeros((1, 1)), np.full((1, 1), np.inf), lb, ub,
                       basis, stat)
    assert code[0] == K.UNBOUNDED
    Bs, rhs, lbs, ubs = storage()
    b2, s2 = start(Bs, costs(np.full((1, 24), 0.8))[0], rhs, rhs, lbs, ubs)
    P = np.random.default_rng(0).uniform(0.2, 1.5, (1, 24))
    _, _, code = solve(Bs, costs(P), rhs[None], rhs[None], lbs, ubs, b2, s2, cap=1)
    assert code[0] == K.LIMIT


def test_answers_do_not_depend_on_the_batch():
    """Each row starts from the same basis: a row's answer is bit for bit the same alone,
    in a batch, or in a shuffled batch."""
    rng = np.random.default_rng(5)
    B, rhs, lb, ub = storage()
    basis, stat = start(B, costs(np.full((1, 24), 0.8))[0], rhs, rhs, lb, ub)
    C = costs(rng.uniform(0.2, 1.5, (30, 24)))
    LO = np.tile(rhs, (30, 1))
    Y, obj, code = solve(B, C, LO, LO, lb, ub, basis, stat)
    order = rng.permutation(30)
    Y2, obj2, code2 = solve(B, C[order], LO, LO, lb, ub, basis, stat)
    assert np.array_equal(Y2, Y[order]) and np.array_equal(obj2, obj[order])
    Y3, obj3, _ = solve(B, C[7:8], LO[:1], LO[:1], lb, ub, basis, stat)
    assert np.array_equal(Y3[0], Y[7]) and obj3[0] == obj[7]


def test_matrix_followers_answer_as_without_the_simplex():
    """The retailer's matrix followers with and without the compiled simplex: the same
    answers (1e-9), and the simplex answers most rows; at tied prices the rows go to
    HiGHS and its selection, so those answers are the same bit for bit."""
    from stackga.bilevel.problems.pricing import retailer
    from stackga.bilevel.response import MatrixFollower
    bl = retailer(6, 2, seed=0)
    rng = np.random.default_rng(0)
    X = bl.x_lb + rng.random((30, bl.n_x)) * (bl.x_ub - bl.x_lb)
    X[:5] = np.round(X[:5], 1)                              # price levels shared: ties
    for k, f in enumerate(bl.followers):
        if np.any(f.Q) or np.any(f.integer):
            continue
        fast, slow = MatrixFollower(bl, k), MatrixFollower(bl, k, fast=False)
        a, b = fast.respond(X), slow.respond(X)
        assert fast.stats["fast"] >= 20 and slow.stats["fast"] == 0
        assert np.array_equal(a.status, b.status)
        assert np.allclose(a.arrays["y"], b.arrays["y"], rtol=1e-9, atol=1e-7)
        assert np.allclose(a.objective, b.objective, rtol=1e-10, atol=1e-9)
        costs, rhss = f.d + X @ f.M, f.b - X @ f.A.T
        done = MatrixFollower(bl, k)._fast_rows(costs, rhss, np.zeros((30, f.n)), np.zeros(30))
        assert done.sum() == fast.stats["fast"] and not done[:5].all()
        assert np.array_equal(a.arrays["y"][~done], b.arrays["y"][~done])


def test_diagonal_qp_followers_answer_as_highs():
    """A flexible load (diagonal QP, a daily need as a >= row, an = row on two hours) as a
    matrix follower: the compiled dual active-set answers equal HiGHS's (fast=False) to
    1e-7; an individual whose need cannot be met is INFEASIBLE with its phase-1 distance,
    as by HiGHS."""
    from stackga.bilevel import Bilevel, Follower
    from stackga.bilevel.response import MatrixFollower
    T = 24
    rng = np.random.default_rng(3)
    B = np.vstack([np.ones(T), np.r_[1.0, -1.0, np.zeros(T - 2)]])
    f = Follower(d=-np.linspace(1.6, 1.8, T), B=B, b=np.array([720.0, 0.0]), sense=[">=", "="],
                 M=np.eye(T), Q=np.diag(rng.uniform(0.01, 0.04, T)), lb=np.full(T, 10.0),
                 ub=np.full(T, 80.0), A=np.zeros((2, T)), name="customer")
    bl = Bilevel("max", c_x=np.zeros(T), followers=[f], x_lb=np.full(T, 0.2), x_ub=np.full(T, 1.5))
    X = rng.uniform(0.2, 1.5, (40, T))
    X[:3] = 1.5                                             # all hours dear: the need binds
    fast, slow = MatrixFollower(bl, 0), MatrixFollower(bl, 0, fast=False)
    a, b = fast.respond(X), slow.respond(X)
    assert fast.stats["fast"] == 40 and fast.stats["solves"] == 0
    assert np.allclose(a.arrays["y"], b.arrays["y"], atol=1e-6)
    assert np.allclose(a.objective, b.objective, rtol=1e-9, atol=1e-7)
    assert np.all(a.arrays["y"] @ B[0] >= 720.0 - 1e-7) and np.allclose(a.arrays["y"][:, 0], a.arrays["y"][:, 1])
    f2 = Follower(d=f.d, B=B, b=np.array([24 * 80.0 + 1.0, 0.0]), sense=[">=", "="], M=f.M, Q=f.Q,
                  lb=f.lb, ub=f.ub, A=f.A, name="short")
    bl2 = Bilevel("max", c_x=np.zeros(T), followers=[f2], x_lb=bl.x_lb, x_ub=bl.x_ub)
    r1, r2 = MatrixFollower(bl2, 0).respond(X[:2]), MatrixFollower(bl2, 0, fast=False).respond(X[:2])
    assert np.all(r1.status == Status.INFEASIBLE) and np.array_equal(r1.status, r2.status)
    assert np.allclose(r1.arrays["infeasibility"], r2.arrays["infeasibility"])


def test_one_large_cost_does_not_hide_a_wrong_sign():
    """Costs (1e6, 0.9995), row 1e6 y0 + y1 >= 1: the optimum is y = (0, 1) (0.9995), not
    the vertex (1e-6, 0) (1.0) whose reduced cost on y1 (-5e-4) is below a tolerance
    scaled by the largest cost (found in review)."""
    B = np.array([[1e6, 1.0]])
    lb, ub = np.zeros(2), np.array([10.0, 100.0])
    basis, stat = np.array([0], np.int64), np.array([K.BASIC, K.AT_LOWER, K.AT_LOWER], np.int8)
    Y, obj, code = solve(B, np.array([[1e6, 0.9995]]), np.ones((1, 1)), np.full((1, 1), np.inf), lb, ub,
                         basis, stat)
    assert code[0] == K.UNIQUE and obj[0] == pytest.approx(0.9995) and Y[0] == pytest.approx([0.0, 1.0])


def test_a_diagonal_qp_row_broken_below_the_largest_sides_tolerance_goes_to_highs():
    """Q = I, rows y0 - y1 <= 0 and y0 + y1 <= 1e6, costs pulling y0 up: the answer meets
    the small row on its own scale (y0 <= y1), as HiGHS's (found in review)."""
    from stackga.bilevel import Bilevel, Follower
    from stackga.bilevel.response import MatrixFollower
    f = Follower(d=np.array([-2.0, 0.0]), B=np.array([[1.0, -1.0], [1.0, 1.0]]), b=np.array([0.0, 1e6]),
                 sense=["<=", "<="], M=np.eye(2), Q=np.eye(2), lb=np.full(2, -10.0), ub=np.full(2, 10.0),
                 A=np.zeros((2, 2)))
    bl = Bilevel("min", c_x=np.zeros(2), followers=[f], x_lb=np.zeros(2), x_ub=np.ones(2))
    a = MatrixFollower(bl, 0).respond(np.zeros((1, 2)))
    b = MatrixFollower(bl, 0, fast=False).respond(np.zeros((1, 2)))
    y = a.arrays["y"][0]
    assert y[0] - y[1] <= 1e-9 and np.allclose(y, b.arrays["y"][0], atol=1e-7)
