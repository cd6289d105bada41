"""Bilevel games from matrices: the model's checks, the batched matrix followers (exact
against direct solves, selection among ties, phase-1 guidance), the exact references and
the polish, on Bard's example and on the published problems of ``stackga/bilevel/problems/published.py``."""
import numpy as np
import pytest

import stackga
from stackga.bilevel import Bilevel, Follower, solve_bilevel, solve_exact, to_game
from stackga.bilevel.response import MatrixFollower


def bard511(**kw):
    """Bard (1998) example 5.1.1: F* = -12 at x = 4, y = 4."""
    f = Follower(d=[1.0], A=[[-1], [-2], [2], [3]], B=[[-1], [1], [1], [-2]], b=[-3, 0, 12, 4])
    return Bilevel("min", c_x=[1.0], c_y=[-4.0], followers=[f], x_lb=[0], x_ub=[10], **kw)


def test_model_errors_name_the_field():
    with pytest.raises(ValueError, match=r"Follower.B must have shape \(1, 2\)"):
        Bilevel("min", c_x=[1.0], followers=[Follower(d=[1, 2], B=[[1.0]], b=[1.0])])
    with pytest.raises(ValueError, match="sense must be 'min' or 'max'"):
        Bilevel("minimize", c_x=[1.0], followers=[Follower(d=[1], B=[[1]], b=[1])])
    with pytest.raises(ValueError, match=r"Follower.d\[0\] = nan is not finite"):
        Bilevel("min", c_x=[1.0], followers=[Follower(d=[np.nan], B=[[1]], b=[1])])
    with pytest.raises(ValueError, match="positive semidefinite"):
        Bilevel("min", c_x=[1.0], followers=[Follower(d=[1, 1], B=[[1, 1]], b=[1],
                                                      Q=[[1, 0], [0, -1]])])
    with pytest.raises(ValueError, match="sense must be 1 of"):
        Bilevel("min", c_x=[1.0], followers=[Follower(d=[1], B=[[1]], b=[1], sense="<")])
    with pytest.raises(ValueError, match=r"leave x\[0\] \(lower\), x\[0\] \(upper\) unbounded"):
        to_game(Bilevel("min", c_x=[1.0], followers=[Follower(d=[1], B=[[1]], b=[1])]))


def test_a_box_is_derived_from_the_rows_that_bound_x():
    """x unbounded in x_lb / x_ub but bounded by the leader's rows and a follower's row in
    x alone: the GA's box is the rows' (one LP per side), the follower's row is a
    constraint of the game, and the GA reaches the optimum; a side left open is named."""
    f = Follower(d=[1.0], A=[[-1.0], [1.0]], B=[[1.0], [0.0]], b=[0.0, 4.0], sense=["<=", "<="],
                 ub=[10.0])                                          # y <= x; x <= 4 (no y)
    bl = Bilevel("max", c_x=[0.0], c_y=[0.0], Q_xy=[[1.0]], followers=[Follower.maximize(
        d=[1.0], A=[[-1.0], [1.0]], B=[[1.0], [0.0]], b=[0.0, 4.0], sense=["<=", "<="],
        ub=[10.0])], A_x=[[-1.0]], b_x=[-1.0])                    # x >= 1, x <= 4 from f
    g = to_game(bl)
    assert g.lb[0] == pytest.approx(1.0) and g.ub[0] == pytest.approx(4.0)
    assert not g.is_feasible(np.array([[4.5]]))[0]
    res = solve_bilevel(bl, stackga.GAConfig(pop_size=20, generations=20, seed=1))
    assert res.F == pytest.approx(16.0, rel=1e-6)                # x = y = 4, F = x y
    half = Bilevel("min", c_x=[1.0], followers=[f], A_x=[[-1.0]], b_x=[-1.0])
    with pytest.raises(ValueError, match=r"leave x\[0\] \(upper\) unbounded"):
        to_game(Bilevel("min", c_x=[1.0], followers=[Follower(d=[1], B=[[1]], b=[1])],
                        A_x=[[-1.0]], b_x=[-1.0]))
    assert to_game(half).ub[0] == pytest.approx(4.0)


def test_matrix_follower_matches_direct_solves_and_batches():
    from scipy.optimize import linprog
    bl = bard511()
    fol = MatrixFollower(bl, 0)
    X = np.linspace(0, 10, 41)[:, None]
    r = fol.respond(X)
    f = bl.followers[0]
    for k, x in enumerate(X):
        ref = linprog(f.d, A_ub=f.B, b_ub=f.b - f.A @ x, bounds=[(0, None)], method="highs")
        if ref.status == 2:
            assert r.status[k] == 1 and r.arrays["infeasibility"][k] > 0
        else:
            assert r.status[k] == 0 and r.objective[k] == pytest.approx(ref.fun, abs=1e-8)
    one = [MatrixFollower(bl, 0).respond(X[k:k + 1]) for k in range(len(X))]
    np.testing.assert_array_equal(np.concatenate([o.arrays["y"] for o in one]), r.arrays["y"])


def test_selection_among_ties_optimistic_and_pessimistic():
    """The follower is indifferent (zero cost) on y in [0, x]; the leader wants y large
    (min -y): optimistic gives y = x, pessimistic y = 0."""
    def game(sel):
        f = Follower(d=[0.0], A=[[-1.0]], B=[[1.0]], b=[0.0])
        return Bilevel("min", c_x=[0.0], c_y=[-1.0], followers=[f], x_lb=[0], x_ub=[2], selection=sel)
    X = np.array([[1.5]])
    assert MatrixFollower(game("optimistic"), 0).respond(X).arrays["y"][0, 0] == pytest.approx(1.5)
    assert MatrixFollower(game("pessimistic"), 0).respond(X).arrays["y"][0, 0] == pytest.approx(0.0)


def test_infeasible_individuals_are_ranked_by_their_distance():
    """Bard's follower is infeasible for x > 4.5 or so; farther x is farther from feasible."""
    g = to_game(bard511())
    ev = g.evaluate(np.array([[6.0], [8.0], [10.0]]))
    assert not ev.feasible.any()
    assert ev.violation[0] < ev.violation[1] < ev.violation[2]


@pytest.mark.parametrize("method", ["bigm", "sos1"])
def test_exact_reference_on_bard511(method):
    r = solve_exact(bard511(), method)
    assert r.status == "optimal" and r.F == pytest.approx(-12.0, abs=1e-7)
    np.testing.assert_allclose(r.x, [4.0], atol=1e-7)
    np.testing.assert_allclose(r.y, [4.0], atol=1e-7)
    if method == "bigm":
        assert r.audit["validated"]


def test_ga_with_polish_on_bard511():
    r = solve_bilevel(bard511(), stackga.GAConfig(pop_size=50, generations=40, seed=2))
    assert r.feasible and r.how == "polished"
    assert r.F == pytest.approx(-12.0, abs=1e-6)
    assert r.ga_F >= r.F - 1e-9


def test_certificates_detect_optimality_and_ties():
    from stackga.bilevel.certificate import follower_certificate
    bl = bard511()
    c = follower_certificate(bl, 0, np.array([4.0]), np.array([4.0]))
    assert c.optimal and abs(c.duality_gap) < 1e-9 and not c.ties
    bad = follower_certificate(bl, 0, np.array([4.0]), np.array([3.0]))   # breaks 3x - 2y <= 4 by 2
    assert not bad.optimal and bad.primal_violation == pytest.approx(2.0)
    worse = follower_certificate(bl, 0, np.array([3.0]), np.array([3.0]))   # feasible, not optimal
    assert worse.primal_violation == 0 and worse.duality_gap > 0.1 and not worse.optimal
    f = Follower(d=[0.0], A=[[-1.0]], B=[[1.0]], b=[0.0])                    # ties on [0, x]
    tie = Bilevel("min", c_x=[0.0], c_y=[-1.0], followers=[f], x_lb=[0], x_ub=[2])
    t = follower_certificate(tie, 0, np.array([1.5]), np.array([1.5]))
    assert t.ties and t.F_optimistic == pytest.approx(-1.5) and t.F_pessimistic == pytest.approx(0.0)


# ---- the published problems (stackga/bilevel/problems/published.py: source and reported optimum each) ----

from stackga.bilevel.problems.published import PROBLEMS  # noqa: E402

CLASSES = ("LP-LP", "LP-QP", "QP-LP", "QP-QP")


def test_the_library_covers_every_class():
    counts = {c: sum(p["cls"] == c for p in PROBLEMS) for c in CLASSES}
    assert len(PROBLEMS) >= 25 and all(n >= 4 for n in counts.values()), counts
    for p in PROBLEMS:
        bl = p["build"]()
        quad_leader = not bl.is_linear_leader
        quad_follower = any(f.is_qp for f in bl.followers)
        assert p["cls"] == f"{'QP' if quad_leader else 'LP'}-{'QP' if quad_follower else 'LP'}", p["name"]
        assert p["source"]


def close(F, F_star, rel=1e-6):
    return abs(F - F_star) <= rel * (1 + abs(F_star))


@pytest.mark.parametrize("p", PROBLEMS, ids=[p["name"] for p in PROBLEMS])
def test_exact_reference_reproduces_the_reported_optimum(p):
    """SCIP with SOS1 on every problem; HiGHS big-M (with its audit) on linear leaders.
    Where the verified optimum differs from the source's claim the library says so."""
    bl = p["build"]()
    r = solve_exact(bl, "sos1")
    assert r.status == "optimal" and close(r.F, p["F"]), (r.status, r.F, p["F"])
    if bl.is_linear_leader:
        b = solve_exact(p["build"](), "bigm")
        assert b.status == "optimal" and close(b.F, p["F"]) and b.audit["validated"], (b.F, b.audit)


SAMPLE = [p for p in PROBLEMS if p["name"] in ("bard_511", "htp_934", "htp_939", "htp_932",
                                                  "jump_01", "dempe_p32")]


@pytest.mark.parametrize("p", SAMPLE, ids=[p["name"] for p in SAMPLE])
def test_ga_with_polish_reaches_the_optimum(p):
    """A sample of every class, one seed, smaller settings (the full criterion, pop 100,
    100 generations, seeds 1-3, is a slow test and benchmarks/bench_bilevel.py)."""
    r = solve_bilevel(p["build"](), stackga.GAConfig(pop_size=60, generations=40, seed=1))
    assert r.feasible and abs(r.F - p["F"]) <= max(1e-3, 1e-3 * abs(p["F"])), (r.F, p["F"], r.how)
    assert all(c.optimal for c in r.certificates)


def test_answers_do_not_depend_on_what_was_solved_before():
    """Bard 8.1.2's follower has a segment of optima for every x in [0, 1]; a fresh
    follower, a used one and a batch give the same selected optimum, bit for bit."""
    p = next(q for q in PROBLEMS if q["name"] == "bard_812")
    X = np.random.default_rng(0).uniform(0, 1, (60, 1))
    used = MatrixFollower(p["build"](), 0)
    used.respond(X[::-1])
    batch = used.respond(X).arrays["y"]
    for k in range(0, 60, 7):
        np.testing.assert_array_equal(MatrixFollower(p["build"](), 0).respond(X[k:k + 1]).arrays["y"][0],
                                      batch[k])
    np.testing.assert_allclose(batch, np.hstack([X, 1 - X]), atol=1e-8)   # optimistic: (x, 1 - x)


def test_small_phase1_distances_still_rank():
    """Distances of 1e-6 and 1e-5 rank apart (they would vanish if added to 1e12)."""
    g = to_game(bard511())
    ev = g.evaluate(np.array([[4.5 + 1e-6], [4.5 + 1e-5]]))
    assert not ev.feasible.any() and ev.violation[0] < ev.violation[1]


def test_review_cases_exact_and_selection():
    """Cases found in review: a guessed slack cap too small for big-M; integer leaders in
    the exact reference; a tie broken toward a coupling row; a QP follower with a
    singular Q (its optimal set is {Q y = Q y0, same cost})."""
    f = Follower(d=[1.0], A=[[-1.0]], B=[[1.0]], b=[-6e4], sense=">=")      # y = max(x - 6e4, 0)
    bl = Bilevel("max", c_x=[-0.45], c_y=[1.0], followers=[f], x_lb=[0], x_ub=[1e5])
    assert solve_exact(bl, "bigm").F == pytest.approx(0.0, abs=1e-6)
    f = Follower(d=[1.0], A=[[-1.0]], B=[[1.0]], b=[0.0], sense=">=")
    intx = Bilevel("max", c_x=[0.0], c_y=[1.0], followers=[f], x_lb=[0], x_ub=[2.5], x_integer=[True])
    for m in ("bigm", "sos1"):
        assert solve_exact(intx, m).F == pytest.approx(2.0)
    f = Follower(d=[0.0], B=[[1.0]], b=[2.0])                                 # indifferent on [0, 2]
    cpl = Bilevel("min", c_x=[-1.0], c_y=[-1.0], followers=[f], x_lb=[0], x_ub=[1],
                  G_x=[[-1.0]], G_y=[[1.0]], h=[0.0])                         # y <= x
    assert solve_exact(cpl).F == pytest.approx(-2.0)
    assert MatrixFollower(cpl, 0).respond(np.array([[1.0]])).arrays["y"][0, 0] == pytest.approx(1.0)
    r = solve_bilevel(cpl, stackga.GAConfig(pop_size=20, generations=15))
    assert r.feasible and r.F == pytest.approx(-2.0, abs=1e-6)
    f = Follower(d=[0, 0], Q=[[1, 0], [0, 0]], B=[[1, 0], [0, 1]], b=[1, 1], lb=[-1, 0])
    qp = Bilevel("min", c_x=[0.0], c_y=[0.0, -1.0], followers=[f], x_lb=[0], x_ub=[1])
    assert MatrixFollower(qp, 0).respond(np.array([[0.5]])).arrays["y"][0, 1] == pytest.approx(1.0)
    assert solve_exact(qp).F == pytest.approx(-1.0)


def test_exact_trace_records_incumbent_and_bound():
    """SCIP's incumbent and bound over time: times increase, the bound never passes the
    final optimum, and the last incumbent is the optimum."""
    p = next(q for q in PROBLEMS if q["name"] == "htp_939")
    r = solve_exact(p["build"](), "sos1")
    t = [row[0] for row in r.trace]
    assert len(r.trace) >= 2 and t == sorted(t)
    bounds = [row[2] for row in r.trace if row[2] is not None]
    assert all(b <= r.F + 1e-9 for b in bounds)              # minimisation: bounds from below
    assert [row[1] for row in r.trace if row[1] is not None][-1] == pytest.approx(r.F)
    b = solve_exact(next(q for q in PROBLEMS if q["name"] == "bard_531")["build"](), "bigm")
    assert b.trace and b.trace[-1][1] == pytest.approx(b.F, abs=1e-6)    # HiGHS's MILP trace


def test_a_box_fixed_by_equalities_is_not_inverted_by_rounding():
    rng = np.random.default_rng(3)
    for _ in range(20):
        E = rng.normal(size=(3, 3))
        bl = Bilevel("min", c_x=np.ones(3), followers=[Follower(d=[1.0], B=[[1.0]], b=[1.0])],
                     E_x=E, e_x=E @ rng.uniform(-1, 1, 3))
        g = to_game(bl)
        assert np.all(g.lb <= g.ub) and np.all(g.ub - g.lb < 1e-6)
