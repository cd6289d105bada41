"""The improvement step from elite individuals during the run (GAConfig.improve_every,
stackga.elites): it moves the GA to the exact optimum a GA alone misses, same seed same
result, a resumed run ends where an uninterrupted one does, and only strictly better
points replace individuals."""
import os
import signal

import numpy as np
import pytest

import stackga
from stackga.bilevel import solve_exact, to_game
from stackga.bilevel.problems.pricing import tolls
from stackga.elites import EliteSteps
from stackga.errors import InputError


def _cfg(engine, every=10, **kw):
    return stackga.GAConfig(pop_size=40, generations=50, seed=1, engine=engine,
                            improve_every=every, **kw)


@pytest.mark.parametrize("engine", ["pymoo", "deap"])
def test_elite_steps_take_the_ga_to_the_exact_optimum(engine):
    """A toll network (the dual-form exact reference proves its optimum): the GA alone,
    50 generations, ends below it; with the step from the best every 10 generations the
    GA's own final best (no final step) is the optimum, and the report counts the steps."""
    bl = tolls(seed=1)
    opt = solve_exact(bl).F
    alone = stackga.solve(to_game(bl), _cfg(engine, every=0), improve=False)
    assert alone.leader < opt - 1e-4
    memetic = stackga.solve(to_game(bl), _cfg(engine), improve=False)
    assert memetic.leader == pytest.approx(opt, rel=1e-7)     # (the reference: 1e-9 MIP gap)
    rec = memetic.report["improvement"]["elites"]
    assert rec["steps"] >= 1 and rec["replaced"] >= 1 and rec["every"] == 10


@pytest.mark.parametrize("engine,stop_at", [("pymoo", 12), ("deap", 12), ("pymoo", 10),
                                             ("deap", 10)])
def test_same_seed_same_run_and_resume(tmp_path, engine, stop_at):
    """Twice the same configuration: the same best and log; stopped by Ctrl-C at
    generation 12 (steps at 5, 10 before, 15, 20 after), or at 10, where a step is due
    (it stays pending and runs on resume), and resumed from its checkpoint: where the
    uninterrupted run ends, with the same counts of steps."""
    from stackga.checkpoint import Checkpoint
    bl = tolls(seed=2)
    cfg = stackga.GAConfig(pop_size=20, generations=25, seed=1, engine=engine, improve_every=5,
                           improve_elites=2)
    a = stackga.solve(to_game(bl), cfg, improve=False)
    b = stackga.solve(to_game(bl), cfg, improve=False)
    assert a.report["improvement"]["elites"]["replaced"] >= 1      # the steps changed the run
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.log["best"], b.log["best"])
    ck = Checkpoint(tmp_path / "ck", every=100)

    def kill(row):
        if row["gen"] == stop_at:
            os.kill(os.getpid(), signal.SIGINT)
    part = stackga.solve(to_game(bl), cfg, on_generation=kill, checkpoint=ck, improve=False)
    assert part.status == "interrupted"
    done = stackga.solve(to_game(bl), cfg, checkpoint=ck, improve=False)
    np.testing.assert_array_equal(done.x, a.x)
    np.testing.assert_array_equal(done.log["best"], a.log["best"])
    counts = lambda r: {k: v for k, v in r.report["improvement"]["elites"].items()  # noqa: E731
                        if k != "seconds"}
    assert counts(done) == counts(a)


@pytest.mark.parametrize("engine", ["pymoo", "deap"])
def test_an_infeasible_elite_evaluation_counts_in_the_next_row(engine, monkeypatch):
    """The step's candidates are evaluated like offspring: one that comes back infeasible
    counts in the ``infeasible`` column of the generation after the step (both engines
    alike), and the log's total is every infeasible evaluation of the run."""
    import dataclasses
    game = to_game(tolls(seed=2))
    cfg = stackga.GAConfig(pop_size=10, generations=8, seed=1, engine=engine, improve_every=3)
    flag, bad = {"elite": False}, []
    evaluate = game.evaluate

    def replacements(self, X, leader, feasible):
        flag["elite"] = True                      # this step's candidate: one, at the best
        return [(int(np.argmax(np.where(feasible, leader, -np.inf))), X[0].copy())]

    def marked(X, **kw):
        ev = evaluate(X, **kw)
        if kw:                                    # the result's own evaluation, after the run
            return ev
        if flag["elite"]:
            flag["elite"] = False
            ev = dataclasses.replace(ev, violation=np.ones(len(X)))
        bad.append(int((~ev.feasible).sum()))
        return ev
    monkeypatch.setattr(EliteSteps, "replacements", replacements)
    monkeypatch.setattr(game, "evaluate", marked)
    res = stackga.solve(game, cfg, improve=False)
    rows = dict(zip(res.log["gen"], res.log["infeasible"]))
    assert rows[4] >= 1 and rows[7] >= 1             # the steps after generations 3 and 6
    assert sum(res.log["infeasible"]) == sum(bad)


class _Game:
    """A stand-in with an improvement step that moves x to x + 1 when x[0] < 5."""

    def __init__(self):
        self.calls = []

    def improve(self, x):
        self.calls.append(x.copy())
        if x[0] < 5:
            return {"x": x + 1.0, "how": "improved", "status": "local_optimum", "seconds": 0.0}
        return {"how": "ga", "status": "local_optimum", "seconds": 0.0}


def test_replacements_pick_distinct_feasible_elites_and_remember_steps():
    """The best distinct feasible individuals, best first (an infeasible one with a higher
    value is passed over, a duplicate counted once); a vector already stepped is not
    stepped again."""
    g = _Game()
    steps = EliteSteps(g, every=5, elites=2)
    X = np.array([[1.0], [9.0], [3.0], [3.0], [7.0]])
    leader = np.array([1.0, 9.0, 3.0, 3.0, 7.0])
    feasible = np.array([True, False, True, True, True])
    out = steps.replacements(X, leader, feasible)
    assert [i for i, _ in out] == [2]                  # 7 (no better point) and 3 (-> 4)
    assert out[0][1] == pytest.approx([4.0])
    assert len(g.calls) == 2
    steps.replacements(X, leader, feasible)
    assert len(g.calls) == 2                           # remembered
    assert steps.record()["steps"] == 2 and steps.record()["improved"] == 1
    assert steps.due(5, 50) and not steps.due(4, 50) and not steps.due(50, 50)


def test_bad_settings_are_named():
    with pytest.raises(InputError, match="improve_every"):
        stackga.GAConfig(improve_every=-1)
    with pytest.raises(InputError, match="improve_elites"):
        stackga.GAConfig(pop_size=10, improve_elites=11)
    from stackga.cases import eva
    with pytest.raises(InputError, match="no improvement step"):
        stackga.solve(eva.build(), stackga.GAConfig(pop_size=4, generations=2, improve_every=1))
