"""Battery of a storage operator (island paper, eq. 19-21).

    max  sum_t [ R(t) * (P_dis - P_ch) - alpha * (P_dis + P_ch) ] * dt
    s.t. E(t) = E(t-1) + (eta_c * P_ch - P_dis / eta_d) * dt
         E_min <= E(t) <= E_max,  E(T) >= E(0)
         X_ch * P_min <= P_ch <= X_ch * P_max,  X_dis * P_min <= P_dis <= X_dis * P_max
         X_ch + X_dis <= 1,  sum_t (X_ch + X_dis) <= N,  X binary

Exact method: the LP relaxation (drop P_min, N and the binaries) is solved
for the whole population by :func:`storage_dp.solve_storage`. Where its
optimum already satisfies the minimum power and the active-hour limit it is
optimal for the MILP too (a relaxation's optimum that is feasible is
optimal). The other individuals are re-solved one by one by the compiled,
exact best-first branch and bound :func:`binaries_bnb.binaries_bnb` (a few
microseconds per node); past ``BNB_MAX_NODES`` nodes a HiGHS MILP takes
over. ``stats`` counts both. With ``integer=False`` the LP
relaxation is the model. Units: kW, kWh, yuan.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from stackga.errors import InputError

from .backends.highs import solve_highs
from .certify.certificate import Certificate, lp_certificate
from .certify.tie_values import TOL as FACE_TOL
from .certify.tie_values import bind_blocks
from .kernels.storage_binaries import binaries_bnb
from .response import Response, Status, check_prices, status_from
from .storage_dp import StorageLP, default_big_m, outside_method, solve_storage, steered_plans

__all__ = ["Battery"]

BNB_MAX_NODES = 3_000   # per individual (~ one HiGHS MILP solve); beyond it HiGHS takes over


@dataclass(frozen=True)
class Battery:
    """A battery its operator runs for profit at the leader's prices (an LP; a MILP where a
    minimum power or an active-hour limit needs binaries). Every parameter that shapes the
    model is stated: nothing defaults to a value that changes it.

    | parameter | unit | meaning | default |
    |---|---|---|---|
    | ``capacity`` | kWh | usable energy at SOC 1 | required |
    | ``p_max`` | kW | charge and discharge power limit | required |
    | ``soc_min``, ``soc_max`` | - | SOC limits in every hour, 0 <= soc_min <= soc_max <= 1 | required |
    | ``soc0`` | - | SOC at the start; the day ends at least this full | required |
    | ``eta_c``, ``eta_d`` | - | charge and discharge efficiencies in (0, 1] | required |
    | ``alpha`` | yuan/kWh | wear cost per kWh charged or discharged | 0 |
    | ``p_min`` | kW | minimum power when active (needs binaries) | 0 |
    | ``max_active_hours`` | h | charging plus discharging hours a day (needs binaries) | none |
    | ``integer`` | - | with ``p_min`` or ``max_active_hours``: True (MILP, exact) or False (the LP relaxation, which drops them); required then | none |
    | ``T``, ``dt`` | -, h | steps and step length | 24, 1 |
    """

    capacity: float
    p_max: float
    soc_min: float
    soc_max: float
    soc0: float
    eta_c: float
    eta_d: float
    alpha: float = 0.0
    p_min: float = 0.0
    max_active_hours: int | None = None
    integer: bool | None = None
    T: int = 24
    dt: float = 1.0
    stats: dict = field(default_factory=lambda: dict.fromkeys(
        ("bnb_solves", "bnb_nodes", "milp_solves", "outside_solves"), 0), compare=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("capacity", "p_max", "eta_c", "eta_d"):
            if not getattr(self, name) > 0:
                raise InputError(f"Battery.{name} must be > 0, got {getattr(self, name)}")
        if not 0 <= self.soc_min <= self.soc0 <= self.soc_max <= 1:
            raise InputError(f"Battery: need 0 <= soc_min <= soc0 <= soc_max <= 1, got "
                             f"{self.soc_min}, {self.soc0}, {self.soc_max}")
        if not 0 <= self.p_min <= self.p_max:
            raise InputError(f"Battery.p_min must be in [0, p_max], got {self.p_min}")
        if not (self.eta_c <= 1 and self.eta_d <= 1):
            raise InputError(f"Battery: efficiencies must be in (0, 1], got eta_c = {self.eta_c}, "
                             f"eta_d = {self.eta_d}")
        n = self.max_active_hours
        if self.integer is None and (self.p_min > 0 or (n is not None and n < self.T)):
            raise InputError(f"Battery.integer: p_min = {self.p_min:g} kW and max_active_hours = "
                             f"{n} need binaries to hold; state integer=True (a MILP, exact) or "
                             f"integer=False (the LP relaxation, which drops them)")

    @property
    def binaries_bind(self) -> bool:
        """True when the MILP differs from its LP relaxation."""
        n = self.max_active_hours
        return bool(self.integer) and (self.p_min > 0 or (n is not None and n < self.T))

    @cached_property
    def storage(self) -> StorageLP:
        """The storage LP handed to the exact recursion (built once)."""
        T, e = self.T, self.capacity
        return StorageLP(
            s0=self.soc0 * e, s_lo=np.full(T + 1, self.soc_min * e),
            s_hi=np.full(T + 1, self.soc_max * e),
            up_max=np.full(T, self.eta_c * self.p_max * self.dt),
            dn_max=np.full(T, self.p_max * self.dt / self.eta_d),
            drift=np.zeros(T), s_final=self.soc0 * e)

    def profit(self, prices, ch, dis) -> np.ndarray:
        """(n,) operator's battery profit for powers (n, T) at prices (n, T)."""
        return ((prices - self.alpha) * dis - (prices + self.alpha) * ch).sum(axis=1) * self.dt

    def dp_costs(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cost of raising / revenue of lowering the stored energy by 1 kWh, (n, T) each."""
        return (p + self.alpha) / self.eta_c, (p - self.alpha) * self.eta_d

    def respond(self, prices: np.ndarray) -> Response:
        """Optimal plan for every row of ``prices`` (n, T) yuan/kWh."""
        p = check_prices(prices, self.T, "Battery")
        return self.from_dp(p, *solve_storage(self.storage, *self.dp_costs(p)))

    def _powers(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ch, dis) (n, T) kW from the recursion's change of stored energy u (n, T) kWh."""
        return np.maximum(u, 0.0) / (self.eta_c * self.dt), np.maximum(-u, 0.0) * self.eta_d / self.dt

    def from_dp(self, p, u, soc, feas) -> Response:
        """The response from the relaxation's solution; MILP where binaries bind, and
        the exact HiGHS model for rows outside the recursion's premise (prices so negative
        that charging and discharging in one hour pays, :func:`storage_dp.outside_method`):
        the MILP (no simultaneous charge and discharge) or, with ``integer=False``, the LP."""
        soc = soc.copy()
        ch, dis = self._powers(u)
        status = status_from(feas)
        outside = outside_method(*self.dp_costs(p))
        if self.binaries_bind:
            for i in np.flatnonzero(feas & ~outside & ~self._milp_feasible(ch, dis)):
                status[i], ch[i], dis[i], soc[i] = self._solve_binding(p[i])
        for i in np.flatnonzero(outside):
            self.stats["outside_solves"] += 1
            status[i], ch[i], dis[i], soc[i] = self._solve_milp(p[i], relax=not self.integer)
        ch[status != 0] = dis[status != 0] = 0.0
        return Response(np.where(status == 0, self.profit(p, ch, dis), 0.0), status,
                        {"ch": ch, "dis": dis, "soc": soc})

    #: the response arrays a leader's valuation may weigh (:meth:`select`)
    select_arrays = ("ch", "dis", "soc")

    def ties(self, prices: np.ndarray, base: Response) -> np.ndarray:
        """(n,) rows whose optimal plan at ``prices`` (n, T) is not unique: the recursion
        re-run with its costs moved by a tiny fixed direction, both ways, finds another
        optimal plan (:func:`storage_dp.select_plans`)."""
        p = check_prices(prices, self.T, "Battery")
        r = np.cos(2.3 * np.arange(self.T) + 0.7)[None, :] * np.ones((len(p), 1))
        tied = np.zeros(len(p), bool)
        for sign in (1.0, -1.0):
            plan, ok = self._plans_preferring(p, sign * r, -sign * r, base, (1e-9,))
            tied |= ok & (np.abs(plan[0] - base.arrays["ch"]).max(axis=1)
                          + np.abs(plan[1] - base.arrays["dis"]).max(axis=1) > 1e-9 * self.p_max)
        return tied

    def undecided(self, prices: np.ndarray, base: Response) -> np.ndarray:
        """(n,) rows answered by the exact MILP/LP path (binaries that bind, prices outside
        the recursion's premise): :meth:`ties` and :meth:`select` do not decide them, so
        they keep the own rule's answer (counted by :mod:`stackga.selection`)."""
        p = check_prices(prices, self.T, "Battery")
        c_up, c_dn = self.dp_costs(p)
        out = outside_method(c_up, c_dn)
        if self.binaries_bind:
            u, _, feas = solve_storage(self.storage, c_up, c_dn)
            ch, dis = self._powers(u)
            out |= feas & ~self._milp_feasible(ch, dis)
        return out

    def select(self, prices: np.ndarray, weights: dict, base: Response) -> tuple[Response, np.ndarray]:
        """Among each row's optimal plans at ``prices`` (n, T), one maximising the leader's
        linear valuation sum_a weights[a] * arrays[a] (``weights``: ``ch``, ``dis`` (n, T)
        per kW, ``soc`` (n, T + 1) per kWh), or ``base`` (the own rule's answer) where no
        other optimal plan values more. Returns (response, moved (n,) bool)."""
        p = check_prices(prices, self.T, "Battery")
        dt, G = self.dt, np.cumsum(weights["soc"][:, :0:-1], axis=1)[:, ::-1]
        a_up = weights["ch"] / (self.eta_c * dt) + G            # per kWh the store rises
        a_dn = weights["dis"] * self.eta_d / dt - G             # per kWh it falls
        (ch, dis, soc), ok = self._plans_preferring(p, a_up, a_dn, base, (1e-7, 1e-10))
        value = lambda c, d, s: ((weights["ch"] * c).sum(1) + (weights["dis"] * d).sum(1)
                                 + (weights["soc"] * s).sum(1))
        b = base.arrays
        v0 = value(b["ch"], b["dis"], b["soc"])
        moved = ok & (value(ch, dis, soc) > v0 + 1e-12 * (1 + np.abs(v0)))
        out = {k: np.where(moved[:, None], new, b[k]) for k, new in
               (("ch", ch), ("dis", dis), ("soc", soc))}
        objective = np.where(moved, self.profit(p, out["ch"], out["dis"]), base.objective)
        return Response(objective, base.status.copy(), out), moved

    def _plans_preferring(self, p, a_up, a_dn, base: Response, deltas) -> tuple[tuple, np.ndarray]:
        """Plans of the recursion with its costs moved toward a valuation a_up, a_dn (n, T)
        of each kWh the store rises or falls, by eps = delta (1 + |costs|) / |a| for each
        delta in turn; a row keeps the first plan as good for the battery as ``base``
        (within 1e-9 relative) and within its binaries. Returns ((ch, dis, soc), ok (n,))."""
        c_up, c_dn = self.dp_costs(p)

        def accept(rows, u, s, feas):
            c, d = self._powers(u)
            r0 = base.objective[rows]
            good = feas & (self.profit(p[rows], c, d) >= r0 - 1e-9 * (1.0 + np.abs(r0)))
            return good & self._milp_feasible(c, d) if self.binaries_bind else good

        u, soc, ok = steered_plans(lambda rows: self.storage, c_up, c_dn, a_up, a_dn,
                                   base.ok & ~outside_method(c_up, c_dn), deltas, accept)
        ch, dis = self._powers(u)
        return (ch, dis, soc), ok

    def _milp_feasible(self, ch: np.ndarray, dis: np.ndarray) -> np.ndarray:
        tol = 1e-7 * self.p_max
        active = (ch > tol) | (dis > tol)
        ok = ~(active & (np.maximum(ch, dis) < self.p_min - tol)).any(axis=1)
        if self.max_active_hours is not None:
            ok &= active.sum(axis=1) <= self.max_active_hours
        return ok

    @cached_property
    def milp_matrices(self):
        """The MILP in HiGHS form (minimise): columns ch, dis, E(1..T), X_ch, X_dis (built once)."""
        T, dt, e = self.T, self.dt, self.capacity
        eye, z = sp.identity(T, format="csr"), sp.csr_matrix((T, T))
        shift = sp.eye(T, k=-1, format="csr")
        dyn = sp.hstack([-self.eta_c * dt * eye, dt / self.eta_d * eye, eye - shift, z, z])
        rows = [dyn,
                sp.hstack([eye, z, z, -self.p_max * eye, z]),
                sp.hstack([eye, z, z, -self.p_min * eye, z]),
                sp.hstack([z, eye, z, z, -self.p_max * eye]),
                sp.hstack([z, eye, z, z, -self.p_min * eye]),
                sp.hstack([z, z, z, eye, eye])]
        lo = [np.r_[self.soc0 * e, np.zeros(T - 1)], np.full(T, -np.inf), np.zeros(T),
              np.full(T, -np.inf), np.zeros(T), np.full(T, -np.inf)]
        hi = [np.r_[self.soc0 * e, np.zeros(T - 1)], np.zeros(T), np.full(T, np.inf),
              np.zeros(T), np.full(T, np.inf), np.ones(T)]
        if self.max_active_hours is not None:
            rows.append(sp.hstack([sp.csr_matrix((1, 3 * T)), sp.csr_matrix(np.ones((1, 2 * T)))]))
            lo.append([-np.inf])
            hi.append([self.max_active_hours])
        e_lo = np.full(T, self.soc_min * e)
        e_lo[-1] = max(e_lo[-1], self.soc0 * e)
        col_lo = np.r_[np.zeros(2 * T), e_lo, np.zeros(2 * T)]
        col_hi = np.r_[np.full(2 * T, self.p_max), np.full(T, self.soc_max * e), np.ones(2 * T)]
        integer = np.r_[np.zeros(3 * T, bool), np.ones(2 * T, bool)]
        return sp.vstack(rows, format="csc"), np.concatenate(lo), np.concatenate(hi), \
            col_lo, col_hi, integer

    def certificate(self, price: np.ndarray, arrays: dict, leader=None) -> Certificate:
        """:func:`stackga.followers.certify.certificate.lp_certificate` of a plan (``ch``, ``dis``, ``soc``) at
        one price vector (T,): against the MILP when the binaries bind, else the LP."""
        return self.certify_plan(price, arrays["ch"], arrays["dis"], arrays["soc"], leader)

    def certify_plan(self, price: np.ndarray, ch: np.ndarray, dis: np.ndarray,
                     soc: np.ndarray, leader=None) -> Certificate:
        """The certificate of one plan: ch, dis (T,) kW, soc (T + 1,) kWh. ``leader``: a
        leader's view (:mod:`stackga.followers.certify.tie_values`) bound to the plan's ch and dis (kW), for
        the leader's values over the LP's ties."""
        T, dt = self.T, self.dt
        A, lo, hi, clo, chi, integer = self.milp_matrices
        cost = np.r_[(price + self.alpha) * dt, -(price - self.alpha) * dt, np.zeros(3 * T)]
        y = np.r_[ch, dis, soc[1:]]
        if self.binaries_bind or (self.integer and outside_method(*self.dp_costs(price[None]))[0]):
            tol = 1e-7 * self.p_max
            return lp_certificate(cost, A, lo, hi, clo, chi, np.r_[y, ch > tol, dis > tol],
                                  integer=integer)
        if leader is not None:
            leader = bind_blocks(leader, sp.identity(T), 3, ch=0, dis=1)
        return lp_certificate(cost[:3 * T], A[:T, :3 * T], lo[:T], hi[:T], clo[:3 * T],
                              chi[:3 * T], y, leader=leader)

    def best_for(self, price: np.ndarray, ch: np.ndarray, dis: np.ndarray, soc: np.ndarray,
                 leader) -> tuple[tuple | None, float]:
        """Among the LP's optimal plans at one price vector (T,), one maximising a concave
        ``leader`` view (:class:`~stackga.followers.certify.tie_values.ConcaveLeader`, unbound;
        z its draw ch - dis, kW), exactly: one LP over the optimal face (the LP of
        :func:`~stackga.followers.certify.tie_values.best_on_face`, built here from dense
        blocks: it runs per tied individual). Returns ((ch, dis, soc) or None, the
        leader's gain); None where the binaries bind, the prices are outside the
        recursion's premise or the LP does not solve (the plan stays)."""
        T, dt = self.T, self.dt
        if self.binaries_bind or outside_method(*self.dp_costs(price[None]))[0]:
            return None, 0.0
        dyn, b_dyn, clo, chi = self._lp_blocks
        cost = np.r_[(price + self.alpha) * dt, -(price - self.alpha) * dt, np.zeros(T)]
        y = np.r_[ch, dis, soc[1:]]
        phi = float(cost @ y)
        slope, icpt = np.asarray(leader.slope, float), np.asarray(leader.icpt, float)
        S = slope.shape[1]
        c0 = np.asarray(leader.z_at, float) - (ch - dis)                 # z = c0 + ch - dis
        eye = np.eye(T)
        # rows: dynamics; cost <= phi (+ TOL); z's limits; w_t <= slope_ts z_t + icpt_ts
        piece = np.zeros((T * S, 4 * T))
        r = np.arange(T * S)
        t = np.repeat(np.arange(T), S)
        piece[r, t] = -slope.reshape(-1)
        piece[r, T + t] = slope.reshape(-1)
        piece[r, 3 * T + t] = 1.0
        rows = [np.hstack([dyn, np.zeros((T, T))]), np.r_[cost, np.zeros(T)][None],
                np.hstack([eye, -eye, np.zeros((T, 2 * T))]), piece]
        z_lo = np.full(T, -np.inf) if leader.z_lo is None else leader.z_lo - c0
        z_hi = np.full(T, np.inf) if leader.z_hi is None else leader.z_hi - c0
        lo = np.r_[b_dyn, -np.inf, z_lo, np.full(T * S, -np.inf)]
        hi = np.r_[b_dyn, phi + FACE_TOL * (1.0 + abs(phi)), z_hi,
                   (slope * c0[:, None] + icpt).reshape(-1)]
        lin = np.zeros(3 * T)
        if leader.lin_ch is not None:
            lin[:T] = leader.lin_ch
        if leader.lin_dis is not None:
            lin[T:2 * T] = leader.lin_dis
        st, v, obj = solve_highs(np.r_[-lin, -np.ones(T)], sp.csc_matrix(np.vstack(rows)), lo, hi,
                                 np.r_[clo, np.full(T, -np.inf)], np.r_[chi, np.full(T, np.inf)])
        if st != Status.OPTIMAL:
            return None, 0.0
        at = leader.value(np.asarray(leader.z_at, float)) + lin @ y
        c, d = np.maximum(v[:T], 0.0), np.maximum(v[T:2 * T], 0.0)
        return (c, d, np.r_[soc[0], v[2 * T:3 * T]]), -obj - at

    @cached_property
    def _lp_blocks(self):
        """The LP's dense dynamics rows (T, 3T), their right side (T,) and column bounds."""
        A, lo, _, clo, chi, _ = self.milp_matrices
        T = self.T
        return A[:T, :3 * T].toarray(), lo[:T], clo[:3 * T], chi[:3 * T]

    def _solve_binding(self, price: np.ndarray):
        """One individual whose relaxed optimum breaks the binaries' limits: the
        exact branch and bound, or the HiGHS MILP past ``BNB_MAX_NODES`` nodes
        (or for T > 62 steps). Returns (status, ch, dis, soc (T + 1,))."""
        if self.T > 62:
            return self._solve_milp(price)
        m, (c_up, c_dn) = self.storage, self.dp_costs(price[None, :])
        tol, dt = 1e-7 * self.p_max, self.dt
        big_m = default_big_m(c_up, c_dn)
        n_max = self.T if self.max_active_hours is None else int(self.max_active_hours)
        code, u, s, nodes = binaries_bnb(
            float(m.s0), 1.0, float(m.s_final), m.s_lo, m.s_hi, m.up_max, m.dn_max, m.drift,
            c_up[0], c_dn[0], big_m, n_max, self.eta_c * self.p_min * dt,
            self.p_min * dt / self.eta_d, tol * self.eta_c * dt, tol * dt / self.eta_d,
            BNB_MAX_NODES)
        self.stats["bnb_solves"] += 1
        self.stats["bnb_nodes"] += nodes
        if code == 2:
            return self._solve_milp(price)
        ch = np.maximum(u, 0.0) / (self.eta_c * dt)
        dis = np.maximum(-u, 0.0) * self.eta_d / dt
        return Status.OPTIMAL if code == 0 else Status.INFEASIBLE, ch, dis, s

    def _solve_milp(self, price: np.ndarray, relax: bool = False):
        """One individual's MILP (``relax``: the LP model, rows and columns of ch, dis
        and E only); returns (status, ch, dis, soc (T + 1,))."""
        self.stats["milp_solves"] += 1
        T, dt = self.T, self.dt
        A, lo, hi, clo, chi, integer = self.milp_matrices
        cost = np.r_[(price + self.alpha) * dt, -(price - self.alpha) * dt, np.zeros(3 * T)]
        if relax:
            cost, A, lo, hi, clo, chi, integer = (cost[:3 * T], A[:T, :3 * T], lo[:T], hi[:T],
                                                 clo[:3 * T], chi[:3 * T], None)
        status, x, _ = solve_highs(cost, A, lo, hi, clo, chi, integer)
        if status != Status.OPTIMAL:
            return status, np.zeros(T), np.zeros(T), np.full(T + 1, self.soc0 * self.capacity)
        soc = np.r_[self.soc0 * self.capacity, x[2 * T:3 * T]]
        return status, x[:T], x[T:2 * T], soc
