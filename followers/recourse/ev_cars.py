"""EV clusters whose cars keep their own limits: the cluster model of
:mod:`stackga.followers.recourse.ev_clusters` with per-car variables ("per-car exact").

The aggregate cluster of the eva paper (eq. 3-6 applied to the cluster's totals) limits
the cluster's total power and energy, not each car's: it may plan, e.g., to discharge
more in an hour than the cars holding surplus energy can give, and its plan then cannot
be split per car (the paper's consistency step). Here cluster j's QP keeps each member i
(n_j cars) with its own state of charge::

    min  sum_k  h_b(t_k) C_k - h_s(t_k) Dd_k + gamma (D_j(t_k) + C_k - Dd_k)^2      (yuan)
    C_k = sum_i c_ik,  Dd_k = sum_i d_ik
    s.t. e_ik = e0_i + sum_{m <= k} (eta_c c_im - d_im / eta_d),  e_min_i <= e_ik <= e_max_i,
         e_iL >= max(e_min_i, need_i),  c, d >= 0,  c_ik / P_c,i + d_ik / P_d,i <= 1

over the cluster's session steps k = 1..L. Every plan splits by construction, and the
aggregate model is its relaxation (its optimum is never above this one's). Solved by
PIQP (interior point, its duality gap checked to 1e-9), one solver per cluster and
individual; where it does not certify, by HiGHS's QP solver (tolerances 1e-10; its
active set can cycle on this semi-definite QP: the iteration limit is then a counted
status, never a hang): a few milliseconds per QP, so this model
suits evaluating and certifying answers, and short GA runs, not the paper-scale GA (the
aggregate model's compiled kernel is some 300x faster: the eva benchmark's HiGHS-per-cluster
row). Units: kW, kWh, yuan.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from stackga.errors import InputError

from ..backends.highs import solve_highs
from ..backends.piqp import solve_piqp
from ..certify.certificate import Certificate, lp_certificate
from ..certify.tie_values import bind_blocks
from ..parallel.threads import map_rows
from ..qp_form import QPForm
from ..response import Status
from .ev_clusters import EVClusters

__all__ = ["EVCarClusters"]

_OPTIONS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10,
            "optimality_tolerance": 1e-10, "qp_regularization_value": 1e-12}


class EVCarClusters:
    """The clusters of ``clusters`` (their sessions and sizes) with their members' own data.

    Args:
        clusters: the aggregate clusters (sessions, sizes; their totals are not used).
        labels: (n_ev,) each car's cluster.
        e0, e_min, e_max, need: (n_ev,) each car's arrival energy, bounds, departure need (kWh).
        p_ch, p_dis: (n_ev,) each car's largest charge / discharge power (kW, > 0).
        eta_c, eta_d: efficiencies.
        threads: threads for the batch (0 = every core); the answer does not depend on it.
    """

    def __init__(self, clusters: EVClusters, labels, e0, e_min, e_max, need, p_ch, p_dis,
                 eta_c: float, eta_d: float, threads: int = 0) -> None:
        self.labels = np.asarray(labels, int)
        n_ev = len(self.labels)

        def car_array(name: str, v) -> np.ndarray:
            a = np.asarray(v, float)
            if a.shape != (n_ev,) or not np.all(np.isfinite(a)):
                raise InputError(f"EVCarClusters.{name} must be a finite ({n_ev},) array, got {v!r}")
            return a
        self.e0, self.e_min, self.e_max = car_array("e0", e0), car_array("e_min", e_min), car_array("e_max", e_max)
        self.need, self.p_ch, self.p_dis = car_array("need", need), car_array("p_ch", p_ch), car_array("p_dis", p_dis)
        if np.any(self.p_ch <= 0) or np.any(self.p_dis <= 0):
            raise InputError("EVCarClusters: every car's p_ch and p_dis must be > 0")
        if np.any(np.bincount(self.labels, minlength=clusters.n) != clusters.size):
            raise InputError("EVCarClusters.labels do not match the clusters' sizes")
        self.clusters, self.eta_c, self.eta_d, self.threads = clusters, eta_c, eta_d, threads
        self.T, self.n = clusters.T, clusters.n
        self.start, self.length, self.size = clusters.start, clusters.length, clusters.size
        self.hours, self.active = clusters.hours, clusters.active
        self._members = [np.flatnonzero(self.labels == j) for j in range(self.n)]
        self._rows = [self._constraints(j) for j in range(self.n)]

    def members(self, j: int) -> np.ndarray:
        """The cars of cluster j (indices into the car arrays)."""
        return self._members[j]

    def _constraints(self, j: int) -> tuple:
        """Cluster j's rows over x = [c (car-major, n_j x L), d (n_j x L)]: each car's hull
        and energy; (A, row_lo, row_hi, col_hi, B) with B (L, 2 n_j L) its net power."""
        mem, L = self.members(j), int(self.length[j])
        nv = len(mem)
        I_v, low = sp.identity(nv), sp.csr_matrix(np.tril(np.ones((L, L))))
        A = sp.vstack([
            sp.hstack([sp.kron(sp.diags(1 / self.p_ch[mem]), sp.identity(L)),
                       sp.kron(sp.diags(1 / self.p_dis[mem]), sp.identity(L))]),
            sp.hstack([sp.kron(I_v, self.eta_c * low), sp.kron(I_v, -low / self.eta_d)])]).tocsr()
        e_lo = np.repeat(self.e_min[mem] - self.e0[mem], L)
        e_lo[L - 1::L] = np.maximum(self.e_min[mem], self.need[mem]) - self.e0[mem]
        lo = np.concatenate([np.full(nv * L, -np.inf), e_lo])
        hi = np.concatenate([np.ones(nv * L), np.repeat(self.e_max[mem] - self.e0[mem], L)])
        col_hi = np.concatenate([np.repeat(self.p_ch[mem], L), np.repeat(self.p_dis[mem], L)])
        one = sp.kron(np.ones((1, nv)), sp.identity(L))
        return A, lo, hi, col_hi, sp.hstack([one, -one]).tocsr()

    def qp_matrices(self, j: int, h_b: np.ndarray, h_s: np.ndarray, D: np.ndarray,
                    gamma: float) -> QPForm:
        """Cluster j's QP as a :class:`~stackga.followers.qp_form.QPForm` over x = [c, d]
        (per car and session step, kW) from clock-hour rows h_b, h_s, D (T,)."""
        A, lo, hi, col_hi, B = self._rows[j]
        nv, L = len(self.members(j)), int(self.length[j])
        hrs = self.hours[j, :L]
        hb, hs, Dj = (np.asarray(v, float)[hrs] for v in (h_b, h_s, D))
        cost = np.concatenate([np.tile(hb + 2 * gamma * Dj, nv), np.tile(-hs - 2 * gamma * Dj, nv)])
        return QPForm(cost, A, lo, hi, np.zeros(2 * nv * L), col_hi, 2 * gamma * (B.T @ B).tocsc(),
                      gamma * float(Dj @ Dj))

    def _one(self, j: int, h_b, h_s, D, gamma) -> tuple:
        """(status, x) of cluster j's QP at one individual's rows."""
        q = self.qp_matrices(j, h_b, h_s, D, gamma)
        n = len(q.cost)
        status, x = solve_piqp(q.hessian, q.cost, sp.csc_matrix((0, n)), np.zeros(0), q.A.tocsc(),
                               q.row_lo, q.row_hi, q.col_lo, q.col_hi)
        if status != Status.OPTIMAL:
            status, x, _ = solve_highs(*q.lp_args(), hessian=q.hessian, options=_OPTIONS)
        return status, np.clip(x, q.col_lo, q.col_hi)

    def solve(self, h_b: np.ndarray, h_s: np.ndarray, D: np.ndarray, gamma) -> dict:
        """Every cluster's optimal plan for every individual, as
        :meth:`EVClusters.solve <stackga.followers.recourse.ev_clusters.EVClusters.solve>`
        returns it (the cars' plans summed per cluster; ``gap`` is 0)."""
        n, m, T = len(h_b), self.n, self.T
        D = np.broadcast_to(np.asarray(D, float)[:, None] if np.ndim(D) == 2 else D, (n, m, T))
        gam = np.broadcast_to(np.asarray(gamma, float).reshape(-1), (n,))
        if np.any(~(gam > 0)):
            raise InputError(f"EVCarClusters.solve: gamma must be > 0, got {gamma}")

        def rows(sl):
            k = np.arange(sl.start, sl.stop)
            c, d = np.zeros((len(k), T)), np.zeros((len(k), T))
            st = np.zeros(len(k), np.int8)
            for r, idx in enumerate(k):
                i, j = divmod(int(idx), m)
                L = int(self.length[j])
                status, x = self._one(j, h_b[i], h_s[i], D[i, j], gam[i])
                st[r] = status
                if status == Status.OPTIMAL:
                    nv = len(self.members(j))
                    hrs = self.hours[j, :L]
                    c[r, hrs] = x[:nv * L].reshape(nv, L).sum(axis=0)
                    d[r, hrs] = x[nv * L:].reshape(nv, L).sum(axis=0)
            return c, d, st
        c, d, st = map_rows(rows, n * m, self.threads, 8)
        c, d, st = c.reshape(n, m, T), d.reshape(n, m, T), st.reshape(n, m)
        at = np.broadcast_to(self.hours, (n, m, T))               # session step k -> clock hour
        e0 = np.bincount(self.labels, weights=self.e0, minlength=m)
        energy = e0[None, :, None] + np.concatenate(
            [np.zeros((n, m, 1)), np.cumsum(np.take_along_axis(
                self.eta_c * c - d / self.eta_d, at, axis=2) * self.active,
                axis=2)], axis=2)
        on = np.zeros((m, T), bool)
        for j in range(m):
            on[j, self.hours[j, :int(self.length[j])]] = True
        P = D + c - d
        ok = st == Status.OPTIMAL
        return {"p_ch": c, "p_dis": d, "energy": np.where(ok[..., None], energy, 0.0),
                "cost": np.where(ok, (h_b[:, None] * c - h_s[:, None] * d).sum(axis=2), 0.0),
                "penalty": np.where(ok, gam[:, None] * (P * P * on).sum(axis=2), 0.0),
                "status": st, "gap": np.zeros((n, m))}

    def certificate(self, j: int, h_b, h_s, D, gamma: float, p_ch: np.ndarray,
                    p_dis: np.ndarray, leader=None) -> Certificate:
        """Cluster j's answer certified: its per-car QP re-solved (the cars' plan is not
        kept in the response), the plan checked to add up to ``p_ch``, ``p_dis`` (T,
        clock hours) within 1e-6 kW, then certified by
        :func:`~stackga.followers.certify.certificate.lp_certificate` (with ``leader``'s
        values over the QP's ties, bound to the cars' sum)."""
        q = self.qp_matrices(j, h_b, h_s, D, gamma)
        status, x = self._one(j, h_b, h_s, D, gamma)
        L, nv = int(self.length[j]), len(self.members(j))
        hrs = self.hours[j, :L]
        if status != Status.OPTIMAL:
            return Certificate(status="failed", error=f"cluster {j}: the per-car QP re-solve "
                                                      f"ended {Status(status).name}")
        got = np.concatenate([x[:nv * L].reshape(nv, L).sum(0), x[nv * L:].reshape(nv, L).sum(0)])
        want = np.concatenate([np.asarray(p_ch, float)[hrs], np.asarray(p_dis, float)[hrs]])
        if np.abs(got - want).max() > 1e-6:
            return Certificate(status="failed", error=f"cluster {j}: the re-solved cars' plan differs "
                                                      f"from the answer by {np.abs(got - want).max():.3g} kW")
        if leader is not None:
            sel = sp.csr_matrix((np.ones(L), (hrs, np.arange(L))), shape=(self.T, L))
            leader = bind_blocks(leader, sp.hstack([sel] * nv), 2, ch=0, dis=1)
        return lp_certificate(*q.lp_args(), x, hessian=q.hessian, offset=q.offset, leader=leader)
