"""A :class:`~stackga.bilevel.model.Bilevel` as a :class:`stackga.Game`: the leader's
vector is x, each follower a :class:`~stackga.bilevel.response.MatrixFollower`, the
leader's objective F(x, y) (the GA maximises: -F for a minimising leader), and the
coupling rows G_x x + G_y y <= h as a named violation. A follower infeasible at x makes
the individual infeasible, ranked by its phase-1 distance (``Response.infeasibility``),
so the GA is guided toward the region where the followers can answer.
"""
from __future__ import annotations

import numpy as np

from stackga.errors import InputError

from ..game import Game, LeaderOutcome
from .box import leader_box, x_rows
from .improve import EXACT_NODES, NEIGHBOUR_NODES
from .model import Bilevel
from .response import MatrixFollower

__all__ = ["state_matrix_form", "to_game", "FEAS_TOL"]

FEAS_TOL = 1e-9     # relative: a coupling row broken by less is met (floating-point rounding)


def to_game(bl: Bilevel) -> Game:
    """The GA's view of ``bl``. The GA samples a box: where x_lb / x_ub are infinite, the
    box the leader's rows and the followers' rows in x alone imply is derived
    (:func:`~stackga.bilevel.box.leader_box`; an error names the variables left
    unbounded), and those rows are the game's linear constraints. Integer x is not
    supported by the GA (use the exact reference)."""
    if np.any(bl.x_integer):
        raise InputError(f"Bilevel {bl.name!r}: integer leader variables are not supported by "
                         f"the GA")
    lb, ub = leader_box(bl)
    followers = {f"f{k}": MatrixFollower(bl, k) for k in range(len(bl.followers))}
    sign = -1.0 if bl.sense == "min" else 1.0
    A, b = x_rows(bl)

    def leader(X, prices, responses):
        y = np.hstack([responses[f"f{k}"].arrays["y"] if "y" in responses[f"f{k}"].arrays
                       else np.zeros((len(X), f.n))                  # a follower that failed
                       for k, f in enumerate(bl.followers)])
        F = bl.value(X, y)
        viol = {}
        if bl.h is not None:                   # within a feasibility tolerance of rounding
            excess = X @ bl.G_x.T + y @ bl.G_y.T - bl.h
            viol["coupling G_x x + G_y y <= h"] = np.maximum(excess - FEAS_TOL * (1.0 + np.abs(bl.h)),
                                                             0.0).sum(axis=1)
        return LeaderOutcome(sign * F, viol or np.zeros(len(X)), {"y": y, "F": F})

    game = Game(name=bl.name, lb=lb, ub=ub, followers=followers, leader=leader,
                A=A, b=b, selection="own", meta={"bilevel": bl.name, "sense": bl.sense,
                                "selection": bl.selection})
    game.improve = ImproveStep(bl, game)
    return game


class ImproveStep:
    """``game.improve`` of a game from matrices: :func:`stackga.bilevel.improve.improve`
    from x, as a plain record (F in the leader's own sense; F_ga the value it started
    from). ``neighbour_nodes`` and ``exact_nodes`` (node budgets of one neighbour step and
    of the exact search), ``time_limit`` and ``neighbour_limit`` (seconds for the whole
    step and for one neighbour step: safety nets) may be set on the object."""

    def __init__(self, bl: Bilevel, game: Game, time_limit: float = 30.0,
                 n_game: int | None = None, neighbour_limit: float = 10.0,
                 neighbour_nodes: int | None = NEIGHBOUR_NODES,
                 exact_nodes: int | None = EXACT_NODES) -> None:
        self.bl, self.game, self.time_limit, self.n_game = bl, game, time_limit, n_game
        self.neighbour_limit = neighbour_limit      # seconds for one neighbour step
        self.neighbour_nodes, self.exact_nodes = neighbour_nodes, exact_nodes

    def __call__(self, x: np.ndarray) -> dict:
        from .improve import improve
        x = np.asarray(x, float)
        if self.n_game is not None:          # lift the game's x to bl's at its answer
            x = self.game.evaluate(x[None], strict=False).arrays["x"][0]
        out = improve(self.bl, self.game, x, time_limit=self.time_limit,
                      neighbour_limit=self.neighbour_limit, neighbour_nodes=self.neighbour_nodes,
                      exact_nodes=self.exact_nodes)
        return {"x": out.x if self.n_game is None else out.x[:self.n_game], "F": out.F, "F_ga": out.F_start, "how": out.how,
                "status": out.status, "counts": out.counts, "free_pairs": out.free_pairs,
                "seconds": out.seconds}


class _WithY:
    """A game whose evaluations also carry the matrix form's follower vector ``y`` (n, n_y)
    and, where the matrix form's leader vector extends the game's (``x_of``), the lifted
    vector ``x`` (n, n_x): the game is evaluated at the first ``n_var`` entries."""

    def __init__(self, game: Game, y_of, x_of=None) -> None:
        self.game, self.y_of, self.x_of = game, y_of, x_of

    def evaluate(self, X: np.ndarray, strict: bool = True):
        X = np.asarray(X, float)
        ev = self.game.evaluate(X[:, :self.game.n_var], strict)
        ev.arrays = {**ev.arrays, "y": np.asarray(self.y_of(ev.responses), float)}
        if self.x_of is not None:
            ev.arrays["x"] = np.asarray(self.x_of(X[:, :self.game.n_var], ev.responses), float)
        return ev


def state_matrix_form(game: Game, bl: Bilevel, y_of, check: int = 8, seed: int = 0,
                      rtol: float = 1e-7, time_limit: float = 30.0, x_of=None) -> Game:
    """Give a game written with the ``Game`` API (a black-box leader, library followers)
    the exact improvement step of games from matrices, by stating the same game as a
    :class:`Bilevel` ``bl`` and ``y_of(responses) -> (n, n_y)``, the followers' answers
    in ``bl``'s vector y. Checked on ``check`` seeded points of the leader's box (no ties
    there, so any selection agrees): the game's leader value must equal ``bl``'s at the
    followers' answers (relative ``rtol``), else InputError naming the point. Sets
    ``game.improve`` (from the GA's best, candidates re-evaluated by the game's own
    followers under its selection: optimistic selection lets the step land on ties) and
    returns the game.

    ``x_of(X, responses) -> (n, n_x)``: where ``bl``'s leader vector extends the game's
    (its first ``game.n_var`` entries are the game's x, the rest leader decisions the game
    settles inside its leader function, e.g. the grid's import and export), the lifted
    vector at the followers' answers; the step moves in ``bl``'s x and the game is
    evaluated at its first ``n_var`` entries."""
    if len(bl.x_lb) != game.n_var and x_of is None:
        raise InputError(f"state_matrix_form: bl has {len(bl.x_lb)} leader variables, the "
                         f"game {game.n_var} (state x_of to lift the game's x)")
    if len(bl.x_lb) < game.n_var:
        raise InputError(f"state_matrix_form: bl has {len(bl.x_lb)} leader variables, fewer "
                         f"than the game's {game.n_var}")
    rng = np.random.default_rng(seed)
    X = game.project(game.lb + rng.random((check, game.n_var)) * (game.ub - game.lb))
    ev = _WithY(game, y_of, x_of).evaluate(X)
    sign = -1.0 if bl.sense == "min" else 1.0
    if ev.arrays["y"].shape != (check, bl.n_y):
        raise InputError(f"state_matrix_form: y_of returned shape {ev.arrays['y'].shape}, "
                         f"expected ({check}, {bl.n_y})")
    if x_of is not None:
        if ev.arrays["x"].shape != (check, bl.n_x):
            raise InputError(f"state_matrix_form: x_of returned shape {ev.arrays['x'].shape}, "
                             f"expected ({check}, {bl.n_x})")
        X = ev.arrays["x"]
    F = sign * bl.value(X, ev.arrays["y"])
    bad = np.abs(F - ev.leader) > rtol * (1.0 + np.abs(ev.leader))
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"state_matrix_form: at check point {i} the game's leader value is "
                         f"{ev.leader[i]:.10g} but the matrix form gives {F[i]:.10g}")
    game.improve = ImproveStep(bl, _WithY(game, y_of, x_of), time_limit,  # type: ignore[arg-type]
                               n_game=game.n_var if x_of is not None else None)
    return game
