"""An aggregate store (e.g. a V2G fleet) run by an agent that minimises its owners' cost
under tariffs and power caps set by the leader, per individual (v2g paper, eq. 7-14).

    min  f = sum_t [ k_c(t) P_c(t) + k_b (P_c(t) + P_d(t)) - k_d(t) P_d(t) ] dt
    s.t. E(t+1) = E(t) + (eta_c P_c(t) - P_d(t) / eta_d) dt - E_need(t)       (eq. 11)
         E_min <= E(t) <= E_max  (t = 1..T),   E(T) >= E_final,   E(0) = E0  (eq. 12)
         0 <= P_c(t) <= min(cap_c(t), P_c_max) avail(t)                       (eq. 10, 13)
         0 <= P_d(t) <= min(cap_d(t), P_d_max) avail(t)
         P_c(t) P_d(t) = 0                                                    (eq. 14)
         with ``discharge_floor``: P_d(t) > 0 only if E(t+1) >= discharge_floor
         (a discharge threshold; :mod:`stackga.followers.storage_rule`)

The leader's input for n individuals is one matrix (n, 4T): [k_c | k_d | cap_c | cap_d]
($/MWh, $/MWh, MW, MW). Units: MW, MWh, $.

Method: the exact storage recursion (:mod:`stackga.followers.storage_dp`) on the state E with
per-individual move limits up = eta_c cap_c dt, down = cap_d dt / eta_d, a cost of
(k_c + k_b) / eta_c per MWh stored and a revenue of (k_d - k_b) eta_d per MWh drawn.
It plans the net move of each hour, so eq. 14 holds in every response, and it is the
LP's optimum wherever storing costs at least what drawing earns in the same hour
(or only one direction is open): then charging and discharging in one hour never
pays. Where both directions are open and drawing earns more (same-hour arbitrage,
which eq. 14 forbids and the LP without it would exploit), the problem needs binaries;
those individuals are marked SOLVER_FAILED and counted in ``stats["arbitrage"]``.
Among the agent's optimal plans the recursion takes, hour by hour, the one closest to
idle (so charging that costs the same in every hour is deferred): an explicit
tie-break that depends on the individual alone.

With a discharge threshold the problem is the best of a few convex pieces
(:func:`~stackga.followers.storage_rule.discharge_rule_pieces`: which states carry the
threshold, which hours may not discharge; travel energy only in hours the store is
disconnected): the recursion solves every piece of every individual in one batch and
each individual keeps its cheapest piece (among equally cheap ones the plan closest to
idle, then the first; ``arrays["rule_piece"]``). Ties, selection and certificates then work within that
piece's LP (an optimal plan of another, equally cheap piece is not considered).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from stackga.errors import InputError

from .certify.certificate import Certificate, lp_certificate
from .certify.tie_values import (
    best_under_recourse,
    bind_blocks,
    recourse_value,
)
from .response import Response, Status
from .storage_dp import StorageLP, outside_method, solve_storage, steered_plans
from .storage_rule import discharge_rule_pieces

__all__ = ["StorageAgent"]


@dataclass(frozen=True)
class StorageAgent:
    """The store's data (energies MWh, powers MW, k_b $/MWh); ``need`` and ``available``
    are (T,): travel energy drawn in each hour and whether the store is connected;
    ``discharge_floor`` (MWh, or None): the discharge threshold (module docstring), with
    ``e_min`` then the physical floor of every state."""

    capacity: float
    e0: float
    e_min: float
    e_max: float
    e_final: float
    p_ch_max: float
    p_dis_max: float
    eta_c: float
    eta_d: float
    wear: float
    need: np.ndarray
    available: np.ndarray
    dt: float = 1.0
    discharge_floor: float | None = None
    _pieces: tuple | None = field(default=None, init=False, repr=False, compare=False)
    stats: dict = field(default_factory=lambda: {"arbitrage": 0, "exact_qps": 0, "exact_qps_failed": 0},
                        compare=False,
                        repr=False)

    def __post_init__(self) -> None:
        for name in ("capacity", "eta_c", "eta_d", "dt"):
            if not getattr(self, name) > 0:
                raise InputError(f"StorageAgent.{name} must be > 0, got {getattr(self, name)}")
        if not 0 <= self.e_min <= self.e0 <= self.e_max <= self.capacity:
            raise InputError(f"StorageAgent: need 0 <= e_min <= e0 <= e_max <= capacity, got "
                             f"{self.e_min}, {self.e0}, {self.e_max}, {self.capacity}")
        if self.e_final > self.e_max:
            raise InputError(f"StorageAgent: e_final = {self.e_final} > e_max = {self.e_max}: "
                             f"no plan can end that full")
        need = np.asarray(self.need, float)
        avail = np.asarray(self.available, bool)
        if need.ndim != 1 or avail.shape != need.shape or np.any(need < 0):
            raise InputError("StorageAgent: need must be >= 0 and need, available (T,) alike")
        object.__setattr__(self, "need", need)
        object.__setattr__(self, "available", avail)
        pieces = None
        if self.discharge_floor is not None:
            if not self.e_min <= self.discharge_floor <= self.e_max:
                raise InputError(f"StorageAgent.discharge_floor = {self.discharge_floor} must lie in "
                                 f"[e_min, e_max] = [{self.e_min}, {self.e_max}]")
            if np.any(need[avail] > 0):
                t = int(np.flatnonzero(avail & (need > 0))[0])
                raise InputError(f"StorageAgent: need[{t}] = {need[t]:g} in a connected hour: the "
                                 f"discharge threshold's pieces assume travel only while "
                                 f"disconnected (followers/storage_rule.py)")
            pieces = discharge_rule_pieces(avail, self.e0, self.discharge_floor)
        object.__setattr__(self, "_pieces", pieces)

    @property
    def T(self) -> int:
        return len(self.need)

    def split(self, leader: np.ndarray) -> tuple[np.ndarray, ...]:
        """(k_c, k_d, cap_c, cap_d), each (n, T), from the leader's matrix (n, 4T)."""
        m = np.asarray(leader, float)
        T = self.T
        if m.ndim != 2 or m.shape[1] != 4 * T or not np.all(np.isfinite(m)):
            raise InputError(f"StorageAgent: the leader's input must be finite with shape "
                             f"(n, {4 * T}) = [k_c | k_d | cap_c | cap_d], got {m.shape}")
        if np.any(m[:, 2 * T:] < 0):
            raise InputError("StorageAgent: power caps must be >= 0")
        return m[:, :T], m[:, T:2 * T], m[:, 2 * T:3 * T], m[:, 3 * T:]

    @property
    def n_pieces(self) -> int:
        """The convex pieces of the discharge rule (1 without a threshold)."""
        return 1 if self._pieces is None else len(self._pieces[0])

    def piece_bounds(self, piece: int) -> tuple[np.ndarray, np.ndarray]:
        """(e_lo (T + 1,) the lower bound of every state, may_discharge (T,) bool) in one
        piece of the discharge rule (or the store's own bounds without a threshold)."""
        if self._pieces is None:
            return np.full(self.T + 1, self.e_min), np.ones(self.T, bool)
        lo, may = self._piece_bounds(np.array([piece]))
        return lo[0], may[0]

    def _piece_bounds(self, piece: np.ndarray):
        """(s_lo (n, T + 1), may_discharge (n, T)) of each row's piece of the discharge
        rule (``piece`` (n,) ints)."""
        floor_on, no_dis = self._pieces
        piece = np.asarray(piece, int)
        return (np.where(floor_on[piece], max(self.e_min, self.discharge_floor), self.e_min),
                ~no_dis[piece])

    def _dp(self, leader: np.ndarray, piece: np.ndarray | None = None):
        """The recursion's inputs: (k_c, k_d, StorageLP, c_up, c_dn, arbitrage (n,)); with a
        discharge threshold, in each row's ``piece`` (n,) of the rule."""
        k_c, k_d, cap_c, cap_d = self.split(leader)
        T, dt = self.T, self.dt
        up = np.minimum(cap_c, self.p_ch_max) * self.available * self.eta_c * dt
        dn = np.minimum(cap_d, self.p_dis_max) * self.available * dt / self.eta_d
        c_up = (k_c + self.wear) / self.eta_c            # $ per MWh stored
        c_dn = (k_d - self.wear) * self.eta_d            # $ per MWh drawn
        # a closed direction's price is irrelevant: align it so the premise c_up >= c_dn holds
        c_up = np.where(up > 0, c_up, np.maximum(c_up, c_dn))
        c_dn = np.where(dn > 0, c_dn, np.minimum(c_up, c_dn))
        # within 1e-8 (relative) of the premise the leader's constraint counts as met
        # (its own tolerance is 1e-9 of the tariffs): c_dn is then clipped to c_up
        arbitrage = outside_method(c_up, c_dn, rel=1e-8)
        s_lo = np.full(T + 1, self.e_min)
        if self._pieces is not None:
            s_lo, may = self._piece_bounds(piece if piece is not None else np.zeros(len(up), int))
            dn = dn * may
        m = StorageLP(s0=self.e0, s_lo=s_lo, s_hi=np.full(T + 1, self.e_max),
                      up_max=up, dn_max=dn, drift=-self.need, s_final=self.e_final)
        return k_c, k_d, m, c_up, np.minimum(c_dn, c_up), arbitrage

    def _piece_of(self, base) -> np.ndarray | None:
        """(n,) the pieces of a response's rows (None without a discharge threshold)."""
        if self._pieces is None:
            return None
        arrays = base.arrays if hasattr(base, "arrays") else base
        return np.asarray(arrays["rule_piece"], float).astype(int)

    def _powers(self, u: np.ndarray):
        return np.maximum(u, 0.0) / (self.eta_c * self.dt), np.maximum(-u, 0.0) * self.eta_d / self.dt

    def _best_piece(self, leader: np.ndarray) -> np.ndarray:
        """(n,) each row's cheapest piece of the discharge rule (the first of pieces within
        1e-9 relative of the cheapest; 0 where none is feasible): every piece of every row
        solved in one batch."""
        X = np.atleast_2d(np.asarray(leader, float))
        n, V = len(X), len(self._pieces[0])
        rows = np.repeat(X, V, axis=0)
        piece = np.tile(np.arange(V), n)
        k_c, k_d, m, c_up, c_dn, _ = self._dp(rows, piece)
        u, _, feasible = solve_storage(m, c_up, c_dn)
        c, d = self._powers(u)
        cost = np.where(feasible, self.cost(k_c, k_d, c, d), np.inf).reshape(n, V)
        best = cost.min(axis=1, keepdims=True)
        # among equally cheap pieces the plan closest to idle (the recursion's own rule),
        # then the first piece
        moved = np.where(cost <= best + 1e-9 * (1.0 + np.abs(best)),
                         np.abs(u).sum(axis=1).reshape(n, V), np.inf)
        first = np.argmin(moved, axis=1)
        return np.where(np.isfinite(best[:, 0]), first, 0)

    def respond(self, leader: np.ndarray) -> Response:
        piece = self._best_piece(leader) if self._pieces is not None else None
        k_c, k_d, m, c_up, c_dn, arbitrage = self._dp(leader, piece)
        self.stats["arbitrage"] += int(arbitrage.sum())
        u, e, feasible = solve_storage(m, c_up, c_dn)
        p_ch, p_dis = self._powers(u)
        ok = feasible & ~arbitrage
        status = np.where(ok, Status.OPTIMAL,
                          np.where(arbitrage, Status.SOLVER_FAILED, Status.INFEASIBLE)).astype(np.int8)
        p_ch[~ok], p_dis[~ok], e[~ok] = 0.0, 0.0, 0.0
        arrays = {"p_ch": p_ch, "p_dis": p_dis, "energy": e}
        if piece is not None:
            arrays["rule_piece"] = piece.astype(float)
        return Response(np.where(ok, self.cost(k_c, k_d, p_ch, p_dis), 0.0), status, arrays)

    #: the response arrays a leader's valuation may weigh (:meth:`select`)
    select_arrays = ("p_ch", "p_dis", "energy")

    def _preferring(self, leader: np.ndarray, a_up, a_dn, base: Response, deltas):
        """Plans of the recursion with its costs moved toward a valuation a_up, a_dn (n, T)
        of each MWh stored or drawn, by eps = delta (1 + |costs|) / |a| for each delta in
        turn; a row keeps the first plan that costs the owners no more than ``base``
        (within 1e-9 relative). Returns ((p_ch, p_dis, energy), ok (n,))."""
        k_c, k_d, m, c_up, c_dn, arbitrage = self._dp(leader, self._piece_of(base))

        def model_of(rows):
            s_lo = m.s_lo[rows] if np.ndim(m.s_lo) == 2 else m.s_lo
            return StorageLP(s0=m.s0, s_lo=s_lo, s_hi=m.s_hi, up_max=m.up_max[rows],
                             dn_max=m.dn_max[rows], drift=m.drift, s_final=m.s_final)

        def accept(rows, u, e, feas):
            c, d = self._powers(u)
            r0 = base.objective[rows]
            return feas & (self.cost(k_c[rows], k_d[rows], c, d) <= r0 + 1e-9 * (1.0 + np.abs(r0)))

        u, e, ok = steered_plans(model_of, c_up, c_dn, a_up, a_dn, base.ok & ~arbitrage, deltas, accept)
        c, d = self._powers(u)
        return (c, d, e), ok

    def ties(self, leader: np.ndarray, base: Response) -> np.ndarray:
        """(n,) rows whose optimal plan is not unique: the recursion re-run with its costs
        moved by a tiny fixed direction, both ways, finds another optimal plan."""
        n = len(base.status)
        r = np.cos(2.3 * np.arange(self.T) + 0.7)[None, :] * np.ones((n, 1))
        tied = np.zeros(n, bool)
        tol = 1e-9 * max(self.p_ch_max, self.p_dis_max)
        for sign in (1.0, -1.0):
            (c, d, _), ok = self._preferring(leader, sign * r, -sign * r, base, (1e-9,))
            tied |= ok & (np.abs(c - base.arrays["p_ch"]).max(axis=1)
                          + np.abs(d - base.arrays["p_dis"]).max(axis=1) > tol)
        return tied

    def select(self, leader: np.ndarray, weights: dict, base: Response) -> tuple[Response, np.ndarray]:
        """Among each row's optimal plans, one maximising the leader's linear valuation
        sum_a weights[a] . arrays[a] (``p_ch``, ``p_dis`` (n, T) per MW, ``energy`` (n, T + 1)
        per MWh), or ``base`` where none values more. Returns (response, moved (n,))."""
        dt = self.dt
        G = np.cumsum(weights["energy"][:, :0:-1], axis=1)[:, ::-1]
        a_up = weights["p_ch"] / (self.eta_c * dt) + G
        a_dn = weights["p_dis"] * self.eta_d / dt - G
        (c, d, e), ok = self._preferring(leader, a_up, a_dn, base, (1e-7, 1e-10))
        return self._keep_better(base, ok, c, d, e, lambda c_, d_, e_: (
            (weights["p_ch"] * c_).sum(1) + (weights["p_dis"] * d_).sum(1) + (weights["energy"] * e_).sum(1)))

    @staticmethod
    def _keep_better(base: Response, ok, c, d, e, value):
        b = base.arrays
        v0 = value(b["p_ch"], b["p_dis"], b["energy"])
        moved = ok & (value(c, d, e) > v0 + 1e-12 * (1 + np.abs(v0)))
        arrays = {k: np.where(moved[:, None], new, b[k]) for k, new in
                  (("p_ch", c), ("p_dis", d), ("energy", e))}
        return Response(base.objective.copy(), base.status.copy(), {**b, **arrays}), moved

    def select_exact(self, leader: np.ndarray, leaders: list, base: Response) -> tuple[Response, np.ndarray]:
        """Among each row's optimal plans, one maximising a recourse leader view per row
        (``leaders``: :class:`~stackga.followers.certify.tie_values.RecourseLeader`, z the
        store's net draw p_ch - p_dis, MW), exactly. First the recursion's selection with
        the view's gradient at the answer (F is concave: F <= F(z0) - g (z - z0) + lin);
        where its plan reaches that bound it is a best plan, else one convex QP over the
        optimal face (:func:`~stackga.followers.certify.tie_values.best_under_recourse`,
        counted in ``stats["exact_qps"]``; one that fails, or whose answer breaks the
        follower's rows, leaves the row's own answer, counted in ``stats["exact_qps_failed"]``).
        Returns (response, moved (n,) bool)."""
        n, T = len(base.status), self.T
        b = base.arrays
        w_ch, w_dis = np.zeros((n, T)), np.zeros((n, T))
        R_at = np.full(n, np.nan)                   # the recourse at the answer, solved once
        for i, L in enumerate(leaders):
            if not base.ok[i]:
                continue
            R, g = recourse_value(L, L.z_at)
            if R is None or not np.isfinite(R):
                continue
            R_at[i] = R
            w_ch[i] = -g + (0.0 if L.lin_ch is None else L.lin_ch)
            w_dis[i] = g + (0.0 if L.lin_dis is None else L.lin_dis)
        w = {"p_ch": w_ch, "p_dis": w_dis, "energy": np.zeros_like(b["energy"])}
        lin_sel, _ = self.select(leader, w, base)
        arrays = {k: v.copy() for k, v in b.items()}
        moved = np.zeros(n, bool)
        rows = np.atleast_2d(np.asarray(leader, float))
        lin = lambda a, v: 0.0 if a is None else float(np.asarray(a) @ v)       # noqa: E731
        for i in np.flatnonzero(np.isfinite(R_at)):
            L, R0 = leaders[i], R_at[i]
            c, d, e = (lin_sel.arrays[k][i] for k in ("p_ch", "p_dis", "energy"))
            dc, dd = c - b["p_ch"][i], d - b["p_dis"][i]
            bound = w_ch[i] @ dc + w_dis[i] @ dd
            R1, _ = recourse_value(L, L.z_at + dc - dd) if np.any(dc - dd) else (R0, None)
            gain = (R0 - R1 + lin(L.lin_ch, dc) + lin(L.lin_dis, dd)) if R1 is not None else -np.inf
            tol = 1e-9 * (1.0 + abs(R0))
            if not gain >= bound - tol:                     # the exact QP over the face
                self.stats["exact_qps"] += 1
                plan, gain = self._best_under(rows[i], b, int(i), L, R0)
                if plan is None:               # not solved, or an answer off its rows: own rule
                    self.stats["exact_qps_failed"] += 1
                    continue
                c, d, e = plan
            if gain > tol:
                arrays["p_ch"][i], arrays["p_dis"][i], arrays["energy"][i] = c, d, e
                moved[i] = True
        return Response(base.objective.copy(), base.status.copy(), arrays), moved

    def _best_under(self, leader_row, b: dict, i: int, L, R_at: float):
        """The exact best plan for a recourse view at one individual: ((p_ch, p_dis,
        energy) or None, gain)."""
        piece = None if self._pieces is None else int(b["rule_piece"][i])
        cost, A, rhs, col_lo, col_hi = self._lp(leader_row, piece)
        y = np.r_[b["p_ch"][i], b["p_dis"][i], b["energy"][i][1:]]
        T = self.T
        view = bind_blocks(L, sp.identity(T), 3, ch=0, dis=1)
        v, gain = best_under_recourse(cost, A, rhs, rhs, col_lo, col_hi, y, float(cost @ y), view,
                                      R_at=R_at)
        if v is None:
            return None, 0.0
        # a QP's answer may leave rounding residues in a closed direction (1e-10 MW charged
        # and discharged in one hour): below 1e-9 of the rated powers they are put to 0
        c = np.where(v[:T] > 1e-9 * self.p_ch_max, v[:T], 0.0)
        d = np.where(v[T:2 * T] > 1e-9 * self.p_dis_max, v[T:2 * T], 0.0)
        return (c, d, np.r_[b["energy"][i][0], v[2 * T:]]), gain

    def _lp(self, leader_row: np.ndarray, piece: int | None = None):
        """The agent's LP at one leader input (4T,): (cost, A, rhs, col_lo, col_hi) over
        (P_c, P_d, E(1..T)), rows E(t) - E(t-1) - eta_c P_c dt + P_d dt / eta_d = -need;
        with a discharge threshold, in its ``piece``."""
        k_c, k_d, cap_c, cap_d = (v[0] for v in self.split(np.asarray(leader_row)[None]))
        T, dt = self.T, self.dt
        eye, shift = sp.identity(T, format="csr"), sp.eye(T, k=-1, format="csr")
        A = sp.hstack([-self.eta_c * dt * eye, dt / self.eta_d * eye, eye - shift])
        rhs = -self.need.copy()
        rhs[0] += self.e0
        e_lo = np.full(T, self.e_min)
        e_lo[-1] = max(e_lo[-1], self.e_final)
        col_lo = np.r_[np.zeros(2 * T), e_lo]
        may = np.ones(T, bool)
        if self._pieces is not None:
            lo, may = (v[0] for v in self._piece_bounds(np.array([piece or 0])))
            col_lo[2 * T:] = np.maximum(col_lo[2 * T:], lo[1:])
        col_hi = np.r_[np.minimum(cap_c, self.p_ch_max) * self.available,
                       np.minimum(cap_d, self.p_dis_max) * self.available * may, np.full(T, self.e_max)]
        cost = np.r_[(k_c + self.wear) * dt, (self.wear - k_d) * dt, np.zeros(T)]
        return cost, A, rhs, col_lo, col_hi

    def certificate(self, leader_row: np.ndarray, arrays: dict, leader=None) -> Certificate:
        """:func:`stackga.followers.certify.certificate.lp_certificate` of a plan at one leader input (4T,):
        the LP eq. 7-13 with separate P_c, P_d (eq. 14 is checked in the response); with a
        discharge threshold, the LP of the plan's piece (the choice among pieces is by
        enumeration, :meth:`respond`).
        ``leader``: a leader's view (:mod:`stackga.followers.certify.tie_values`), bound to P_c and P_d, for
        the leader's values over the LP's ties."""
        piece = None if self._pieces is None else int(arrays["rule_piece"])
        cost, A, rhs, col_lo, col_hi = self._lp(leader_row, piece)
        if leader is not None:
            leader = bind_blocks(leader, sp.identity(self.T), 3, ch=0, dis=1)
        return lp_certificate(cost, A, rhs, rhs, col_lo, col_hi,
                              np.r_[arrays["p_ch"], arrays["p_dis"], arrays["energy"][1:]],
                              leader=leader)

    def cost(self, k_c, k_d, p_ch, p_dis) -> np.ndarray:
        """(n,) the owners' cost f (eq. 7-8) of plans p_ch, p_dis (n, T) at tariffs k_c, k_d."""
        return ((k_c + self.wear) * p_ch + (self.wear - k_d) * p_dis).sum(axis=1) * self.dt
