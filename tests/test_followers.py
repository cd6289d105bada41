"""Every follower: optimal (independent solve), invariants, batch == row-by-row,
order-independent (the tie-break), and bad input named."""
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from followers import Battery, EVFleet, FlexibleUsers, StorageOperator, ThermalBuildings
from followers import battery as battery_module
from followers.highs_model import solve_highs
from oracles import battery_milp

T = 24
RNG = np.random.default_rng(42)


def prices(n, seed=0, lo=0.3, hi=1.2):
    p = np.random.default_rng(seed).uniform(lo, hi, (n, T))
    p[:, 5:9] = p[:, 5:6]          # a block of tied hours, as the GA produces at bounds
    return p


def users():
    rigid = 700 + 500 * np.sin(np.arange(T) / 24 * 2 * np.pi) ** 2
    return FlexibleUsers(rigid=rigid, flex_max=np.full(T, 300.0))


def thermal():
    t_out = 29 + 4 * np.sin((np.arange(T) - 9) / 24 * 2 * np.pi)
    return ThermalBuildings(t_out=t_out, r_th=0.02, c_th=400.0, cop=3.0, p_max=300.0,
                            subsidy=0.1)


def fleet(n_ev=20, seed=3):
    rng = np.random.default_rng(seed)
    arr = rng.integers(16, 23, n_ev)
    dep = rng.integers(6, 9, n_ev)
    return EVFleet(arr=arr, dep=dep, battery=np.full(n_ev, 40.0),
                   soc_arr=rng.uniform(0.3, 0.6, n_ev), soc_need=np.full(n_ev, 0.5), subsidy=0.1)


def test_users_closed_form_equals_highs_qp():
    u = users()
    P = prices(6)
    r = u.respond(P)
    for i in range(6):
        # min sum b/2 x^2 - (a - R - b P_d) x over the flexible part x = P_s (constant dropped)
        cost = -(u.a - P[i] - u.b * u.rigid)
        status, x, obj = solve_highs(cost, sp.csr_matrix((0, T)), [], [], np.zeros(T),
                                     u.flex_max, hessian=sp.identity(T) * u.b)
        ref = u.utility((u.rigid + x)[None], P[i:i + 1])[0]
        assert status == 0
        assert r.objective[i] == pytest.approx(ref, rel=1e-6)
    assert np.all(r.arrays["flex"] >= 0) and np.all(r.arrays["flex"] <= u.flex_max + 1e-9)


@pytest.mark.parametrize("p_min,n_active,bnb_limit", [
    (0.0, None, None), (50.0, 24, None), (0.0, 10, None), (0.0, 18, None), (0.0, 3, None),
    (0.0, 18, 1), (100.0, 8, None), (100.0, 16, None)])
def test_battery_equals_independent_milp(p_min, n_active, bnb_limit, monkeypatch):
    """Every path (relaxation, branch and bound, HiGHS MILP past the node
    limit) against an independent MILP."""
    if bnb_limit is not None:
        monkeypatch.setattr(battery_module, "BNB_MAX_NODES", bnb_limit)
    b = Battery(capacity=4000, p_max=500, soc_min=0.1, soc_max=0.9, soc0=0.5, eta_c=0.95,
                eta_d=0.95, alpha=0.05, p_min=p_min, max_active_hours=n_active)
    P = prices(5, seed=int(p_min) + (n_active or 0))
    r = b.respond(P)
    assert r.ok.all()
    relaxed = Battery(capacity=4000, p_max=500, soc_min=0.1, soc_max=0.9, soc0=0.5,
                      eta_c=0.95, eta_d=0.95, alpha=0.05, integer=False).respond(P)
    active = (relaxed.arrays["ch"] > 1e-4) | (relaxed.arrays["dis"] > 1e-4)
    small = (np.maximum(relaxed.arrays["ch"], relaxed.arrays["dis"]) < p_min) & active
    n_broken = int(((active.sum(axis=1) > (n_active or T)) | small.any(axis=1)).sum())
    # branch and bound for every broken row, HiGHS only past the node limit
    assert b.stats["bnb_solves"] == n_broken
    if bnb_limit == 1:
        assert b.stats["milp_solves"] == n_broken
    else:
        assert b.stats["milp_solves"] <= n_broken
    for i in range(5):
        ref = battery_milp(P[i], 4000, 500, p_min, 0.1, 0.9, 0.5, 0.95, 0.95, 0.05,
                           n_active if n_active is not None else 2 * T)
        assert r.objective[i] == pytest.approx(ref, rel=1e-6, abs=1e-6)
    ch, dis, soc = r.arrays["ch"], r.arrays["dis"], r.arrays["soc"]
    np.testing.assert_allclose(soc[:, 1:], soc[:, :-1] + 0.95 * ch - dis / 0.95, atol=1e-6)
    assert np.all(soc >= 400 - 1e-6) and np.all(soc <= 3600 + 1e-6)
    assert np.all(soc[:, -1] >= 2000 - 1e-6)
    assert not np.any((ch > 1e-6) & (dis > 1e-6))
    active = (ch > 1e-6) | (dis > 1e-6)
    assert np.all(np.maximum(ch, dis)[active] >= p_min - 1e-6)
    if n_active is not None:
        assert np.all(active.sum(axis=1) <= n_active)


def test_thermal_equals_lp_in_temperatures():
    th = thermal()
    P = prices(4, seed=7)
    r = th.respond(P)
    a = th.decay
    for i in range(4):
        # variables P_ac(T), T_in(1..T); T_in(t+1) - a T_in(t) + (1-a) eta R P = (1-a) T_out
        A = sp.hstack([(1 - a) * th.cop * th.r_th * sp.identity(T),
                       sp.identity(T) - a * sp.eye(T, k=-1)])
        b = (1 - a) * th.t_out
        b[0] += a * th.t_set
        bounds = [(0, th.p_max)] * T + [(th.t_min, th.t_max)] * (T - 1) + [(th.t_min, th.t_set)]
        ref = linprog(np.r_[th.subsidy + P[i], np.zeros(T)], A_eq=A, b_eq=b, bounds=bounds,
                      method="highs")
        value = ((th.subsidy + P[i]) * th.baseline).sum() - ref.fun
        assert r.objective[i] == pytest.approx(value, rel=1e-6)
    t_in = r.arrays["t_in"]
    assert np.all(t_in >= th.t_min - 1e-6) and np.all(t_in <= th.t_max + 1e-6)
    assert np.all(t_in[:, -1] <= th.t_set + 1e-6)
    np.testing.assert_allclose(
        t_in[:, 1:], a * t_in[:, :-1] + (1 - a) * (th.t_out - th.cop * th.r_th * r.arrays["p_ac"]),
        atol=1e-6)


def test_ev_fleet_invariants_and_baseline_feasible():
    f = fleet()
    r = f.respond(prices(5, seed=11))
    assert r.ok.all()
    m = f.storage
    e = r.arrays["energy"]
    assert np.all(e[:, 1:] >= m.s_lo[1:] - 1e-6) and np.all(e[:, 1:] <= m.s_hi[1:] + 1e-6)
    np.testing.assert_allclose(
        e[:, 1:], e[:, :-1] + f.eta_c * r.arrays["ch"] - r.arrays["dis"] / f.eta_d + m.drift,
        atol=1e-6)
    # power limits from the plugged-in count
    n_on = (m.up_max / f.eta_c / f.p_ev).round()
    assert np.all(r.arrays["ch"] <= n_on * f.p_ev + 1e-6)
    # the baseline itself is a feasible plan, so the optimum is at least its value
    base = f.baseline[None].repeat(5, 0)
    assert np.all(r.objective >= f.value(prices(5, seed=11), base, 0 * base) - 1e-6)


def test_ev_fleet_objective_equals_independent_lp():
    f = fleet()
    m = f.storage
    P = prices(3, seed=5)
    r = f.respond(P)
    for i in range(3):
        lam = f.subsidy + P[i]
        # variables ch(T), dis(T), E(1..T): min (lam + k(1-eta_c)) ch - (lam - k(1/eta_d-eta_d)) dis
        A = sp.hstack([-f.eta_c * sp.identity(T), sp.identity(T) / f.eta_d,
                       sp.identity(T) - sp.eye(T, k=-1)])
        b = m.drift.copy()
        b[0] += m.s0
        lo = np.r_[np.zeros(2 * T), m.s_lo[1:]]
        lo[-1] = max(lo[-1], m.s0)
        hi = np.r_[m.up_max / f.eta_c, m.dn_max * f.eta_d, m.s_hi[1:]]
        ref = linprog(np.r_[lam + f.kappa * (1 - f.eta_c),
                            -(lam - f.kappa * (1 / f.eta_d - f.eta_d)), np.zeros(T)],
                      A_eq=A, b_eq=b, bounds=list(zip(lo, hi)), method="highs")
        assert ref.status == 0
        assert r.objective[i] == pytest.approx((lam * f.baseline).sum() - ref.fun, rel=1e-6)


def storage_operator():
    return StorageOperator(Battery(capacity=4000, p_max=500, alpha=0.05, p_min=50,
                                   max_active_hours=14),
                           {"ac": thermal(), "ev": fleet()})


@pytest.mark.parametrize("make", [users, thermal, fleet, storage_operator])
def test_batch_equals_rows_and_shuffle_invariant(make):
    f = make()
    P = prices(12, seed=9)
    P[3] = P[4]                                     # duplicate individuals
    r = f.respond(P)
    perm = np.random.default_rng(1).permutation(12)
    rp = f.respond(P[perm])
    np.testing.assert_array_equal(rp.objective, r.objective[perm])
    for k in r.arrays:
        np.testing.assert_array_equal(rp.arrays[k], r.arrays[k][perm])
    for i in (0, 5):
        ri = f.respond(P[i:i + 1])
        assert ri.objective[0] == r.objective[i]


def test_storage_operator_adds_its_parts():
    so = storage_operator()
    P = prices(4, seed=2)
    r = so.respond(P)
    parts = so.battery.respond(P).objective + thermal().respond(P).objective + fleet().respond(P).objective
    np.testing.assert_allclose(r.objective, parts)
    np.testing.assert_allclose(r.arrays["p_virtual"],
                               r.arrays["ac_p_virtual"] + r.arrays["ev_p_virtual"])


@pytest.mark.parametrize("bad,msg", [(np.full((2, 23), 0.5), "shape"),
                                     (np.array([[np.nan] * T]), "not finite"),
                                     (np.array([[np.inf] * T]), "not finite")])
def test_bad_prices_named(bad, msg):
    for f in (users(), thermal(), fleet(), Battery(capacity=10, p_max=1)):
        with pytest.raises(ValueError, match=msg):
            f.respond(bad)


def test_bad_battery_parameters_named():
    with pytest.raises(ValueError, match="capacity"):
        Battery(capacity=-1, p_max=1)
    with pytest.raises(ValueError, match="p_min"):
        Battery(capacity=1, p_max=1, p_min=2)
