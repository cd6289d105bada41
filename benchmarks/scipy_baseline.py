"""The baseline a user would write: every follower of every individual solved on
its own with scipy.optimize (milp for the battery, linprog for AC and EV,
minimize for the users' QP). Same models and arrays as the stackga followers."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp, minimize

from followers import Response


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

    def _ev(self, p, f):
        T, m = len(p), f.storage
        lam = f.subsidy + p
        A = sp.hstack([-f.eta_c * sp.identity(T), sp.identity(T) / f.eta_d, sp.identity(T) - sp.eye(T, k=-1)])
        b = m.drift.copy()
        b[0] += m.s0
        lo = np.r_[np.zeros(2 * T), m.s_lo[1:]]
        lo[-1] = max(lo[-1], m.s0)
        hi = np.r_[m.up_max / f.eta_c, m.dn_max * f.eta_d, m.s_hi[1:]]
        c = np.r_[lam + f.kappa * (1 - f.eta_c), -(lam - f.kappa * (1 / f.eta_d - f.eta_d)), np.zeros(T)]
        r = linprog(c, A_eq=A, b_eq=b, bounds=list(zip(lo, hi)), method="highs")
        return r.x[:T], r.x[T:2 * T]

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
