"""The game model in plain numpy: leader bounds and linear constraints, the
followers, and the leader objective; ``evaluate`` answers a whole population.

Knows nothing of pymoo or DEAP. The leader maximises its objective.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from stackga.errors import InputError
from stackga.followers.response import Response, Status

from . import contract, selection
from .contract import ContractError
from .projection import is_feasible, project

__all__ = ["Game", "Evaluation", "LeaderOutcome", "FOLLOWER_FAILED", "check_choices"]

#: the violation of an individual with a follower not OPTIMAL: it ranks below every
#: individual whose followers answered, however far those break the leader's limits
FOLLOWER_FAILED = 1e12    # times 1 + log1p(the followers' infeasibility measure, if given)



def check_choices(case: str, **fields) -> None:
    """A case's named options, each ``field=(value, choices)``: ValueError naming the case,
    the field and the value when the value is not one of its choices."""
    for name, (value, choices) in fields.items():
        if value not in choices:
            raise InputError(f"{case}: unknown {name} {value!r}; choose one of {tuple(choices)}")

@dataclass
class LeaderOutcome:
    """What the leader's objective function returns for a population.

    Attributes:
        objective: (n,) leader objective (money), maximised.
        violation: (n,) >= 0, how far the leader's own constraints are broken
            (e.g. kW over the grid import limit); 0 where feasible. Or a dict
            name -> (n,) to name each constraint (the names appear in the run's
            infeasibility counts and in the message of a run with no feasible
            individual).
        arrays: name -> (n, ...) leader-side arrays (grid power, curtailment...).
    """

    objective: np.ndarray
    violation: np.ndarray | dict
    arrays: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Evaluation:
    """A population's evaluation (n individuals).

    Attributes:
        leader: (n,) leader objective; -inf where a follower is not OPTIMAL.
        followers: name -> (n,) follower objective.
        responses: name -> the follower's checked :class:`Response`.
        violation: (n,) constraint violation; > 0 means infeasible
            (``FOLLOWER_FAILED`` where a follower is not OPTIMAL).
        arrays: leader-side arrays from :class:`LeaderOutcome`.
        violations: leader constraint name -> (n,) violation (>= 0; 0 where a follower
            is not OPTIMAL, as the leader saw placeholder responses there).
        messages: follower -> first exception message of this batch (rows that raised).
        selection: follower -> {"rule", "tied", "moved"}: how many individuals tied and
            how many got another optimal answer than the follower's own rule's
            (:mod:`stackga.selection`; empty when every follower uses its own rule).
    """

    leader: np.ndarray
    followers: dict[str, np.ndarray]
    responses: dict[str, Response]
    violation: np.ndarray
    arrays: dict[str, np.ndarray]
    violations: dict[str, np.ndarray] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    selection: dict[str, dict] = field(default_factory=dict)

    @property
    def feasible(self) -> np.ndarray:
        return self.violation <= 0.0

    def status_counts(self) -> dict[str, dict[str, int]]:
        """follower -> status name -> count, for every status seen."""
        out = {}
        for name, r in self.responses.items():
            codes, counts = np.unique(r.status, return_counts=True)
            out[name] = {Status(int(c)).name: int(k) for c, k in zip(codes, counts)}
        return out

    def violation_counts(self) -> dict[str, int]:
        """leader constraint name -> number of individuals breaking it (non-zero only)."""
        return {k: int((v > 0).sum()) for k, v in self.violations.items() if (v > 0).any()}


def _matrix(name: str, value, shape: tuple) -> np.ndarray:
    """A finite float array of the given shape, or an error naming the field and entry."""
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"Game.{name} must be numeric, got {value!r}") from None
    if len(shape) == 2 and a.ndim == 1 and shape[0] == 1:
        a = a[None, :]
    if a.shape != shape:
        raise InputError(f"Game.{name} must have shape {shape}, got {a.shape}")
    if not np.all(np.isfinite(a)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        raise InputError(f"Game.{name}{list(bad)} = {a[bad]} is not finite")
    return a


@dataclass
class Game:
    """A Stackelberg game with one leader vector x of ``n_var`` variables.

    Attributes:
        name: short identifier.
        lb, ub: (n_var,) finite bounds of x.
        followers: name -> follower with ``respond(prices (n, T)) -> Response`` (and,
            optionally, ``describe(prices) -> dict`` of extra arrays that
            ``stackga.result_at`` adds to a reported result, e.g. per-EV plans).
        leader: f(X (n, n_var), prices (n, T), responses) -> LeaderOutcome.
        A, b: (m, n_var), (m,) linear leader constraints A x <= b (optional; both
            or neither, finite; the set they leave with the bounds must not be empty).
        to_prices: X (n, n_var) -> the price matrix the followers see (default identity).
        single_level: for fixed-price scenarios, a function returning the exact
            solution x without a GA; ``stackga.solve`` then skips the GA.
        selection: which optimal answer a follower that ties gives (:mod:`stackga.selection`):
            ``"optimistic"`` (default: the one the leader values most), ``"pessimistic"``,
            ``"own"`` (the follower's own rule), or a dict follower -> rule.
        views: follower -> ``view(X, prices) -> {array: weights}``, the leader's value per
            unit of each entry of the follower's arrays, stated (optional; by default
            derived from ``leader``); or a :class:`stackga.selection.ExactView` for a
            leader concave in what the follower draws, maximised exactly by followers
            with ``select_exact`` (the storage operator, the v2g agent).
        improve: the exact improvement step, x (n_var,) -> dict with at least ``x`` (the
            improved vector), ``status`` and ``how`` ("ga" or "improved");
            ``stackga.solve`` runs it from the GA's best (``improve=True``, the default).
            Games from matrices have one (:func:`stackga.bilevel.to_game`); a game whose
            leader is a black-box function has none (its result says so).
        meta: free description (case, scenario, units) copied into results.

    Every call of ``evaluate`` checks the follower and leader contracts
    (:mod:`stackga.contract`).
    """

    name: str
    lb: np.ndarray
    ub: np.ndarray
    followers: dict
    leader: Callable
    A: np.ndarray | None = None
    b: np.ndarray | None = None
    to_prices: Callable | None = None
    single_level: Callable | None = None
    improve: Callable | None = None
    selection: str | dict = "optimistic"
    views: dict | None = None
    meta: dict = field(default_factory=dict)
    _warned: set = field(default_factory=set, init=False, repr=False, compare=False)
    _rules: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lb = np.atleast_1d(np.asarray(self.lb, float))
        if lb.ndim != 1 or len(lb) == 0:
            raise InputError(f"Game.lb must be a non-empty 1-D array, got shape {lb.shape}")
        self.lb = _matrix("lb", lb, lb.shape)
        self.ub = _matrix("ub", self.ub, lb.shape)
        if np.any(self.lb > self.ub):
            i = int(np.argmax(self.lb > self.ub))
            raise InputError(f"Game: lb[{i}] = {self.lb[i]} > ub[{i}] = {self.ub[i]}")
        with np.errstate(over="ignore"):
            wide = ~np.isfinite(self.ub - self.lb)
        if wide.any():
            i = int(np.argmax(wide))
            raise InputError(f"Game: the range of x[{i}], ub - lb = {self.ub[i]:g} - ({self.lb[i]:g}), "
                             f"overflows a float; give bounds whose range is finite")
        if not callable(self.leader):
            raise InputError(f"Game.leader must be a function (X, prices, responses) -> "
                             f"LeaderOutcome, got {self.leader!r}")
        if not isinstance(self.followers, dict):
            raise InputError(f"Game.followers must be a dict name -> follower, got "
                             f"{type(self.followers).__name__}")
        for name, f in self.followers.items():
            if not callable(getattr(f, "respond", None)):
                raise InputError(f"Game.followers[{name!r}] has no respond(prices) method")
        self._rules = selection.rules(self.selection, self.followers)
        if self.views is not None and (not isinstance(self.views, dict)
                                       or set(self.views) - set(self.followers)):
            raise InputError(f"Game.views must be a dict follower -> view(X, prices) with names "
                             f"among {sorted(self.followers)}, got {self.views!r:.80}")
        if (self.A is None) != (self.b is None):
            given, missing = ("A", "b") if self.b is None else ("b", "A")
            raise InputError(f"Game.{given} is given but Game.{missing} is None: "
                             f"linear leader constraints need both A and b")
        if self.A is not None:
            b = np.atleast_1d(np.asarray(self.b, dtype=float))
            self.b = _matrix("b", b, (len(b),))
            self.A = _matrix("A", self.A, (len(self.b), self.n_var))
            _check_nonempty(self.lb, self.ub, self.A, self.b)

    @property
    def n_var(self) -> int:
        return len(self.lb)

    def project(self, X: np.ndarray) -> np.ndarray:
        """Exact projection of each row onto {lb <= x <= ub, A x <= b}."""
        return project(X, self.lb, self.ub, self.A, self.b)

    def is_feasible(self, X: np.ndarray) -> np.ndarray:
        return is_feasible(X, self.lb, self.ub, self.A,
                           self.b if self.b is not None else np.zeros(0))

    def prices(self, X: np.ndarray) -> np.ndarray:
        """The price matrix the followers see for a population X (n, n_var)."""
        prices = self.to_prices(X) if self.to_prices is not None else X
        if np.shape(prices)[:1] != (len(X),) or not np.all(np.isfinite(prices)):
            raise ContractError(f"{self.name}: to_prices must return finite values with leading "
                                f"dimension {len(X)}, got shape {np.shape(prices)}")
        return prices

    def evaluate(self, X: np.ndarray, strict: bool = True) -> Evaluation:
        """Followers' responses and leader objective for a population X (n, n_var).

        With ``strict`` (the GA's batches) a follower that fails for every individual
        raises :class:`~stackga.contract.FollowerError`; ``strict=False`` (one reported
        point) marks them SOLVER_FAILED instead."""
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.n_var:
            raise InputError(f"Game.evaluate: X must have shape (n_pop, {self.n_var}), got {X.shape}")
        if not np.all(np.isfinite(X)):
            bad = np.argwhere(~np.isfinite(X))[0]
            raise InputError(f"Game.evaluate: X[{bad[0]}, {bad[1]}] = {X[tuple(bad)]} is not finite")
        n = len(X)
        prices = self.prices(X)
        answers = {name: contract.respond(name, f, prices, self._warned, strict)
                   for name, f in self.followers.items()}
        responses = {k: a.response for k, a in answers.items()}
        chosen: dict = {}
        if any(r != "own" for r in self._rules.values()):
            responses, chosen = selection.select(self.leader, X, prices, responses,
                                                 self.followers, self._rules, self.views)
        failed = np.zeros(n, bool)
        for r in responses.values():
            failed |= r.status != Status.OPTIMAL
        out = self.leader(X, prices, responses)
        objective, violation, named = contract.check_leader(out, n, failed)
        # log1p keeps small distances apart at this magnitude (1e12 + 1e-5 == 1e12 in floats)
        violation = np.where(failed, FOLLOWER_FAILED * (1.0 + np.log1p(_guide(responses))),
                             violation)
        leader = np.where(failed, -np.inf, objective)
        return Evaluation(leader, {k: r.objective for k, r in responses.items()},
                          responses, violation, out.arrays, named,
                          {k: a.message for k, a in answers.items() if a.message}, chosen)


def _guide(responses: dict) -> np.ndarray:
    """How far the followers are from an answer, for individuals where one is not OPTIMAL:
    the sum of the optional ``infeasibility`` arrays (n,) the followers return (e.g. a
    phase-1 distance), capped at 1e9; it ranks those individuals among themselves so the
    GA is guided toward the region where the followers can answer."""
    total: np.ndarray | float = 0.0
    for r in responses.values():
        g = r.arrays.get("infeasibility")
        if g is not None and np.shape(g) == np.shape(r.status):
            total = total + np.where(r.status != Status.OPTIMAL,
                                     np.clip(np.nan_to_num(g, nan=1e9), 0.0, 1e9), 0.0)
    return np.asarray(total, float)


def _check_nonempty(lb: np.ndarray, ub: np.ndarray, A: np.ndarray, b: np.ndarray) -> None:
    """Raise if no x satisfies lb <= x <= ub and A x <= b (an LP feasibility check)."""
    lowest = (np.where(A > 0, lb, ub) * A).sum(axis=1)
    if np.any(lowest > b + 1e-9 * np.maximum(1.0, np.abs(b))):
        i = int(np.argmax(lowest - b))
        raise InputError(f"Game: no x satisfies the bounds and row {i} of A x <= b "
                         f"(smallest A[{i}] x is {lowest[i]:.6g} > b[{i}] = {b[i]:.6g})")
    if len(b) > 1:
        from scipy.optimize import linprog
        r = linprog(np.zeros(len(lb)), A_ub=A, b_ub=b, bounds=list(zip(lb, ub)), method="highs")
        if r.status == 2:
            raise InputError(f"Game: no x satisfies the bounds and A x <= b together "
                             f"({len(b)} rows; each row alone can be met)")
