"""Pricing games (stackga.bilevel.problems.pricing) and the exact reference's strong-duality
form: the same optimum as the bilinear form and as brute force over the leader's prices."""
import numpy as np
import pytest
from scipy.optimize import linprog

from stackga.bilevel import Bilevel, Follower, solve_exact
from stackga.bilevel.kkt import kkt_system, strong_duality
from stackga.bilevel.problems.pricing import retailer, tolls


def _optimistic(bl: Bilevel, x: np.ndarray) -> float:
    """The leader's optimistic value at x, from scipy alone: each LP follower's optimum,
    then the leader's best over that follower's optimal set (a second LP)."""
    ys = []
    for f, sl in zip(bl.followers, bl.slices):
        cost = f.d + x @ f.M
        eq = np.array(f.sense) == "="
        le = np.array(f.sense) == "<="
        ge = np.array(f.sense) == ">="
        A_ub = np.vstack([f.B[le], -f.B[ge]])
        b_ub = np.concatenate([f.b[le], -f.b[ge]])
        kw = dict(A_eq=f.B[eq] if eq.any() else None, b_eq=f.b[eq] if eq.any() else None,
                  bounds=list(zip(f.lb, [None if not np.isfinite(u) else u for u in f.ub])),
                  method="highs")
        r = linprog(cost, A_ub=A_ub if len(A_ub) else None, b_ub=b_ub if len(b_ub) else None, **kw)
        assert r.status == 0
        lead = -(bl.c_y[sl] + x @ bl.Q_xy[:, sl])          # the leader maximises
        A2 = np.vstack([A_ub, cost[None]]) if len(A_ub) else cost[None]
        b2 = np.append(b_ub, r.fun + 1e-9 * (1 + abs(r.fun)))
        r2 = linprog(lead, A_ub=A2, b_ub=b2, **kw)
        ys.append(r2.x if r2.status == 0 else r.x)
    return float(bl.value(x, np.concatenate(ys))[0])


def _tiny_tolls():
    """Two parallel routes, one tolled (cost 2) and one free (cost 5), demand 2: the
    optimum toll is 3 (the follower is indifferent; optimistic: it pays), revenue 6."""
    N = np.array([[1.0, 1.0]])                         # node 0 -> node 1 by arc 0 or arc 1
    f = Follower(d=[2.0, 5.0], B=N, b=[2.0], sense="=", M=[[1.0, 0.0]], lb=[0.0, 0.0])
    return Bilevel("max", c_x=[0.0], Q_xy=[[1.0, 0.0]], followers=[f], x_lb=[0.0], x_ub=[10.0])


def test_tiny_toll_optimum_sits_on_the_tie():
    for method in ("bigm", "sos1"):
        if method == "sos1":
            pytest.importorskip("pyscipopt")
        out = solve_exact(_tiny_tolls(), method=method, time_limit=10)
        assert out.status == "optimal"
        assert out.F == pytest.approx(6.0, abs=1e-7)
        assert out.x[0] == pytest.approx(3.0, abs=1e-7)


def test_strong_duality_matches_the_objective_at_kkt_points():
    """Every point of the KKT system has the same objective in both forms (random tolls
    and multipliers solved for feasibility at random x)."""
    bl = tolls(rows=2, cols=3, n_tolled=3, commodities=2, seed=4)
    K = kkt_system(bl)
    D, done = strong_duality(K, bl)
    assert done == [0, 1]
    out = solve_exact(bl, method="bigm", time_limit=20)
    v = out.v
    assert out.status == "optimal"
    # the exact answer's value in the dual form, recomputed from its full KKT vector
    assert v is not None
    orig = K.obj_c @ v + 0.5 * v @ K.obj_Q @ v
    dual = D.obj_c @ v + 0.5 * v @ D.obj_Q @ v
    assert dual == pytest.approx(orig, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("seed", [0, 3])
def test_toll_optimum_against_brute_force(seed):
    """The exact optimum (dual form, big-M) is at least the best of a price grid evaluated
    by scipy, and no more than that plus what the grid's step can hide."""
    bl = tolls(rows=2, cols=3, n_tolled=2, commodities=1, seed=seed)
    out = solve_exact(bl, method="bigm", time_limit=20)
    assert out.status == "optimal" and out.audit["validated"]
    grid = np.linspace(bl.x_lb[0], bl.x_ub[0], 21)
    step = grid[1] - grid[0]
    best = -np.inf
    for a in grid:
        for b in grid if bl.n_x > 1 else [None]:
            x = np.array([a] if b is None else [a, b])
            best = max(best, _optimistic(bl, x))
    demand = float(np.abs(bl.followers[0].b).max())
    assert out.F >= best - 1e-6
    assert out.F <= best + bl.n_x * step * demand + 1e-6
    assert _optimistic(bl, out.x) == pytest.approx(out.F, rel=1e-7, abs=1e-7)


def test_dual_form_equals_bilinear_form():
    """On the one game small enough for SCIP's bilinear form (tolls with tens of arcs do
    not close in 60 s), both forms agree."""
    pytest.importorskip("pyscipopt")
    dual = solve_exact(_tiny_tolls(), method="sos1", time_limit=10)
    bil = solve_exact(_tiny_tolls(), method="sos1", time_limit=10, dual_form=False)
    assert dual.status == bil.status == "optimal"
    assert dual.F == pytest.approx(bil.F, rel=1e-7)


def test_retailer_is_a_valid_game():
    bl = retailer(n_prosumers=5, shapes=2, seed=3)
    assert bl.n_x == 24 and len(bl.followers) == 4
    assert list(bl.meta["counts"]) == [3, 2]
    _, done = strong_duality(kkt_system(bl), bl)
    assert done == [0, 1, 2, 3]                # every follower's payment is the leader's revenue
    with pytest.raises(ValueError, match="shapes"):
        retailer(n_prosumers=2, shapes=3)
