"""The game and follower contracts: bad games are refused at construction, a follower
that breaks the interface is named, and per-individual trouble (NaN, exceptions) is
counted as SOLVER_FAILED without aborting the run or leaking a NaN."""
import json
import warnings

import numpy as np
import pytest
from stackga.followers import Response, Status

import stackga
from stackga import GAConfig, Game, LeaderOutcome
from stackga.contract import ContractError, FollowerError

ENGINES = ["pymoo", "deap"]


def leader(X, P, r):
    return LeaderOutcome(X.sum(1) - (X ** 2).sum(1), np.zeros(len(X)), {})


def game(follower, **kw):
    args = dict(lb=np.zeros(3), ub=np.ones(3), followers={"f": follower}, leader=leader)
    args.update(kw)
    return Game("g", **args)


class Good:
    def respond(self, P):
        return Response(P.sum(1), np.zeros(len(P), np.int8), {"y": P * 2})


# ----------------------------------------------------------------------------- the Game
@pytest.mark.parametrize("kw,text", [
    ({"A": np.ones((1, 3))}, "Game.A is given but Game.b is None"),
    ({"b": [1.0]}, "Game.b is given but Game.A is None"),
    ({"A": [[1.0, np.nan, 1.0]], "b": [1.0]}, r"Game.A\[0, 1\] = nan is not finite"),
    ({"A": np.ones((1, 3)), "b": [np.inf]}, r"Game.b\[0\] = inf is not finite"),
    ({"A": np.ones((2, 3)), "b": [1.0]}, r"Game.A must have shape \(1, 3\)"),
    ({"A": np.ones((1, 4)), "b": [1.0]}, r"Game.A must have shape \(1, 3\)"),
    ({"A": np.ones((1, 3)), "b": [-1.0]}, "no x satisfies the bounds and row 0"),
    ({"A": [[1.0, 1.0, 0.0], [-1.0, -1.0, 0.0]], "b": [0.5, -0.8]}, "together"),
    ({"lb": [0.0, np.nan, 0.0]}, r"Game.lb\[1\] = nan is not finite"),
    ({"ub": [1.0, 1.0]}, r"Game.ub must have shape \(3,\)"),
    ({"lb": [0.0, 2.0, 0.0]}, r"lb\[1\] = 2.0 > ub\[1\] = 1.0"),
    ({"leader": None}, "Game.leader must be a function"),
    ({"followers": {"f": object()}}, r"Game.followers\['f'\] has no respond"),
])
def test_game_refuses_bad_definitions(kw, text):
    with pytest.raises(ValueError, match=text):
        game(Good(), **kw)


def test_constraint_is_kept_and_enforced():
    g = game(Good(), A=[[1.0, 1.0, 1.0]], b=[1.0])
    res = stackga.solve(g, GAConfig(pop_size=10, generations=5))
    assert res.x.sum() <= 1.0 + 1e-9 and res.report["feasible"]


# ----------------------------------------------------------------------- broken interface
class Returns:
    def __init__(self, make):
        self.make = make

    def respond(self, P):
        return self.make(len(P), P)


BROKEN = [
    ("objective-2d", lambda n, P: Response(np.zeros((n, 1)), np.zeros(n, np.int8), {}),
     r"follower 'f': objective has shape \(\d+, 1\)"),
    ("objective-short", lambda n, P: Response(np.zeros(n - 1), np.zeros(n, np.int8), {}),
     r"follower 'f': objective has shape"),
    ("status-scalar", lambda n, P: Response(np.zeros(n), np.int8(0), {}),
     r"follower 'f': status has shape \(\)"),
    ("status-code", lambda n, P: Response(np.zeros(n), np.full(n, 7, np.int8), {}),
     r"follower 'f': status code 7 of individual 0 is not a stackga.followers.Status \(0 OPTIMAL"),
    ("status-text", lambda n, P: Response(np.zeros(n), np.array(["ok"] * n), {}),
     r"follower 'f': status has dtype"),
    ("array-rows", lambda n, P: Response(np.zeros(n), np.zeros(n, np.int8), {"y": np.zeros((n + 1, 3))}),
     r"follower 'f': array 'y' has shape \(\d+, 3\), expected leading dimension"),
    ("array-complex", lambda n, P: Response(np.zeros(n), np.zeros(n, np.int8),
                                            {"y": np.zeros((n, 3)) + 1j}),
     r"follower 'f': array 'y' has dtype complex128, expected real numbers"),
    ("array-text", lambda n, P: Response(np.zeros(n), np.zeros(n, np.int8),
                                         {"y": np.array([["a"]] * n)}),
     r"follower 'f': array 'y' has dtype <U1, expected real numbers"),
    ("not-a-response", lambda n, P: {"objective": np.zeros(n)},
     r"follower 'f': respond\(\) returned dict, expected stackga.followers.Response"),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name,make,text", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_follower_is_named(engine, name, make, text):
    with pytest.raises(ContractError, match=text):
        stackga.solve(game(Returns(make)), GAConfig(pop_size=4, generations=2, engine=engine))


# ------------------------------------------------------------------ per-individual trouble
class NaNSome:
    """NaN objective (or array) where the first price is above 0.5, reported OPTIMAL."""

    def __init__(self, where="objective"):
        self.where = where

    def respond(self, P):
        bad = P[:, 0] > 0.5
        obj, y = P.sum(1), P.copy()
        if self.where == "objective":
            obj[bad] = np.nan
        else:
            y[bad, 1] = np.inf
        return Response(obj, np.zeros(len(P), np.int8), {"y": y})


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("where", ["objective", "array"])
def test_nan_becomes_counted_solver_failure(engine, where):
    g = game(NaNSome(where))
    with pytest.warns(RuntimeWarning, match="returned NaN or inf"):
        ev = g.evaluate(np.array([[0.2, 0.2, 0.2], [0.9, 0.2, 0.2]]))
    assert list(ev.responses["f"].status) == [Status.OPTIMAL, Status.SOLVER_FAILED]
    assert np.isfinite(ev.followers["f"]).all() and np.isfinite(ev.responses["f"].arrays["y"]).all()
    assert ev.leader[1] == -np.inf and not ev.feasible[1]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = stackga.solve(game(NaNSome(where)), GAConfig(pop_size=10, generations=6, engine=engine))
    ours = [w for w in caught if "returned NaN or inf" in str(w.message)]
    assert len(ours) == 1 and "follower 'f'" in str(ours[0].message)      # warned once
    failed = res.statuses["f"]["SOLVER_FAILED"]
    assert failed > 0 and sum(res.statuses["f"].values()) == res.log["evals"][-1]
    assert res.log["infeasible"].sum() == failed
    assert res.x[0] <= 0.5 and res.report["feasible"]
    for col in res.log.values():
        assert not np.isnan(col).any()


class RaisesSome:
    def __init__(self, always=False):
        self.always = always

    def respond(self, P):
        if self.always or (P[:, 0] > 0.5).any():
            raise ArithmeticError("no plan above 0.5")
        return Response(P.sum(1), np.zeros(len(P), np.int8), {"y": P * 2})


@pytest.mark.parametrize("engine", ENGINES)
def test_raising_rows_are_isolated_and_counted(engine):
    g = game(RaisesSome())
    X = np.array([[0.2, 0.1, 0.1], [0.9, 0.1, 0.1], [0.3, 0.3, 0.3]])
    with pytest.warns(RuntimeWarning, match="raised"):
        ev = g.evaluate(X)
    r = ev.responses["f"]
    assert list(r.status) == [Status.OPTIMAL, Status.SOLVER_FAILED, Status.OPTIMAL]
    np.testing.assert_array_equal(r.objective, X.sum(1) * [1, 0, 1])
    np.testing.assert_array_equal(r.arrays["y"][[0, 2]], X[[0, 2]] * 2)
    assert "ArithmeticError: no plan above 0.5" in ev.messages["f"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = stackga.solve(game(RaisesSome()), GAConfig(pop_size=10, generations=6, engine=engine))
    assert res.statuses["f"]["SOLVER_FAILED"] > 0 and res.report["feasible"]
    assert "no plan above 0.5" in res.messages["f"]


def test_follower_failing_everywhere_stops_the_run():
    with pytest.raises(FollowerError, match=r"follower 'f' failed for every individual \(10 of 10\).*ArithmeticError"):
        stackga.solve(game(RaisesSome(always=True)), GAConfig(pop_size=10, generations=2))


def test_unbounded_status_is_a_status():
    class Unbounded:
        def respond(self, P):
            return Response(np.zeros(len(P)), np.full(len(P), Status.UNBOUNDED, np.int8), {})

    ev = game(Unbounded()).evaluate(np.full((2, 3), 0.5))
    assert ev.status_counts() == {"f": {"UNBOUNDED": 2}} and not ev.feasible.any()


# --------------------------------------------------------------------------- the leader
@pytest.mark.parametrize("out,text", [
    (lambda X: LeaderOutcome(X, np.zeros(len(X))), r"leader: objective has shape \(\d+, 3\)"),
    (lambda X: LeaderOutcome(X.sum(1), np.zeros(1)), r"leader: violation 'leader constraints' has shape"),
    (lambda X: LeaderOutcome(np.full(len(X), np.nan), np.zeros(len(X))), "leader: objective is nan for individual 0, whose followers"),
    (lambda X: LeaderOutcome(X.sum(1), {"cap": np.full(len(X), np.nan)}), "violation 'cap' is NaN"),
    (lambda X: (X.sum(1), np.zeros(len(X))), "expected stackga.LeaderOutcome"),
])
def test_broken_leader_is_named(out, text):
    g = game(Good(), leader=lambda X, P, r: out(X))
    with pytest.raises(ContractError, match=text):
        g.evaluate(np.full((2, 3), 0.5))


# ------------------------------------------------------------------ no feasible individual
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_no_feasible_individual_is_explained_and_saved_as_strict_json(tmp_path):
    capped = lambda X, P, r: LeaderOutcome(X.sum(1), {"sum at most -1": X.sum(1) + 1.0})   # noqa: E731
    res = stackga.solve(game(NaNSome(), leader=capped), GAConfig(pop_size=6, generations=3))
    assert not res.report["feasible"] and res.infeasibility
    assert "no feasible individual in 18 evaluated individuals" in res.infeasibility
    broken, failed = res.violations["sum at most -1"], res.statuses["f"]["SOLVER_FAILED"]
    assert broken + failed == 18 and broken > 0 and failed > 0     # each individual counted once
    assert f"leader constraint 'sum at most -1' broken by {broken}" in res.infeasibility
    assert f"follower 'f' SOLVER_FAILED for {failed}" in res.infeasibility
    res.save(tmp_path / "run")

    def refuse(token):
        raise AssertionError(f"run.json holds {token}")

    doc = json.loads((tmp_path / "run" / "run.json").read_text(), parse_constant=refuse)
    assert doc["report"]["feasible"] is False and doc["infeasibility"] == res.infeasibility
    assert all(np.isnan(v).sum() == len(v) for k, v in res.log.items() if k in ("best", "mean"))
    back = stackga.Result.load(tmp_path / "run")
    assert back.infeasibility == res.infeasibility
    for k in res.log:
        np.testing.assert_array_equal(back.log[k], res.log[k])


# ------------------------------------------------------------------------------- config
@pytest.mark.parametrize("kw,field", [
    ({"crossover_prob": 1.2}, "crossover_prob"), ({"mutation_prob": -0.1}, "mutation_prob"),
    ({"mutation_prob": float("nan")}, "mutation_prob"), ({"pop_size": 7}, "pop_size"),
    ({"generations": 0}, "generations"), ({"engine": "ga"}, "engine"), ({"seed": -1}, "seed"),
    ({"seed": True}, "seed"), ({"pop_size": 10.0}, "pop_size"), ({"crossover_prob": True}, "crossover_prob"),
    ({"generations": "5"}, "generations")])
def test_config_errors_name_field_and_value(kw, field):
    with pytest.raises(ValueError, match=rf"GAConfig.{field} .*{kw[field]!r}".replace("(", r"\(").replace(")", r"\)")):
        GAConfig(**kw)


def test_config_takes_numpy_numbers():
    c = GAConfig(pop_size=np.int64(10), generations=np.int32(3), seed=np.uint8(4),
                 crossover_prob=np.float32(0.5))
    assert (c.pop_size, c.generations, c.seed) == (10, 3, 4) and type(c.pop_size) is int
    assert c == GAConfig(pop_size=10, generations=3, seed=4, crossover_prob=0.5)


class RaisesOrInfeasible:
    """Raises above 0.5 in x0, INFEASIBLE below: no individual is ever feasible."""

    def respond(self, P):
        if (P[:, 0] > 0.5).any():
            raise ArithmeticError("diverged")
        return Response(np.zeros(len(P)), np.full(len(P), Status.INFEASIBLE, np.int8), {"y": P})


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("engine", ENGINES)
def test_best_point_whose_follower_raised_is_explained_not_fatal(engine):
    res = stackga.solve(game(RaisesOrInfeasible()), GAConfig(pop_size=6, generations=4, engine=engine))
    assert not res.report["feasible"] and res.followers == {"f": None}
    assert sorted(res.arrays) == ["ga.population", "leader.x"]   # no placeholder arrays reported
    assert "follower 'f' INFEASIBLE for" in res.infeasibility
    assert "follower 'f' SOLVER_FAILED for" in res.infeasibility and "diverged" in res.infeasibility
    single = game(RaisesOrInfeasible(), lb=np.ones(3), ub=np.ones(3))
    single.single_level = lambda: np.ones(3)
    res = stackga.solve(single)
    assert res.report["status"] == {"f": {"SOLVER_FAILED": 1}} and "diverged" in res.infeasibility


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_leader_nan_on_placeholder_rows_is_ignored():
    def share(X, P, r):                                   # 0/0 where the follower failed
        y = r["f"].arrays["y"][:, 0]
        return LeaderOutcome(X.sum(1), {"share cap": X[:, 0] / y - 1.0})
    ev = game(NaNSome("array"), leader=share).evaluate(np.array([[0.2, 0.2, 0.2], [0.9, 0.0, 0.0]]))
    assert list(ev.feasible) == [True, False] and ev.violation_counts() == {}


def test_failed_individuals_rank_below_every_answered_one():
    def capped(X, P, r):
        return LeaderOutcome(X.sum(1), {"cap": 1e6 * X[:, 1]})
    with pytest.warns(RuntimeWarning):
        ev = game(NaNSome(), leader=capped).evaluate(np.array([[0.2, 0.9, 0.0], [0.9, 0.0, 0.0]]))
    assert 0 < ev.violation[0] < ev.violation[1]


def test_warned_once_a_run_including_rows_retried():
    class NaNAndRaise:
        def respond(self, P):
            if len(P) > 1:
                raise ArithmeticError("batch")
            return Response(np.full(1, np.nan if P[0, 0] > 0.5 else 0.0), np.zeros(1, np.int8), {})

    g = game(NaNAndRaise())
    for _ in range(2):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            stackga.solve(g, GAConfig(pop_size=6, generations=3))
        texts = [str(w.message) for w in caught]
        assert sum("returned NaN or inf" in t for t in texts) == 1, texts
