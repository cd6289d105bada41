"""GA configuration: one frozen dataclass shared by every engine.

What the two probabilities mean (the same in both engines):

* ``crossover_prob`` (paper: 0.89) -- per mating pair: each pair of parents
  chosen by binary tournament is recombined by simulated binary crossover
  (SBX, ``sbx_eta``) with this probability, otherwise copied unchanged.
  Inside a recombined pair each gene is exchanged with probability 0.5
  (pymoo ``SBX(prob=crossover_prob, prob_var=0.5)``; DEAP
  ``cxSimulatedBinaryBounded`` applied with ``cxpb=crossover_prob``).
* ``mutation_prob`` (paper: 0.076) -- per gene: every gene of every child is
  perturbed by polynomial mutation (``pm_eta``) with this probability
  (pymoo ``PM(prob=1.0, prob_var=mutation_prob)``; DEAP
  ``mutPolynomialBounded(indpb=mutation_prob)`` applied with ``mutpb=1``).

* ``block_mutation`` (default 0: off, the paper's procedure) -- per child: with this
  probability, after the polynomial mutation, a block of consecutive genes (length 2 to
  n_var, start and length uniform) is shifted together by one normal step of
  ``block_scale`` times each gene's range: a coordinated move (raise a run of night hours
  together), which gene-wise mutation almost never makes. Same in both engines, each with
  its own seeded random source.

* ``improve_every`` (default 0: off, the paper's procedure) -- every this many
  generations, the game's exact improvement step (``game.improve``) runs from the
  ``improve_elites`` best distinct feasible survivors, and each whose step found a better
  point is replaced by it (a memetic GA: :mod:`stackga.elites`). Needs a game with a
  step; the final step from the best (``stackga.solve(improve=True)``) runs either way.

Survival is elitist, as the paper's step 9 ("keep the individuals with the
higher leader profit"): parents and children are pooled and the best
``pop_size`` survive, feasible before infeasible, then by leader objective.
Generation 1 is the initial population; ``generations`` counts it, so a run
makes ``pop_size * generations`` follower evaluations.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import MISSING, asdict, dataclass, fields

from stackga.errors import InputError

__all__ = ["GAConfig", "ENGINES"]

ENGINES = ("pymoo", "deap")


@dataclass(frozen=True)
class GAConfig:
    pop_size: int = 100
    generations: int = 300
    crossover_prob: float = 0.89
    mutation_prob: float = 0.076
    seed: int = 1
    engine: str = "pymoo"
    sbx_eta: float = 15.0
    pm_eta: float = 20.0
    block_mutation: float = 0.0
    block_scale: float = 0.1
    improve_every: int = 0
    improve_elites: int = 1

    def __post_init__(self) -> None:
        # numpy scalars are welcome (they come out of sweeps); bools are not numbers here
        for name in ("pop_size", "generations", "seed", "improve_every", "improve_elites"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise InputError(f"GAConfig.{name} must be an integer, got {v!r} ({type(v).__name__})")
            object.__setattr__(self, name, int(v))
        for name in ("crossover_prob", "mutation_prob", "sbx_eta", "pm_eta", "block_mutation",
                     "block_scale"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
                raise InputError(f"GAConfig.{name} must be a finite number, got {v!r}")
            object.__setattr__(self, name, float(v))
        for name in ("crossover_prob", "mutation_prob", "block_mutation"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise InputError(f"GAConfig.{name} must be a probability in [0, 1], got {v!r}")
        if self.pop_size < 2 or self.pop_size % 2:
            raise InputError(f"GAConfig.pop_size must be an even integer >= 2, got {self.pop_size!r}")
        if self.generations < 1:
            raise InputError(f"GAConfig.generations must be an integer >= 1, got {self.generations!r}")
        if self.seed < 0:
            raise InputError(f"GAConfig.seed must be a non-negative integer, got {self.seed!r}")
        if self.improve_every < 0:
            raise InputError(f"GAConfig.improve_every must be >= 0 (0: off), got {self.improve_every!r}")
        if not 1 <= self.improve_elites <= self.pop_size:
            raise InputError(f"GAConfig.improve_elites must be in 1..pop_size ({self.pop_size}), "
                             f"got {self.improve_elites!r}")
        if self.engine not in ENGINES:
            raise InputError(f"GAConfig.engine must be one of {ENGINES}, got {self.engine!r}")
        for name in ("sbx_eta", "pm_eta", "block_scale"):
            if getattr(self, name) < 0:
                raise InputError(f"GAConfig.{name} must be >= 0, got {getattr(self, name)!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    def differences(self, saved) -> list[str]:
        """What a checkpoint's configuration ``saved`` (a :meth:`to_dict`) says otherwise
        than this one, a line per field ([] where they agree). A field the checkpoint
        lacks was written by a version without it, which ran as the field's default does
        (e.g. ``improve_every`` 0): it counts at that default; a field this version does
        not know is a difference."""
        if not isinstance(saved, dict):
            return [f"the checkpoint records no GA configuration ({saved!r})"]
        mine = self.to_dict()
        out = [f"{k} = {saved[k]!r} in the checkpoint, a field this version does not know"
               for k in sorted(set(saved) - set(mine))]
        for f in fields(self):
            theirs = saved.get(f.name, f.default)
            if theirs is MISSING or theirs != mine[f.name]:
                out.append(f"{f.name}: {'missing' if theirs is MISSING else repr(theirs)} in the "
                           f"checkpoint, {mine[f.name]!r} here")
        return out
