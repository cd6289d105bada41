"""The improvement step (stackga.bilevel.improve) against exact optima of pricing games
whose optimum sits on a follower's tie."""
import numpy as np
import pytest

import stackga
from stackga.bilevel import Bilevel, Follower, improve, solve_bilevel, solve_exact, to_game
from stackga.bilevel.problems.pricing import tolls


def _two_routes():
    """Demand 2 on a tolled route (cost 2) or a free one (cost 5): the best toll is 3,
    where the follower is indifferent; revenue 6 (optimistic)."""
    f = Follower(d=[2.0, 5.0], B=[[1.0, 1.0]], b=[2.0], sense="=", M=[[1.0, 0.0]], lb=[0.0, 0.0])
    return Bilevel("max", c_x=[0.0], Q_xy=[[1.0, 0.0]], followers=[f], x_lb=[0.0], x_ub=[10.0])


def test_climbs_to_the_tie():
    bl = _two_routes()
    out = improve(bl, to_game(bl), np.array([1.0]))
    assert out.F_start == pytest.approx(2.0)
    assert out.how == "improved" and out.status == "local_optimum"
    assert out.x[0] == pytest.approx(3.0, abs=1e-9) and out.F == pytest.approx(6.0, abs=1e-9)


def test_beyond_the_tie_steps_back():
    """From x = 7 (the follower takes the free route: revenue 0, a flat piece) the
    neighbour step finds the tolled piece and its best point."""
    bl = _two_routes()
    out = improve(bl, to_game(bl), np.array([7.0]))
    assert out.F_start == pytest.approx(0.0, abs=1e-12)
    assert out.F == pytest.approx(6.0, abs=1e-9) and out.status == "local_optimum"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reaches_the_exact_optimum_of_toll_games(seed):
    """From the GA's best of a short run, the step ends at the exact optimum (dual-form
    big-M reference) on these networks, and never above it."""
    bl = tolls(seed=seed)
    exact = solve_exact(bl, method="bigm", time_limit=30)
    assert exact.status == "optimal"
    r = solve_bilevel(bl, stackga.GAConfig(pop_size=20, generations=10, seed=1))
    assert r.improvement.status == "local_optimum"
    assert r.F >= r.ga_F - 1e-9
    assert r.F <= exact.F + 1e-6 * (1 + abs(exact.F))
    assert r.F == pytest.approx(exact.F, rel=1e-6)


def test_never_worse_and_deterministic():
    bl = tolls(rows=2, cols=3, n_tolled=3, commodities=2, seed=5)
    game = to_game(bl)
    x0 = np.random.default_rng(0).uniform(bl.x_lb, bl.x_ub)
    a, b = improve(bl, game, x0), improve(bl, to_game(bl), x0)
    assert a.F >= a.F_start - 1e-12
    assert np.array_equal(a.x, b.x) and a.F == b.F and a.counts == b.counts


def test_limits_and_statuses():
    bl = _two_routes()
    out = improve(bl, to_game(bl), np.array([1.0]), time_limit=0.0)
    assert out.status == "time_limit" and out.F == out.F_start and out.how == "ga"
    out = improve(bl, to_game(bl), np.array([1.0]), max_steps=0)
    assert out.status == "step_limit" and out.how == "ga"
    infeasible = Bilevel("max", c_x=[0.0], x_lb=[0.0], x_ub=[1.0],
                         followers=[Follower(d=[1.0], B=[[1.0]], b=[2.0], sense="<=", A=[[3.0]],
                                             lb=[0.0])])
    out = improve(infeasible, to_game(infeasible), np.array([1.0]))
    assert out.status == "infeasible_start" and out.F is None


def test_stackga_solve_runs_the_step_by_default():
    """``stackga.solve`` on a game from matrices reports at the improved point and says
    what the GA alone had found; without the step it reports the GA's best."""
    bl = tolls(seed=0)
    cfg = stackga.GAConfig(pop_size=20, generations=10, seed=1)
    on = stackga.solve(to_game(bl), cfg)
    off = stackga.solve(to_game(bl), cfg, improve=False)
    step = on.report["improvement"]
    assert step["status"] == "local_optimum" and step["how"] == "improved"
    assert step["F_ga"] == pytest.approx(off.leader)
    assert on.leader == pytest.approx(step["F"]) and on.leader > off.leader
    assert off.report["improvement"] == {"status": "not_run"}
    assert np.array_equal(on.log["best"], off.log["best"])          # the same GA run


def test_a_game_without_matrices_says_so():
    from stackga.cases import island
    res = stackga.solve(island.build(scenario=4), stackga.GAConfig(pop_size=10, generations=2))
    assert res.report["improvement"]["status"] == "unavailable"


def test_a_coupling_row_met_to_rounding_does_not_reject_the_optimum():
    """moshirvaziri_1996: the step's answer meets its coupling row to 3.6e-15; judged
    feasible (a relative tolerance of 1e-9), it is the published optimum, where the GA
    alone ends far above it (the leader minimises)."""
    from stackga.bilevel.problems.published import PROBLEMS
    p = next(q for q in PROBLEMS if q["name"] == "moshirvaziri_1996")
    r = solve_bilevel(p["build"](), stackga.GAConfig(pop_size=40, generations=20, seed=1))
    assert r.improvement.status == "local_optimum" and r.feasible
    assert r.F == pytest.approx(p["F"], rel=1e-6)


def test_a_rejected_candidate_is_not_called_a_local_optimum():
    """The island's scenario 3 from matrices: the neighbour step finds a far better point,
    but there the battery's own optimistic choice ignores the coupling row that links it
    to the users (per-follower selection cannot see it), so the followers' answer breaks
    it. A first candidate is attained a short way into its piece (the battery's answer
    unique there); a later one is not, and the exact search (given no nodes here) finds
    nothing: the step says so instead of claiming optimality, and keeps what it gained."""
    from stackga.cases.island.certify import scenario3_bilevel
    bl = scenario3_bilevel()
    game = to_game(bl)
    res = stackga.solve(game, stackga.GAConfig(pop_size=40, generations=30, seed=2), improve=False)
    assert res.report["feasible"]
    out = improve(bl, game, res.x, exact_nodes=0)
    assert out.counts["attained"] >= 1 and out.how == "improved" and out.F < out.F_start
    assert out.status == "candidate_rejected"
    again = game.evaluate(out.x[None])
    assert bool(again.feasible[0]) and -again.leader[0] == pytest.approx(out.F, rel=1e-12)


@pytest.mark.parametrize("limit", ["time_limit", "node_limit"])
def test_where_the_walk_stops_at_a_limit_the_exact_search_takes_a_better_point(monkeypatch, limit):
    """Every neighbour step made to end at its limit (time or node budget) stops the walk
    there; the exact reference's solver, started from the point, runs next, and its
    incumbent (here its proven optimum: status "optimal") the followers confirm: strictly
    better than where the walk stopped, the exact optimum, and the game's own evaluation
    gives its value."""
    import importlib

    from stackga.bilevel import to_game
    imp = importlib.import_module("stackga.bilevel.improve")
    bl = tolls(3, 4, 8, 2, seed=0)
    game = to_game(bl)
    x0 = bl.x_lb + 0.3 * (bl.x_ub - bl.x_lb)
    monkeypatch.setattr(imp, "_neighbours", lambda *a: (limit, None))
    out = imp.improve(bl, game, x0, time_limit=30.0)
    assert out.status == "optimal" and out.counts["exact_search"] == "optimal"
    with monkeypatch.context() as m:                 # the walk alone: where it stopped
        m.setattr(imp, "_exact_search", lambda bl, game, x, y, lead, tol, left, nodes, counts, status,
                  K=None: (x, y, lead, status))
        walk = imp.improve(bl, game, x0, time_limit=30.0)
    assert walk.status == limit and out.F > walk.F + 1e-6 * abs(walk.F)
    assert out.F == pytest.approx(solve_exact(bl).F, rel=1e-7)
    assert float(game.evaluate(out.x[None]).leader[0]) == pytest.approx(out.F, rel=1e-9)


def test_the_step_ends_at_its_node_budgets_whatever_its_time_limits():
    """With node budgets that bind (20 nodes for a neighbour step, 100 for the exact
    search: SCIP on a pricing retailer's convex MIQP) the neighbour step stops at its
    budget, the exact search runs to its own and its incumbent is taken, and where the
    step ends does not depend on its time limits: the same point, bit for bit, with
    30 s / 10 s or 120 s / 60 s (the clock is only a safety net). A budget of no nodes at
    all on a toll game (HiGHS's big-M) stops there too; the default budgets reach the
    exact optimum."""
    import importlib

    from stackga.bilevel import to_game
    from stackga.bilevel.problems.pricing import retailer
    imp = importlib.import_module("stackga.bilevel.improve")
    bl = retailer(1, 1, seed=0)
    game = to_game(bl)
    x0 = np.full(bl.n_x, 0.8)
    a = imp.improve(bl, game, x0, neighbour_nodes=20, exact_nodes=100)
    b = imp.improve(bl, game, x0, time_limit=120.0, neighbour_limit=60.0, neighbour_nodes=20,
                    exact_nodes=100)
    assert a.counts["neighbour_limit"] == 1 and a.counts["exact_search"] == "node_limit"
    assert a.status == b.status == "exact_search" and a.F > a.F_start
    assert np.array_equal(a.x, b.x) and a.F == b.F
    bl = tolls(4, 5, 12, 3, seed=0)
    game = to_game(bl)
    x0 = bl.x_lb + 0.3 * (bl.x_ub - bl.x_lb)
    none = imp.improve(bl, game, x0, neighbour_nodes=0, exact_nodes=0)
    assert none.status == "node_limit" and none.counts["exact_search"] == "node_limit"
    full = imp.improve(bl, game, x0)
    assert full.F > none.F + 1e-3 and full.F == pytest.approx(solve_exact(bl).F, rel=1e-7)


def test_the_exact_search_proves_a_point_already_optimal():
    """From the exact optimum, with the walk's neighbour step ended at its budget, the
    exact search finds nothing strictly better but proves the point optimal for the whole
    game: status "optimal", the point unchanged."""
    import importlib

    from stackga.bilevel import to_game
    imp = importlib.import_module("stackga.bilevel.improve")
    bl = tolls(3, 4, 8, 2, seed=0)
    game = to_game(bl)
    ex = solve_exact(bl)
    out = imp.improve(bl, game, ex.x, neighbour_nodes=0)
    assert out.status == "optimal" and out.how == "ga"
    assert out.F == pytest.approx(ex.F, rel=1e-7)


def test_solve_bilevel_passes_the_steps_node_budgets():
    """``solve_bilevel``'s step takes the same node budgets as ``improve``: none at all
    stops its walk and exact search at ``node_limit``."""
    bl = tolls(4, 5, 12, 3, seed=0)
    cfg = stackga.GAConfig(pop_size=10, generations=2, seed=1)
    out = solve_bilevel(bl, cfg, neighbour_nodes=0, exact_nodes=0)
    assert out.improvement.status == "node_limit"
    assert out.improvement.counts["exact_search"] == "node_limit"


def test_a_ctrl_c_caught_by_scip_asks_the_run_to_stop():
    """SCIP catches Ctrl-C itself (its solve holds the signal): the exact reference says
    "interrupted" (not a time limit) and the enclosing graceful block is asked to stop, so
    a GA running an elite step stops instead of carrying on with a clock-cut answer."""
    import os
    import signal
    import threading

    from stackga.cases.island.certify import scenario3_bilevel

    from stackga import interrupt
    bl = scenario3_bilevel()                        # SCIP needs far longer than 1 s here
    with interrupt.graceful() as stop:
        timer = threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT))
        timer.start()
        try:
            ex = solve_exact(bl, time_limit=60)
        finally:
            timer.cancel()
        assert ex.status == "interrupted" and stop()
