"""pymoo adapter: the only module that knows pymoo's Problem, Repair and Callback."""
from __future__ import annotations

import numpy as np
from pymoo.algorithms.soo.nonconvex.ga import GA
from pymoo.core.callback import Callback
from pymoo.core.population import Population
from pymoo.core.problem import Problem
from pymoo.core.repair import Repair
from pymoo.operators.crossover.sbx import SBX
from pymoo.operators.mutation.pm import PM
from pymoo.operators.sampling.rnd import FloatRandomSampling

from ..config import GAConfig
from ..game import Game
from ..log import GenerationLog


class _GameProblem(Problem):
    """Vectorized: the whole population goes to ``Game.evaluate`` in one call."""

    def __init__(self, game: Game, log: GenerationLog) -> None:
        super().__init__(n_var=game.n_var, n_obj=1, n_ieq_constr=1, xl=game.lb, xu=game.ub)
        self.game = game
        self.log = log
        self.infeasible_since_log = 0

    def __getstate__(self):
        """Checkpoints leave the game and the log out: they are rebuilt on resume."""
        return {k: v for k, v in self.__dict__.items() if k not in ("game", "log")}

    def _evaluate(self, X, out, *args, **kwargs):
        ev = self.game.evaluate(X)
        feasible = ev.feasible
        out["F"] = np.where(feasible, -ev.leader, 0.0)[:, None]
        out["G"] = ev.violation[:, None]
        out["L"] = np.where(feasible, ev.leader, -np.inf)
        out["FO"] = np.column_stack([ev.followers[k] for k in self.game.followers])
        self.infeasible_since_log += int((~feasible).sum())
        self.log.tally(ev)


class _ProjectionRepair(Repair):
    def _do(self, problem, X, **kwargs):
        return problem.game.project(X)


class _LogCallback(Callback):
    def __init__(self, log: GenerationLog) -> None:
        super().__init__()
        self.log = log

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "log"}

    def notify(self, algorithm):
        pop, problem = algorithm.pop, algorithm.problem
        self.log.record(algorithm.n_gen, algorithm.evaluator.n_eval, pop.get("L"),
                        pop.get("CV")[:, 0] <= 0, pop.get("FO"), problem.infeasible_since_log,
                        pop.get("X"))
        problem.infeasible_since_log = 0


class _BlockPM(PM):
    """Polynomial mutation, then a block shift per child (``GAConfig.block_mutation``)."""

    def __init__(self, block_prob: float, block_scale: float, **kwargs) -> None:
        super().__init__(**kwargs)
        self.block_prob, self.block_scale = block_prob, block_scale

    def _do(self, problem, X, params=None, *args, random_state=None, **kwargs):
        Xp = super()._do(problem, X, params, *args, random_state=random_state, **kwargs)
        n, m = Xp.shape
        span = problem.xu - problem.xl
        for i in np.flatnonzero(random_state.random(n) < self.block_prob):
            length = int(random_state.integers(2, m + 1)) if m > 1 else 1
            start = int(random_state.integers(0, m - length + 1))
            Xp[i, start:start + length] += random_state.normal() * self.block_scale * span[start:start + length]
        return np.clip(Xp, problem.xl, problem.xu)


class _SeededSampling(FloatRandomSampling):
    """The random initial population with its first rows replaced by given vectors."""

    def __init__(self, initial: np.ndarray) -> None:
        super().__init__()
        self.initial = initial

    def _do(self, problem, n_samples, **kwargs):
        X = super()._do(problem, n_samples, **kwargs)
        X[:len(self.initial)] = self.initial
        return X


def _step_elites(algorithm, elites) -> bool:
    """The improvement step from the elites (:class:`stackga.elites.EliteSteps`): each
    better vector projected like every individual, evaluated, and put in place of its
    individual where the leader gains. False where a stop request cut it short (it is
    then pending: run again on resume)."""
    pop = algorithm.pop
    found = elites.replacements(pop.get("X"), pop.get("L"), pop.get("CV")[:, 0] <= 0)
    if found is None:
        return False
    if found:
        X = algorithm.problem.game.project(np.array([x for _, x in found]))
        off = Population.new(X=X)
        algorithm.evaluator.eval(algorithm.problem, off)
        for (i, _), ind in zip(found, off):
            if ind.get("CV")[0] <= 0 and ind.get("L") > pop[i].get("L"):
                pop[i] = ind
                elites.replaced += 1
    return True


def run(game: Game, config: GAConfig, log: GenerationLog, stop=lambda: False,
        checkpoint=None, resume=None, initial=None, elites=None) -> np.ndarray:
    """Run the GA; returns the best leader vector (n_var,). ``stop()`` True ends it after
    the current generation. ``checkpoint`` (:class:`stackga.checkpoint.Checkpoint`) is
    written every ``checkpoint.every`` generations; ``resume`` (a checkpoint's engine
    state) continues a run from it. ``elites`` (:class:`stackga.elites.EliteSteps`):
    the improvement step from the elites when due."""
    if resume is not None:
        algorithm = resume
        algorithm.problem.game, algorithm.problem.log = game, log
        algorithm.callback.log = log
    else:
        algorithm = GA(
            pop_size=config.pop_size,
            sampling=FloatRandomSampling() if initial is None else _SeededSampling(initial),
            crossover=SBX(prob=config.crossover_prob, prob_var=0.5, eta=config.sbx_eta),
            mutation=PM(prob=1.0, prob_var=config.mutation_prob, eta=config.pm_eta)
            if config.block_mutation == 0 else
            _BlockPM(config.block_mutation, config.block_scale, prob=1.0,
                     prob_var=config.mutation_prob, eta=config.pm_eta),
            repair=_ProjectionRepair(),
            eliminate_duplicates=False,
        )
        algorithm.setup(_GameProblem(game, log), termination=("n_gen", config.generations),
                        seed=config.seed, callback=_LogCallback(log), verbose=False,
                        save_history=False)
    # a due elite step a stop cut short is pending: kept with the checkpoint, run on resume
    pending = bool(getattr(algorithm, "stackga_pending", False)) if resume is not None else False
    if elites is not None and resume is not None:
        elites.restore(getattr(algorithm, "stackga_elites", None))
        if pending and not stop():
            pending = not _step_elites(algorithm, elites)

    def save(done: int) -> None:
        algorithm.stackga_pending = pending
        algorithm.stackga_elites = elites.state() if elites is not None else None
        checkpoint.save("pymoo", algorithm, log, done)

    while algorithm.has_next() and not (algorithm.n_gen is not None and stop()):
        algorithm.next()
        done = len(log.rows)
        if elites is not None and elites.due(done, config.generations):
            pending = stop() or not _step_elites(algorithm, elites)
        if checkpoint is not None and done % checkpoint.every == 0 and algorithm.has_next():
            save(done)
    if checkpoint is not None and stop() and algorithm.has_next():
        save(len(log.rows))                                           # stopped: keep every generation
    pop = algorithm.pop
    L, feasible = pop.get("L"), pop.get("CV")[:, 0] <= 0
    idx = int(np.argmax(np.where(feasible, L, -np.inf))) if feasible.any() else \
        int(np.argmin(pop.get("CV")[:, 0]))
    return np.array(pop[idx].X, dtype=float)
