"""An EV charging hub: charge-only storage with a plug-in window and a daily energy need.

    min  sum_{t in window} R(t) c(t) dt
    s.t. 0 <= c(t) <= P_max,   sum_{t in window} c(t) dt = need,   c(t) = 0 outside the window

(an LP; the hub's battery losses and state limits are not modelled: it draws ``need`` kWh
within the window). Exact method: fill the window's cheapest hours first (a greedy fill,
batched: one sort per individual); prices within ``TIE`` (relative) of each other count
as one level, so a tie is not lost to a rounding error in the leader's prices (the cost
differs by at most TIE x the price x need). The hub ties whenever hours of the price at which the
fill stops can share the rest in more than one way; its own rule fills the earliest of
them first, and :meth:`EVHub.select` fills them by a leader's valuation instead
(:mod:`stackga.selection`). Units: kW, kWh, yuan/kWh.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from stackga.errors import InputError

from .certify.certificate import Certificate, lp_certificate
from .response import Response, check_prices

__all__ = ["EVHub"]

TIE = 1e-12     # prices this close (relative) are one level: the hub is indifferent between them


@dataclass(frozen=True)
class EVHub:
    """An EV hub.

    | parameter | unit | meaning | default |
    |---|---|---|---|
    | ``window`` | - | (T,) bool, the hours the vehicles are plugged in | required |
    | ``p_max`` | kW | the hub's charging power in each hour | required |
    | ``need`` | kWh | what it draws within the window (at most p_max x its hours) | required |
    | ``dt`` | h | step length | 1 |
    """

    window: np.ndarray
    p_max: float
    need: float
    dt: float = 1.0

    def __post_init__(self) -> None:
        w = np.asarray(self.window)
        if w.ndim != 1 or w.dtype != bool:
            raise InputError(f"EVHub.window must be a 1-D bool array, got {w.dtype} shape {w.shape}")
        if not self.p_max > 0 or not self.need >= 0:
            raise InputError(f"EVHub: need p_max > 0 and need >= 0, got {self.p_max}, {self.need}")
        if self.need > w.sum() * self.p_max * self.dt * (1 + 1e-12):
            raise InputError(f"EVHub.need = {self.need} kWh exceeds what the window can charge "
                             f"({w.sum()} h x {self.p_max} kW)")

    @property
    def T(self) -> int:
        return len(self.window)

    #: the response arrays a leader's valuation may weigh (:meth:`select`)
    select_arrays = ("charge",)

    def _levels(self, p: np.ndarray) -> np.ndarray:
        """(n, T) price levels: window hours whose prices differ by at most ``TIE`` (relative,
        a few rounding errors) share a level, ranked from the cheapest; inf outside."""
        big = np.where(self.window, p, np.inf)
        order = np.argsort(big, axis=1, kind="stable")
        s = np.take_along_axis(big, order, 1)
        with np.errstate(invalid="ignore"):             # inf - inf past the window's hours
            step = np.diff(s, axis=1) > TIE * (1.0 + np.abs(s[:, 1:]))
        rank = np.concatenate([np.zeros((len(p), 1)), np.cumsum(step, axis=1)], axis=1)
        out = np.empty_like(rank)
        np.put_along_axis(out, order, rank, axis=1)
        return np.where(self.window, out, np.inf)

    def _fill(self, p: np.ndarray, key2: np.ndarray) -> np.ndarray:
        """Charge (n, T): window hours by rising price level, then by ``key2``, filled in turn."""
        big = self._levels(p)
        order = np.lexsort((key2, big), axis=-1)
        cap = np.where(np.take_along_axis(big, order, 1) < np.inf, self.p_max * self.dt, 0.0)
        before = np.cumsum(cap, axis=1) - cap
        energy = np.clip(self.need - before, 0.0, cap)
        out = np.zeros_like(p)
        np.put_along_axis(out, order, energy / self.dt, axis=1)
        return out

    def respond(self, prices: np.ndarray) -> Response:
        """The greedy fill for every row of ``prices`` (n, T) yuan/kWh (earliest hour first
        among equal prices)."""
        p = check_prices(prices, self.T, "EVHub")
        c = self._fill(p, np.broadcast_to(np.arange(self.T, dtype=float), p.shape))
        return Response(-(p * c).sum(axis=1) * self.dt, np.zeros(len(p), np.int8), {"charge": c})

    def ties(self, prices: np.ndarray, base: Response) -> np.ndarray:
        """(n,) rows whose optimal fill is not unique: two window hours at the same price
        level, one with room left and the other charging (moving energy between them
        keeps the cost; with one equality row, that is the only way to tie)."""
        p = check_prices(prices, self.T, "EVHub")
        c = base.arrays["charge"]
        full, empty = c >= self.p_max * (1 - 1e-12), c <= self.p_max * 1e-12
        level = self._levels(p)
        room = np.where(self.window & ~full, level, np.nan)
        used = np.where(self.window & ~empty, level, np.nan)
        same = (room[:, :, None] == used[:, None, :]) & ~np.eye(self.T, dtype=bool)
        return same.any(axis=(1, 2))

    def select(self, prices: np.ndarray, weights: dict, base: Response) -> tuple[Response, np.ndarray]:
        """Among each row's optimal fills, one maximising sum_t weights["charge"] c(t)
        (exact: among equal prices, the hours the leader values most are filled first).
        Returns (response, moved (n,) bool)."""
        p = check_prices(prices, self.T, "EVHub")
        w = np.asarray(weights["charge"], float)
        c = self._fill(p, -w)
        v0, v = (w * base.arrays["charge"]).sum(1), (w * c).sum(1)
        moved = v > v0 + 1e-12 * (1 + np.abs(v0))
        c = np.where(moved[:, None], c, base.arrays["charge"])
        return Response(-(p * c).sum(axis=1) * self.dt, base.status.copy(), {"charge": c}), moved

    def certificate(self, price: np.ndarray, arrays: dict) -> Certificate:
        """:func:`~stackga.followers.certify.certificate.lp_certificate` of a charge plan (T,)."""
        hi = np.where(self.window, self.p_max, 0.0)
        return lp_certificate(price * self.dt, sp.csr_matrix(np.full((1, self.T), self.dt)),
                              [self.need], [self.need], np.zeros(self.T), hi, arrays["charge"])
