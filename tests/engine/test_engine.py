"""The engine: a published bilevel optimum, determinism, repair, config, save/load."""
import numpy as np
import pytest
from scipy.optimize import linprog
from stackga.followers import Response

import stackga
from stackga import GAConfig, Game, LeaderOutcome

# Bard (1998), example 5.1.1 (also PAO's bard511 and BilevelJuMP's tests):
#   min_x  x - 4y   s.t. x >= 0,  y in argmin_y { y : -x - y <= -3, -2x + y <= 0,
#                                                2x + y <= 12, 3x - 2y <= 4, y >= 0 }
#   optimum x = 4, y = 4, F = -12.
BARD_X, BARD_Y, BARD_F = 4.0, 4.0, -12.0
TOL_X = 0.05                    # a GA approaches the optimum; tolerances are named
TOL_F = 5 * TOL_X               # F = 8 - 5x on the follower's active branch below x = 4


class BardFollower:
    """The follower's LP solved row by row with scipy's HiGHS (an independent solver)."""

    def respond(self, X):
        n = len(X)
        y, status = np.zeros(n), np.zeros(n, np.int8)
        A = np.array([[-1.0], [1.0], [1.0], [-2.0]])
        for i, x in enumerate(X[:, 0]):
            r = linprog([1.0], A_ub=A, b_ub=[-3 + x, 2 * x, 12 - 2 * x, 4 - 3 * x],
                        bounds=[(0, None)], method="highs")
            if r.status == 0:
                y[i] = r.x[0]
            else:
                status[i] = 1
        return Response(np.where(status == 0, -y, 0.0), status, {"y": y[:, None]})


def bard_leader(X, prices, responses):
    y = responses["follower"].arrays["y"][:, 0]
    return LeaderOutcome(-(X[:, 0] - 4 * y), np.zeros(len(X)), {})


def bard_game():
    return Game("bard511", lb=[0.0], ub=[8.0], followers={"follower": BardFollower()},
                leader=bard_leader)


@pytest.mark.parametrize("engine", ["pymoo", "deap"])
def test_bard_511_known_optimum(engine):
    res = stackga.solve(bard_game(), GAConfig(pop_size=20, generations=80, seed=3, engine=engine))
    assert res.x[0] == pytest.approx(BARD_X, abs=TOL_X)
    assert res.arrays["follower.y"][0] == pytest.approx(BARD_Y, abs=2 * TOL_X)
    assert -res.leader == pytest.approx(BARD_F, abs=TOL_F)
    assert res.report["feasible"]
    # the log is monotone under elitism and counts the infeasible individuals (x > 4)
    assert np.all(np.diff(res.log["best"]) >= -1e-12)
    assert res.log["infeasible"].sum() > 0
    assert list(res.log["gen"]) == list(range(1, 81))
    assert res.log["evals"][-1] == 20 * 80


def toy_game(n_var=6):
    """Leader sells at prices x to a linear-demand follower; average price capped."""
    class Demand:
        def respond(self, P):
            q = np.clip(10 - 4 * P, 0, None)
            return Response((10 * q - 2 * q ** 2 - P * q).sum(1), np.zeros(len(P), np.int8),
                            {"q": q})

    def leader(X, P, r):
        q = r["demand"].arrays["q"]
        return LeaderOutcome((X * q).sum(1) - (q ** 2).sum(1) * 0.1, np.zeros(len(X)), {"q": q})

    return Game("toy", lb=np.zeros(n_var), ub=np.full(n_var, 3.0),
                followers={"demand": Demand()}, leader=leader,
                A=np.ones((1, n_var)), b=[1.0 * n_var])


@pytest.mark.parametrize("engine", ["pymoo", "deap"])
def test_same_seed_same_result(engine):
    cfg = GAConfig(pop_size=16, generations=15, seed=7, engine=engine)
    a, b = stackga.solve(toy_game(), cfg), stackga.solve(toy_game(), cfg)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.log["best"], b.log["best"])
    np.testing.assert_array_equal(a.log["mean"], b.log["mean"])
    c = stackga.solve(toy_game(), GAConfig(pop_size=16, generations=15, seed=8, engine=engine))
    assert not np.array_equal(a.log["mean"], c.log["mean"])


@pytest.mark.parametrize("engine", ["pymoo", "deap"])
def test_every_evaluated_individual_is_feasible(engine):
    g = toy_game()
    seen = []
    original = g.evaluate

    def spy(X, **kw):
        seen.append(np.array(X))
        return original(X, **kw)

    g.evaluate = spy
    stackga.solve(g, GAConfig(pop_size=10, generations=5, seed=1, engine=engine))
    X = np.vstack(seen)
    assert np.all(X >= g.lb) and np.all(X <= g.ub)
    assert np.all(X.sum(1) <= g.b[0] + 1e-9)


def test_projection_exact_and_identity_on_feasible():
    g = toy_game()
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 4, (50, 6))
    Y = g.project(X)
    assert g.is_feasible(Y).all()
    feas = g.is_feasible(X)
    np.testing.assert_array_equal(Y[feas], X[feas])
    # optimality of the projection: compare with a QP solved by HiGHS through the general path
    from stackga.projection import _project_qp
    for i in np.flatnonzero(~feas)[:10]:
        ref = _project_qp(X[i], g.lb, g.ub, np.vstack([g.A, g.A * 0.0]), np.r_[g.b, 1.0])
        np.testing.assert_allclose(Y[i], ref, atol=1e-6)
        assert np.linalg.norm(Y[i] - X[i]) <= np.linalg.norm(ref - X[i]) + 1e-9


def test_projection_several_rows():
    lb, ub = np.zeros(3), np.ones(3)
    A = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]])
    b = np.array([1.0, 1.0])
    from stackga.projection import project
    Y = project(np.array([[1.0, 1.0, 1.0], [0.2, 0.2, 0.2]]), lb, ub, A, b)
    np.testing.assert_allclose(Y[0], [2 / 3, 1 / 3, 2 / 3], atol=1e-6)
    np.testing.assert_array_equal(Y[1], [0.2, 0.2, 0.2])


def test_projection_rows_on_disjoint_variables():
    """Rows that share no variable (e.g. one per hour) take the separable path: exact
    (HiGHS's QP as the reference), feasible rows unchanged, free variables only clipped."""
    from stackga.projection import _project_qp, project
    rng = np.random.default_rng(4)
    n_var = 9
    lb, ub = np.zeros(n_var), np.full(n_var, 5.0)
    A = np.zeros((3, n_var))
    A[0, [0, 1]] = [-1.0, 0.8]
    A[1, [2, 3, 4]] = [1.0, 1.0, -0.5]
    A[2, [6]] = [2.0]                                # variables 5, 7, 8 in no row
    b = np.array([0.5, 4.0, 3.0])
    X = rng.uniform(-1, 6, (200, n_var))
    X[:20] = rng.uniform(0.0, 0.2, (20, n_var))      # inside the set
    Y = project(X, lb, ub, A, b)
    assert np.all(Y @ A.T <= b + 1e-9) and np.all((Y >= lb) & (Y <= ub))
    inside = np.all((X >= lb) & (X <= ub), axis=1) & np.all(X @ A.T <= b, axis=1)
    assert inside.any()
    np.testing.assert_array_equal(Y[inside], X[inside])
    for i in np.flatnonzero(~inside)[:25]:
        np.testing.assert_allclose(Y[i], _project_qp(X[i], lb, ub, A, b), atol=1e-6)


def test_evaluate_rejects_bad_populations():
    g = toy_game()
    with pytest.raises(ValueError, match="shape"):
        g.evaluate(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="not finite"):
        g.evaluate(np.full((1, 6), np.nan))


def test_follower_failure_marks_individual_infeasible():
    class Flaky:
        def respond(self, P):
            status = (P[:, 0] > 1.5).astype(np.int8)
            return Response(np.where(status == 0, 1.0, 0.0), status, {})

    g = Game("flaky", lb=[0.0], ub=[3.0], followers={"f": Flaky()},
             leader=lambda X, P, r: LeaderOutcome(X[:, 0], np.zeros(len(X))))
    ev = g.evaluate(np.array([[1.0], [2.0]]))
    assert list(ev.feasible) == [True, False]
    assert ev.leader[1] == -np.inf and not np.isnan(ev.leader).any()
    assert ev.status_counts()["f"] == {"OPTIMAL": 1, "INFEASIBLE": 1}
    for engine in ("pymoo", "deap"):
        res = stackga.solve(g, GAConfig(pop_size=10, generations=10, seed=0, engine=engine))
        assert res.x[0] <= 1.5 and res.report["feasible"]
        counted = res.statuses["f"]
        assert counted.get("INFEASIBLE", 0) == res.log["infeasible"].sum() > 0
        assert sum(counted.values()) == res.log["evals"][-1]


def test_save_load_roundtrip(tmp_path):
    res = stackga.solve(toy_game(), GAConfig(pop_size=10, generations=4, seed=2))
    res.save(tmp_path / "run")
    back = stackga.Result.load(tmp_path / "run")
    np.testing.assert_array_equal(back.x, res.x)
    assert back.leader == res.leader and back.followers == res.followers
    for k in res.log:
        np.testing.assert_array_equal(back.log[k], res.log[k])
    for k in res.arrays:
        np.testing.assert_array_equal(back.arrays[k], res.arrays[k])
    assert back.config == res.config and back.statuses == res.statuses


def test_projection_tight_row_on_fixed_variables():
    """A row met with equality by fixed variables (0.1 + 0.2 vs 0.3 in floating point) is
    feasible within the tolerance: no 'empty' error, whatever the batch."""
    from stackga.projection import project
    lb, ub = np.array([0.1, 0.2, 0.0, 0.0]), np.array([0.1, 0.2, 1.0, 1.0])
    A = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]])
    b = np.array([0.3, 1.0])
    X = np.random.default_rng(0).uniform(0, 1, (20, 4))
    Y = project(X, lb, ub, A, b)
    np.testing.assert_array_equal(project(X[:1], lb, ub, A, b), Y[:1])
    assert np.all(Y[:, 2:].sum(axis=1) <= 1.0 + 1e-9)


@pytest.mark.parametrize("engine", ["pymoo", "deap"])
def test_seeded_initial_population(engine):
    """A seeded vector joins the first generation: seeding a good point (the best of a
    long run) makes generation 1 as good as it, which a random start is not; the run
    stays deterministic, and bad seeds are refused."""
    g = toy_game()
    good = stackga.solve(g, stackga.GAConfig(pop_size=30, generations=60, seed=1, engine=engine)).x
    cfg = stackga.GAConfig(pop_size=8, generations=1, seed=5, engine=engine)
    plain = stackga.solve(toy_game(), cfg)
    a = stackga.solve(toy_game(), cfg, initial=good[None])
    b = stackga.solve(toy_game(), cfg, initial=good[None])
    assert np.array_equal(a.x, b.x) and a.leader == b.leader
    value = g.evaluate(good[None]).leader[0]
    assert a.log["best"][0] >= value - 1e-12 > plain.log["best"][0]
    with pytest.raises(ValueError, match="initial must have shape"):
        stackga.solve(toy_game(), cfg, initial=np.zeros((9, g.n_var)))
    with pytest.raises(ValueError, match="non-finite"):
        stackga.solve(toy_game(), cfg, initial=np.full((1, g.n_var), np.nan))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_projection_coupled_rows_dual_method(seed):
    """Rows sharing variables (the eva case's h_s <= h_b and mean caps, plus random dense
    rows) take the compiled dual active-set path: every answer equals HiGHS's QP to 1e-8,
    is feasible, and an individual the method cannot certify is handed to HiGHS."""
    import stackga.projection as proj
    rng = np.random.default_rng(seed)
    T = 6
    lb, ub = np.full(2 * T, 0.3), np.full(2 * T, 1.2)
    A = np.zeros((T + 2 + 3, 2 * T))
    A[np.arange(T), np.arange(T)] = -1.0
    A[np.arange(T), T + np.arange(T)] = 1.0
    A[T, :T] = 1.0
    A[T + 1, T:] = -1.0
    A[T + 2:] = rng.normal(size=(3, 2 * T))
    b = np.concatenate([np.zeros(T), [0.7 * T, -0.45 * T], rng.uniform(0.5, 2.0, 3)])
    X = rng.uniform(0.0, 1.5, (60, 2 * T))
    Y = proj.project(X, lb, ub, A, b)
    assert proj.is_feasible(Y, lb, ub, A, b).all()
    moved = ~proj.is_feasible(X, lb, ub, A, b)
    assert moved.sum() > 30
    for i in np.flatnonzero(moved):
        np.testing.assert_allclose(Y[i], proj._project_qp(X[i], lb, ub, A, b), atol=1e-8)
    real = proj._project_dual

    def flaky(X, *args):
        Y, code = real(X, *args)
        code[::2] = 3                              # "numerical failure" on every other row
        return Y * 0.0, code
    proj._project_dual = flaky
    try:
        np.testing.assert_allclose(proj.project(X, lb, ub, A, b), Y, atol=1e-8)
    finally:
        proj._project_dual = real


@pytest.mark.parametrize("engine", ["pymoo", "deap"])
def test_final_population_is_kept(engine, tmp_path):
    """The last generation's survivors are in arrays["ga.population"]: pop_size repaired
    vectors, the best among them, and they survive save/load."""
    g = toy_game()
    res = stackga.solve(g, GAConfig(pop_size=12, generations=5, seed=3, engine=engine))
    P = res.arrays["ga.population"]
    assert P.shape == (12, g.n_var) and g.is_feasible(P).all()
    assert np.any(np.all(P == res.x, axis=1))
    res.save(tmp_path / "run")
    np.testing.assert_array_equal(stackga.Result.load(tmp_path / "run").arrays["ga.population"], P)


@pytest.mark.parametrize("engine", ["pymoo", "deap"])
def test_block_mutation_is_seeded_and_moves_blocks(engine):
    """block_mutation > 0: the same seed gives the same run, every individual stays in its
    box, and the run differs from the paper's procedure (the operator acts)."""
    cfg = GAConfig(pop_size=20, generations=15, seed=3, engine=engine, block_mutation=0.5)
    a, b = stackga.solve(toy_game(), cfg), stackga.solve(toy_game(), cfg)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.log["best"], b.log["best"])
    plain = stackga.solve(toy_game(), GAConfig(pop_size=20, generations=15, seed=3, engine=engine))
    assert not np.array_equal(a.log["mean"], plain.log["mean"])
    pop = a.arrays["ga.population"]
    game = toy_game()
    assert np.all(pop >= game.lb - 1e-12) and np.all(pop <= game.ub + 1e-12)


def test_block_shift_moves_consecutive_genes_together():
    import random

    from stackga.engines.deap_engine import mut_block
    low, up = [0.0] * 12, [10.0] * 12
    for seed in range(20):
        ind = [5.0] * 12
        mut_block(random.Random(seed), ind, low, up, prob=1.0, scale=0.05)
        moved = [j for j, v in enumerate(ind) if v != 5.0]
        assert len(moved) >= 2 and moved == list(range(moved[0], moved[-1] + 1))
        assert len({round(ind[j], 12) for j in moved}) == 1          # one common step
    ind = [5.0] * 12
    mut_block(random.Random(0), ind, low, up, prob=0.0, scale=0.05)
    assert ind == [5.0] * 12


@pytest.mark.parametrize("field, value", [("block_mutation", 1.5), ("block_mutation", -0.1),
                                          ("block_scale", -1.0)])
def test_block_settings_are_checked(field, value):
    with pytest.raises(ValueError, match=field):
        GAConfig(**{field: value})
