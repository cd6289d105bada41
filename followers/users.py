"""Flexible users with a quadratic utility (island paper, eq. 22-23, appendix B).

    max_{P_s}  sum_t [ a * P_DL(t) - b/2 * P_DL(t)^2 - R_e(t) * P_DL(t) ] * dt
    s.t.       P_DL(t) = P_d(t) + P_s(t),   0 <= P_s(t) <= P_s_max(t)

The objective is separable and strictly concave in each hour, so the optimum
is the clipped stationary point  P_DL = clip((a - R_e) / b, P_d, P_d + P_s_max)
(unique: no tie-break needed). ``a`` may vary by hour ((T,)). With a daily energy
need, sum_t P_DL(t) dt >= need, the optimum is the same clip at the prices lowered by the
need's multiplier lam >= 0, P_DL = clip((a - R_e + lam) / b, ...): lam is 0 when the
plain optimum meets the need, else the root of the piecewise-linear, nondecreasing
sum_t P_DL(t; lam) dt = need (bisection to the active set, then that set's exact linear
solve). Units: kW, yuan/kWh, yuan.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from stackga.errors import InputError

from .certify.certificate import Certificate, lp_certificate
from .response import Response, check_prices

__all__ = ["FlexibleUsers"]


@dataclass(frozen=True)
class FlexibleUsers:
    """Users with a rigid load and flexible headroom, a quadratic utility, an optional
    daily need. Every parameter that shapes the model is stated:

    | parameter | unit | meaning | default |
    |---|---|---|---|
    | ``rigid`` | kW | (T,) load they always draw | required |
    | ``flex_max`` | kW | (T,) headroom above it | required |
    | ``a`` | yuan/kWh | marginal utility at zero load, a number or (T,) | required |
    | ``b`` | yuan/kWh per kW | the utility's curvature (> 0) | required |
    | ``need`` | kWh | daily energy they draw at least | none |
    | ``dt`` | h | step length | 1 |
    """

    rigid: np.ndarray
    flex_max: np.ndarray
    a: float | np.ndarray
    b: float
    dt: float = 1.0
    need: float | None = None
    #: strictly concave: one optimal answer at every price (no selection among ties)
    unique: ClassVar[bool] = True

    def __post_init__(self) -> None:
        if self.b <= 0:
            raise InputError(f"FlexibleUsers.b must be > 0, got {self.b}")
        if np.any(np.asarray(self.flex_max) < 0):
            raise InputError("FlexibleUsers.flex_max must be >= 0")
        if np.ndim(self.a) not in (0, 1) or np.ndim(self.a) == 1 and np.size(self.a) != len(self.rigid):
            raise InputError(f"FlexibleUsers.a must be a number or have shape ({len(self.rigid)},), "
                             f"got shape {np.shape(self.a)}")
        if self.need is not None:
            most = float(np.sum(np.asarray(self.rigid) + np.asarray(self.flex_max)) * self.dt)
            if not np.isfinite(self.need) or self.need > most:
                raise InputError(f"FlexibleUsers.need = {self.need} kWh cannot be met: the "
                                 f"users draw at most {most:.6g} kWh a day")

    def utility(self, load: np.ndarray, prices: np.ndarray) -> np.ndarray:
        """(n,) users' benefit f_user for loads (n, T) kW at prices (n, T)."""
        return ((self.a - self.b / 2 * load - prices) * load).sum(axis=1) * self.dt

    def certificate(self, price: np.ndarray, arrays: dict) -> Certificate:
        """:func:`stackga.followers.certify.certificate.lp_certificate` of loads (T,) at one price (T,): the
        users' QP min sum (p - a) P + b/2 P^2 over rigid <= P <= rigid + flex_max."""
        T = len(self.rigid)
        rows = (sp.csr_matrix(np.full((1, T), self.dt)), [self.need], [np.inf]) \
            if self.need is not None else (sp.csr_matrix((0, T)), [], [])
        return lp_certificate((price - self.a) * self.dt, *rows,
                              self.rigid, self.rigid + self.flex_max, arrays["load"],
                              hessian=sp.identity(T) * self.b * self.dt)

    def respond(self, prices: np.ndarray) -> Response:
        """Closed-form optimum for every row of ``prices`` (n, T) yuan/kWh."""
        p = check_prices(prices, len(self.rigid), "FlexibleUsers")
        lo, hi = np.asarray(self.rigid, float), np.asarray(self.rigid + self.flex_max, float)
        load = np.clip((self.a - p) / self.b, lo, hi)
        if self.need is not None:
            short = load.sum(axis=1) * self.dt < self.need
            if short.any():
                load[short] = self._with_need(p[short], lo, hi)
        return Response(self.utility(load, p), np.zeros(len(p), np.int8),
                        {"load": load, "flex": load - self.rigid})

    def _with_need(self, p: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Loads (n, T) meeting the need exactly for rows whose plain optimum falls short."""
        base = (self.a - p) / self.b                          # load at lam = 0, before clipping
        need = self.need / self.dt
        lam_lo = np.zeros(len(p))
        lam_hi = np.full(len(p), self.b * (hi - base).max() + 1.0)
        for _ in range(100):                                  # to the active set
            mid = 0.5 * (lam_lo + lam_hi)
            low = np.clip(base + mid[:, None] / self.b, lo, hi).sum(axis=1) < need
            lam_lo, lam_hi = np.where(low, mid, lam_lo), np.where(low, lam_hi, mid)
        x = np.clip(base + lam_hi[:, None] / self.b, lo, hi)
        free = (x > lo) & (x < hi)                            # the active set's free hours
        k = free.sum(axis=1)
        rest = np.where(free, 0.0, x).sum(axis=1) + np.where(free, base, 0.0).sum(axis=1)
        lam = np.where(k > 0, self.b * (need - rest) / np.maximum(k, 1), lam_hi)
        return np.clip(base + lam[:, None] / self.b, lo, hi)
