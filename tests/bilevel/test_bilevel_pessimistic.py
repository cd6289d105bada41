"""The pessimistic exact reference (stackga.bilevel.pessimistic): against an independent
brute force (scipy's linprog: the follower's optimum, then the leader's worst over its
optimal set, on a grid of x), on a published example, on a problem whose infimum is not
attained, and as a bound on the optimistic reference over the published library."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.optimize import linprog

import stackga
from stackga.bilevel import Bilevel, Follower, solve_bilevel, solve_exact
from stackga.bilevel.problems.published import PROBLEMS
from stackga.bilevel.problems.published_milp import NOT_ATTAINED, PROBLEMS_PESSIMISTIC

pyscipopt = pytest.importorskip("pyscipopt")


def worst_value(bl: Bilevel, x: np.ndarray) -> float:
    """The pessimistic leader value at x for a one-follower LP game, by two linprogs."""
    f = bl.followers[0]
    c, rhs = f.d + x @ f.M, f.b - f.A @ x
    s = np.array(f.sense)
    A = np.vstack([f.B[s == "<="], -f.B[s == ">="]])
    b = np.r_[rhs[s == "<="], -rhs[s == ">="]]
    eq = s == "="
    bounds = [(lo, None if not np.isfinite(hi) else hi) for lo, hi in zip(f.lb, f.ub)]
    kw = dict(A_eq=f.B[eq], b_eq=rhs[eq]) if eq.any() else {}
    r = linprog(c, A_ub=A, b_ub=b, bounds=bounds, method="highs", **kw)
    if r.status != 0:
        return np.inf
    g = (1.0 if bl.sense == "min" else -1.0) * (bl.c_y + x @ bl.Q_xy)
    r2 = linprog(-g, A_ub=np.vstack([A, c]), b_ub=np.r_[b, r.fun + 1e-9 * (1 + abs(r.fun))],
                 bounds=bounds, method="highs", **kw)
    return float(bl.value(x, r2.x)[0]) if r2.status == 0 else np.inf


def zeng(selection: str) -> Bilevel:
    """Zeng, "A practical scheme to compute the pessimistic bilevel optimization problem"
    (INFORMS J. Comput. 2020), the example as stated in hlefebvr/idol
    examples/bilevel/pessimistic.example.cpp. By hand: the follower fills
    y1+..+y4 = 10 - s (s = x1 + x2) and, pessimistically, puts y4 = min(0.8 s, 4 x2,
    10 - s) and the rest in y3, so F = -10 s + 2 x2 + 14 y4 + 20 >= -80, with equality
    at x = (10, 0), y = 0."""
    f = Follower(d=[-10.0] * 4, A=[[1, 1], [-0.8, -0.8], [0, -4]],
                 B=[[1, 1, 1, 1], [-1, 0, 0, 1], [0, 1, 0, 1]], b=[10, 0, 0])
    return Bilevel("min", c_x=[-8, -6], c_y=[-25, -30, 2, 16], followers=[f], x_lb=[0, 0],
                   x_ub=[10, 10], A_x=[[1, 1]], b_x=[10], selection=selection, name="zeng")


@pytest.mark.parametrize("method", ["bigm", "sos1"])
def test_zeng_pessimistic_example(method):
    r = solve_exact(zeng("pessimistic"), method)
    assert r.status == "optimal" and r.F == pytest.approx(-80.0, abs=1e-7)
    np.testing.assert_allclose(r.x, [10, 0], atol=1e-7)
    assert r.F_at_x == pytest.approx(-80.0, abs=1e-7)
    opt = solve_exact(zeng("optimistic"), method)
    assert opt.F < r.F - 1.0          # the follower's choice matters here


def random_game(rng, with_M: bool) -> Bilevel:
    """Small integer data: ties are frequent."""
    f = Follower(d=rng.integers(-2, 3, 3).astype(float), A=rng.integers(-2, 3, (3, 1)).astype(float),
                 B=rng.integers(-1, 3, (3, 3)).astype(float), b=rng.integers(2, 8, 3).astype(float),
                 M=rng.integers(-1, 2, (1, 3)).astype(float) if with_M else None, ub=np.full(3, 5.0))
    return Bilevel("min", c_x=rng.integers(-3, 4, 1).astype(float),
                   c_y=rng.integers(-3, 4, 3).astype(float), followers=[f], x_lb=[0], x_ub=[4],
                   selection="pessimistic")


@pytest.mark.parametrize("seed", range(12))
def test_pessimistic_reference_against_brute_force(seed):
    """Linear systems (M = 0, HiGHS big-M): the value at the answer's x, recomputed by
    linprog, is F, and no grid point does better."""
    bl = random_game(np.random.default_rng(seed), with_M=False)
    grid = np.array([worst_value(bl, np.array([x])) for x in np.linspace(0, 4, 801)])
    r = solve_exact(bl)
    if not np.isfinite(grid).any():
        assert r.status == "infeasible"
        return
    assert r.method == "bigm" and r.status == "optimal"
    tol = 1e-6 * (1 + abs(r.F))
    assert worst_value(bl, r.x) == pytest.approx(r.F, abs=tol)
    assert r.F <= grid.min() + tol


@pytest.mark.parametrize("seed", [1, 2, 6])
def test_pessimistic_reference_with_x_in_the_followers_cost(seed):
    """M != 0: a bilinear system, SCIP; these three have their minimum attained (of seeds
    0-15, 5 have an infimum only, reported as such)."""
    bl = random_game(np.random.default_rng(seed), with_M=True)
    r = solve_exact(bl, time_limit=30)
    assert r.method == "sos1" and r.status == "optimal", r.status
    grid = np.array([worst_value(bl, np.array([x])) for x in np.linspace(0, 4, 801)])
    tol = 1e-6 * (1 + abs(r.F))
    assert worst_value(bl, r.x) == pytest.approx(r.F, abs=tol)
    assert r.F <= grid.min() + tol


def test_an_infimum_is_reported_as_such():
    """Follower min x y over y in [0, 1]: y = 0 for x > 0, indifferent at x = 0. Leader min
    x + y over x in [0, 1]: pessimistically F = x for x > 0 but 1 at x = 0 (infimum 0, not
    attained); optimistically 0 at x = 0."""
    f = Follower(d=[0.0], M=[[1.0]], B=[[1.0]], b=[1.0], ub=[1.0])
    bl = Bilevel("min", c_x=[1.0], c_y=[1.0], followers=[f], x_lb=[0], x_ub=[1], selection="pessimistic")
    r = solve_exact(bl, time_limit=20)
    assert r.status == "infimum" and abs(r.F) < 1e-3
    opt = solve_exact(dataclasses.replace(bl, selection="optimistic"))
    assert opt.status == "optimal" and opt.F == pytest.approx(0.0, abs=1e-9)


LINEAR = [p for p in PROBLEMS if p["cls"] == "LP-LP"
          and not any(np.any(f.M) for f in p["build"]().followers)]


@pytest.mark.parametrize("p", LINEAR, ids=[p["name"] for p in LINEAR])
def test_pessimistic_is_no_better_than_optimistic(p):
    """On the published LP-LP problems (x not in the follower's cost): the pessimistic
    optimum is at best the optimistic one, and its value is attained at its x."""
    bl = p["build"]()
    pes = solve_exact(dataclasses.replace(bl, selection="pessimistic"))
    opt_F = p["F"]
    worse = (lambda a, b: a >= b) if bl.sense == "min" else (lambda a, b: a <= b)
    if pes.status == "optimal":
        assert worse(pes.F + (1e-6 if bl.sense == "min" else -1e-6) * (1 + abs(opt_F)), opt_F)
        assert pes.F_at_x == pytest.approx(pes.F, abs=1e-6 * (1 + abs(pes.F)))
    else:
        assert pes.status in ("infimum", "infeasible")


def test_ga_reaches_the_pessimistic_optimum_on_zeng():
    res = [solve_bilevel(zeng("pessimistic"), stackga.GAConfig(pop_size=40, generations=40, seed=s))
           for s in (1, 2, 3)]
    assert all(r.feasible for r in res)
    assert sorted(r.F for r in res)[1] == pytest.approx(-80.0, abs=1e-6)


def test_pessimistic_reference_refuses_what_it_cannot_state():
    f = Follower(d=[1.0], B=[[1.0]], b=[1.0], ub=[1.0])
    g = Follower(d=[1.0], B=[[1.0]], b=[1.0], ub=[1.0])
    convex = Bilevel("min", c_x=[0.0], Q_yy=[[2.0]], followers=[f], x_lb=[0], x_ub=[1],
                     selection="pessimistic")
    with pytest.raises(ValueError, match="not concave in follower 0"):
        solve_exact(convex)
    linked = Bilevel("min", c_x=[0.0], followers=[f, g], x_lb=[0], x_ub=[1], G_x=[[0.0]],
                     G_y=[[1.0, 1.0]], h=[1.0], selection="pessimistic")
    with pytest.raises(ValueError, match="coupling row 0 links two followers"):
        solve_exact(linked)
    bilinear = Bilevel("min", c_x=[0.0], followers=[Follower(d=[1.0], M=[[1.0]], B=[[1.0]], b=[1.0])],
                       x_lb=[0], x_ub=[1], selection="pessimistic")
    with pytest.raises(ValueError, match="bilinear"):
        solve_exact(bilinear, "bigm")


PUBLISHED = list(PROBLEMS_PESSIMISTIC)


@pytest.mark.parametrize("p", PUBLISHED, ids=[p["name"] for p in PUBLISHED])
def test_published_pessimistic_problems(p):
    """stackga/bilevel/problems/published_milp.py: values verified by brute force; an infimum that is not
    attained must be reported as such, near the infimum."""
    r = solve_exact(p["build"](), "sos1", time_limit=30)
    if p["name"] in NOT_ATTAINED:
        assert r.status == "infimum" and r.F == pytest.approx(p["F"], abs=1e-3 * (1 + abs(p["F"])))
    else:
        assert r.status == "optimal" and r.F == pytest.approx(p["F"], abs=1e-6 * (1 + abs(p["F"])))
        if not any(np.any(f.M) for f in p["build"]().followers):
            b = solve_exact(p["build"](), "bigm")
            assert b.status == "optimal" and b.F == pytest.approx(p["F"], abs=1e-6 * (1 + abs(p["F"])))
