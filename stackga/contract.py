"""The follower and leader contracts, checked by ``Game.evaluate`` at every call.

A follower's ``respond(prices (n, ...))`` must return a :class:`stackga.followers.Response`
with ``objective`` and ``status`` of shape (n,), status codes of
:class:`stackga.followers.Status`, and arrays whose leading dimension is n. Breaking
that shape is a programming error: it raises :class:`ContractError` naming the
follower. Per-individual trouble is not: a non-finite objective or array value
of an individual reported OPTIMAL makes it SOLVER_FAILED; a follower that raises
for a batch is retried row by row and only the rows that raise are SOLVER_FAILED
(the first message is kept). Only a follower that fails for every individual
stops the run (:class:`FollowerError`). The checks cost a few microseconds a call.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from stackga.followers.response import Response, Status

__all__ = ["ContractError", "FollowerError", "Answer", "respond", "check_leader"]

_CODES = np.array(sorted(int(s) for s in Status))
_VALID = ", ".join(f"{int(s)} {s.name}" for s in Status)


class ContractError(TypeError):
    """A follower or the leader returned something of the wrong kind or shape."""


class FollowerError(RuntimeError):
    """A follower failed for every individual of a batch."""


@dataclass
class Answer:
    """One follower's checked response, with what went wrong per individual.

    ``repaired``: individuals made SOLVER_FAILED by the checks (non-finite values);
    ``raised``: individuals whose solve raised; ``message``: the first exception seen."""

    response: Response
    repaired: int = 0
    raised: int = 0
    message: str | None = None


def _describe(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"


def _stack(name: str, parts: list, n: int) -> Response:
    """Assemble row-by-row responses; ``parts[i]`` is a 1-row Response or None (raised)."""
    good = [p for p in parts if p is not None]
    keys = list(good[0].arrays)
    for p in good:
        if list(p.arrays) != keys:
            raise ContractError(f"follower {name!r}: rows return different arrays "
                                f"({keys} and {list(p.arrays)})")
    status = np.array([int(p.status[0]) if p is not None else int(Status.SOLVER_FAILED)
                       for p in parts], np.int8)
    objective = np.array([float(p.objective[0]) if p is not None else 0.0 for p in parts])
    arrays = {}
    for k in keys:
        shape = np.shape(good[0].arrays[k])[1:]
        arrays[k] = np.stack([np.asarray(p.arrays[k], float)[0] if p is not None
                              else np.zeros(shape) for p in parts])
    return Response(objective, status, arrays)


def _call(name: str, follower, prices: np.ndarray, strict: bool) -> Answer:
    """Call ``respond``; if it raises, retry row by row. With ``strict``, a follower that
    fails for every row raises :class:`FollowerError`."""
    n = len(prices)
    try:
        return Answer(follower.respond(prices))
    except Exception as e:                               # noqa: BLE001 (any follower bug)
        first = _describe(e)
    parts, repaired = [], 0
    for i in range(n if n > 1 else 0):
        try:
            row = _check(name, follower.respond(prices[i:i + 1]), 1)
            parts.append(row.response)
            repaired += row.repaired
        except ContractError:
            raise
        except Exception:                                # noqa: BLE001
            parts.append(None)
    raised = n if n == 1 else sum(p is None for p in parts)
    if raised == n:
        if strict:
            raise FollowerError(f"follower {name!r} failed for every individual ({n} of {n}): {first}")
        return Answer(Response(np.zeros(n), np.full(n, Status.SOLVER_FAILED, np.int8), {}),
                      raised=n, message=first)
    return Answer(_stack(name, parts, n), repaired=repaired, raised=raised, message=first)


def _check(name: str, r, n: int) -> Answer:
    if not isinstance(r, Response):
        raise ContractError(f"follower {name!r}: respond() returned {type(r).__name__}, "
                            f"expected stackga.followers.Response")
    objective = np.asarray(r.objective)
    status = np.asarray(r.status)
    for field, v in (("objective", objective), ("status", status)):
        if v.shape != (n,):
            raise ContractError(f"follower {name!r}: {field} has shape {v.shape}, expected ({n},) "
                                f"(one per individual)")
    if not np.issubdtype(objective.dtype, np.number) or np.issubdtype(objective.dtype, np.complexfloating):
        raise ContractError(f"follower {name!r}: objective has dtype {objective.dtype}, expected real numbers")
    if not (np.issubdtype(status.dtype, np.integer) or
            (np.issubdtype(status.dtype, np.floating) and np.all(status == np.round(status)))):
        raise ContractError(f"follower {name!r}: status has dtype {status.dtype}, expected integer codes")
    bad = ~np.isin(status, _CODES)
    if bad.any():
        i = int(np.argmax(bad))
        raise ContractError(f"follower {name!r}: status code {status[i].item()!r} of individual {i} is not "
                            f"a stackga.followers.Status ({_VALID})")
    if not isinstance(r.arrays, dict):
        raise ContractError(f"follower {name!r}: arrays is {type(r.arrays).__name__}, expected a dict")
    arrays = {}
    for k, v in r.arrays.items():
        a = np.asarray(v)
        if a.ndim == 0 or a.shape[0] != n:
            raise ContractError(f"follower {name!r}: array {k!r} has shape {a.shape}, expected "
                                f"leading dimension {n} (one row per individual)")
        if (not np.issubdtype(a.dtype, np.number) and a.dtype != bool) \
                or np.issubdtype(a.dtype, np.complexfloating):
            raise ContractError(f"follower {name!r}: array {k!r} has dtype {a.dtype}, expected real "
                                f"numbers")
        arrays[k] = a
    status = status.astype(np.int8)
    finite = np.isfinite(objective)
    for a in arrays.values():
        finite &= np.isfinite(a.reshape(n, -1)).all(axis=1) if a.size else True
    if finite.all():
        return Answer(Response(objective, status, arrays))
    repaired = int((~finite & (status == Status.OPTIMAL)).sum())
    status = np.where(finite, status, np.where(status == Status.OPTIMAL, Status.SOLVER_FAILED,
                                                status)).astype(np.int8)
    objective = np.where(finite, objective, 0.0)        # no NaN travels on
    arrays = {k: np.where(np.isfinite(a), a, 0.0) if np.issubdtype(a.dtype, np.floating) else a
              for k, a in arrays.items()}
    return Answer(Response(objective, status, arrays), repaired=repaired)


def respond(name: str, follower, prices: np.ndarray, warned: set, strict: bool = True) -> Answer:
    """A follower's checked answer for ``prices`` (n, ...). Warns once per follower
    (``warned`` holds the names already warned) when individuals were marked failed.
    With ``strict`` a follower failing for every individual raises FollowerError;
    otherwise those individuals are SOLVER_FAILED (used for a single reported point)."""
    answer = _call(name, follower, prices, strict)
    checked = _check(name, answer.response, len(prices))
    checked.repaired += answer.repaired
    checked.raised, checked.message = answer.raised, answer.message
    for count, kind, what in ((checked.repaired, "nonfinite", "returned NaN or inf values"),
                              (checked.raised, "raised", f"raised ({checked.message})")):
        if count and (name, kind) not in warned:
            warned.add((name, kind))
            warnings.warn(f"follower {name!r} {what} for {count} individual(s) of a batch of "
                          f"{len(prices)}; they are marked SOLVER_FAILED and counted in the "
                          f"run's statuses (warned once a run)", RuntimeWarning, stacklevel=3)
    return checked


def check_leader(out, n: int, failed: np.ndarray):
    """The leader's :class:`LeaderOutcome`: objective (n,), violation (n,) or a dict
    name -> (n,), arrays with leading dimension n. ``failed`` (n,) marks individuals
    with a follower not OPTIMAL: the leader saw placeholder responses there, so their
    objective and violations are not checked and not counted. Returns (objective,
    violation (n,), named violations dict)."""
    from .game import LeaderOutcome
    if not isinstance(out, LeaderOutcome):
        raise ContractError(f"leader: returned {type(out).__name__}, expected stackga.LeaderOutcome")
    objective = np.asarray(out.objective, float)
    if objective.shape != (n,):
        raise ContractError(f"leader: objective has shape {objective.shape}, expected ({n},)")
    bad = ~np.isfinite(objective) & ~failed
    if bad.any():
        i = int(np.argmax(bad))
        raise ContractError(f"leader: objective is {objective[i]} for individual {i}, "
                            f"whose followers are all OPTIMAL")
    named = out.violation if isinstance(out.violation, dict) else {"leader constraints": out.violation}
    checked = {}
    for k, v in named.items():
        v = np.asarray(v, float)
        if v.shape != (n,):
            raise ContractError(f"leader: violation {k!r} has shape {v.shape}, expected ({n},)")
        v = np.where(failed, 0.0, v)
        if np.isnan(v).any():
            raise ContractError(f"leader: violation {k!r} is NaN for individual {int(np.argmax(np.isnan(v)))}, "
                                f"whose followers are all OPTIMAL")
        checked[k] = np.maximum(v, 0.0)
    for k, a in out.arrays.items():
        if np.ndim(a) == 0 or np.shape(a)[0] != n:
            raise ContractError(f"leader: array {k!r} has shape {np.shape(a)}, expected leading dimension {n}")
    total = sum(checked.values()) if checked else np.zeros(n)
    return objective, total, checked
