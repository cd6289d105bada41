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


# ---------------------------------------------------------------------------
# EV agent as a MILP (eq. 7-14) with the paper's 30 % discharge rule
# ---------------------------------------------------------------------------
#
# Sec. 3.1: "允许放电的最低 SOC 阈值为 30%,低于此值时,V2G 储能不再向电网反向供电"
# ("the lowest SOC at which discharging is allowed is 30 %; below it the V2G
# store no longer feeds power back to the grid").  Read as: in any hour with
# P_d(t) > 0 the state after the hour satisfies E(t+1) >= discharge_floor
# (hence also E(t) >= floor, since discharging only lowers E).  The state
# itself may lie below the floor (e.g. after travel) in hours without
# discharge.  Eq. 12 is kept as 0 <= E(t) <= e_cap for every t.

_FLOOR_MODES = ("rule", "every", "none")


def _agent_vectors(k_c, k_d, cap_c, cap_d, need, available):
    k_c, k_d, cap_c, cap_d, need = (
        np.atleast_1d(np.asarray(v, float)) for v in (k_c, k_d, cap_c, cap_d, need))
    T = len(k_c)
    avail = np.broadcast_to(np.atleast_1d(np.asarray(available, bool)), (T,))
    cap_c = np.broadcast_to(cap_c, (T,))
    cap_d = np.broadcast_to(cap_d, (T,))
    need = np.broadcast_to(need, (T,))
    k_d = np.broadcast_to(k_d, (T,))
    ub_c = np.where(avail, np.maximum(cap_c, 0.0), 0.0)      # eq. 10 and 13
    ub_d = np.where(avail, np.maximum(cap_d, 0.0), 0.0)
    return T, k_c, k_d, ub_c, ub_d, need, avail


def _agent_objective(k_c, k_d, wear, p_ch, p_dis, dt):
    """Eq. 7-8: sum_t [k_c P_c + k_b (P_c + P_d) - k_d P_d] dt."""
    return float(np.sum((k_c * p_ch + wear * (p_ch + p_dis) - k_d * p_dis) * dt))


def _agent_model(k_c, k_d, cap_c, cap_d, wear, e0, e_cap, need, available,
                 eta_c, eta_d, discharge_floor, e_final=None, dt=1.0,
                 floor_mode="rule", complementarity=True, time_limit=60.0,
                 fixed_modes=None):
    """Agent problem in one of several variants (all built here, on highspy).

    floor_mode: "rule"  -- E(t+1) >= floor in every hour with P_d(t) > 0;
                "every" -- E(t) >= floor for every t = 1..T (E(0) = e0 given);
                "none"  -- no floor at all (only 0 <= E <= e_cap).
    complementarity: impose P_c P_d = 0 with a binary per hour (eq. 14).
    fixed_modes: optional length-T sequence of "c" (charge allowed, P_d = 0),
        "d" (discharge allowed, P_c = 0, and for floor_mode "rule" the floor on
        E(t+1)), "b" (both allowed, floor on E(t+1) for "rule") or "0"
        (idle); makes the problem an LP (used for enumeration and for
        cleaning the MIP solution).
    Returns (x-dict, solver objective) or None unless optimal.
    """
    if floor_mode not in _FLOOR_MODES:
        raise ValueError(floor_mode)
    T, k_c, k_d, ub_c, ub_d, need, _ = _agent_vectors(k_c, k_d, cap_c, cap_d, need, available)
    e0, e_cap, floor, dt = float(e0), float(e_cap), float(discharge_floor), float(dt)
    if not (0.0 <= e0 <= e_cap):
        return None
    ub_c, ub_d = ub_c.copy(), ub_d.copy()
    e_lo = np.full(T, floor if floor_mode == "every" else 0.0)
    if fixed_modes is not None:
        for t, m in enumerate(fixed_modes):
            if m in ("d", "0"):
                ub_c[t] = 0.0
            if m in ("c", "0"):
                ub_d[t] = 0.0
            if m in ("d", "b") and floor_mode == "rule":
                e_lo[t] = max(e_lo[t], floor)
    if e_final is not None:
        e_lo[T - 1] = max(e_lo[T - 1], float(e_final))
    if np.any(e_lo > e_cap):
        return None
    use_u = complementarity and fixed_modes is None
    use_z = floor_mode == "rule" and fixed_modes is None
    # columns: P_c[t] at t, P_d[t] at T+t, E(t+1) at 2T+t, u[t] at 3T+t, z[t] after
    iu = 3 * T
    iz = iu + (T if use_u else 0)
    n = iz + (T if use_z else 0)
    cost = np.zeros(n)
    cost[:T] = (k_c + wear) * dt
    cost[T:2 * T] = (wear - k_d) * dt
    lo, hi = np.zeros(n), np.ones(n)
    hi[:T], hi[T:2 * T] = ub_c, ub_d
    lo[2 * T:3 * T], hi[2 * T:3 * T] = e_lo, e_cap
    rows, cols, vals, rlo, rhi = [], [], [], [], []
    r = 0
    for t in range(T):   # eq. 11: E(t+1) - E(t) - eta_c dt P_c + dt/eta_d P_d = -need(t)
        rows += [r, r, r]; cols += [2 * T + t, t, T + t]
        vals += [1.0, -eta_c * dt, dt / eta_d]
        if t > 0:
            rows.append(r); cols.append(2 * T + t - 1); vals.append(-1.0)
        b = -need[t] + (e0 if t == 0 else 0.0)
        rlo.append(b); rhi.append(b); r += 1
    if use_u:            # eq. 14: u = 1 charging allowed, u = 0 discharging allowed
        for t in range(T):
            rows += [r, r]; cols += [t, iu + t]; vals += [1.0, -ub_c[t]]
            rlo.append(-np.inf); rhi.append(0.0); r += 1          # P_c <= cap_c u
            rows += [r, r]; cols += [T + t, iu + t]; vals += [1.0, ub_d[t]]
            rlo.append(-np.inf); rhi.append(ub_d[t]); r += 1      # P_d <= cap_d (1-u)
    if use_z:            # 30 % rule: z = 1 discharge allowed and E(t+1) >= floor
        for t in range(T):
            rows += [r, r]; cols += [T + t, iz + t]; vals += [1.0, -ub_d[t]]
            rlo.append(-np.inf); rhi.append(0.0); r += 1          # P_d <= cap_d z
            # E(t+1) >= floor - M (1 - z) with M = floor (E >= 0 anyway):
            rows += [r, r]; cols += [2 * T + t, iz + t]; vals += [1.0, -floor]
            rlo.append(0.0); rhi.append(np.inf); r += 1
    A = sparse.coo_matrix((vals, (rows, cols)), shape=(r, n))
    lp = _lp(cost, lo, hi, A, rlo, rhi)
    opts = {}
    if n > 3 * T:
        integ = [highspy.HighsVarType.kContinuous] * (3 * T) + \
                [highspy.HighsVarType.kInteger] * (n - 3 * T)
        lp.integrality_ = integ
        opts = {"mip_rel_gap": 0.0, "mip_abs_gap": 0.0, "time_limit": float(time_limit),
                "mip_feasibility_tolerance": 1e-9}
    res = _solve(lp, options=opts)
    if res is None:
        return None
    x, obj = res
    out = {"p_ch": x[:T].copy(), "p_dis": x[T:2 * T].copy(),
           "energy": np.concatenate([[e0], x[2 * T:3 * T]])}
    if n > 3 * T:
        u = np.round(x[iu:iu + T]) if use_u else None
        z = np.round(x[iz:iz + T]) if use_z else None
        modes = []
        for t in range(T):
            if use_u and use_z:
                m = "c" if u[t] == 1 else ("d" if z[t] == 1 else "0")
            elif use_u:
                m = "c" if u[t] == 1 else "d"
            else:        # rule without eq. 14: z = 1 -> both allowed, floor on E(t+1)
                m = "b" if z[t] == 1 else "c"
            modes.append(m)
        out["modes"] = "".join(modes)
    return out, float(obj)


def check_agent_solution(sol, k_c, k_d, cap_c, cap_d, wear, e0, e_cap, need, available,
                         eta_c, eta_d, discharge_floor, e_final=None, dt=1.0,
                         floor_mode="rule", complementarity=True, tol=1e-6):
    """Raise RuntimeError if ``sol`` violates any constraint; return the
    recomputed objective."""
    T, k_c, k_d, ub_c, ub_d, need, avail = _agent_vectors(k_c, k_d, cap_c, cap_d, need, available)
    pc, pd, E = (np.asarray(sol[k], float) for k in ("p_ch", "p_dis", "energy"))
    scale = max(1.0, float(e_cap), float(np.max(np.abs(need))) if T else 1.0)
    atol = tol * scale
    bad = []
    if pc.shape != (T,) or pd.shape != (T,) or E.shape != (T + 1,):
        raise RuntimeError("agent solution: wrong shapes")
    if abs(E[0] - e0) > atol:
        bad.append("E(0) != e0")
    dyn = E[1:] - (E[:-1] + pc * dt * eta_c - pd * dt / eta_d - need)
    if np.max(np.abs(dyn)) > atol:
        bad.append(f"eq. 11 residual {np.max(np.abs(dyn)):.3g}")
    if np.min(E) < -atol or np.max(E) > e_cap + atol:
        bad.append("energy outside [0, e_cap]")
    if np.min(pc) < -atol or np.min(pd) < -atol:
        bad.append("negative power")
    if np.any(pc > ub_c + atol) or np.any(pd > ub_d + atol):
        bad.append("power above cap (or nonzero in an unavailable hour)")
    if complementarity and np.any(np.minimum(pc, pd) > atol):
        bad.append("P_c P_d != 0 (eq. 14)")
    if floor_mode == "rule":
        hrs = np.nonzero(pd > atol)[0]
        if len(hrs) and np.min(E[hrs + 1]) < discharge_floor - atol:
            bad.append("discharge in an hour ending below the floor (30 % rule)")
    elif floor_mode == "every":
        if np.min(E[1:]) < discharge_floor - atol:
            bad.append("state below the floor")
    if e_final is not None and E[-1] < e_final - atol:
        bad.append("E(T) < e_final")
    if bad:
        raise RuntimeError("agent solution infeasible: " + "; ".join(bad))
    return _agent_objective(k_c, k_d, wear, pc, pd, dt)


def agent_variant(k_c, k_d, cap_c, cap_d, wear, e0, e_cap, need, available, eta_c, eta_d,
                  discharge_floor, e_final=None, dt=1.0, floor_mode="rule",
                  complementarity=True, time_limit=60.0):
    """Solve one variant, clean and check it; dict or None unless optimal."""
    args = (k_c, k_d, cap_c, cap_d, wear, e0, e_cap, need, available, eta_c, eta_d,
            discharge_floor)
    kw = dict(e_final=e_final, dt=dt, floor_mode=floor_mode,
              complementarity=complementarity, time_limit=time_limit)
    res = _agent_model(*args, **kw)
    if res is None:
        return None
    sol, obj = res
    if "modes" in sol:   # fix the binaries, re-solve the LP for exact zeros
        res2 = _agent_model(*args, fixed_modes=sol["modes"], **kw)
        if res2 is None:
            raise RuntimeError("agent MILP: LP with the binaries fixed is not optimal")
        sol2, obj2 = res2
        if abs(obj2 - obj) > 1e-6 * max(1.0, abs(obj)):
            raise RuntimeError(f"agent MILP: cleaned objective {obj2} != MIP {obj}")
        sol2["modes"] = sol["modes"]
        sol, obj = sol2, obj2
    rec = check_agent_solution(sol, *args, e_final=e_final, dt=dt, floor_mode=floor_mode,
                               complementarity=complementarity)
    if abs(rec - obj) > 1e-6 * max(1.0, abs(obj)):
        raise RuntimeError(f"agent: recomputed objective {rec} != solver {obj}")
    sol["objective"] = rec
    return sol


def agent_milp(k_c, k_d, cap_c, cap_d, wear, e0, e_cap, need, available, eta_c, eta_d,
               discharge_floor, e_final=None, dt=1.0):
    """EV agent, eq. 7-14, with the 30 % rule: P_d(t) > 0 only if E(t+1) >= floor.

    min sum_t [k_c(t) P_c + k_b (P_c + P_d) - k_d(t) P_d] dt
    s.t. E(t+1) = E(t) + eta_c P_c dt - P_d dt / eta_d - need(t), E(0) = e0,
         0 <= E(t) <= e_cap, 0 <= P_c <= cap_c(t), 0 <= P_d <= cap_d(t),
         P_c = P_d = 0 when not available, P_c P_d = 0 (binary u_t),
         P_d <= cap_d z_t, E(t+1) >= floor z_t (binary z_t; M = floor),
         E(T) >= e_final if given.
    HiGHS MIP at mip_rel_gap 0.  Returns None unless optimal, else
    dict(objective, p_ch, p_dis, energy (T+1,)) (plus "modes": per hour
    c/d/0).  The returned solution is checked against every constraint.
    """
    return agent_variant(k_c, k_d, cap_c, cap_d, wear, e0, e_cap, need, available,
                         eta_c, eta_d, discharge_floor, e_final=e_final, dt=dt,
                         floor_mode="rule", complementarity=True)


def agent_enumerate(k_c, k_d, cap_c, cap_d, wear, e0, e_cap, need, available, eta_c, eta_d,
                    discharge_floor, e_final=None, dt=1.0):
    """Brute force for small T: min over all 3^T hour modes (charge / discharge
    with the floor on E(t+1) / idle) of an LP.  No big-M; for checking agent_milp."""
    import itertools
    T = len(np.atleast_1d(k_c))
    best = None
    for modes in itertools.product("cd0", repeat=T):
        res = _agent_model(k_c, k_d, cap_c, cap_d, wear, e0, e_cap, need, available,
                           eta_c, eta_d, discharge_floor, e_final=e_final, dt=dt,
                           floor_mode="rule", fixed_modes="".join(modes))
        if res is not None and (best is None or res[1] < best[1]):
            best = res
    if best is None:
        return None
    sol, obj = best
    sol["objective"] = obj
    return sol


# ---------------------------------------------------------------------------
# Table 3 of the paper: hourly charge / discharge power (MW), rows 01:00..24:00
# ---------------------------------------------------------------------------
TABLE3 = {   # (charge, discharge) per row
    "bilevel": [(108.21, 0), (83.21, 0), (100.71, 0), (108.21, 0), (101.96, 0),
                (100.09, 0), (72.00, 0), (0, 0), (0, 0), (0, 0), (0, 21.24),
                (0, 36.24), (0, 70.76), (0, 53.15), (0, 35.86), (0, 6.24), (0, 3.74),
                (0, 0), (0, 0), (65.60, 0), (80.47, 0), (172.41, 0), (179.91, 0),
                (222.41, 0)],
    "single": [(109.08, 0), (84.08, 0), (101.58, 0), (109.08, 0), (102.83, 0),
               (95.74, 0), (67.06, 0), (0, 0), (17.83, 0), (17.50, 0), (0, 0),
               (0, 10.00), (0, 44.52), (0, 26.91), (0, 9.62), (0, 0), (0, 0),
               (0, 0), (0, 0), (13.82, 0), (51.78, 0), (143.72, 0), (151.22, 0),
               (193.72, 0)],
}


def travel_from_table3(eta_c=0.95, eta_d=0.90, dt=1.0):
    """Daily net energy delivered to travel implied by table 3, assuming
    E(24) = E(0): sum need = eta_c dt sum P_c - dt sum P_d / eta_d (MWh)."""
    out = {}
    for k, rows in TABLE3.items():
        a = np.asarray(rows, float)
        assert a.shape == (24, 2)
        out[k] = float(eta_c * dt * a[:, 0].sum() - dt * a[:, 1].sum() / eta_d)
    return out


def _selfcheck(n_inst=30, seed=20240601):
    rng = np.random.default_rng(seed)
    T, e0, e_cap, cap, floor, wear, eta_c, eta_d = 24, 500.0, 1000.0, 400.0, 300.0, 63.0, 0.95, 0.90
    t3 = travel_from_table3()
    print("travel_from_table3:", {k: round(v, 4) for k, v in t3.items()})
    for k, rows in TABLE3.items():
        a = np.asarray(rows, float)
        print(f"  {k}: sum P_c = {a[:, 0].sum():.2f} MW, sum P_d = {a[:, 1].sum():.2f} MW")

    avail = np.ones(T, bool); avail[[7, 17]] = False
    stats = dict(n=0, none=0, rule_lt_every=0, every_infeasible=0, ub_viol=0, lb_viol=0,
                 lb_mip_viol=0, lp_every_vs_agent_lp=0, lp_none_vs_agent_lp=0,
                 lp_every_simult=0, lp_every_below_rule=0, state_below_floor=0)
    gaps = []
    split = {}
    for e_final in (None, 500.0):
        split[e_final] = [0, 0]
        for i in range(n_inst):
            k_c = rng.uniform(0, 100, T)
            k_d = rng.uniform(0, 900, T)
            need = np.zeros(T); need[7], need[17] = rng.uniform(0, 600, 2)
            args = (k_c, k_d, np.full(T, cap), np.full(T, cap), wear, e0, e_cap, need, avail,
                    eta_c, eta_d, floor)
            tag = f"[e_final={e_final} inst {i}]"
            rule = agent_milp(*args, e_final=e_final)
            every = agent_variant(*args, e_final=e_final, floor_mode="every")
            none_mip = agent_variant(*args, e_final=e_final, floor_mode="none")
            none_lp = agent_variant(*args, e_final=e_final, floor_mode="none",
                                    complementarity=False)
            every_lp = agent_variant(*args, e_final=e_final, floor_mode="every",
                                     complementarity=False)
            # cross-check the own LPs against the existing agent_lp
            ef = -np.inf if e_final is None else e_final
            a_every = agent_lp(k_c, k_d, np.full(T, cap), np.full(T, cap), wear, e0, floor, e_cap,
                               ef, cap, cap, eta_c, eta_d, need, avail)
            a_none = agent_lp(k_c, k_d, np.full(T, cap), np.full(T, cap), wear, e0, 0.0, e_cap,
                              ef, cap, cap, eta_c, eta_d, need, avail)
            stats["n"] += 1
            if rule is None:
                stats["none"] += 1
                print(tag, "rule MILP not optimal (infeasible?)")
                continue
            if (every_lp is None) != (a_every is None) or (
                    every_lp is not None and abs(every_lp["objective"] - a_every["objective"]) > 1e-4):
                stats["lp_every_vs_agent_lp"] += 1
            if (none_lp is None) != (a_none is None) or (
                    none_lp is not None and abs(none_lp["objective"] - a_none["objective"]) > 1e-4):
                stats["lp_none_vs_agent_lp"] += 1
            r = rule["objective"]
            split[e_final][0] += 1
            if np.any(rule["energy"][1:] < floor - 1e-6):
                stats["state_below_floor"] += 1
            if every is None:
                stats["every_infeasible"] += 1
            else:
                if r > every["objective"] + 1e-6 * max(1, abs(r)):
                    stats["ub_viol"] += 1
                    print(tag, "VIOLATION rule > every-state floor", r, every["objective"])
                if r < every["objective"] - 1e-6 * max(1, abs(r)):
                    stats["rule_lt_every"] += 1
                    split[e_final][1] += 1
                    gaps.append(every["objective"] - r)
            if every_lp is not None:
                if np.any(np.minimum(every_lp["p_ch"], every_lp["p_dis"]) > 1e-6):
                    stats["lp_every_simult"] += 1
                if every_lp["objective"] < r - 1e-6 * max(1, abs(r)):
                    stats["lp_every_below_rule"] += 1
            if none_lp is None or r < none_lp["objective"] - 1e-6 * max(1, abs(r)):
                stats["lb_viol"] += 1
                print(tag, "VIOLATION rule < LP relaxation", r,
                      None if none_lp is None else none_lp["objective"])
            if none_mip is None or r < none_mip["objective"] - 1e-6 * max(1, abs(r)):
                stats["lb_mip_viol"] += 1
                print(tag, "VIOLATION rule < no-floor MILP", r,
                      None if none_mip is None else none_mip["objective"])
    print("random instances:", stats)
    for ef, (m, d) in split.items():
        print(f"  e_final={ef}: rule optimum < every-state-floor optimum in {d} of {m}")
    if gaps:
        print(f"  rule cheaper than every-state floor in {len(gaps)} cases; "
              f"gap min/median/max = {min(gaps):.2f} / {np.median(gaps):.2f} / {max(gaps):.2f} $")

    # brute-force check of the big-M formulation on small instances
    n_small, bad = 0, 0
    for i in range(40):
        Ts = 5
        k_c = rng.uniform(0, 100, Ts); k_d = rng.uniform(0, 900, Ts)
        av = np.ones(Ts, bool); av[2] = False
        need = np.zeros(Ts); need[2] = rng.uniform(0, 60)
        e_fin = None if i % 2 == 0 else 50.0
        args = (k_c, k_d, np.full(Ts, 40.0), np.full(Ts, 40.0), wear, 50.0, 100.0, need, av,
                eta_c, eta_d, 30.0)
        m = agent_milp(*args, e_final=e_fin)
        b = agent_enumerate(*args, e_final=e_fin)
        n_small += 1
        if (m is None) != (b is None) or (m is not None and
                                          abs(m["objective"] - b["objective"]) > 1e-5 * max(1, abs(b["objective"]))):
            bad += 1
            print("small instance mismatch", i, None if m is None else m["objective"],
                  None if b is None else b["objective"])
    print(f"brute force (T=5, 3^5 mode patterns): {n_small} instances, {bad} mismatches")
    return stats


if __name__ == "__main__":
    _selfcheck()
