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
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .certify.certificate import Certificate, lp_certificate
from .response import Response, Status

__all__ = ["StatedLP"]


class StatedLP:
    """Args: the matrices above (d (n,), B (m, n), b (m,), sense (m,) of "<=", "=",
    ">=", A (m, p), M (p, n), Q (n, n) or None, lb, ub (n,)); ``theta_of(prices) -> (n, p)``
    (checked by the caller); ``outputs``: name -> (first column, size), the response's
    arrays; ``const``: (c0, c_theta (p,)) the objective's constant; ``sign``: -1 for a
    follower that maximises (its objective is reported as its maximum)."""

    def __init__(self, d, B, b, sense, A, M, Q, lb, ub, theta_of: Callable, outputs: dict,
                 const: tuple = (0.0, None), sign: float = 1.0, name: str = "stated") -> None:
        from stackga.bilevel.model import Bilevel, Follower  # no import cycle at load
        from stackga.bilevel.response import MatrixFollower
        p = np.shape(A)[1]
        f = Follower(d=d, B=B, b=b, sense=sense, A=A, M=M, Q=Q, lb=lb, ub=ub, name=name)
        bl = Bilevel("min", c_x=np.zeros(p), followers=[f], x_lb=np.full(p, -np.inf),
                     x_ub=np.full(p, np.inf), name=name)
        self.matrix = MatrixFollower(bl, 0, select=False)
        self.f = bl.followers[0]
        self.theta_of, self.outputs, self.sign = theta_of, dict(outputs), sign
        c0, cj = const
        self.const = (float(c0), np.zeros(p) if cj is None else np.asarray(cj, float))
        self.select_arrays = tuple(self.outputs)
        self.unique = self.matrix.unique

    def _arrays(self, y: np.ndarray) -> dict:
        return {name: y[:, j:j + size] for name, (j, size) in self.outputs.items()}

    def respond(self, prices: np.ndarray) -> Response:
        """The optimum for every row of ``prices``; arrays: each output (n, size), ``y``
        (n, n_y), ``tied`` (n,) 1.0 where the optimum is not unique, ``infeasibility`` (the
        phase-1 distance of an infeasible individual)."""
        th = self.theta_of(prices)
        r = self.matrix.respond(th)
        c0, cj = self.const
        obj = np.where(r.status == Status.OPTIMAL, self.sign * (r.objective + c0 + th @ cj), 0.0)
        y = r.arrays["y"]
        return Response(obj, r.status, {**self._arrays(y), "y": y, "tied": r.arrays["tied"],
                                        "infeasibility": r.arrays["infeasibility"]})

    def ties(self, prices: np.ndarray, base: Response) -> np.ndarray:
        """(n,) rows whose optimum is not unique (an LP with degenerate duals)."""
        return np.asarray(base.arrays["tied"], float) > 0

    def select(self, prices: np.ndarray, weights: dict, base: Response) -> tuple[Response, np.ndarray]:
        """Among each row's optima, one maximising sum_a weights[a] . arrays[a] (weights
        per output (n, size)): an LP over the optimal set. Returns (response, moved)."""
        th = self.theta_of(prices)
        Y0 = base.arrays["y"]
        lead = np.zeros_like(Y0)
        for name, w in weights.items():
            j, size = self.outputs[name]
            lead[:, j:j + size] -= w
        Y = self.matrix.select_by(th, Y0, lead)
        value = lambda Yv: -(lead * Yv).sum(axis=1)            # noqa: E731
        moved = base.ok & (value(Y) > value(Y0) + 1e-12 * (1.0 + np.abs(value(Y0))))
        Y = np.where(moved[:, None], Y, Y0)
        arrays = {**base.arrays, **self._arrays(Y), "y": Y}
        return Response(base.objective.copy(), base.status.copy(), arrays), moved

    def certificate(self, price: np.ndarray, arrays: dict, leader=None) -> Certificate:
        """The answer's certificate at one price vector: its violation of the stated rows
        and its value against a HiGHS solve from scratch of the same LP or QP
        (:func:`~stackga.followers.certify.certificate.lp_certificate`)."""
        th = self.theta_of(np.asarray(price, float)[None])[0]
        f = self.f
        cost, rhs = f.d + th @ f.M, f.b - f.A @ th
        lo, hi = self.matrix.bounds_of(rhs)
        return lp_certificate(cost, f.B, lo, hi, f.lb, f.ub, np.asarray(arrays["y"], float),
                              hessian=f.Q if np.any(f.Q) else None)
