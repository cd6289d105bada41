"""A follower stated by its matrices, an LP or a convex QP whose costs and right-hand sides
are affine in values theta the leader's prices give:

    min_y  1/2 y'Q y + (d + M' theta)'y + c0 + c_theta . theta
    s.t.   B y (sense) b - A theta,   lb <= y <= ub          theta = theta_of(prices) (n, p)

Every individual is one solve by the persistent HiGHS model of
:class:`stackga.bilevel.response.MatrixFollower` (built once, re-solved from the same
basis, so an answer depends on the individual alone). Where the optimum is not unique (an
LP with degenerate duals) the game's selection chooses (:meth:`ties`, :meth:`select`: an
LP over the optimal set with the leader's valuation). The base of
:class:`~stackga.followers.CvxpyFollower` and :class:`~stackga.followers.Prosumer`.

**Copies** (``copies`` (K, q)): K followers of the same matrices that differ only in q
data values of their own (a load, a PV profile), appended to theta: theta = (theta_of(
prices), data_k). Stated once, they are solved as one batch of n K rows (each copy's rows
start the simplex from the optimal basis at its own data); the response is the copies'
total objective per individual, OPTIMAL where every copy is (else the first copy's other
status), and arrays (n, K, size); ``objectives`` (n, K) each copy's, ``tied_copies`` (n, K).
The selection solves its LP for the tied copies only; with the derived valuation (no
stated ``views``) the leader is called once per entry of every copy's arrays, so for
many copies a stated view is far cheaper.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .certify.certificate import Certificate, combine, lp_certificate
from .response import Response, Status

__all__ = ["StatedLP"]


class StatedLP:
    """Args: the matrices above (d (n,), B (m, n), b (m,), sense (m,) of "<=", "=",
    ">=", A (m, p), M (p, n), Q (n, n) or None, lb, ub (n,)); ``theta_of(prices) -> (n, p)``
    (checked by the caller); ``outputs``: name -> (first column, size), the response's
    arrays; ``const``: (c0, c_theta (p,)) the objective's constant; ``sign``: -1 for a
    follower that maximises (its objective is reported as its maximum)."""

    def __init__(self, d, B, b, sense, A, M, Q, lb, ub, theta_of: Callable, outputs: dict,
                 const: tuple = (0.0, None), sign: float = 1.0, name: str = "stated",
                 copies: np.ndarray | None = None, reference: np.ndarray | None = None) -> None:
        from stackga.bilevel.model import Bilevel, Follower  # no import cycle at load
        from stackga.bilevel.response import MatrixFollower
        p = np.shape(A)[1]
        f = Follower(d=d, B=B, b=b, sense=sense, A=A, M=M, Q=Q, lb=lb, ub=ub, name=name)
        bl = Bilevel("min", c_x=np.zeros(p), followers=[f], x_lb=np.full(p, -np.inf),
                     x_ub=np.full(p, np.inf), name=name)
        self.copies = None if copies is None else np.atleast_2d(np.asarray(copies, float))
        # the simplex's start: the optimum at ``reference`` (the leader's part of theta, a
        # typical value; 0 by default), with each copy's own data
        q = 0 if self.copies is None else self.copies.shape[1]
        lead = np.zeros(p - q) if reference is None else np.asarray(reference, float).reshape(p - q)
        refs = lead[None] if self.copies is None else \
            np.hstack([np.tile(lead, (len(self.copies), 1)), self.copies])
        self.matrix = MatrixFollower(bl, 0, select=False, references=refs)
        self.f = bl.followers[0]
        self.theta_of, self.outputs, self.sign = theta_of, dict(outputs), sign
        c0, cj = const
        self.const = (float(c0), np.zeros(p) if cj is None else np.asarray(cj, float))
        self.select_arrays = tuple(self.outputs)
        self.unique = self.matrix.unique

    def identity_data(self, prices=None) -> dict:
        """What defines this follower (a checkpoint's identity, :mod:`stackga.checkpoint`):
        its matrices, its outputs' columns, and the leader's map ``theta_of`` by its values
        at ``prices`` (k, m), the probe the checkpoint gives (a function has no value to
        compare otherwise)."""
        theta = None
        if prices is not None:
            try:
                theta = np.asarray(self.theta_of(np.asarray(prices, float)), float)
            except Exception as e:                     # noqa: BLE001 (a map that cannot say)
                theta = f"theta_of raised {type(e).__name__}"
        return {"follower": self.f, "copies": self.copies,
                "outputs": sorted(self.outputs.values()), "const": self.const,
                "sign": self.sign, "theta": theta}

    def _arrays(self, y: np.ndarray) -> dict:
        return {name: y[..., j:j + size] for name, (j, size) in self.outputs.items()}

    @property
    def n_copies(self) -> int:
        return 1 if self.copies is None else len(self.copies)

    def _theta(self, prices: np.ndarray) -> np.ndarray:
        """(n K, p): theta per row and copy (rows individual-major); (n, p) without copies."""
        th = self.theta_of(prices)
        if self.copies is None:
            return th
        K = len(self.copies)
        return np.hstack([np.repeat(th, K, axis=0), np.tile(self.copies, (len(th), 1))])

    def respond(self, prices: np.ndarray) -> Response:
        """The optimum for every row of ``prices``; arrays: each output (n, size) ((n, K,
        size) with copies), ``y`` (n, n_y) ((n, K, n_y)), ``tied`` (n,) 1.0 where the
        optimum (of some copy) is not unique, ``infeasibility`` (the phase-1 distance of an
        infeasible individual, summed over copies)."""
        th = self._theta(prices)
        K = self.n_copies
        starts = None if self.copies is None else np.tile(np.arange(K), len(th) // K)
        r = self.matrix.respond(th, starts)
        c0, cj = self.const
        obj = np.where(r.status == Status.OPTIMAL, self.sign * (r.objective + c0 + th @ cj), 0.0)
        y = r.arrays["y"]
        if self.copies is None:
            return Response(obj, r.status, {**self._arrays(y), "y": y, "tied": r.arrays["tied"],
                                            "infeasibility": r.arrays["infeasibility"]})
        n = len(th) // K
        st = r.status.reshape(n, K)
        first = np.argmax(st != Status.OPTIMAL, axis=1)           # the first copy not optimal
        status = np.where(np.all(st == Status.OPTIMAL, axis=1), Status.OPTIMAL,
                          st[np.arange(n), first]).astype(np.int8)
        per = obj.reshape(n, K)
        total = np.where(status == Status.OPTIMAL, per.sum(axis=1), 0.0)
        y = y.reshape(n, K, -1)
        tied = r.arrays["tied"].reshape(n, K)
        return Response(total, status, {**self._arrays(y), "y": y, "objectives": per,
                                        "tied": tied.max(axis=1), "tied_copies": tied,
                                        "infeasibility": r.arrays["infeasibility"].reshape(n, K).sum(axis=1)})

    def ties(self, prices: np.ndarray, base: Response) -> np.ndarray:
        """(n,) rows whose optimum is not unique (an LP with degenerate duals)."""
        return np.asarray(base.arrays["tied"], float) > 0

    def select(self, prices: np.ndarray, weights: dict, base: Response) -> tuple[Response, np.ndarray]:
        """Among each row's optima, one maximising sum_a weights[a] . arrays[a] (weights
        per output (n, size), (n, K, size) with copies): an LP over the optimal set of each
        copy. Returns (response, moved)."""
        th = self._theta(prices)
        Y0 = base.arrays["y"]
        lead = np.zeros_like(Y0)
        for name, w in weights.items():
            j, size = self.outputs[name]
            lead[..., j:j + size] -= w
        n = len(Y0)
        Yf, Lf = Y0.reshape(len(th), -1), lead.reshape(len(th), -1)
        rows = np.arange(len(th)) if self.copies is None else \
            np.flatnonzero(np.asarray(base.arrays["tied_copies"]).reshape(-1) > 0)  # tied copies only
        Yn = Yf.copy()
        if len(rows):
            Yn[rows] = self.matrix.select_by(th[rows], Yf[rows], Lf[rows])
        Y = Yn.reshape(Y0.shape)
        value = lambda Yv: -(lead * Yv).reshape(n, -1).sum(axis=1)          # noqa: E731
        moved = base.ok & (value(Y) > value(Y0) + 1e-12 * (1.0 + np.abs(value(Y0))))
        Y = np.where(moved.reshape((n,) + (1,) * (Y0.ndim - 1)), Y, Y0)
        arrays = {**base.arrays, **self._arrays(Y), "y": Y}
        return Response(base.objective.copy(), base.status.copy(), arrays), moved

    def certificate(self, price: np.ndarray, arrays: dict, leader=None) -> Certificate:
        """The answer's certificate at one price vector: its violation of the stated rows
        and its value against a HiGHS solve from scratch of the same LP or QP
        (:func:`~stackga.followers.certify.certificate.lp_certificate`)."""
        f = self.f
        ths = self._theta(np.asarray(price, float)[None])
        Y = np.asarray(arrays["y"], float).reshape(len(ths), -1)
        parts = {}
        for k, (th, y) in enumerate(zip(ths, Y)):
            cost, rhs = f.d + th @ f.M, f.b - f.A @ th
            lo, hi = self.matrix.bounds_of(rhs)
            parts[f"copy{k}"] = lp_certificate(cost, f.B, lo, hi, f.lb, f.ub, y,
                                               hessian=f.Q if np.any(f.Q) else None)
        return parts["copy0"] if self.copies is None else combine(parts)
