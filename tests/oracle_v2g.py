"""Independent reference oracle for the V2G tests.

Written from the model statement only (no code from the package under test is
read or imported).  Two small solvers built directly on highspy:

* ``dispatch_qp`` -- convex quadratic thermal dispatch with load shedding and
  ramp limits.
* ``agent_lp`` -- cost-minimising LP of an aggregate EV store (separate charge
  and discharge variables, no complementarity constraint).
"""
import highspy
import numpy as np
from scipy import sparse


def _lp(cost, lo, hi, A, rlo, rhi):
    """Build a HighsLp (minimise) from dense vectors and a scipy sparse matrix."""
    A = sparse.csc_matrix(A)
    A.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(cost), A.shape[0]
    lp.col_cost_ = np.asarray(cost, float)
    lp.col_lower_ = np.asarray(lo, float)
    lp.col_upper_ = np.asarray(hi, float)
    lp.row_lower_ = np.asarray(rlo, float)
    lp.row_upper_ = np.asarray(rhi, float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    return lp


def _solve(lp, hess_diag=None, options=None):
    """Solve; return (x, objective) or None unless the status is optimal."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for k, v in (options or {}).items():
        h.setOptionValue(k, v)
    h.passModel(lp)
    if hess_diag is not None:
        n = len(hess_diag)
        hs = highspy.HighsHessian()
        hs.dim_ = n
        hs.format_ = highspy.HessianFormat.kTriangular
        hs.start_ = np.arange(n + 1, dtype=np.int32)
        hs.index_ = np.arange(n, dtype=np.int32)
        hs.value_ = np.asarray(hess_diag, float)
        h.passHessian(hs)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return np.array(h.getSolution().col_value), h.getInfo().objective_function_value


def dispatch_qp(a, b, c, p_min, p_max, ramp_up, ramp_down, shed_cost, load, dt=1.0):
    a, b, c, p_min, p_max, ramp_up, ramp_down = (
        np.atleast_1d(np.asarray(v, float)) for v in (a, b, c, p_min, p_max, ramp_up, ramp_down))
    load = np.atleast_1d(np.asarray(load, float))
    G, T = len(a), len(load)
    n = G * T + T                              # P[g, t] at g*T + t, then S[t]
    cost = np.concatenate([np.repeat(b * dt, T), np.full(T, shed_cost * dt)])
    lo = np.concatenate([np.repeat(p_min, T), np.zeros(T)])
    hi = np.concatenate([np.repeat(p_max, T), np.full(T, np.inf)])
    rows, cols, vals, rlo, rhi = [], [], [], [], []
    for t in range(T):                         # balance rows
        for g in range(G):
            rows.append(t); cols.append(g * T + t); vals.append(1.0)
        rows.append(t); cols.append(G * T + t); vals.append(1.0)
        rlo.append(load[t]); rhi.append(load[t])
    r = T
    for g in range(G):                         # ramp rows
        for t in range(1, T):
            rows += [r, r]; cols += [g * T + t, g * T + t - 1]; vals += [1.0, -1.0]
            rlo.append(-ramp_down[g] * dt); rhi.append(ramp_up[g] * dt)
            r += 1
    A = sparse.coo_matrix((vals, (rows, cols)), shape=(r, n))
    hess = np.concatenate([np.repeat(2.0 * a * dt, T), np.zeros(T)])
    lp = _lp(cost, lo, hi, A, rlo, rhi)
    res = _solve(lp, hess)
    if res is None:
        res = _solve(lp, hess, {"qp_iteration_limit": 10**8})
    if res is None:
        return None
    x, obj = res
    return {"p": x[:G * T].reshape(G, T), "shed": x[G * T:],
            "objective": float(obj + c.sum() * T * dt)}


def agent_lp(k_c, k_d, cap_c, cap_d, wear, e0, e_min, e_max, e_final,
             p_ch_max, p_dis_max, eta_c, eta_d, need, available, dt=1.0):
    k_c, k_d, cap_c, cap_d, need = (
        np.atleast_1d(np.asarray(v, float)) for v in (k_c, k_d, cap_c, cap_d, need))
    avail = np.atleast_1d(np.asarray(available, bool))
    T = len(k_c)
    e_low_T = max(e_min, e_final)
    if e_min > e_max or e_low_T > e_max:
        return None
    # variables: P_c[0..T-1], P_d[0..T-1], E[1..T]
    cost = np.concatenate([(k_c + wear) * dt, (wear - k_d) * dt, np.zeros(T)])
    lo = np.zeros(3 * T)
    hi = np.concatenate([np.where(avail, np.minimum(cap_c, p_ch_max), 0.0),
                         np.where(avail, np.minimum(cap_d, p_dis_max), 0.0),
                         np.full(T, float(e_max))])
    hi[:2 * T] = np.maximum(hi[:2 * T], 0.0)
    lo[2 * T:] = e_min
    lo[3 * T - 1] = e_low_T
    rows, cols, vals, rhs = [], [], [], []
    for t in range(T):  # E(t+1) - E(t) - eta_c dt Pc + dt/eta_d Pd = -need(t)
        rows += [t, t, t]; cols += [2 * T + t, t, T + t]
        vals += [1.0, -eta_c * dt, dt / eta_d]
        if t > 0:
            rows.append(t); cols.append(2 * T + t - 1); vals.append(-1.0)
        rhs.append(-need[t] + (e0 if t == 0 else 0.0))
    A = sparse.coo_matrix((vals, (rows, cols)), shape=(T, 3 * T))
    res = _solve(_lp(cost, lo, hi, A, rhs, rhs))
    if res is None:
        return None
    x, obj = res
    return {"p_ch": x[:T], "p_dis": x[T:2 * T],
            "energy": np.concatenate([[float(e0)], x[2 * T:]]), "objective": float(obj)}
