"""DEAP adapter: the only module that knows DEAP.

DEAP's own operators draw from Python's global ``random`` module, which breaks
reproducibility when runs share a process. Here the algorithm follows DEAP's
(mu + lambda) scheme with a DEAP ``Toolbox``, ``Fitness`` and ``selBest``,
while the three random operators are DEAP's ``selTournament``,
``cxSimulatedBinaryBounded`` and ``mutPolynomialBounded`` rewritten to draw
from the run's own ``random.Random(seed)``. No global ``creator`` classes are
registered. Each generation's new individuals are evaluated in one batch.
"""
from __future__ import annotations

import random

import numpy as np
from deap import base, tools

from ..config import GAConfig
from ..game import Game
from ..log import GenerationLog


class _Fitness(base.Fitness):
    # lexicographic: first feasibility (-violation), then the leader objective
    weights = (1.0, 1.0)


class _Individual(list):
    def __init__(self, values):
        super().__init__(values)
        self.fitness = _Fitness()
        self.leader = -np.inf
        self.followers = None


def sel_tournament(rng: random.Random, pop, k: int, size: int = 2):
    """DEAP ``selTournament`` with an explicit random source."""
    return [max((pop[rng.randrange(len(pop))] for _ in range(size)),
                key=lambda ind: ind.fitness) for _ in range(k)]


def cx_sbx(rng: random.Random, a, b, eta: float, low, up) -> None:
    """DEAP ``cxSimulatedBinaryBounded`` with an explicit random source (in place)."""
    for i, (xl, xu) in enumerate(zip(low, up)):
        if rng.random() > 0.5 or abs(a[i] - b[i]) <= 1e-14:
            continue
        x1, x2 = min(a[i], b[i]), max(a[i], b[i])
        r = rng.random()

        def spread(beta):
            alpha = 2.0 - beta ** -(eta + 1)
            if r <= 1.0 / alpha:
                return (r * alpha) ** (1.0 / (eta + 1))
            return (1.0 / (2.0 - r * alpha)) ** (1.0 / (eta + 1))

        c1 = 0.5 * (x1 + x2 - spread(1.0 + 2.0 * (x1 - xl) / (x2 - x1)) * (x2 - x1))
        c2 = 0.5 * (x1 + x2 + spread(1.0 + 2.0 * (xu - x2) / (x2 - x1)) * (x2 - x1))
        c1, c2 = min(max(c1, xl), xu), min(max(c2, xl), xu)
        if rng.random() <= 0.5:
            c1, c2 = c2, c1
        a[i], b[i] = c1, c2


def mut_polynomial(rng: random.Random, ind, eta: float, low, up, indpb: float) -> None:
    """DEAP ``mutPolynomialBounded`` with an explicit random source (in place)."""
    for i, (xl, xu) in enumerate(zip(low, up)):
        if rng.random() > indpb or xu <= xl:
            continue
        x, r, power = ind[i], rng.random(), 1.0 / (eta + 1.0)
        if r < 0.5:
            xy = 1.0 - (x - xl) / (xu - xl)
            dq = (2.0 * r + (1.0 - 2.0 * r) * xy ** (eta + 1)) ** power - 1.0
        else:
            xy = 1.0 - (xu - x) / (xu - xl)
            dq = 1.0 - (2.0 * (1.0 - r) + 2.0 * (r - 0.5) * xy ** (eta + 1)) ** power
        ind[i] = min(max(x + dq * (xu - xl), xl), xu)


def _evaluate(game: Game, individuals, log: GenerationLog) -> int:
    """Repair and evaluate a batch in one call; returns the infeasible count."""
    X = game.project(np.array(individuals, dtype=float))
    ev = game.evaluate(X)
    log.tally(ev)
    F = np.column_stack([ev.followers[k] for k in game.followers])
    for j, ind in enumerate(individuals):
        ind[:] = X[j].tolist()
        feasible = bool(ev.feasible[j])
        ind.leader = float(ev.leader[j]) if feasible else -np.inf
        ind.followers = F[j]
        ind.fitness.values = (-float(ev.violation[j]), ind.leader if feasible else 0.0)
    return int((~ev.feasible).sum())


def _record(log: GenerationLog, gen: int, evals: int, pop, n_infeasible: int) -> None:
    log.record(gen, evals, np.array([ind.leader for ind in pop]),
               np.array([ind.fitness.values[0] >= 0 for ind in pop]),
               np.array([ind.followers for ind in pop]), n_infeasible,
               np.array([list(ind) for ind in pop], dtype=float))


def _freeze(pop) -> list:
    return [(list(ind), ind.fitness.values, ind.leader, ind.followers) for ind in pop]


def _thaw(frozen) -> list:
    pop = []
    for values, fitness, leader, followers in frozen:
        ind = _Individual(values)
        ind.fitness.values, ind.leader, ind.followers = fitness, leader, followers
        pop.append(ind)
    return pop


def mut_block(rng: random.Random, ind, low, up, prob: float, scale: float) -> None:
    """With probability ``prob``, shift a block of consecutive genes (length 2 to n,
    uniform) by one normal step of ``scale`` times each gene's range (in place, clipped)."""
    if rng.random() >= prob:
        return
    m = len(ind)
    length = rng.randint(2, m) if m > 1 else 1
    start = rng.randint(0, m - length)
    step = rng.gauss(0.0, 1.0) * scale
    for j in range(start, start + length):
        ind[j] = min(max(ind[j] + step * (up[j] - low[j]), low[j]), up[j])


def _step_elites(game: Game, pop: list, log: GenerationLog, elites) -> tuple[int, int] | None:
    """The improvement step from the elites (:class:`stackga.elites.EliteSteps`): each
    better vector evaluated (projected like the offspring) and put in place of its
    individual where the leader gains (in place); returns (evaluations made, how many were
    infeasible), or None where a stop request cut it short (it is then pending: run again
    on resume)."""
    found = elites.replacements(np.array([list(ind) for ind in pop], dtype=float),
                                np.array([ind.leader for ind in pop]),
                                np.array([ind.fitness.values[0] >= 0 for ind in pop]))
    if found is None:
        return None
    if not found:
        return 0, 0
    new = [_Individual(list(map(float, x))) for _, x in found]
    n_bad = _evaluate(game, new, log)
    for (i, _), ind in zip(found, new):
        if ind.fitness.values[0] >= 0 and ind.leader > pop[i].leader:
            pop[i] = ind
            elites.replaced += 1
    return len(new), n_bad


def run(game: Game, config: GAConfig, log: GenerationLog, stop=lambda: False,
        checkpoint=None, resume=None, initial=None, elites=None) -> np.ndarray:
    """Run the GA; returns the best leader vector (n_var,). ``stop()`` True ends it
    after the current generation. ``checkpoint`` is written every ``checkpoint.every``
    generations; ``resume`` (a checkpoint's engine state) continues a run from it.
    ``elites`` (:class:`stackga.elites.EliteSteps`): the improvement step from the elites
    when due."""
    rng = random.Random(config.seed)
    low, up = game.lb.tolist(), game.ub.tolist()
    tb = base.Toolbox()
    tb.register("select", sel_tournament, rng)
    tb.register("mate", cx_sbx, rng, eta=config.sbx_eta, low=low, up=up)
    tb.register("mutate", mut_polynomial, rng, eta=config.pm_eta, low=low, up=up,
                indpb=config.mutation_prob)
    pending = False       # a due elite step a stop cut short: kept with the checkpoint
    carry = 0             # infeasible elite evaluations, counted in the next generation's row
    if resume is not None:
        rng.setstate(resume["rng"])
        pop, evals, first = _thaw(resume["pop"]), resume["evals"], resume["gen"] + 1
        pending = bool(resume.get("pending", False))
        carry = int(resume.get("carry", 0))
        if elites is not None:
            elites.restore(resume.get("elites"))
    else:
        pop = [_Individual([rng.uniform(a, b) for a, b in zip(low, up)])
               for _ in range(config.pop_size)]
        for k, row in enumerate(initial if initial is not None else []):
            pop[k] = _Individual(list(map(float, row)))          # seeded individuals
        evals = len(pop)
        _record(log, 1, evals, pop, _evaluate(game, pop, log))
        pending = elites is not None and elites.due(1, config.generations)
        first = 2

    def step() -> bool:
        """The due elite step unless a stop was asked; True where it is still pending."""
        nonlocal evals, carry
        made = None if stop() else _step_elites(game, pop, log, elites)
        if made is None:
            return True
        evals += made[0]
        carry += made[1]
        return False

    if pending and elites is not None:
        pending = step()

    def save(done: int) -> None:
        checkpoint.save("deap", {"rng": rng.getstate(), "pop": _freeze(pop), "evals": evals,
                                 "gen": done, "pending": pending, "carry": carry,
                                 "elites": elites.state() if elites is not None else None},
                        log, done)

    for gen in range(first, config.generations + 1):
        if stop():
            if checkpoint is not None:
                save(gen - 1)                     # stopped: keep every finished generation
            break
        if checkpoint is not None and (gen - 1) % checkpoint.every == 0:
            save(gen - 1)
        offspring = [_Individual(ind) for ind in tb.select(pop, len(pop))]
        for a, b in zip(offspring[::2], offspring[1::2]):
            if rng.random() < config.crossover_prob:
                tb.mate(a, b)
        for ind in offspring:
            tb.mutate(ind)
            if config.block_mutation > 0:
                mut_block(rng, ind, low, up, config.block_mutation, config.block_scale)
        n_bad = _evaluate(game, offspring, log)
        evals += len(offspring)
        pop = tools.selBest(pop + offspring, config.pop_size)
        _record(log, gen, evals, pop, n_bad + carry)
        carry = 0
        if elites is not None and elites.due(gen, config.generations):
            pending = step()
    best = tools.selBest(pop, 1)[0]
    return np.array(best, dtype=float)
