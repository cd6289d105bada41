"""A bilevel game stated with arrays: the leader's objective and constraints, and one or
more followers, each an LP or convex QP (MILP where the reference solver supports it).

Leader (decision x (n_x,), followers' decisions y = (y_1, ..., y_K) stacked, (n_y,)):

    min or max  F(x, y) = c_x x + c_y y + 1/2 x'Q_xx x + 1/2 y'Q_yy y + x'Q_xy y + offset
    s.t.        x_lb <= x <= x_ub
                A_x x <= b_x,   E_x x = e_x                  (on x alone)
                G_x x + G_y y <= h                            (coupling, on x and y)
                y_k in argmin of follower k at x              (optimistic or pessimistic)

Follower k (decision y_k (n_k,)):

    min  d y + x'M y + 1/2 y'Q y
    s.t. A x + B y  (<=, =, >=)  b      (row by row, ``sense``)
         lb <= y <= ub                   (infinite bounds allowed)
         y_j integer where ``integer[j]``

A follower that maximises d y + x'M y - 1/2 y'Q y is stated by negating d and M
(``Follower.maximize`` does it; Q, PSD, stays).
Every array is checked on construction; errors name the field and the offending entry.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stackga.errors import InputError

__all__ = ["Follower", "Bilevel", "SENSES"]

SENSES = ("<=", "=", ">=")


def _arr(owner: str, name: str, value, shape: tuple, allow_inf: bool = False) -> np.ndarray:
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{owner}.{name} must be numeric, got {value!r}") from None
    if a.shape != shape:
        if a.size == int(np.prod(shape)) and a.ndim <= 1 and len(shape) == 2 and 1 in shape:
            a = a.reshape(shape)
        else:
            raise InputError(f"{owner}.{name} must have shape {shape}, got {a.shape}")
    bad = np.isnan(a) if allow_inf else ~np.isfinite(a)
    if bad.any():
        i = tuple(int(j) for j in np.argwhere(bad)[0])
        raise InputError(f"{owner}.{name}{list(i)} = {a[i]} is not {'a number' if allow_inf else 'finite'}")
    return a


def _psd(owner: str, name: str, Q: np.ndarray) -> None:
    if not np.allclose(Q, Q.T, atol=1e-12 * (1 + np.abs(Q).max(initial=0))):
        raise InputError(f"{owner}.{name} must be symmetric")
    if Q.size and np.linalg.eigvalsh(Q).min() < -1e-9 * (1 + np.abs(Q).max()):
        raise InputError(f"{owner}.{name} must be positive semidefinite (the follower's problem "
                         f"must be convex); smallest eigenvalue {np.linalg.eigvalsh(Q).min():.3g}")


@dataclass
class Follower:
    """One follower; see the module docstring. Shapes: d (n,), M (n_x, n) or None, Q (n, n)
    or None, A (m, n_x) or None, B (m, n), b (m,), sense (m,) of "<=", "=", ">=",
    lb, ub (n,) (default 0 and +inf), integer (n,) bool or None."""

    d: np.ndarray
    B: np.ndarray
    b: np.ndarray
    sense: tuple | list | str = "<="
    A: np.ndarray | None = None
    M: np.ndarray | None = None
    Q: np.ndarray | None = None
    lb: np.ndarray | None = None
    ub: np.ndarray | None = None
    integer: np.ndarray | None = None
    name: str = ""

    def check(self, n_x: int) -> None:
        who = f"Follower {self.name!r}" if self.name else "Follower"
        self.d = _arr(who, "d", self.d, (np.size(self.d),))
        n = len(self.d)
        self.b = _arr(who, "b", np.atleast_1d(self.b), (np.size(self.b),))
        m = len(self.b)
        self.B = _arr(who, "B", self.B, (m, n))
        self.A = np.zeros((m, n_x)) if self.A is None else _arr(who, "A", self.A, (m, n_x))
        self.M = np.zeros((n_x, n)) if self.M is None else _arr(who, "M", self.M, (n_x, n))
        self.Q = np.zeros((n, n)) if self.Q is None else _arr(who, "Q", self.Q, (n, n))
        _psd(who, "Q", self.Q)
        sense = [self.sense] * m if isinstance(self.sense, str) else list(self.sense)
        if len(sense) != m or any(s not in SENSES for s in sense):
            raise InputError(f"{who}.sense must be {m} of {SENSES}, got {self.sense!r}")
        self.sense = tuple(sense)
        self.lb = np.zeros(n) if self.lb is None else _arr(who, "lb", self.lb, (n,), allow_inf=True)
        self.ub = np.full(n, np.inf) if self.ub is None else _arr(who, "ub", self.ub, (n,), allow_inf=True)
        if np.any(self.lb > self.ub):
            j = int(np.argmax(self.lb > self.ub))
            raise InputError(f"{who}: lb[{j}] = {self.lb[j]} > ub[{j}] = {self.ub[j]}")
        self.integer = np.zeros(n, bool) if self.integer is None else np.asarray(self.integer, bool)
        if self.integer.shape != (n,):
            raise InputError(f"{who}.integer must have shape ({n},), got {self.integer.shape}")

    @property
    def n(self) -> int:
        return len(np.atleast_1d(self.d))

    @property
    def is_qp(self) -> bool:
        return bool(np.any(self.Q != 0))

    @staticmethod
    def maximize(d, B, b, sense="<=", A=None, M=None, Q=None, **kw) -> "Follower":
        """A follower that maximises d y + x'M y - 1/2 y'Q y, stated as the minimisation."""
        neg = lambda v: None if v is None else -np.asarray(v, float)          # noqa: E731
        return Follower(d=neg(d), B=B, b=b, sense=sense, A=A, M=neg(M),
                        Q=None if Q is None else np.asarray(Q, float), **kw)


@dataclass
class Bilevel:
    """A bilevel game; see the module docstring. ``sense``: "min" or "max" (the leader's,
    said explicitly). ``selection``: "optimistic" (default) or "pessimistic". ``offset``: a
    constant of F (e.g. a fixed load's cost), part of every value reported."""

    sense: str
    c_x: np.ndarray
    followers: list[Follower]
    c_y: np.ndarray | None = None
    Q_xx: np.ndarray | None = None
    Q_yy: np.ndarray | None = None
    Q_xy: np.ndarray | None = None
    x_lb: np.ndarray | None = None
    x_ub: np.ndarray | None = None
    A_x: np.ndarray | None = None
    b_x: np.ndarray | None = None
    E_x: np.ndarray | None = None
    e_x: np.ndarray | None = None
    G_x: np.ndarray | None = None
    G_y: np.ndarray | None = None
    h: np.ndarray | None = None
    x_integer: np.ndarray | None = None
    selection: str = "optimistic"
    name: str = "bilevel"
    meta: dict = field(default_factory=dict)
    offset: float = 0.0

    def __post_init__(self) -> None:
        who = f"Bilevel {self.name!r}"
        if self.sense not in ("min", "max"):
            raise InputError(f"{who}.sense must be 'min' or 'max', got {self.sense!r}")
        if self.selection not in ("optimistic", "pessimistic"):
            raise InputError(f"{who}.selection must be 'optimistic' or 'pessimistic', got "
                             f"{self.selection!r}")
        self.c_x = _arr(who, "c_x", np.atleast_1d(self.c_x), (np.size(self.c_x),))
        nx = len(self.c_x)
        if not self.followers:
            raise InputError(f"{who}: at least one follower is needed")
        for f in self.followers:
            f.check(nx)
        ny = sum(f.n for f in self.followers)
        self.c_y = np.zeros(ny) if self.c_y is None else _arr(who, "c_y", self.c_y, (ny,))
        self.Q_xx = np.zeros((nx, nx)) if self.Q_xx is None else _arr(who, "Q_xx", self.Q_xx, (nx, nx))
        self.Q_yy = np.zeros((ny, ny)) if self.Q_yy is None else _arr(who, "Q_yy", self.Q_yy, (ny, ny))
        self.Q_xy = np.zeros((nx, ny)) if self.Q_xy is None else _arr(who, "Q_xy", self.Q_xy, (nx, ny))
        for name in ("Q_xx", "Q_yy"):
            Q = getattr(self, name)
            if not np.allclose(Q, Q.T, atol=1e-12 * (1 + np.abs(Q).max(initial=0))):
                raise InputError(f"{who}.{name} must be symmetric (F has 1/2 v'Qv; put a cross "
                                 f"term half in each triangle)")
        self.x_lb = np.full(nx, -np.inf) if self.x_lb is None else _arr(who, "x_lb", self.x_lb, (nx,), True)
        self.x_ub = np.full(nx, np.inf) if self.x_ub is None else _arr(who, "x_ub", self.x_ub, (nx,), True)
        if np.any(self.x_lb > self.x_ub):
            j = int(np.argmax(self.x_lb > self.x_ub))
            raise InputError(f"{who}: x_lb[{j}] = {self.x_lb[j]} > x_ub[{j}] = {self.x_ub[j]}")
        for M, v, name in ((self.A_x, self.b_x, "A_x/b_x"), (self.E_x, self.e_x, "E_x/e_x")):
            if (M is None) != (v is None):
                raise InputError(f"{who}: {name} must be given together")
        if self.A_x is not None:
            self.b_x = _arr(who, "b_x", np.atleast_1d(self.b_x), (np.size(self.b_x),))
            self.A_x = _arr(who, "A_x", self.A_x, (len(self.b_x), nx))
        if self.E_x is not None:
            self.e_x = _arr(who, "e_x", np.atleast_1d(self.e_x), (np.size(self.e_x),))
            self.E_x = _arr(who, "E_x", self.E_x, (len(self.e_x), nx))
        if (self.G_x is None) != (self.h is None) or (self.G_y is None) != (self.h is None):
            raise InputError(f"{who}: G_x, G_y and h must be given together")
        if self.h is not None:
            self.h = _arr(who, "h", np.atleast_1d(self.h), (np.size(self.h),))
            self.G_x = _arr(who, "G_x", self.G_x, (len(self.h), nx))
            self.G_y = _arr(who, "G_y", self.G_y, (len(self.h), ny))
        if not np.isfinite(self.offset):
            raise InputError(f"{who}.offset = {self.offset} is not finite")
        self.offset = float(self.offset)
        self.x_integer = (np.zeros(nx, bool) if self.x_integer is None
                          else np.asarray(self.x_integer, bool).reshape(nx))

    @property
    def n_x(self) -> int:
        return len(self.c_x)

    @property
    def n_y(self) -> int:
        return sum(f.n for f in self.followers)

    @property
    def slices(self) -> list[slice]:
        """Each follower's part of the stacked y."""
        out, s = [], 0
        for f in self.followers:
            out.append(slice(s, s + f.n))
            s += f.n
        return out

    @property
    def is_linear_leader(self) -> bool:
        return not (np.any(self.Q_xx) or np.any(self.Q_yy) or np.any(self.Q_xy))

    def value(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """F(x, y) for rows x (n, n_x), y (n, n_y) (in the leader's own sense)."""
        x, y = np.atleast_2d(x), np.atleast_2d(y)
        out = x @ self.c_x + y @ self.c_y + self.offset
        # each quadratic term as a product (BLAS), and only where it is nonzero: a
        # three-operand einsum loops over every (row, i, j), 0.2 s a call at n_y = 1,500
        for a, Q, b, w in ((x, self.Q_xx, x, 0.5), (y, self.Q_yy, y, 0.5), (x, self.Q_xy, y, 1.0)):
            if np.any(Q):
                out = out + w * ((a @ Q) * b).sum(axis=1)
        return out
