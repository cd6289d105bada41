"""Flexible users with a quadratic utility (island paper, eq. 22-23, appendix B).

    max_{P_s}  sum_t [ a * P_DL(t) - b/2 * P_DL(t)^2 - R_e(t) * P_DL(t) ] * dt
    s.t.       P_DL(t) = P_d(t) + P_s(t),   0 <= P_s(t) <= P_s_max(t)

The objective is separable and strictly concave in each hour, so the optimum
is the clipped stationary point  P_DL = clip((a - R_e) / b, P_d, P_d + P_s_max)
(unique: no tie-break needed). Units: kW, yuan/kWh, yuan.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from stackga.errors import InputError

from .certify.certificate import lp_certificate
from .response import Response, check_prices

__all__ = ["FlexibleUsers"]


@dataclass(frozen=True)
class FlexibleUsers:
    """Users with rigid load ``rigid`` (T,) kW and flexible headroom ``flex_max`` (T,) kW."""

    rigid: np.ndarray
    flex_max: np.ndarray
    a: float = 1.5
    b: float = 0.0009
    dt: float = 1.0

    def __post_init__(self) -> None:
        if self.b <= 0:
            raise InputError(f"FlexibleUsers.b must be > 0, got {self.b}")
        if np.any(np.asarray(self.flex_max) < 0):
            raise InputError("FlexibleUsers.flex_max must be >= 0")

    def utility(self, load: np.ndarray, prices: np.ndarray) -> np.ndarray:
        """(n,) users' benefit f_user for loads (n, T) kW at prices (n, T)."""
        return ((self.a - self.b / 2 * load - prices) * load).sum(axis=1) * self.dt

    def certificate(self, price: np.ndarray, arrays: dict) -> dict:
        """:func:`stackga.followers.certify.certificate.lp_certificate` of loads (T,) at one price (T,): the
        users' QP min sum (p - a) P + b/2 P^2 over rigid <= P <= rigid + flex_max."""
        T = len(self.rigid)
        return lp_certificate((price - self.a) * self.dt, sp.csr_matrix((0, T)), [], [],
                              self.rigid, self.rigid + self.flex_max, arrays["load"],
                              hessian=sp.identity(T) * self.b * self.dt)

    def respond(self, prices: np.ndarray) -> Response:
        """Closed-form optimum for every row of ``prices`` (n, T) yuan/kWh."""
        p = check_prices(prices, len(self.rigid), "FlexibleUsers")
        load = np.clip((self.a - p) / self.b, self.rigid, self.rigid + self.flex_max)
        return Response(self.utility(load, p), np.zeros(len(p), np.int8),
                        {"load": load, "flex": load - self.rigid})
