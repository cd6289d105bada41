"""``solve(game, config)``: run the GA (or the exact single-level solve) and
recompute every reported figure at the best leader vector."""
from __future__ import annotations

import time
from typing import Callable

import numpy as np

from stackga.errors import InputError
from stackga.followers.certify.certificate import Certificate

from . import interrupt
from .checkpoint import differences, identity
from .config import GAConfig
from .elites import EliteSteps
from .engines import get_engine
from .game import Game
from .log import GenerationLog
from .result import Result

__all__ = ["solve", "result_at", "explain_infeasible"]


def result_at(game: Game, x: np.ndarray, certify: bool = True, **kwargs) -> Result:
    """Evaluate ``game`` at one leader vector and package everything as a Result.

    A follower that is not OPTIMAL at x reports no objective (None) and no arrays, and
    the case's figures (``meta["report"]``) are computed only where every follower is
    OPTIMAL: no placeholder value is ever reported as a result. Followers with a
    ``certificate(prices_row, arrays_row)`` method have their answer certified
    (``report["certificates"]``: see :mod:`stackga.followers.certify.certificate`). A case's
    ``meta["tie_views"](evaluation, x)`` gives, per follower, how the leader's value
    depends on it (:mod:`stackga.followers.certify.tie_values`): where that follower ties,
    its certificate adds the leader's optimistic and pessimistic values. ``certify=False``
    skips the certificates; a certificate that raises is reported as failed (``status``
    "failed" and the error), never losing the result."""
    x = np.asarray(x, dtype=float)
    ev = game.evaluate(x[None, :], strict=False)
    ok = {name: bool(r.ok[0]) for name, r in ev.responses.items()}
    arrays = {"leader.x": x}
    if all(ok.values()):
        arrays.update({f"leader.{k}": v[0] for k, v in ev.arrays.items()})
    prices = game.prices(x[None])
    certs = {}
    views = game.meta.get("tie_views")     # case: tie_views(evaluation, x) -> {follower: view}
    views = views(ev, x) if callable(views) and all(ok.values()) else {}
    for name, r in ev.responses.items():
        if not ok[name]:
            continue
        row = {k: v[0] for k, v in r.arrays.items()}
        follower = game.followers[name]
        describe = getattr(follower, "describe", None)
        if callable(describe):                         # reporting detail (e.g. per-EV plans)
            row.update({k: v[0] for k, v in describe(prices).items()})
        arrays.update({f"{name}.{k}": v for k, v in row.items()})
        cert = getattr(follower, "certificate", None)
        if certify and callable(cert):                 # the answer, re-solved independently
            try:
                c = cert(prices[0], row, leader=views[name]) if name in views \
                    else cert(prices[0], row)
                _tie_values(c, float(ev.leader[0]))
                certs[name] = c.to_dict()
            except Exception as e:                     # noqa: BLE001 (optional: keep the run)
                certs[name] = Certificate(status="failed", error=f"{type(e).__name__}: {e}").to_dict()
    hook = game.meta.get("report")          # case figures: report(evaluation, x) -> dict
    report = hook(ev, x) if callable(hook) and all(ok.values()) else {}
    if certs:
        report["certificates"] = certs
    report["feasible"] = bool(ev.feasible[0])
    report["status"] = ev.status_counts()
    meta = {k: v for k, v in game.meta.items() if not callable(v)}
    kwargs.setdefault("statuses", ev.status_counts())
    kwargs.setdefault("violations", ev.violation_counts())
    kwargs.setdefault("messages", ev.messages)
    res = Result(game=game.name, x=x, leader=float(ev.leader[0]),
                 followers={k: float(v[0]) if ok[k] else None for k, v in ev.followers.items()},
                 arrays=arrays, meta=meta, report=report, **kwargs)
    if not report["feasible"]:
        res.infeasibility = explain_infeasible(res)
    return res


def _tie_values(cert: Certificate, leader: float) -> None:
    """Where a certificate (or one of its parts) has the leader's range over a tie, add
    the leader's optimistic and pessimistic values: ``F_optimistic``, ``F_pessimistic``
    (or, where the worst is found but not proven, ``F_pessimistic_at_most`` and, from the
    MILP's bound, ``F_pessimistic_at_least``; where a tie-break leaves the leader's own
    recourse infeasible, ``F_pessimistic_infeasible``)."""
    for c in cert.each():
        if c.leader_best is not None:
            c.F_optimistic = leader + c.leader_best
        if c.leader_worst is not None:
            c.F_pessimistic = leader + c.leader_worst
        elif c.leader_worst_found is not None:          # found, not proven: the worst is <= it
            c.F_pessimistic_at_most = leader + c.leader_worst_found
            if c.leader_worst_bound is not None:         # and >= the MILP's bound
                c.F_pessimistic_at_least = leader + c.leader_worst_bound
        elif c.leader_worst_infeasible:
            c.F_pessimistic_infeasible = True            # a tie-break the leader cannot answer
        if c.leader_best is not None and c.leader_worst is not None:   # the tie does not matter
            c.leader_indifferent = c.leader_best - c.leader_worst <= 1e-6 * (1 + abs(leader))


def _improvement(game: Game, x: np.ndarray, run: bool) -> dict:
    """The improvement step's record (its ``x`` included when it ran and found one)."""
    if not run:
        return {"status": "not_run"}
    if game.improve is None:
        return {"status": "unavailable", "reason": "the game states no matrix form of its "
                "leader and followers (Game.improve is None): the GA's answer is reported"}
    t0 = time.perf_counter()
    out = dict(game.improve(np.asarray(x, float)))
    out.setdefault("seconds", time.perf_counter() - t0)
    if out.get("how") != "improved":
        out.pop("x", None)
    return out


def explain_infeasible(res: Result) -> str:
    """Why the result is infeasible: the follower statuses and leader constraints that
    made the run's individuals infeasible, with counts."""
    evals = int(res.log["evals"][-1]) if res.log else 1
    causes = [f"follower {f!r} {s} for {k}" for f, by in res.statuses.items()
              for s, k in by.items() if s != "OPTIMAL"]
    causes += [f"leader constraint {c!r} broken by {k}" for c, k in res.violations.items()]
    causes += [f"(follower {f!r} raised: {m})" for f, m in res.messages.items()]
    where = "at the leader's vector" if not res.log else f"in {evals} evaluated individuals"
    return (f"{res.game}: no feasible individual {where}: "
            + ("; ".join(causes) if causes else "cause unknown"))


def solve(game: Game, config: GAConfig | None = None,
          on_generation: Callable[[dict], None] | None = None, checkpoint=None,
          initial: np.ndarray | None = None, improve: bool = True,
          certify: bool = True) -> Result:
    """Solve a game. Fixed-price games (``game.single_level``) are solved exactly
    without a GA; otherwise the engine named in ``config`` runs the GA.

    ``on_generation(row)`` is called with each generation's log row. ``checkpoint``
    (:class:`stackga.checkpoint.Checkpoint`): written every ``checkpoint.every``
    generations, and if it already holds a state the run continues from it, ending
    exactly where an uninterrupted run ends (x and log; not the seconds). Ctrl-C (SIGINT)
    stops the GA after the current generation; the result then holds the best so far
    and ``status == "interrupted"``. A result whose best individual is infeasible
    carries the reason in ``infeasibility``. The final population (the last generation's
    survivors, (pop_size, n_var)) is in ``arrays["ga.population"]``.

    ``initial`` (k, n_var), k <= pop_size: leader vectors that replace the first k
    individuals of the GA's random initial population (repaired onto the feasible set
    like every individual); the random draws are the same with or without them.

    ``config.improve_every`` > 0: the step also runs from the elites during the run
    (:mod:`stackga.elites`; ``report["improvement"]["elites"]`` counts what it did).

    ``improve``: from the GA's best, run the game's exact improvement step
    (``game.improve``, where the game has one) and report at its answer;
    ``report["improvement"]`` says how it ended and what the GA alone had found
    (``F_ga``), or that the game has no such step. ``certify=False`` skips the followers'
    certificates of the reported point (:func:`result_at`).
    """
    config = config or GAConfig()
    if initial is not None:
        initial = np.atleast_2d(np.asarray(initial, dtype=float))
        if initial.ndim != 2 or initial.shape[1] != game.n_var or len(initial) > config.pop_size:
            raise InputError(f"solve: initial must have shape (k <= {config.pop_size}, "
                             f"{game.n_var}), got {initial.shape}")
        if not np.all(np.isfinite(initial)):
            raise InputError("solve: initial has non-finite values")
    t0 = time.perf_counter()
    if game.single_level is not None:
        game._warned.clear()
        x = game.single_level()
        return result_at(game, x, certify, config=None, seconds=time.perf_counter() - t0)
    log = GenerationLog(game.followers, on_generation)
    game._warned.clear()                    # "warned once" is per run
    if checkpoint is not None:
        checkpoint.config = config.to_dict()
        checkpoint.identity = identity(game)
    saved = checkpoint.load() if checkpoint is not None else None
    if saved is not None:
        differ = config.differences(saved.get("config"))
        if differ:
            raise InputError(f"{checkpoint.path}: a checkpoint of another GA configuration; "
                             + "; ".join(differ))
        differ = differences(saved.get("identity"), checkpoint.identity)
        if differ:
            raise InputError(f"{checkpoint.path}: a checkpoint of another game; "
                             + "; ".join(differ))
        log.restore(saved["log"])
    elites = None
    if config.improve_every > 0:
        if game.improve is None:
            raise InputError(f"GAConfig.improve_every = {config.improve_every}: the game "
                             f"{game.name!r} has no improvement step (Game.improve is None)")
        elites = EliteSteps(game, config.improve_every, config.improve_elites)
    with interrupt.graceful() as stop:
        x = get_engine(config.engine)(game, config, log, stop, checkpoint,
                                      saved["state"] if saved is not None else None,
                                      initial=initial, elites=elites)
    step = _improvement(game, x, improve and not stop())
    if elites is not None:
        step["elites"] = elites.record()
    if step.get("x") is not None:
        x = np.asarray(step.pop("x"), float)
    res = result_at(game, x, certify, log=log.columns(), config=config.to_dict(), statuses=log.statuses,
                    violations=log.violations, messages=log.messages,
                    status="interrupted" if stop() else "complete",
                    seconds=time.perf_counter() - t0)
    res.report["improvement"] = step
    if log.population is not None:                  # the last generation's survivors
        res.arrays["ga.population"] = log.population
    return res
