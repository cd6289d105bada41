"""Every follower: optimal (independent solve), invariants, batch == row-by-row,
order-independent (the tie-break), and bad input named."""
import numpy as np
import pytest
import scipy.sparse as sp
from oracle_ev import per_ev_fleet_lp
from oracles import battery_milp
from scipy.optimize import linprog
from stackga.followers import Battery, EVFleet, FlexibleUsers, Status, StorageOperator, ThermalBuildings
from stackga.followers import battery as battery_module
from stackga.followers.backends.highs import solve_highs
from stackga.followers.ev_fleet import plugged

T = 24
RNG = np.random.default_rng(42)


def prices(n, seed=0, lo=0.3, hi=1.2):
    p = np.random.default_rng(seed).uniform(lo, hi, (n, T))
    p[:, 5:9] = p[:, 5:6]          # a block of tied hours, as the GA produces at bounds
    return p


def users():
    rigid = 700 + 500 * np.sin(np.arange(T) / 24 * 2 * np.pi) ** 2
    return FlexibleUsers(rigid=rigid, flex_max=np.full(T, 300.0), a=1.5, b=0.0009)


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
                eta_d=0.95, alpha=0.05, p_min=p_min, max_active_hours=n_active, integer=True)
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


def oracle_fleet(f, P_row):
    return per_ev_fleet_lp(P_row, f.arr, f.dep, f.battery, f.soc_arr, f.soc_need, p_ev=f.p_ev,
                           eta_c=f.eta_c, eta_d=f.eta_d, soc_min=f.soc_min, soc_max=f.soc_max,
                           subsidy=f.subsidy, kappa=f.kappa, weight=f.weight, departure=f.departure)


def mixed_fleet(departure="baseline", seed=3, n_ev=24):
    """Overnight sessions across midnight, daytime ones, one-hour ones (23 -> 0), and
    weights: every shape of window the rotation has to get right."""
    rng = np.random.default_rng(seed)
    arr = np.r_[rng.integers(16, 24, n_ev - 6), [8, 9, 13, 23, 0, 22]]
    dep = np.r_[rng.integers(5, 9, n_ev - 6), [17, 12, 18, 0, 5, 23]]
    return EVFleet(arr=arr, dep=dep, battery=rng.choice([30.0, 40.0, 60.0], n_ev),
                   soc_arr=rng.uniform(0.3, 0.85, n_ev), soc_need=rng.uniform(0.25, 0.6, n_ev),
                   weight=rng.uniform(0.5, 2.0, n_ev), subsidy=0.1, eta_d=0.9,
                   departure=departure)


@pytest.mark.parametrize("departure", ["baseline", "trip"])
def test_ev_fleet_equals_independent_per_ev_lp(departure):
    f = mixed_fleet(departure)
    P = prices(6, seed=5, lo=-0.1, hi=1.5)
    r = f.respond(P)
    assert r.ok.all()
    for i in range(len(P)):
        ref = oracle_fleet(f, P[i])
        assert ref["status"] == 0
        assert r.objective[i] == pytest.approx(ref["objective"], rel=1e-6, abs=1e-6)
        np.testing.assert_allclose(f.leave, ref["leave"], rtol=1e-12)
        np.testing.assert_allclose(f.baseline, (f.weight[:, None] * ref["baseline"]).sum(0), atol=1e-9)


def test_ev_fleet_totals_split_into_feasible_per_ev_plans():
    f = mixed_fleet("trip", seed=8)
    P = prices(4, seed=9)
    r, d = f.respond(P), f.describe(P)
    ch, dis, e = d["car_ch"], d["car_dis"], d["car_energy"]
    on = plugged(f.arr, f.dep, T)
    w = f.weight[None, :, None]
    np.testing.assert_allclose((w * ch).sum(1), r.arrays["ch"], atol=1e-9)
    np.testing.assert_allclose((w * dis).sum(1), r.arrays["dis"], atol=1e-9)
    assert np.all(ch[:, ~on] == 0) and np.all(dis[:, ~on] == 0)            # only when plugged
    assert ch.min() >= 0 and dis.min() >= 0
    assert ch.max() <= f.p_ev + 1e-9 and dis.max() <= f.p_ev + 1e-9
    lo, hi = f.soc_min * f.battery, f.soc_max * f.battery
    for k in range(len(f.arr)):                  # walk each car's session hour by hour
        h, energy = int(f.arr[k]), f.soc_arr[k] * f.battery[k]
        np.testing.assert_allclose(e[:, k, h], energy)
        while h != f.dep[k]:
            energy = e[:, k, h] + f.eta_c * ch[:, k, h] - dis[:, k, h] / f.eta_d
            h = (h + 1) % T
            np.testing.assert_allclose(e[:, k, h], energy, atol=1e-9)
            assert np.all(energy >= lo[k] - 1e-9) and np.all(energy <= hi[k] + 1e-9)
        assert np.all(e[:, k, f.dep[k]] >= f.leave[k] - 1e-9)               # leaves with enough
    # the per-EV plans are optimal: their value is the follower's objective
    assert np.allclose(f.value(P, (w * ch).sum(1), (w * dis).sum(1)), r.objective, rtol=1e-12)


def test_ev_fleet_shuffled_cars_change_nothing():
    f = mixed_fleet("trip", seed=4)
    order = np.random.default_rng(0).permutation(len(f.arr))
    g = EVFleet(arr=f.arr[order], dep=f.dep[order], battery=f.battery[order],
                soc_arr=f.soc_arr[order], soc_need=f.soc_need[order], weight=f.weight[order],
                subsidy=f.subsidy, eta_d=f.eta_d, departure=f.departure)
    P = prices(8, seed=2)
    a, b = f.respond(P), g.respond(P)
    np.testing.assert_allclose(a.objective, b.objective, rtol=1e-12)
    np.testing.assert_allclose(a.arrays["p_virtual"], b.arrays["p_virtual"], atol=1e-9)
    np.testing.assert_allclose(f.describe(P)["car_ch"][:, order], g.describe(P)["car_ch"], atol=1e-12)
    rows = f.respond(P[3:4])
    np.testing.assert_array_equal(rows.objective[0], a.objective[3])         # batch == row


@pytest.mark.parametrize("kw,text", [
    ({"soc_need": np.full(3, 0.95)}, "EV 0 cannot reach its departure energy"),
    ({"arr": np.array([18, 7, 24])}, r"EVFleet.arr\[2\] = 24 is not an hour"),
    ({"dep": np.array([18, 8, 9])}, "EV 0 arrives and departs in the same hour"),
    ({"departure": "full"}, "EVFleet.departure must be one of"),
])
def test_ev_fleet_bad_configuration_is_named(kw, text):
    args = dict(arr=np.array([18, 7, 20]), dep=np.array([7, 8, 9]), battery=np.full(3, 40.0),
                soc_arr=np.full(3, 0.5), soc_need=np.full(3, 0.6), departure="trip")
    args.update(kw)
    with pytest.raises(ValueError, match=text):
        EVFleet(**args)


def storage_operator():
    return StorageOperator(Battery(capacity=4000, p_max=500, soc_min=0.1, soc_max=0.9, soc0=0.5,
                                   eta_c=0.95, eta_d=0.95, alpha=0.05, p_min=50,
                                   max_active_hours=14, integer=True),
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
    for f in (users(), thermal(), fleet(), Battery(capacity=10, p_max=1, **SOC)):
        with pytest.raises(ValueError, match=msg):
            f.respond(bad)


SOC = dict(soc_min=0.1, soc_max=0.9, soc0=0.5, eta_c=0.95, eta_d=0.95)


def test_bad_battery_parameters_named():
    with pytest.raises(ValueError, match="capacity"):
        Battery(capacity=-1, p_max=1, **SOC)
    with pytest.raises(ValueError, match="p_min"):
        Battery(capacity=1, p_max=1, p_min=2, **SOC)
    with pytest.raises(ValueError, match="efficiencies"):
        Battery(capacity=1, p_max=1, **{**SOC, "eta_c": 1.2})
    with pytest.raises(ValueError, match="Battery.integer: p_min = 0.5"):
        Battery(capacity=1, p_max=1, p_min=0.5, **SOC)        # binaries or not: say which
    with pytest.raises(ValueError, match="max_active_hours = 6"):
        Battery(capacity=1, p_max=1, max_active_hours=6, **SOC)
    with pytest.raises(TypeError, match="soc_min"):
        Battery(capacity=1, p_max=1)                          # SOC limits are stated


@pytest.mark.parametrize("p_min,n_active,integer", [
    (0.0, None, True), (0.0, None, False), (60.0, None, True), (0.0, 12, True), (80.0, 10, True)])
def test_battery_exact_at_negative_prices(p_min, n_active, integer):
    """A solar dip below zero (charging and discharging in one hour pays, outside the
    recursion's premise): the plan equals an independent MILP (no simultaneous charge and
    discharge) or, for the LP battery, an independent LP; the rows inside the premise
    still go through the recursion."""
    kw = dict(capacity=1000.0, p_max=300.0, soc_min=0.1, soc_max=0.9, soc0=0.5, eta_c=0.95,
              eta_d=0.95, alpha=0.01, p_min=p_min, max_active_hours=n_active)
    b = Battery(**kw, integer=integer)
    P = prices(4, seed=3)
    P[1, 10:15] = -0.2
    P[2, 3:6] = -1.0
    P[3, :] = -0.05
    r = b.respond(P)
    assert r.ok.all() and b.stats["outside_solves"] == 2     # row 3: -0.05 stays inside
    for i in range(4):
        if integer:
            ref = battery_milp(P[i], 1000, 300, p_min, 0.1, 0.9, 0.5, 0.95, 0.95, 0.01,
                               n_active if n_active is not None else 2 * T)
        else:
            cost = np.r_[P[i] + 0.01, -(P[i] - 0.01), np.zeros(T)]
            A = np.zeros((T, 3 * T))
            for t in range(T):
                A[t, t], A[t, T + t], A[t, 2 * T + t] = -0.95, 1 / 0.95, 1.0
                if t:
                    A[t, 2 * T + t - 1] = -1.0
            e_lo = np.full(T, 100.0)
            e_lo[-1] = 500.0
            ref = -linprog(cost, A_eq=A, b_eq=np.r_[500.0, np.zeros(T - 1)],
                           bounds=list(zip(np.r_[np.zeros(2 * T), e_lo],
                                           np.r_[np.full(2 * T, 300.0), np.full(T, 900.0)])),
                           method="highs").fun
        assert r.objective[i] == pytest.approx(ref, rel=1e-7, abs=1e-6)
        plan = {k: v[i] for k, v in r.arrays.items()}
        assert b.certificate(P[i], plan).optimal
    if integer:
        assert not np.any((r.arrays["ch"] > 1e-6) & (r.arrays["dis"] > 1e-6))


def test_costs_outside_the_recursion_are_solver_failed_not_wrong():
    """Prices so negative that the stage reward is not concave (c_up < c_dn): the recursion's
    premise fails, so the individual is SOLVER_FAILED, never a wrong OPTIMAL plan."""
    f = EVFleet(arr=np.array([18]), dep=np.array([7]), battery=np.array([40.0]),
                soc_arr=np.array([0.5]), soc_need=np.array([0.5]), kappa=0.0, departure="trip")
    P = np.vstack([np.full(T, -0.5), np.full(T, 0.5)])
    r = f.respond(P)
    assert list(r.status) == [Status.SOLVER_FAILED, Status.OPTIMAL]
    ref = oracle_fleet(f, P[1])
    assert r.objective[1] == pytest.approx(ref["objective"], rel=1e-9)


def test_certificates_of_the_case_followers():
    """Every case follower with a certificate: the reported answer is certified optimal by
    an independent HiGHS solve; a perturbed answer is not; ties are flagged."""
    from stackga.cases import island, v2g

    import stackga
    r = stackga.solve(island.build(scenario=3, integer_battery=False),
                      stackga.GAConfig(pop_size=20, generations=4), improve=False)
    certs = r.report["certificates"]
    assert certs["users"]["optimal"] and certs["so"]["optimal"] and not certs["users"]["ties"]
    g = island.build(scenario=3, integer_battery=False)
    p = g.prices(r.x[None])[0]
    users = g.followers["users"]
    bad = users.certificate(p, {"load": r.arrays["users.load"] * 1.01})
    assert not bad.optimal
    so = g.followers["so"]
    arr = {k: r.arrays[f"so.{k}"] for k in ("bt_ch", "bt_dis", "bt_soc")}
    arr["bt_ch"] = arr["bt_ch"] * 0.0            # an idle battery: feasible, not optimal here
    arr["bt_dis"] = arr["bt_dis"] * 0.0
    arr["bt_soc"] = np.full_like(arr["bt_soc"], arr["bt_soc"][0])
    idle = so.certificate(p, arr)
    assert idle.primal_violation == 0 and idle.duality_gap > 1.0 and not idle.optimal
    rv = stackga.solve(v2g.build("plan"), stackga.GAConfig(pop_size=20, generations=4))
    c = rv.report["certificates"]["ev"]
    assert c["optimal"] and c["ties"]            # flat charging prices: the agent is indifferent


def test_certificates_cover_the_virtual_storage():
    """Scenario 4: the battery (MILP), the AC buildings (LP) and every EV (one block LP)
    are each certified by HiGHS; a perturbed AC schedule is not optimal."""
    from stackga.cases import island

    import stackga
    g = island.build(scenario=4)
    r = stackga.solve(g, stackga.GAConfig(pop_size=16, generations=3))
    c = r.report["certificates"]["so"]
    assert c["optimal"] and not c["not_covered"] and set(c["parts"]) == {"battery", "ac", "ev"}
    for part in c["parts"].values():
        assert part["optimal"] and part["primal_violation"] < 1e-6
    p = g.prices(r.x[None])[0]
    ac = g.followers["so"].virtual["ac"]
    base = {"p_ac": r.arrays["so.ac_p_ac"], "t_in": r.arrays["so.ac_t_in"]}
    flat = {"p_ac": ac.baseline.copy(), "t_in": np.full_like(base["t_in"], ac.t_set)}
    held = ac.certificate(p, flat)                 # the set point held: feasible, costlier
    assert held.primal_violation < 1e-6 and held.duality_gap > 1e-3 and not held.optimal


def test_qp_certificate_tells_a_tie_from_a_singular_hessian():
    """A QP whose Hessian is singular can still have a unique optimum (the flat direction
    is pinned by a bound or a cost): not a tie; a flat direction with no cost and room to
    move is a tie."""
    import scipy.sparse as sp
    from stackga.followers.certify.certificate import lp_certificate
    H = sp.csr_matrix(np.array([[2.0, -2.0], [-2.0, 2.0]]))     # (y1 - y2)^2: flat along y1 = y2
    A = sp.csr_matrix((0, 2))
    # min (y1 - y2)^2 - 1.9 y1 + 2.1 y2 = z^2 - 1.9 z + 0.2 y2 (z = y1 - y2), y >= 0:
    # y = (0.95, 0), unique (the cost pins y2 at its bound)
    c = lp_certificate(np.array([-1.9, 2.1]), A, [], [], np.zeros(2), np.full(2, 5.0),
                       np.array([0.95, 0.0]), hessian=H)
    assert c.optimal and not c.ties
    # min (y1 - y2)^2 - 2 (y1 - y2) over 0 <= y <= 5: every y1 = y2 + 1 is optimal: a tie
    c = lp_certificate(np.array([-2.0, 2.0]), A, [], [], np.zeros(2), np.full(2, 5.0),
                       np.array([1.0, 0.0]), hessian=H)
    assert c.optimal and c.ties
