"""Exact, population-vectorized solver for one linear storage LP.

Model (one storage, T steps, solved for ``n`` cost vectors at once)::

    max  sum_t g_t(u_t)
    s.t. s_{t+1} = a * s_t + u_t + d_t              t = 0..T-1
         -D_t <= u_t <= C_t
         s_lo[t] <= s_t <= s_hi[t]                   t = 1..T
         s_T >= s_final
         g_t(u) = -c_up[:, t] * u   for u >= 0        (cost of raising the state)
                = -c_dn[:, t] * u   for u <  0        (revenue of lowering it)

with ``c_up >= c_dn`` (concave stage reward; true for any storage whose
round trip loses energy). ``s`` is the state (kWh, or -temperature for a
building), ``u`` the controlled change, ``a`` a decay factor in (0, 1] and
``d`` an exogenous drift (EV arrivals minus departures, heat gains).

Method: backward recursion on the value function V_t(s), which is concave
and piecewise linear in s. V_t is stored as segments (slope, length) sorted
by decreasing slope over the fixed interval [s_lo[t], s_hi[t]]; one step is a
sup-convolution (merge two new segments into the sorted list), a rescale by
the decay and a trim to the state bounds. States from which the bounds can
no longer be met get an exact-penalty slope of +-``big_m`` instead of -inf.
The forward pass picks, among all optimal moves, the one closest to idle
(``u = 0``): an explicit tie-break that depends only on the individual's own
costs, never on the rest of the population.

Two kernels run this method: the compiled one (:mod:`stackga.followers.kernels.storage`,
numba, the default; O(T^2) per individual) and the numpy reference below
(O(T^2 log T) per individual, all individuals advanced one step per numpy call).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from stackga.errors import InputError

from .kernels.jit import kernel_array
from .kernels.storage import solve_rows, solve_starts

__all__ = ["StorageLP", "outside_method", "solve_storage", "solve_storage_starts", "stack",
           "steered_plans"]


@dataclass(frozen=True)
class StorageLP:
    """Physical data of one storage, shared by the whole population.

    Attributes (T = number of steps):
        s0: initial state.
        s_lo, s_hi: (T + 1,) state bounds; index 0 is ignored (s0 is fixed).
        up_max: (T,) largest increase C_t >= 0 of the state per step.
        dn_max: (T,) largest decrease D_t >= 0 of the state per step.
        drift: (T,) exogenous change d_t of the state per step.
        decay: factor a in (0, 1] applied to the state every step.
        s_final: lower bound on the final state s_T.
    """

    s0: float
    s_lo: np.ndarray
    s_hi: np.ndarray
    up_max: np.ndarray
    dn_max: np.ndarray
    drift: np.ndarray
    decay: float = 1.0
    s_final: float = -np.inf

    def __post_init__(self) -> None:
        d = np.asarray(self.decay, float)
        if not np.all((d > 0.0) & (d <= 1.0)):           # (NaN fails too)
            bad = d[~((d > 0.0) & (d <= 1.0))].ravel()
            raise InputError(f"StorageLP.decay must be in (0, 1], got {bad[:5].tolist()}")

    @property
    def T(self) -> int:
        return np.shape(self.up_max)[-1]


def stack(models: list[StorageLP], reps: list[int]) -> StorageLP:
    """One StorageLP with per-row data: model k repeated ``reps[k]`` times.

    Lets several storages (battery, fleet, building) be solved in one call."""
    def rows(name):
        return np.concatenate([np.broadcast_to(np.asarray(getattr(m, name), float),
                                               (r,) + np.shape(getattr(m, name)))
                               for m, r in zip(models, reps)])
    return StorageLP(**{f: rows(f) for f in ("s0", "s_lo", "s_hi", "up_max", "dn_max",
                                             "drift", "decay", "s_final")})


def _per_row(m: StorageLP, n: int) -> dict:
    """Every field broadcast to per-row arrays: scalars (n,), series (n, T) or (n, T + 1)."""
    T = np.shape(m.up_max)[-1]
    out = {}
    for name, shape in (("s0", (n,)), ("decay", (n,)), ("s_final", (n,)),
                        ("s_lo", (n, T + 1)), ("s_hi", (n, T + 1)), ("up_max", (n, T)),
                        ("dn_max", (n, T)), ("drift", (n, T))):
        out[name] = np.broadcast_to(np.asarray(getattr(m, name), float), shape)
    return out


def _terminal(m: dict, big_m: float) -> tuple[np.ndarray, np.ndarray]:
    """V_T: 0 where s_T >= s_final, exact penalty slope big_m below it."""
    lo, hi = m["s_lo"][:, -1], m["s_hi"][:, -1]
    below = np.clip(m["s_final"] - lo, 0.0, hi - lo)
    n = len(lo)
    slopes = np.tile([big_m, 0.0], (n, 1))
    lengths = np.column_stack([below, hi - lo - below])
    return slopes, lengths


def _step_back(slopes, lengths, c_up, c_dn, C, D, a, lo_next, lo, hi, d, big_m):
    """V_t from V_{t+1}; every argument after the costs is per row (n,).
    Returns sorted (slopes, lengths) on [lo, hi]."""
    s = np.concatenate([slopes, c_up[:, None], c_dn[:, None]], axis=1)
    ln = np.concatenate([lengths, C[:, None], D[:, None]], axis=1)
    key = np.where(ln > 0.0, -s, np.inf)            # zero-length segments last
    order = np.argsort(key, axis=1, kind="stable")
    s = np.take_along_axis(s, order, axis=1)
    ln = np.take_along_axis(ln, order, axis=1)
    keep = int((ln > 0.0).sum(axis=1).max(initial=1))
    s, ln = s[:, :keep] * a[:, None], ln[:, :keep] / a[:, None]   # V_t(s) = W(a s)
    w_lo = (lo_next - d - C) / a                    # left end of W(a s) in s
    total = hi - lo
    cum = np.cumsum(ln, axis=1)
    trim_l = np.maximum(lo - w_lo, 0.0)[:, None]
    ln = ln - np.clip(trim_l - (cum - ln), 0.0, ln)
    cum = np.cumsum(ln, axis=1)
    ext_l = np.clip(w_lo - lo, 0.0, total)
    ln = ln - np.clip(cum - (total - ext_l)[:, None], 0.0, ln)
    ext_r = np.maximum(total - ext_l - ln.sum(axis=1), 0.0)
    n = len(lo)
    s = np.concatenate([np.full((n, 1), big_m), s, np.full((n, 1), -big_m)], axis=1)
    ln = np.concatenate([ext_l[:, None], ln, ext_r[:, None]], axis=1)
    return s, ln


KERNELS = ("compiled", "numpy")


def solve_storage(
    m: StorageLP, c_up: np.ndarray, c_dn: np.ndarray, big_m: float | None = None,
    kernel: str = "compiled",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solve the storage LP for every row of the cost matrices.

    Args:
        m: the storage data, shared by all rows or per row (see :func:`stack`).
        c_up: (n, T) cost per unit increase of the state.
        c_dn: (n, T) revenue per unit decrease of the state, ``<= c_up``.
        big_m: exact-penalty slope; default 1e4 x the largest |cost| (+1).
        kernel: ``"compiled"`` (numba, :mod:`stackga.followers.kernels.storage`) or
            ``"numpy"`` (the vectorized reference below); same method, same
            tie-break, results equal up to rounding.

    Returns:
        u: (n, T) optimal state changes (the one closest to 0 among optima).
        s: (n, T + 1) state trajectory, ``s[:, 0] == m.s0``.
        feasible: (n,) bool, False where no plan meets the bounds.
    """
    if kernel not in KERNELS:
        raise InputError(f"solve_storage: kernel must be one of {KERNELS}, got {kernel!r}")
    c_up = np.asarray(c_up, dtype=float)
    c_dn = np.asarray(c_dn, dtype=float)
    n, T = c_up.shape
    r = _per_row(m, n)
    if big_m is None:
        big_m = default_big_m(c_up, c_dn, float(r["decay"].min(initial=1.0)))
    if kernel == "compiled":
        return solve_rows(*(kernel_array(r[k]) for k in _FIELDS),
                          kernel_array(c_up), kernel_array(c_dn), float(big_m))
    return _solve_numpy(r, c_up, c_dn, big_m)


def solve_storage_starts(
    m: StorageLP, c_up: np.ndarray, c_dn: np.ndarray, row: np.ndarray, step: np.ndarray,
    state: np.ndarray, big_m: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solve many entries into each row's storage LP with one backward pass per row.

    Start j enters row ``row[j]`` (of ``m`` and the cost matrices) at step ``step[j]``
    with state ``state[j]`` and then plans optimally to the end, under that row's bounds,
    costs and final bound (``m.s0`` is not used). Every start is its own LP: the same
    method and tie-break as :func:`solve_storage`, which is the case ``step = 0``.

    Returns u (S, T) (0 before the start), s (S, T + 1) (held at ``state`` before the
    start) and feasible (S,) for the S starts, in the order given.
    """
    c_up = np.asarray(c_up, dtype=float)
    c_dn = np.asarray(c_dn, dtype=float)
    n, T = c_up.shape
    row, step = np.asarray(row, np.int64), np.asarray(step, np.int64)
    if row.shape != step.shape or np.shape(state) != row.shape:
        raise InputError("solve_storage_starts: row, step and state must have one entry per start")
    if len(row) and (row.min() < 0 or row.max() >= n or step.min() < 0 or step.max() >= T):
        raise InputError(f"solve_storage_starts: rows must be in 0..{n - 1} and steps in 0..{T - 1}")
    r = _per_row(m, n)
    if big_m is None:
        big_m = default_big_m(c_up, c_dn, float(r["decay"].min(initial=1.0)))
    presorted = bool(np.all(row[1:] >= row[:-1]))
    order = np.arange(len(row)) if presorted else np.argsort(row, kind="stable")
    first = np.searchsorted(row[order], np.arange(n + 1))
    fields = [kernel_array(r[k]) for k in _FIELDS[1:]]
    u, s, feas = solve_starts(*fields, kernel_array(c_up), kernel_array(c_dn),
                              float(big_m), kernel_array(first, np.int64),
                              kernel_array(step[order], np.int64),
                              kernel_array(np.asarray(state, float)[order]))
    if presorted:
        return u, s, feas
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    return u[back], s[back], feas[back]


def steered_plans(model_of, c_up, c_dn, a_up, a_dn, todo, deltas, accept):
    """The recursion re-run with its costs moved toward a valuation a_up, a_dn (n, T) of
    each unit the store rises or falls, by eps = delta (1 + |costs|) / |a| for each delta
    in turn (a tie-break toward the valuation among equally cheap plans); rows ``todo``
    (n,) bool take part. ``model_of(rows)``: the StorageLP of those rows; ``accept(rows, u,
    s, feasible) -> (len(rows),) bool``: whether a row's plan is still optimal for the
    follower. Returns (u (n, T), s (n, T + 1), ok (n,)): each row's first accepted plan."""
    n, T = c_up.shape
    scale = (1.0 + np.maximum(np.abs(c_up).max(1), np.abs(c_dn).max(1))) / \
        np.maximum(np.maximum(np.abs(a_up).max(1), np.abs(a_dn).max(1)), 1e-300)
    u_out, s_out, ok = np.zeros((n, T)), np.zeros((n, T + 1)), np.zeros(n, bool)
    for delta in deltas:
        rows = np.flatnonzero(todo & ~ok)
        if not len(rows):
            break
        eps = (delta * scale[rows])[:, None]
        up = c_up[rows] - eps * a_up[rows]
        u, s, feas = solve_storage(model_of(rows), up, np.minimum(c_dn[rows] + eps * a_dn[rows], up))
        u_out[rows], s_out[rows] = u, s
        ok[rows] = accept(rows, u, s, feas)
    return u_out, s_out, ok


def outside_method(c_up: np.ndarray, c_dn: np.ndarray, rel: float = 1e-12) -> np.ndarray:
    """(n,) rows whose costs break the recursion's premise c_up >= c_dn (a stage reward
    that is not concave: e.g. prices so negative that discharging and recharging in the
    same hour pays) by more than ``rel`` (1 + |c_up|). Followers mark them SOLVER_FAILED
    instead of reporting a wrong plan."""
    tol = rel * (1.0 + np.abs(c_up))
    return np.any(c_up < c_dn - tol, axis=1)


_FIELDS = ("s0", "decay", "s_final", "s_lo", "s_hi", "up_max", "dn_max", "drift")


def default_big_m(c_up: np.ndarray, c_dn: np.ndarray, decay_min: float = 1.0) -> float:
    """Exact-penalty slope for costs (..., T): 1e4 x the largest |cost| (+1),
    scaled by decay_min ** -T so the penalty outweighs any discounted gain."""
    T = np.shape(c_up)[-1]
    scale = max(np.abs(c_up).max(initial=0.0), np.abs(c_dn).max(initial=0.0))
    return 1e4 * (scale + 1.0) / decay_min ** T


def _solve_numpy(r: dict, c_up: np.ndarray, c_dn: np.ndarray, big_m: float):
    """The vectorized numpy reference: all rows advance one step per numpy call."""
    n, T = c_up.shape
    values: list[Any] = [None] * (T + 1)
    values[T] = _terminal(r, big_m)
    for t in range(T - 1, 0, -1):
        slopes, lengths = values[t + 1]
        values[t] = _step_back(
            slopes, lengths, c_up[:, t], c_dn[:, t], r["up_max"][:, t], r["dn_max"][:, t],
            r["decay"], r["s_lo"][:, t + 1], r["s_lo"][:, t], r["s_hi"][:, t], r["drift"][:, t],
            big_m)
    s = np.empty((n, T + 1))
    u = np.empty((n, T))
    s[:, 0] = r["s0"]
    tol = 1e-9 * (1.0 + np.abs(r["s_hi"]).max(axis=1))
    for t in range(T):
        slopes, lengths = values[t + 1]
        lo = r["s_lo"][:, t + 1] - r["drift"][:, t]
        z = r["decay"] * s[:, t]
        y_up = lo + np.where(slopes > c_up[:, t, None], lengths, 0.0).sum(axis=1)
        y_dn = lo + np.where(slopes >= c_dn[:, t, None], lengths, 0.0).sum(axis=1)
        y = np.where(
            y_up > z + tol, np.minimum(y_up, z + r["up_max"][:, t]),
            np.where(y_dn < z - tol, np.maximum(y_dn, z - r["dn_max"][:, t]), z),
        )
        u[:, t] = y - z
        s[:, t + 1] = y + r["drift"][:, t]
    viol = np.maximum(r["s_lo"][:, 1:] - s[:, 1:], s[:, 1:] - r["s_hi"][:, 1:]).max(axis=1)
    viol = np.maximum(viol, r["s_final"] - s[:, -1])
    return u, s, viol <= 1e3 * tol
