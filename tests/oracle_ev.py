"""Independent test oracle for the per-EV virtual-storage charging model.

Written from the model statement only (not from the project's implementation).
Uses numpy and scipy.optimize.linprog(method="highs").

Model (hours t = 0..23, dt = 1 h, kW == kWh per hour):
  * EV i is plugged from the start of hour arr_i to the start of hour dep_i,
    cyclically (arr_i > dep_i crosses midnight; arr=23, dep=0 is the single hour 23).
    Session hours, in time order: arr_i, arr_i+1, ..., dep_i-1 (mod 24).
  * Energy at arrival e0 = soc_arr_i * battery_i.  After each plugged hour
    E <- E + eta_c*ch - dis/eta_d, and soc_min*B <= E <= soc_max*B at the end of
    every plugged hour (the arrival energy itself is not constrained).
  * 0 <= ch, dis <= p_ev in plugged hours, 0 elsewhere.
  * Baseline: charge at p_ev from arrival until soc_max*B is reached (last hour at
    the partial power min(p_ev, (Emax - E)/eta_c)), never discharge.
  * leave_i = max(soc_need_i*B_i, baseline energy at departure)  (departure="baseline")
            = soc_need_i*B_i                                       (departure="trip")
    and energy at departure >= leave_i.
  * maximise sum_i w_i sum_t [(subsidy + p(t))*(baseline - ch + dis)
                              - kappa*((1 - eta_c)*ch + (1/eta_d - eta_d)*dis)]
"""

import numpy as np
from scipy.optimize import linprog

HOURS = 24


def _session_hours(a, d):
    """Hours of day of the session arr=a .. dep=d (exclusive), in time order."""
    a, d = int(a), int(d)
    if not (0 <= a < HOURS and 0 <= d < HOURS):
        raise ValueError(f"arr/dep must be in 0..23, got {a}, {d}")
    if a == d:
        raise ValueError("arr == dep is not allowed")
    n = (d - a) % HOURS
    return [(a + k) % HOURS for k in range(n)]


def _baseline(hours, e0, e_max, p_ev, eta_c):
    """Baseline power per session hour and the baseline energy at departure."""
    power = np.zeros(len(hours))
    e = float(e0)
    for k in range(len(hours)):
        room = e_max - e
        if room <= 0.0:
            continue
        if eta_c * p_ev < room:
            power[k] = p_ev
            e += eta_c * p_ev
        else:  # partial hour that lands exactly on e_max
            power[k] = room / eta_c
            e = e_max
    return power, e


def _solve_one(hours, price_s, e0, e_min, e_max, leave, p_ev, eta_c, eta_d,
               kappa):
    """LP for one EV over its session. Variables x = [ch_0..ch_{L-1}, dis_0..dis_{L-1}].

    Minimises  sum_k (price_s_k + kappa*(1-eta_c))*ch_k
             + sum_k (-price_s_k + kappa*(1/eta_d - eta_d))*dis_k
    i.e. the negative of the variable part of the operator objective.
    Returns (status, ch, dis, min_value).
    """
    L = len(hours)
    c = np.concatenate([price_s + kappa * (1.0 - eta_c),
                        -price_s + kappa * (1.0 / eta_d - eta_d)])
    # cumulative energy change after hour k: sum_{j<=k} eta_c*ch_j - dis_j/eta_d
    lower_tri = np.tril(np.ones((L, L)))
    M = np.hstack([eta_c * lower_tri, -(1.0 / eta_d) * lower_tri])
    # e0 + M x <= e_max ;  -(e0 + M x) <= -e_min ; -(e0 + M[-1] x) <= -leave
    A_ub = np.vstack([M, -M, -M[-1:]])
    b_ub = np.concatenate([np.full(L, e_max - e0), np.full(L, e0 - e_min),
                           [e0 - leave]])
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, bounds=[(0.0, p_ev)] * (2 * L),
                  method="highs")
    if res.status != 0:
        return res.status, None, None, None
    x = np.clip(res.x, 0.0, p_ev) + 0.0  # + 0.0 turns -0.0 into 0.0
    return 0, x[:L], x[L:], float(res.fun)


def per_ev_fleet_lp(prices, arr, dep, battery, soc_arr, soc_need, *, p_ev, eta_c, eta_d,
                    soc_min, soc_max, subsidy, kappa, weight=None, departure="baseline"):
    """Returns dict(objective=float, ch=(n_ev, 24), dis=(n_ev, 24), baseline=(n_ev, 24),
    leave=(n_ev,), energy_end=(n_ev,) energy at departure, status=int (0 optimal, 2 infeasible)).

    ch, dis, baseline, leave, energy_end are per *single* vehicle (not multiplied by
    weight); only the objective is weighted.  battery, soc_arr, soc_need, weight (and,
    as a convenience, p_ev, soc_min, soc_max) may be scalars or (n_ev,) arrays.
    If some EV's LP is infeasible: objective 0.0, status 2 (or the first non-zero
    linprog status), that EV's ch/dis rows are 0 and its energy_end is NaN.
    """
    prices = np.asarray(prices, dtype=float).reshape(-1)
    if prices.shape != (HOURS,):
        raise ValueError("prices must have 24 entries")
    arr = np.atleast_1d(np.asarray(arr)).astype(int)
    dep = np.atleast_1d(np.asarray(dep)).astype(int)
    n = arr.shape[0]
    if dep.shape != (n,):
        raise ValueError("arr and dep must have the same length")

    def per_ev(v):
        return np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()

    battery = per_ev(battery)
    soc_arr = per_ev(soc_arr)
    soc_need = per_ev(soc_need)
    weight = per_ev(1.0 if weight is None else weight)
    p_ev_v = per_ev(p_ev)
    soc_min_v = per_ev(soc_min)
    soc_max_v = per_ev(soc_max)
    if departure not in ("baseline", "trip"):
        raise ValueError("departure must be 'baseline' or 'trip'")

    price_s_all = prices + float(subsidy)
    ch = np.zeros((n, HOURS))
    dis = np.zeros((n, HOURS))
    base = np.zeros((n, HOURS))
    leave = np.zeros(n)
    energy_end = np.full(n, np.nan)
    objective = 0.0
    status = 0

    for i in range(n):
        hours = _session_hours(arr[i], dep[i])
        B = battery[i]
        e0 = soc_arr[i] * B
        e_min, e_max = soc_min_v[i] * B, soc_max_v[i] * B
        b_pow, e_base_end = _baseline(hours, e0, e_max, p_ev_v[i], eta_c)
        base[i, hours] = b_pow
        need = soc_need[i] * B
        leave[i] = max(need, e_base_end) if departure == "baseline" else need

        ps = price_s_all[hours]
        st, c_i, d_i, fun = _solve_one(hours, ps, e0, e_min, e_max, leave[i],
                                       p_ev_v[i], eta_c, eta_d, float(kappa))
        if st != 0:
            if status == 0:
                status = int(st)
            continue
        ch[i, hours] = c_i
        dis[i, hours] = d_i
        energy_end[i] = e0 + eta_c * c_i.sum() - d_i.sum() / eta_d
        # objective = constant baseline revenue - LP minimum
        objective += weight[i] * (float(ps @ b_pow) - fun)

    if status != 0:
        objective = 0.0
    return dict(objective=float(objective), ch=ch, dis=dis, baseline=base,
                leave=leave, energy_end=energy_end, status=int(status))


# ---------------------------------------------------------------------------
# Self-check
# ---------------------------------------------------------------------------
def _objective_of(prices, ch, dis, base, weight, subsidy, kappa, eta_c, eta_d):
    ps = np.asarray(prices, float) + subsidy
    per = ((ps * (base - ch + dis)).sum(axis=1)
           - kappa * ((1 - eta_c) * ch + (1 / eta_d - eta_d) * dis).sum(axis=1))
    return float(np.asarray(weight, float) @ per)


def _state_form_check(prices, arr, dep, battery, soc_arr, leave, base, *, p_ev, eta_c, eta_d,
                      soc_min, soc_max, subsidy, kappa, weight):
    """Second, independent formulation: one block LP over all EVs on the 24-hour grid,
    with explicit energy-state variables and equality dynamics. Returns objective."""
    n = len(arr)
    # variables per EV: ch(24), dis(24), E(24) (energy at END of hour t)
    nv = 72 * n
    c = np.zeros(nv)
    bounds = []
    A_eq, b_eq, A_ub, b_ub = [], [], [], []
    ps = np.asarray(prices, float) + subsidy
    for i in range(n):
        off = 72 * i
        hours = _session_hours(arr[i], dep[i])
        plugged = np.zeros(24, bool)
        plugged[hours] = True
        B = battery[i]
        c[off:off + 24] = weight[i] * (ps + kappa * (1 - eta_c))
        c[off + 24:off + 48] = weight[i] * (-ps + kappa * (1 / eta_d - eta_d))
        for t in range(24):
            ub = p_ev if plugged[t] else 0.0
            bounds.append((0.0, ub))
        for t in range(24):
            ub = p_ev if plugged[t] else 0.0
            bounds.append((0.0, ub))
        for t in range(24):
            if plugged[t]:
                bounds.append((soc_min * B, soc_max * B))
            else:
                bounds.append((None, None))
        for k, t in enumerate(hours):
            row = np.zeros(nv)
            row[off + 48 + t] = 1.0
            row[off + t] = -eta_c
            row[off + 24 + t] = 1.0 / eta_d
            if k == 0:
                rhs = soc_arr[i] * B
            else:
                row[off + 48 + hours[k - 1]] = -1.0
                rhs = 0.0
            A_eq.append(row)
            b_eq.append(rhs)
        # free (unused) E in unplugged hours: pin to 0
        for t in range(24):
            if not plugged[t]:
                row = np.zeros(nv)
                row[off + 48 + t] = 1.0
                A_eq.append(row)
                b_eq.append(0.0)
        row = np.zeros(nv)
        row[off + 48 + hours[-1]] = -1.0
        A_ub.append(row)
        b_ub.append(-leave[i])
    res = linprog(c, A_ub=np.array(A_ub), b_ub=np.array(b_ub), A_eq=np.array(A_eq),
                  b_eq=np.array(b_eq), bounds=bounds, method="highs")
    const = float(np.asarray(weight, float) @ (np.asarray(base) @ ps))
    return res.status, (const - res.fun if res.status == 0 else None)


if __name__ == "__main__":
    np.set_printoptions(precision=3, suppress=True, linewidth=160)
    # TOU-like prices: cheap night, expensive evening peak
    prices = np.array([0.30] * 7 + [0.60] * 3 + [1.00] * 4 + [0.60] * 4 + [1.10] * 5
                      + [0.60])
    arr = np.array([18, 8, 23])
    dep = np.array([7, 17, 0])
    battery = np.array([40.0, 30.0, 50.0])
    soc_arr = np.array([0.30, 0.50, 0.85])
    soc_need = np.array([0.80, 0.60, 0.50])
    kw = dict(p_ev=7.0, eta_c=0.92, eta_d=0.93, soc_min=0.2, soc_max=0.9,
              subsidy=0.2, kappa=1.0)
    weight = np.array([10.0, 5.0, 2.0])

    for mode in ("baseline", "trip"):
        r = per_ev_fleet_lp(prices, arr, dep, battery, soc_arr, soc_need,
                            weight=weight, departure=mode, **kw)
        print(f"=== departure={mode}: status={r['status']} objective={r['objective']:.4f}")
        print("leave      ", r["leave"])
        print("energy_end ", r["energy_end"])
        for i in range(len(arr)):
            print(f"EV{i} arr={arr[i]} dep={dep[i]}")
            print("  baseline", r["baseline"][i])
            print("  ch      ", r["ch"][i])
            print("  dis     ", r["dis"][i])
        # recompute objective from the returned arrays
        obj2 = _objective_of(prices, r["ch"], r["dis"], r["baseline"], weight,
                             kw["subsidy"], kw["kappa"], kw["eta_c"], kw["eta_d"])
        st3, obj3 = _state_form_check(prices, arr, dep, battery, soc_arr, r["leave"],
                                      r["baseline"], weight=weight, **kw)
        print(f"recomputed objective {obj2:.6f}; state-form block LP {obj3:.6f}")
        assert abs(obj2 - r["objective"]) < 1e-6
        assert st3 == 0 and abs(obj3 - r["objective"]) < 1e-6

    # Hand check, EV0 (crosses midnight): hour-by-hour energies
    r = per_ev_fleet_lp(prices, arr, dep, battery, soc_arr, soc_need, weight=weight, **kw)
    eta_c, eta_d = kw["eta_c"], kw["eta_d"]
    for i in range(len(arr)):
        B = battery[i]
        hours = _session_hours(arr[i], dep[i])
        print(f"--- EV{i}: session hours {hours}; Emin={kw['soc_min']*B:.2f} "
              f"Emax={kw['soc_max']*B:.2f} leave={r['leave'][i]:.3f}")
        eb = e = soc_arr[i] * B
        print(f"  arrive E={e:.3f}")
        for t in hours:
            bp = r["baseline"][i, t]
            eb_new = eb + eta_c * bp
            e_new = e + eta_c * r["ch"][i, t] - r["dis"][i, t] / eta_d
            print(f"  h{t:02d} base={bp:6.3f} Ebase={eb_new:7.3f} | ch={r['ch'][i, t]:6.3f}"
                  f" dis={r['dis'][i, t]:6.3f} E={e_new:7.3f}")
            # baseline rule: full power until Emax, exactly reaching it
            expected = min(kw["p_ev"], max(0.0, (kw["soc_max"] * B - eb) / eta_c))
            assert abs(bp - expected) < 1e-9
            assert kw["soc_min"] * B - 1e-7 <= e_new <= kw["soc_max"] * B + 1e-7
            eb, e = eb_new, e_new
        assert abs(e - r["energy_end"][i]) < 1e-9 and e >= r["leave"][i] - 1e-7
        off = np.ones(24, bool)
        off[hours] = False
        assert not r["ch"][i, off].any() and not r["dis"][i, off].any()
        assert not r["baseline"][i, off].any()

    # Infeasible case: need above soc_max
    r_bad = per_ev_fleet_lp(prices, arr, dep, battery, soc_arr, [0.8, 0.95, 0.5],
                            weight=weight, departure="trip", **kw)
    print("infeasible case: status", r_bad["status"], "objective", r_bad["objective"])
    assert r_bad["status"] == 2 and r_bad["objective"] == 0.0

    # Random cross-check against the state-form block LP
    rng = np.random.default_rng(0)
    for _ in range(50):
        n = 4
        a = rng.integers(0, 24, n)
        d = (a + rng.integers(1, 24, n)) % 24
        pr = rng.uniform(-0.2, 1.5, 24)
        bat = rng.uniform(20, 60, n)
        sa = rng.uniform(0.1, 0.9, n)
        sn = rng.uniform(0.2, 0.7, n)
        w = rng.uniform(1, 10, n)
        kw2 = dict(kw, kappa=float(rng.uniform(0, 1.5)), subsidy=float(rng.uniform(0, .5)))
        for mode in ("baseline", "trip"):
            r = per_ev_fleet_lp(pr, a, d, bat, sa, sn, weight=w, departure=mode, **kw2)
            st3, obj3 = _state_form_check(pr, a, d, bat, sa, r["leave"], r["baseline"],
                                            weight=w, **kw2)
            if r["status"] == 0:
                assert st3 == 0 and abs(obj3 - r["objective"]) < 1e-6 * max(1, abs(obj3))
            else:
                assert st3 != 0
    print("random cross-checks OK")
