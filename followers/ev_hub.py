"""An EV charging hub: charge-only sessions, each with a plug-in window and an energy need.

    min  sum_s sum_{t in window_s} R(t) c_s(t) dt
    s.t. 0 <= c_s(t) <= P_max_s,   sum_{t in window_s} c_s(t) dt = need_s,
         c_s(t) = 0 outside window_s                                  (s = 1..S sessions)

(an LP; one session is the hub as a whole, several are its charging sessions, e.g. one per
vehicle or per fleet, each on its own charger; the vehicles' battery losses and state
limits are not modelled: a session draws its need within its window). Exact method: each
session fills its window's cheapest hours first (a greedy fill, batched: one sort per
individual and session); prices within ``TIE`` (relative) of each other count as one
level, so a tie is not lost to a rounding error in the leader's prices (the cost differs by
at most TIE x the price x need). A session ties whenever hours of the price at which its
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
    """An EV hub: one charging session, or S of them.

    | parameter | unit | meaning | default |
    |---|---|---|---|
    | ``window`` | - | (T,) bool, the hours the vehicles are plugged in; or (S, T), one row per session | required |
    | ``p_max`` | kW | the charging power in each hour: a number, or (S,) one per session | required |
    | ``need`` | kWh | what a session draws within its window (at most p_max x its hours x dt): a number, or (S,) | required |
    | ``dt`` | h | step length | 1 |

    Its answer: ``charge`` (n, T) kW, the hub's total, and ``sessions`` (n, S, T) kW, each
    session's own plan.
    """

    window: np.ndarray
    p_max: float | np.ndarray
    need: float | np.ndarray
    dt: float = 1.0

    def __post_init__(self) -> None:
        w = np.asarray(self.window)
        if w.ndim not in (1, 2) or w.dtype != bool or w.shape[-1] == 0 or w.size == 0:
            raise InputError(f"EVHub.window must be a (T,) or (S, T) bool array, got {w.dtype} "
                             f"shape {w.shape}")
        S = 1 if w.ndim == 1 else len(w)
        for name in ("p_max", "need"):
            v = np.asarray(getattr(self, name), float)
            if v.ndim > 1 or (v.ndim == 1 and len(v) != S):
                raise InputError(f"EVHub.{name} must be a number or one value per session "
                                 f"({S}), got shape {v.shape}")
            if not np.all(np.isfinite(v)):
                raise InputError(f"EVHub.{name} must be finite, got {v.tolist()}")
        if not np.all(self.powers > 0) or not np.all(self.needs >= 0):
            raise InputError(f"EVHub: need p_max > 0 and need >= 0, got {np.asarray(self.p_max).tolist()}, "
                             f"{np.asarray(self.need).tolist()}")
        if not (np.isfinite(self.dt) and self.dt > 0):
            raise InputError(f"EVHub.dt must be finite and > 0, got {self.dt}")
        room = self.windows.sum(axis=1) * self.powers * self.dt
        over = np.flatnonzero(self.needs > room * (1 + 1e-12))
        if len(over):
            s = int(over[0])
            which = f"session {s}: " if w.ndim == 2 else ""
            raise InputError(f"EVHub.need = {self.needs[s]} kWh exceeds what the window can charge "
                             f"({which}{int(self.windows[s].sum())} steps x {self.dt:g} h x "
                             f"{self.powers[s]:g} kW)")

    @property
    def T(self) -> int:
        return np.shape(self.window)[-1]

    @property
    def windows(self) -> np.ndarray:
        """(S, T) bool: each session's plug-in hours."""
        return np.atleast_2d(np.asarray(self.window, bool))

    @property
    def powers(self) -> np.ndarray:
        """(S,) kW: each session's charging power."""
        return np.broadcast_to(np.asarray(self.p_max, float), (len(self.windows),))

    @property
    def needs(self) -> np.ndarray:
        """(S,) kWh: each session's energy need."""
        return np.broadcast_to(np.asarray(self.need, float), (len(self.windows),))

    #: the response arrays a leader's valuation may weigh (:meth:`select`): the total and
    #: each session's plan (a leader may price sessions differently)
    select_arrays = ("charge", "sessions")

    def _levels(self, p: np.ndarray) -> np.ndarray:
        """(n, S, T) price levels: a session's window hours whose prices differ by at most
        ``TIE`` (relative, a few rounding errors) share a level, ranked from the cheapest;
        inf outside its window."""
        W = self.windows[None]
        big = np.where(W, p[:, None, :], np.inf)
        order = np.argsort(big, axis=-1, kind="stable")
        s = np.take_along_axis(big, order, -1)
        with np.errstate(invalid="ignore"):             # inf - inf past the window's hours
            step = np.diff(s, axis=-1) > TIE * (1.0 + np.abs(s[..., 1:]))
        rank = np.concatenate([np.zeros(s.shape[:-1] + (1,)), np.cumsum(step, axis=-1)], axis=-1)
        out = np.empty_like(rank)
        np.put_along_axis(out, order, rank, axis=-1)
        return np.where(W, out, np.inf)

    def _fill(self, p: np.ndarray, key2: np.ndarray) -> np.ndarray:
        """Charge (n, S, T): each session's window hours by rising price level, then by
        ``key2`` ((n, T), or (n, S, T) one key a session), filled in turn."""
        big = self._levels(p)
        key2 = key2[:, None, :] if key2.ndim == 2 else key2
        order = np.lexsort((np.broadcast_to(key2, big.shape), big), axis=-1)
        cap = np.where(np.take_along_axis(big, order, -1) < np.inf,
                       self.powers[None, :, None] * self.dt, 0.0)
        before = np.cumsum(cap, axis=-1) - cap
        energy = np.clip(self.needs[None, :, None] - before, 0.0, cap)
        out = np.zeros(big.shape)
        np.put_along_axis(out, order, energy / self.dt, axis=-1)
        return out

    def _response(self, p: np.ndarray, sessions: np.ndarray, status: np.ndarray) -> Response:
        c = sessions.sum(axis=1)
        return Response(-(p * c).sum(axis=1) * self.dt, status, {"charge": c, "sessions": sessions})

    def respond(self, prices: np.ndarray) -> Response:
        """The greedy fill for every row of ``prices`` (n, T) yuan/kWh (earliest hour first
        among equal prices)."""
        p = check_prices(prices, self.T, "EVHub")
        c = self._fill(p, np.broadcast_to(np.arange(self.T, dtype=float), p.shape))
        return self._response(p, c, np.zeros(len(p), np.int8))

    def ties(self, prices: np.ndarray, base: Response) -> np.ndarray:
        """(n,) rows whose optimal fill is not unique: in some session, two window hours at
        the same price level, one with room left and the other charging (moving energy
        between them keeps the cost; with one equality row a session, that is the only
        way to tie). Counted per (row, session, level) in O(n S T)."""
        p = check_prices(prices, self.T, "EVHub")
        c = base.arrays["sessions"]
        n, (S, T) = len(p), self.windows.shape
        P = self.powers[None, :, None]
        W = self.windows[None]
        room = W & (c < P * (1 - 1e-12))
        used = W & (c > P * 1e-12)
        level = np.where(W, self._levels(p), T).astype(np.int64)    # T: outside the window
        flat = (np.arange(n * S).reshape(n, S, 1) * (T + 1) + level).ravel()

        def count(mask):
            return np.bincount(flat, weights=mask.ravel(), minlength=n * S * (T + 1))
        r, u, b = count(room), count(used), count(room & used)
        # a level ties when it has an hour with room and another that charges: not when
        # its only hour with room is its only hour that charges (one part-filled hour)
        tie = (r >= 1) & (u >= 1) & ~((r == 1) & (u == 1) & (b == 1))
        return tie.reshape(n, S * (T + 1)).any(axis=1)

    def select(self, prices: np.ndarray, weights: dict, base: Response) -> tuple[Response, np.ndarray]:
        """Among each row's optimal fills, one maximising the leader's valuation
        sum weights["charge"] . charge + sum weights["sessions"] . sessions (a missing
        array weighs 0; exact: in every session, among equal prices, the hours the leader
        values most for that session are filled first). Returns (response, moved (n,) bool)."""
        p = check_prices(prices, self.T, "EVHub")
        n, S = len(p), len(self.windows)
        w_c = np.broadcast_to(np.asarray(weights.get("charge", 0.0), float), (n, self.T))
        w_s = np.broadcast_to(np.asarray(weights.get("sessions", 0.0), float), (n, S, self.T))
        key = w_c[:, None, :] + w_s                   # a session's value per kW in each hour
        c = self._fill(p, -key)
        value = lambda sessions: (key * sessions).sum(axis=(1, 2))           # noqa: E731
        v0, v = value(base.arrays["sessions"]), value(c)
        moved = v > v0 + 1e-12 * (1 + np.abs(v0))
        c = np.where(moved[:, None, None], c, base.arrays["sessions"])
        return self._response(p, c, base.status.copy()), moved

    def certificate(self, price: np.ndarray, arrays: dict) -> Certificate:
        """:func:`~stackga.followers.certify.certificate.lp_certificate` of a plan: the
        sessions' LP (S x T columns, one need row a session) at ``arrays["sessions"]``
        (S, T), or ``arrays["charge"]`` (T,) for one session."""
        W = self.windows
        S, T = W.shape
        if "sessions" not in arrays and S > 1:
            raise InputError(f"EVHub.certificate: a hub of {S} sessions needs arrays['sessions'] "
                             f"({S}, {T}), got only {sorted(arrays)}")
        y = np.asarray(arrays["sessions"] if "sessions" in arrays else arrays["charge"], float)
        A = sp.kron(sp.identity(S), sp.csr_matrix(np.full((1, T), self.dt)), format="csr")
        hi = np.where(W, self.powers[:, None], 0.0).ravel()
        return lp_certificate(np.tile(np.asarray(price, float) * self.dt, S), A, self.needs,
                              self.needs, np.zeros(S * T), hi, y.ravel())
