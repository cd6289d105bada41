"""The baseline a user would write: every follower of every individual solved on
its own with scipy.optimize (milp for the battery, linprog for AC and EV,
minimize for the users' QP; the EV fleet's per-EV LPs as one block LP per
individual). Same models and arrays as the stackga followers."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp, minimize
from stackga.followers import Response


class ScipyUsers:
    def __init__(self, users):
        self.u = users

    def respond(self, P):
        u, out = self.u, []
        for p in P:
            f = lambda s: -(((u.a - p) * (u.rigid + s)) - u.b / 2 * (u.rigid + s) ** 2).sum()  # noqa
            g = lambda s: -((u.a - p) - u.b * (u.rigid + s))  # noqa
            r = minimize(f, np.zeros(len(p)), jac=g, method="L-BFGS-B",
                         bounds=list(zip(np.zeros(len(p)), u.flex_max)))
            out.append(u.rigid + r.x)
        load = np.array(out)
        return Response(u.utility(load, P), np.zeros(len(P), np.int8), {"load": load})


class ScipyStorageOperator:
    def __init__(self, so):
        self.so = so
        self.bt = so.battery
        A, lo, hi, clo, chi, integer = self.bt.milp_matrices
        self.milp_args = (LinearConstraint(A, lo, hi), Bounds(clo, chi),
                          integer.astype(int) if self.bt.binaries_bind else np.zeros(len(integer)))

    def _battery(self, p):
        T, b = len(p), self.bt
        c = np.r_[p + b.alpha, -(p - b.alpha), np.zeros(3 * T)]
        cons, bounds, integ = self.milp_args
        r = milp(c, constraints=cons, bounds=bounds, integrality=integ)
        return r.x[:T], r.x[T:2 * T], -r.fun

    def _ac(self, p, th):
        T, a = len(p), th.decay
        A = sp.hstack([(1 - a) * th.cop * th.r_th * sp.identity(T), sp.identity(T) - a * sp.eye(T, k=-1)])
        b = (1 - a) * th.t_out
        b[0] += a * th.t_set
        bounds = [(0, th.p_max)] * T + [(th.t_min, th.t_max)] * (T - 1) + [(th.t_min, th.t_set)]
        r = linprog(np.r_[th.subsidy + p, np.zeros(T)], A_eq=A, b_eq=b, bounds=bounds, method="highs")
        return r.x[:T]

    def _ev_matrices(self, f):
        """The per-EV LPs of the whole fleet as one block LP (built once): variables
        ch, dis of each EV in each of its plugged hours; energy bounds after every hour
        and the departure requirement as rows of A_ub."""
        if getattr(self, "_ev_lp", None) is None:
            blocks, rhs, hours = [], [], []
            e0 = f.soc_arr * f.battery
            for k in range(len(f.arr)):
                L = int((f.dep[k] - f.arr[k]) % f.T)
                hours.append((f.arr[k] + np.arange(L)) % f.T)
                tri = np.tril(np.ones((L, L))) * f.dt
                E = np.hstack([f.eta_c * tri, -tri / f.eta_d])            # energy gained
                blocks.append(np.vstack([E, -E, -E[-1:]]))
                rhs.append(np.r_[np.full(L, f.soc_max * f.battery[k] - e0[k]),
                                 np.full(L, e0[k] - f.soc_min * f.battery[k]), e0[k] - f.leave[k]])
            self._ev_lp = (sp.block_diag(blocks, format="csr"), np.concatenate(rhs), hours)
        return self._ev_lp

    def _ev(self, p, f):
        A, b, hours = self._ev_matrices(f)
        lam = f.subsidy + p
        c_ch, c_dis = lam + f.kappa * (1 - f.eta_c), -(lam - f.kappa * (1 / f.eta_d - f.eta_d))
        c = np.concatenate([np.r_[w * c_ch[h], w * c_dis[h]] for w, h in zip(f.weight, hours)])
        r = linprog(c, A_ub=A, b_ub=b, bounds=(0, f.p_ev), method="highs")
        ch, dis, at = np.zeros(f.T), np.zeros(f.T), 0
        for w, h in zip(f.weight, hours):
            np.add.at(ch, h, w * r.x[at:at + len(h)])
            np.add.at(dis, h, w * r.x[at + len(h):at + 2 * len(h)])
            at += 2 * len(h)
        return ch, dis

    def respond(self, P):
        n, T = P.shape
        ch, dis, pv, obj = np.zeros((n, T)), np.zeros((n, T)), np.zeros((n, T)), np.zeros(n)
        for i, p in enumerate(P):
            ch[i], dis[i], obj[i] = self._battery(p)
            if "ac" in self.so.virtual:
                th = self.so.virtual["ac"]
                p_ac = self._ac(p, th)
                pv[i] += th.baseline - p_ac
                obj[i] += th.profit(p[None], p_ac[None])[0]
            if "ev" in self.so.virtual:
                f = self.so.virtual["ev"]
                c, d = self._ev(p, f)
                pv[i] += f.baseline - c + d
                obj[i] += f.value(p[None], c[None], d[None])[0]
        return Response(obj, np.zeros(n, np.int8), {"bt_ch": ch, "bt_dis": dis, "p_virtual": pv})


class ZeroStub:
    """A follower that costs nothing: the GA's own floor."""

    def __init__(self, arrays):
        self.arrays = arrays

    def respond(self, P):
        n, T = P.shape
        return Response(np.zeros(n), np.zeros(n, np.int8), {k: np.zeros((n, T)) for k in self.arrays})
