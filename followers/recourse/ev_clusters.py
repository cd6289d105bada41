"""EV clusters: EVs grouped by arrival and departure hour, each cluster a storage QP.

Clustering (eq. 1 of the eva paper), two readings (``GROUPINGS``):
- "grid": an EV arriving or leaving within +-0.5 h of the hour t is taken to arrive or
  leave at t, so the cluster of an EV is the pair (its arrival rounded to the nearest
  hour, its departure rounded likewise; .5 rounds up), and EVs with the same pair form
  one cluster;
- "greedy": EVs within +-0.5 h of each other, without the grid: taken in order of
  (arrival, departure), the first unassigned EV opens a cluster and every unassigned EV
  whose arrival and departure both lie within 0.5 h of the opener's joins it; the
  cluster arrives and leaves at its members' mean times, rounded to the hour as above
  (two clusters may then share their hours). Times within 1e-9 h count as equal (e.g.
  8.28 - 7.78 = 0.4999999999999991 h is within 0.5 h; a mean of 7.5 h rounds up).
The connected hours, two readings (``WINDOWS``): "inclusive", arrival..departure with
both ends (eq. 6 as written: its sum runs t = T_in .. T_out), or "exclusive", the clock
hours [arrival, departure) (a car leaving at T_out does not charge in hour T_out). The
day repeats: a session may cross midnight.

Cluster j's QP (eq. 3-6, 20-23), P = c - d its net power (kW, > 0 charging)::

    min  sum_k  h_b(t_k) c_k - h_s(t_k) d_k + gamma (D_j(t_k) + c_k - d_k)^2      (yuan)
    s.t. e_k = e_{k-1} + eta_c c_k - d_k / eta_d,   n_j SOC_min Q <= e_k <= n_j SOC_max Q,
         e_0 = sum of the members' arrival energies, e_L >= sum of their departure needs,
         c_k, d_k >= 0,  c_k / (n_j P_c) + d_k / (n_j P_d) <= 1

over the cluster's session steps k = 1..L (hour t_k), where D_j is the imbalance the
cluster is told (kW) and gamma its penalty weight. Solved exactly and batched over
(population x clusters) by :mod:`stackga.followers.kernels.storage_qp`. The hull row is the
cluster's real limit (each car charges or discharges at its rated power at most, and may
switch within an hour); it makes every cluster plan splittable power-wise, and the
energy split is checked by :func:`split_to_evs` (the paper's consistency step).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from stackga.errors import InputError

from ..backends.highs import solve_highs
from ..certify.certificate import Certificate, lp_certificate
from ..certify.tie_values import bind_blocks
from ..kernels.storage_qp import INFEASIBLE, OPTIMAL, solve_rows
from ..parallel.threads import map_rows
from ..qp_form import QPForm
from ..response import Status

__all__ = ["EVClusters", "cluster_hours", "split_to_evs", "GROUPINGS", "WINDOWS"]

GROUPINGS = ("grid", "greedy")
WINDOWS = ("inclusive", "exclusive")
HALF_WIDTH = 0.5        # h, eq. 1
_EPS = 1e-9             # h: times this close count as equal (a mean's or a difference's rounding)


def _circular(d: np.ndarray, T: int) -> np.ndarray:
    """Differences of times of day (h) taken on the T-hour circle, in [-T/2, T/2)."""
    return (np.asarray(d, float) + T / 2) % T - T / 2


def _greedy_groups(arr: np.ndarray, dep: np.ndarray, T: int):
    """(labels (n_ev,), arrival (n_cl,), departure (n_cl,) times of day, h): the greedy
    grouping (module docstring); groups numbered in the order they open."""
    labels = np.full(len(arr), -1)
    ga: list[float] = []
    gd: list[float] = []
    for i in np.lexsort((np.arange(len(arr)), dep, arr)):
        if labels[i] >= 0:
            continue
        free = labels < 0
        near = (free & (np.abs(_circular(arr - arr[i], T)) <= HALF_WIDTH + _EPS)
                & (np.abs(_circular(dep - dep[i], T)) <= HALF_WIDTH + _EPS))
        labels[near] = len(ga)
        ga.append(arr[i] + _circular(arr[near] - arr[i], T).mean())
        gd.append(dep[i] + _circular(dep[near] - dep[i], T).mean())
    return labels, np.array(ga), np.array(gd)


def cluster_hours(arrival_h: np.ndarray, departure_h: np.ndarray, T: int = 24,
                  ids: np.ndarray | None = None, source: str = "", window: str = "exclusive",
                  grouping: str = "grid"):
    """Eq. 1 with a half-width of 0.5 h: (labels (n_ev,), start (n_cl,), length (n_cl,)).

    ``grouping`` and ``window``: the readings of the module docstring (``GROUPINGS``,
    ``WINDOWS``). Clusters are numbered by (start, departure, first member); with the
    exclusive window an EV (grid) or a cluster (greedy) whose rounded arrival equals its
    rounded departure has no connected hour and raises InputError naming the EV (by its
    id in ``ids`` and the file ``source``, where given)."""
    if grouping not in GROUPINGS:
        raise InputError(f"cluster_hours: unknown grouping {grouping!r}; choose one of {GROUPINGS}")
    if window not in WINDOWS:
        raise InputError(f"cluster_hours: unknown window {window!r}; choose one of {WINDOWS}")
    arr, dep = np.asarray(arrival_h, float), np.asarray(departure_h, float)
    rnd = lambda v: np.floor(np.round(np.asarray(v, float), 9) + HALF_WIDTH).astype(int) % T  # noqa: E731
    if grouping == "grid":
        a, b = rnd(arr), rnd(dep)
        owner = np.arange(len(arr))
    else:
        g, ga, gd = _greedy_groups(arr, dep, T)
        a, b = rnd(ga)[g], rnd(gd)[g]
        owner = np.array([np.flatnonzero(g == k)[0] for k in range(len(ga))])[g]
    if window == "exclusive" and np.any(a == b):
        i = int(np.flatnonzero(a == b)[0])
        who = f"EV {ids[i]:g}" if ids is not None else f"EV {i}"
        where = f"{source}: " if source else ""
        what = "round" if grouping == "grid" else "'s cluster rounds"
        raise InputError(f"{where}{who}: arrival {arr[i]:g} h and departure {dep[i]:g} h {what} to the "
                         f"same hour: no connected hour")
    # one cluster per (start, departure, grouped with) -- owner is the EV itself on the grid
    key = np.stack([a, b, owner if grouping == "greedy" else np.zeros_like(a)], axis=1)
    uniq, labels = np.unique(key, axis=0, return_inverse=True)
    length = (uniq[:, 1] - uniq[:, 0]) % T + (window == "inclusive")
    return labels.reshape(-1), uniq[:, 0], length


@dataclass
class EVClusters:
    """The clusters' data (n_cl clusters, T clock hours).

    Attributes:
        start, length: (n_cl,) first clock hour and number of connected hours.
        size: (n_cl,) number of EVs.
        p_ch, p_dis: (n_cl,) largest charge / discharge power (kW; n_j times the car's).
        e0, e_min, e_max, e_need: (n_cl,) arrival energy, energy bounds, departure need (kWh).
        eta_c, eta_d: efficiencies (eta_c eta_d < 1).
        threads: threads for the batch (0 = every core); the answer does not depend on it.
    """

    start: np.ndarray
    length: np.ndarray
    size: np.ndarray
    p_ch: np.ndarray
    p_dis: np.ndarray
    e0: np.ndarray
    e_min: np.ndarray
    e_max: np.ndarray
    e_need: np.ndarray
    eta_c: float
    eta_d: float
    T: int = 24
    threads: int = 0

    def __post_init__(self) -> None:
        for name in ("start", "length", "size", "p_ch", "p_dis", "e0", "e_min", "e_max", "e_need"):
            a = np.asarray(getattr(self, name), int if name in ("start", "length", "size") else float)
            if a.ndim != 1 or len(a) != len(self.start) or not np.all(np.isfinite(a)):
                raise InputError(f"EVClusters.{name} must be a finite (n_cl,) array, got {a!r}")
            setattr(self, name, a)
        if np.any((self.length < 1) | (self.length > self.T)):
            raise InputError(f"EVClusters.length must be in [1, {self.T}], got {self.length}")
        if not (0 < self.eta_c <= 1 and 0 < self.eta_d <= 1 and self.eta_c * self.eta_d < 1):
            raise InputError(f"EVClusters: eta_c = {self.eta_c}, eta_d = {self.eta_d}: both in (0, 1] "
                             f"with eta_c * eta_d < 1 (a lossless storage is not supported)")
        k = np.arange(self.T)
        self.hours = (self.start[:, None] + k) % self.T             # (n_cl, T) clock hour of step k
        self.active = k < self.length[:, None]                      # (n_cl, T) step k connected
        # (n_cl * T,) flat (cluster, clock hour) of each (cluster, step), and its inverse
        self._to_steps = (np.arange(self.n)[:, None] * self.T + self.hours).ravel()
        self._to_clock = np.argsort(self._to_steps)

    @property
    def n(self) -> int:
        return len(self.start)

    def solve(self, h_b: np.ndarray, h_s: np.ndarray, D: np.ndarray, gamma) -> dict:
        """Every cluster's optimal plan for every individual.

        Args:
            h_b, h_s: (n, T) buy and sell prices per clock hour (yuan/kWh).
            D: (n, T) or (n, n_cl, T) the imbalance each cluster is told (kW, clock hours).
            gamma: scalar or (n,) penalty weight (yuan/kW^2h), > 0.
        Returns:
            dict with ``p_ch``, ``p_dis`` (n, n_cl, T) kW per clock hour, ``energy``
            (n, n_cl, T + 1) kWh over the session steps (held after departure), ``cost``
            (n, n_cl) prices part and ``penalty`` (n, n_cl) gamma part of the objective over
            the session, ``status`` (n, n_cl) int8 and ``gap`` (n, n_cl) kWh.
        """
        n, m, T = len(h_b), self.n, self.T
        D = np.broadcast_to(np.asarray(D, float)[:, None] if np.ndim(D) == 2 else D, (n, m, T))
        gam = np.broadcast_to(np.asarray(gamma, float).reshape(-1, 1), (n, 1))[:, 0]
        if np.any(~(gam > 0)):
            raise InputError(f"EVClusters.solve: gamma must be > 0, got {gamma}")
        hrs = self.hours
        p = np.ascontiguousarray(h_b[:, hrs].reshape(n * m, T))
        q = np.ascontiguousarray(h_s[:, hrs].reshape(n * m, T))
        Dk = np.ascontiguousarray(D).reshape(n, m * T)[:, self._to_steps].reshape(n * m, T)
        g = np.repeat(gam, m * T).reshape(n * m, T)
        per_row = [np.tile(a, n) for a in (self.length, self.p_ch, self.p_dis)] + [
            np.full(n * m, self.eta_c), np.full(n * m, self.eta_d)] + [
            np.tile(a, n) for a in (self.e0, self.e_min, self.e_max, self.e_need)]
        c, d, e, _, code, gap = map_rows(
            lambda k: solve_rows(*(a[k] for a in (per_row[0], p, q, Dk, g)),
                                 *(a[k] for a in per_row[1:])), n * m, self.threads, 64)
        c, d = c.reshape(n, m, T), d.reshape(n, m, T)
        act = self.active
        p_ch = (c * act).reshape(n, m * T)[:, self._to_clock].reshape(n, m, T)
        p_dis = (d * act).reshape(n, m * T)[:, self._to_clock].reshape(n, m, T)
        P = Dk.reshape(n, m, T) + c - d
        status = np.select([code == OPTIMAL, code == INFEASIBLE],
                           [Status.OPTIMAL, Status.INFEASIBLE], Status.SOLVER_FAILED).astype(np.int8)
        return {"p_ch": p_ch, "p_dis": p_dis, "energy": e.reshape(n, m, T + 1),
                "cost": ((p.reshape(n, m, T) * c - q.reshape(n, m, T) * d) * act).sum(axis=2),
                "penalty": gam[:, None] * (P * P * act).sum(axis=2),
                "status": status.reshape(n, m), "gap": gap.reshape(n, m)}

    def qp_matrices(self, j: int, h_b: np.ndarray, h_s: np.ndarray, D: np.ndarray,
                    gamma: float) -> QPForm:
        """Cluster j's QP over its session as a :class:`~stackga.followers.qp_form.QPForm`,
        x = [c (L), d (L)] kW, from clock-hour rows h_b, h_s, D (T,)."""
        L = int(self.length[j])
        hrs = self.hours[j, :L]
        hb, hs, Dj = (np.asarray(v, float)[hrs] for v in (h_b, h_s, D))
        I, low = sp.identity(L), sp.csr_matrix(np.tril(np.ones((L, L))))
        pd = self.p_dis[j]
        A = sp.vstack([sp.hstack([I / self.p_ch[j], I / pd if pd > 0 else I * 0.0]),
                       sp.hstack([self.eta_c * low, -low / self.eta_d])]).tocsr()
        e_lo = np.full(L, self.e_min[j] - self.e0[j])
        e_lo[-1] = max(self.e_min[j], self.e_need[j]) - self.e0[j]
        B = sp.hstack([I, -I])
        return QPForm(np.concatenate([hb + 2 * gamma * Dj, -hs - 2 * gamma * Dj]), A,
                      np.concatenate([np.full(L, -np.inf), e_lo]),
                      np.concatenate([np.ones(L), np.full(L, self.e_max[j] - self.e0[j])]),
                      np.zeros(2 * L), np.concatenate([np.full(L, self.p_ch[j]), np.full(L, pd)]),
                      2 * gamma * (B.T @ B), gamma * float(Dj @ Dj))

    def certificate(self, j: int, h_b, h_s, D, gamma: float, p_ch: np.ndarray,
                    p_dis: np.ndarray, leader=None) -> Certificate:
        """:func:`stackga.followers.certify.certificate.lp_certificate` of cluster j's plan p_ch, p_dis (T,
        clock hours) at one price row and the imbalance D (T,) it was told. ``leader``: a
        leader's view over clock hours (:mod:`stackga.followers.certify.tie_values`), bound here to the
        cluster's session hours, for the leader's values over the QP's ties."""
        q = self.qp_matrices(j, h_b, h_s, D, gamma)
        L = int(self.length[j])
        hrs = self.hours[j, :L]
        if leader is not None:
            sel = sp.csr_matrix((np.ones(L), (hrs, np.arange(L))), shape=(self.T, L))
            leader = bind_blocks(leader, sel, 2, ch=0, dis=1)
        return lp_certificate(*q.lp_args(), np.concatenate([p_ch[hrs], p_dis[hrs]]),
                              hessian=q.hessian, offset=q.offset, leader=leader)


def split_to_evs(plan_c: np.ndarray, plan_d: np.ndarray, start: int, length: int,
                 e0: np.ndarray, e_min: np.ndarray, e_max: np.ndarray, e_need: np.ndarray,
                 p_ch: np.ndarray, p_dis: np.ndarray, eta_c: float, eta_d: float):
    """The paper's consistency step for one cluster: per-EV plans that add up to the
    cluster's (c, d) in every connected step and respect every car's limits.

    Args: plan_c, plan_d (L,) the cluster's charge/discharge over its session steps;
        e0, e_min, e_max, e_need, p_ch, p_dis (n_ev,) the members' data.
    Returns (c (n_ev, L), d (n_ev, L), e (n_ev, L + 1)) or None if no split exists
    (an LP feasibility problem over x = [c (n_ev x L), d (n_ev x L)], HiGHS)."""
    nv, L = len(e0), length
    I_v, I_L = sp.identity(nv), sp.identity(L)
    one_v, low = np.ones((1, nv)), np.tril(np.ones((L, L)))
    # energy after each step: e0 + prefix sums of eta_c c - d / eta_d, per car
    energy = sp.hstack([sp.kron(I_v, eta_c * low), sp.kron(I_v, -low / eta_d)])
    A = sp.vstack([
        sp.hstack([sp.kron(one_v, I_L), sp.csr_matrix((L, nv * L))]),          # sum_i c = plan_c
        sp.hstack([sp.csr_matrix((L, nv * L)), sp.kron(one_v, I_L)]),          # sum_i d = plan_d
        sp.hstack([sp.kron(sp.diags(1 / p_ch), I_L), sp.kron(sp.diags(1 / p_dis), I_L)]),  # hull
        energy,
    ]).tocsr()
    rep = lambda v: np.repeat(v, L)                                           # noqa: E731
    lo = np.concatenate([plan_c, plan_d, np.full(nv * L, -np.inf), rep(e_min - e0)])
    hi = np.concatenate([plan_c, plan_d, np.ones(nv * L), rep(e_max - e0)])
    lo[2 * L + nv * L + L - 1::L] = np.maximum(e_min, e_need) - e0            # each car's last step
    status, x, _ = solve_highs(np.zeros(2 * nv * L), A, lo, hi, np.zeros(2 * nv * L),
                               np.full(2 * nv * L, np.inf))
    if status != Status.OPTIMAL:
        return None
    c = x[:nv * L].reshape(nv, L)
    d = x[nv * L:].reshape(nv, L)
    e = e0[:, None] + np.concatenate([np.zeros((nv, 1)), np.cumsum(eta_c * c - d / eta_d, axis=1)], axis=1)
    return c, d, e


def unmanaged_charging(start: np.ndarray, length: np.ndarray, e0: np.ndarray, e_need: np.ndarray,
                       p_ch: np.ndarray, eta_c: float, T: int = 24) -> np.ndarray:
    """(n_ev, T) kW per clock hour: each EV charges at full power from its first connected
    hour until it holds its departure need (the last hour at part power), then idles."""
    n = len(start)
    out = np.zeros((n, T))
    left = np.maximum(np.asarray(e_need, float) - e0, 0.0) / eta_c     # kWh from the grid
    for k in range(T):
        on = k < length
        pw = np.where(on, np.minimum(p_ch, left), 0.0)
        out[np.arange(n), (start + k) % T] += pw
        left = left - pw
    return out
