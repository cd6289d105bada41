"""The eva case: the clusters' QPs and the EVA's dispatch against an independent HiGHS
oracle (tests/oracle_eva.py, written from the model statement only), the rounds, the
data layer and short end-to-end runs."""
from __future__ import annotations

import shutil

import numpy as np
import oracle_eva as O
import pytest
from stackga.cases.eva import build, load
from stackga.cases.eva.case import make_clusters, make_dispatch
from stackga.followers.kernels.storage_qp import solve_rows
from stackga.followers.recourse.ev_clusters import EVClusters, cluster_hours, split_to_evs
from stackga.followers.response import Status

import stackga
from stackga.data import DataError
from stackga.rounds import Rounds

ETA = 0.92


def _rows(rng, n, T=24, ties=False):
    L = rng.integers(1, T + 1, n)
    L = np.where(rng.random(n) < 0.3, rng.integers(1, 4, n), L)      # short sessions
    p = rng.uniform(0.3, 1.2, (n, T))
    q = p - rng.uniform(0.0, 0.5, (n, T))
    if ties:                                   # flat prices, buy = sell, no imbalance: ties
        p[:] = 0.6
        q[:] = 0.6
    D = rng.normal(0, 40, (n, T)) * (0.0 if ties else 1.0)
    g = np.repeat(rng.uniform(0.001, 0.5, n)[:, None], T, 1)
    size = rng.integers(1, 5, n)
    C = size * 8.0
    cap = size * 55.0
    e0 = rng.uniform(0.2, 0.95, n) * cap
    need = rng.uniform(0.2, 1.0, n) * cap           # some departures cannot be met
    return dict(length=L, p=p, q=q, D=D, g=g, C=C, Dm=C.copy(), ec=np.full(n, ETA),
                ed=np.full(n, ETA), e0=e0, lo=0.2 * cap, hi=cap, need=need)


def _solve(a):
    return solve_rows(a["length"], a["p"], a["q"], a["D"], a["g"], a["C"], a["Dm"], a["ec"],
                      a["ed"], a["e0"], a["lo"], a["hi"], a["need"])


@pytest.mark.parametrize("ties", [False, True])
def test_cluster_qp_matches_the_oracle(ties):
    rng = np.random.default_rng(11 if ties else 7)
    a = _rows(rng, 120, ties=ties)
    c, d, e, obj, code, gap = _solve(a)
    seen = {"ok": 0, "infeasible": 0}
    for r in range(len(obj)):
        L = a["length"][r]
        args = (a["C"][r], a["Dm"][r], ETA, ETA, a["e0"][r], a["lo"][r], a["hi"][r], a["need"][r])
        ref = O.cluster_qp(a["p"][r, :L], a["q"][r, :L], a["D"][r, :L], a["g"][r, 0], *args)
        if not O.cluster_feasible(*args, L):
            assert code[r] == 1 and gap[r] > 0, r
            seen["infeasible"] += 1
            continue
        assert ref is not None and code[r] == 0, r
        assert abs(obj[r] - ref["objective"]) <= 1e-6 * max(1.0, abs(ref["objective"])), r
        # the plan is feasible and its objective is what it claims
        assert obj[r] == pytest.approx(O.cluster_objective(a["p"][r, :L], a["q"][r, :L],
                                                           a["D"][r, :L], a["g"][r, 0],
                                                           c[r, :L], d[r, :L]), rel=1e-12, abs=1e-12)
        assert np.all(e[r, 1:L + 1] >= a["lo"][r] - 1e-7) and np.all(e[r, 1:L + 1] <= a["hi"][r] + 1e-7)
        assert e[r, L] >= a["need"][r] - 1e-7
        assert np.all(c[r] / a["C"][r] + d[r] / a["Dm"][r] <= 1 + 1e-9)
        assert np.allclose(np.diff(e[r, :L + 1]), ETA * c[r, :L] - d[r, :L] / ETA, atol=1e-9)
        if not ties:      # the net power is unique (strictly convex in c - d)
            assert np.allclose(c[r, :L] - d[r, :L], ref["c"] - ref["d"], atol=1e-5)
        seen["ok"] += 1
    assert seen["ok"] > 30 and seen["infeasible"] > 5


def test_cluster_batch_equals_rows_and_order_does_not_matter():
    rng = np.random.default_rng(3)
    a = _rows(rng, 40)
    full = _solve(a)
    for r in (0, 17, 39):
        one = _solve({k: v[r:r + 1] for k, v in a.items()})
        for x, y in zip(full, one):
            assert np.array_equal(x[r:r + 1], y)
    perm = rng.permutation(40)
    shuffled = _solve({k: v[perm] for k, v in a.items()})
    for x, y in zip(full, shuffled):
        assert np.array_equal(x[perm], y)


def test_clusters_follow_the_clock_and_shuffling_clusters_changes_nothing():
    data = load()
    cl, labels = make_clusters(data)
    rng = np.random.default_rng(0)
    hb = rng.uniform(0.4, 1.1, (5, 24))
    hs = hb - 0.1
    D = rng.normal(0, 30, (5, 24))
    out = cl.solve(hb, hs, D, 0.01)
    assert np.all(out["status"] == Status.OPTIMAL)
    for j in range(cl.n):                         # no power outside a cluster's session
        off = np.setdiff1d(np.arange(24), cl.hours[j, :cl.length[j]])
        assert np.all(out["p_ch"][:, j, off] == 0) and np.all(out["p_dis"][:, j, off] == 0)
    perm = rng.permutation(cl.n)
    sub = EVClusters(cl.start[perm], cl.length[perm], cl.size[perm], cl.p_ch[perm], cl.p_dis[perm],
                     cl.e0[perm], cl.e_min[perm], cl.e_max[perm], cl.e_need[perm], cl.eta_c, cl.eta_d)
    out2 = sub.solve(hb, hs, D, 0.01)
    assert np.array_equal(out["p_ch"][:, perm], out2["p_ch"])
    assert np.array_equal(out["cost"][:, perm], out2["cost"])


def test_clustering_rounds_to_the_hour_and_names_an_empty_session():
    labels, start, length = cluster_hours(np.array([7.6, 8.4, 8.5, 19.2]), np.array([17.4, 16.6, 17.0, 6.9]))
    assert list(start) == [8, 9, 19] and list(length) == [9, 8, 12]
    assert labels[0] == labels[1] != labels[2]
    with pytest.raises(ValueError, match="EV 0.*same hour"):
        cluster_hours(np.array([7.6]), np.array([8.4]))
    data = load()
    cl, labels = make_clusters(data)
    assert cl.n == len(np.unique(labels)) and cl.size.sum() == 64


def test_split_to_evs_finds_per_ev_plans_or_says_none():
    e0 = np.array([30.0, 40.0])
    args = dict(e_min=np.full(2, 11.0), e_max=np.full(2, 55.0), e_need=np.array([35.0, 40.0]),
                p_ch=np.full(2, 8.0), p_dis=np.full(2, 8.0), eta_c=ETA, eta_d=ETA)
    got = split_to_evs(np.array([6.0, 0.0]), np.array([0.0, 0.0]), 0, 2, e0, **args)
    assert got is not None
    c, d, e = got
    assert np.allclose(c.sum(axis=0), [6, 0]) and np.all(e[:, -1] >= args["e_need"] - 1e-7)
    # 12 kW of discharge from two cars, one of which must keep all it has: impossible
    assert split_to_evs(np.array([0.0]), np.array([12.0]), 0, 1, np.array([35.0, 55.0]),
                        **{**args, "e_need": np.array([35.0, 40.0])}) is None


@pytest.mark.parametrize("end_state", ["first_hour", "initial"])
@pytest.mark.parametrize("gamma", [0.005, 1.0, 1e3, 1e5])
def test_dispatch_matches_the_oracle(gamma, end_state):
    """Both end states of the battery (eq. 18 as written, SOC(24) >= SOC(1), and SOC(24) >=
    SOC(0)) against the oracle's own reading of them."""
    data = load()
    d = make_dispatch(data, end_state)
    net = data.hourly["load_kw"] - data.hourly["pv_kw"] - data.hourly["wind_kw"]
    rng = np.random.default_rng(int(np.log10(gamma) + 10))
    R = net[None] + rng.normal(0, 30, (4, 24))
    out = d.solve(R, gamma)
    assert np.all(out["status"] == Status.OPTIMAL)
    for i in range(4):
        ref = O.dispatch_qp(R[i], d.grid_buy, d.grid_sell, gamma, d.a, d.b, d.c0, d.p_min, d.p_max,
                            d.ramp, d.ba_p_max, d.e_min, d.e_max, d.e0, d.eta, d.m, d.x_min, d.x_max,
                            end_state=end_state)
        mine = O.dispatch_objective(R[i], d.grid_buy, d.grid_sell, gamma, d.a, d.b, d.c0, d.m,
                                    out["p_de"][i], out["ba_ch"][i], out["ba_dis"][i], out["buy"][i],
                                    out["sell"][i])
        assert abs(mine - ref["objective"]) <= 1e-6 * max(1.0, abs(ref["objective"]))
        P, E = out["p_de"][i], out["energy"][i]
        assert np.all(np.abs(np.diff(P)) <= d.ramp + 1e-6)
        assert np.all((P >= d.p_min - 1e-7) & (P <= d.p_max + 1e-7))
        assert np.all((E >= d.e_min - 1e-6) & (E <= d.e_max + 1e-6))
        assert E[-1] >= (E[1] if end_state == "first_hour" else d.e0) - 1e-6
        bal = R[i] - (out["buy"][i] - out["sell"][i]) - P + out["ba_ch"][i] - out["ba_dis"][i]
        assert np.allclose(out["imbalance"][i], bal)
        total = out["diesel"][i] + out["battery"][i] + out["grid"][i] + out["penalty"][i]
        assert total == pytest.approx(mine, rel=1e-9)


def test_rounds_stop_when_settled_and_flag_the_rest():
    # x_{k} = x_{k-1} / 2 toward 0 (settles), and a row that oscillates (never settles)
    def start(rows):
        return {"x": np.where(rows[:, None] == 0, 8.0, 1.0) * np.ones((len(rows), 2))}

    def step(rows, state, k):
        x = state["x"]
        return {"x": np.where(rows[:, None] == 0, x / 2, -x)}
    res = Rounds(start, step, ("x",), lambda s: np.zeros(len(s["x"])), max_rounds=12,
                 tol_move=0.1, tol_residual=0.0).run(2)
    assert res.settled.tolist() == [True, False]
    assert res.rounds.tolist() == [7, 12]          # 8 -> 4 -> ... -> 0.0625: moves 0.0625 in round 7
    assert res.move[1] == 2.0


def test_a_row_that_fails_in_start_is_not_stepped():
    # start runs the first round itself (min_rounds=1): row 1 fails there and must stop
    stepped = []

    def start(rows):
        return {"x": np.ones((len(rows), 1)), "bad": rows == 1}

    def step(rows, state, k):
        stepped.extend(rows.tolist())
        return {"x": state["x"] / 2, "bad": np.zeros(len(rows), bool)}
    res = Rounds(start, step, ("x",), lambda s: np.zeros(len(s["x"])), max_rounds=20,
                 tol_move=0.1, tol_residual=0.0, min_rounds=1, failed=lambda s: s["bad"]).run(3)
    assert 1 not in stepped and {0, 2} <= set(stepped)
    assert res.settled.tolist() == [True, False, True]
    assert res.rounds[1] == 0 and res.state["x"][1, 0] == 1.0


def test_every_evaluated_price_vector_meets_eq_8_to_10():
    g = build()
    X = g.project(np.random.default_rng(5).uniform(g.lb - 0.2, g.ub + 0.2, (12, 48)))
    hb, hs = X[:, :24], X[:, 24:]
    data = load()
    p, h = data.params, data.hourly
    assert np.all(hs <= hb + 1e-9)
    assert np.all(hb <= p["alpha"] * h["grid_buy"] + 1e-12) and np.all(hs >= p["beta"] * h["grid_sell"] - 1e-12)
    assert np.all(hb.mean(axis=1) <= p["hb_mean_max"] + 1e-9)
    assert np.all(hs.mean(axis=1) >= p["hs_mean_min"] - 1e-9)


def test_market_balances_power_and_flags_unsettled_individuals():
    g = build()
    X = g.project(np.random.default_rng(0).uniform(g.lb, g.ub, (4, 48)))
    ev = g.evaluate(X, strict=False)
    r = ev.responses["market"]
    a = r.arrays
    net = g.followers["market"].net
    S = (a["p_ch"] - a["p_dis"]).sum(axis=1)
    bal = net + S - (a["de_buy"] - a["de_sell"]) - a["de_p_de"] + a["de_ba_ch"] - a["de_ba_dis"]
    assert np.allclose(a["imbalance"], bal)
    settled = r.status == Status.OPTIMAL
    assert np.all(a["move"][settled] <= 0.5) and np.all(a["residual"][settled] <= 0.1)
    late = r.status == Status.NOT_SETTLED
    assert np.all(a["rounds"][late] == 11)
    assert np.all((a["move"][late] > 0.5) | (a["residual"][late] > 0.1))
    assert np.all(settled | late)
    assert np.all(ev.violation[~settled] > 0)


@pytest.mark.parametrize("engine", ["pymoo", "deap"])
def test_short_runs_are_deterministic(engine):
    game = build()
    cfg = stackga.GAConfig(pop_size=6, generations=2, seed=4, engine=engine)
    a, b = stackga.solve(game, cfg), stackga.solve(build(), cfg)
    assert np.array_equal(a.x, b.x) and a.leader == b.leader
    assert np.all(game.A @ a.x <= game.b + 1e-9)
    if a.report["feasible"]:
        assert a.report["n_clusters"] == game.followers["market"].clusters.n


def test_bad_data_is_named(tmp_path):
    src = load().folder
    bad = tmp_path / "d"
    shutil.copytree(src, bad)
    text = (bad / "evs.csv").read_text().splitlines()
    cells = text[3].split(",")
    cells[5] = "150"                                   # a trip no battery can hold
    text[3] = ",".join(cells)
    (bad / "evs.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(DataError, match="ev 2: trip_km = 150"):
        load(bad)
    shutil.copytree(src, tmp_path / "e")
    hourly = (tmp_path / "e" / "hourly.csv").read_text().splitlines()
    cells = hourly[6].split(",")
    cells[1] = "nan"
    hourly[6] = ",".join(cells)
    (tmp_path / "e" / "hourly.csv").write_text("\n".join(hourly) + "\n")
    with pytest.raises(DataError, match="load_kw"):
        load(tmp_path / "e")
    with pytest.raises(ValueError, match="unknown view 'x'"):
        build(view="x")
    with pytest.raises(ValueError, match="unknown scenario"):
        build(scenario="nope")


def test_threads_and_repeated_rows_change_nothing():
    """Clusters and dispatch on 1 and 2 threads give bit-for-bit the same answer, and a
    dispatch row repeated in the batch (solved once) equals the row solved alone."""
    data = load()
    cl, _ = make_clusters(data)
    d = make_dispatch(data)
    rng = np.random.default_rng(5)
    hb = rng.uniform(0.4, 1.1, (12, 24))
    D = rng.normal(0, 30, (12, 24))
    net = data.hourly["load_kw"] - data.hourly["pv_kw"] - data.hourly["wind_kw"]
    R = net[None] + rng.normal(0, 30, (12, 24))
    R[5] = R[2]
    gam = np.full(12, 3.0)
    out = {}
    for th in (1, 2):
        cl.threads = d.threads = th
        out[th] = cl.solve(hb, hb - 0.1, D, 0.01), d.solve(R, gam)
    for a, b in zip(out[1], out[2]):
        for k in a:
            assert np.array_equal(a[k], b[k]), k
    alone = d.solve(R[2:3], 3.0)
    for k, v in alone.items():
        assert np.array_equal(out[2][1][k][5], v[0]) and np.array_equal(out[2][1][k][2], v[0]), k
    with pytest.raises(ValueError, match="threads"):
        from stackga.followers.parallel.threads import n_threads
        n_threads(-1)


def test_the_market_cut_over_threads_answers_as_one_thread():
    """The market's rounds run per block of individuals on threads (and the clusters and
    dispatch inside each block on its thread): every array of the answer bit for bit the
    one-thread answer."""
    g = build()
    m = g.followers["market"]
    rng = np.random.default_rng(11)
    X = rng.uniform(g.lb, g.ub, (20, len(g.lb)))
    X[15] = X[2]                                  # the same individual in both blocks
    P = g.prices(X)
    out = {}
    for th in (1, 2):
        m.threads = th
        out[th] = m.respond(P)
    assert np.array_equal(out[1].objective, out[2].objective)
    assert np.array_equal(out[1].status, out[2].status)
    assert out[1].arrays.keys() == out[2].arrays.keys()
    for k in out[1].arrays:
        assert np.array_equal(out[1].arrays[k], out[2].arrays[k]), k
    assert np.all(out[1].arrays["rounds"] >= 2)
    for k in out[2].arrays:
        assert np.array_equal(out[2].arrays[k][15], out[2].arrays[k][2]), k


def test_claims_follow_the_report():
    """Each claim reads its own figure: changing that figure (and only it) flips it."""
    from types import SimpleNamespace

    from stackga.cases.eva.claims import claims
    base = {"charge_share_night": 0.8, "discharge_share_day": 0.7, "ev_discharge_kwh": 100.0,
            "class1_discharge_kwh": 80.0, "class2_charge_kwh": 50.0, "class2_charge_night_kwh": 40.0,
            "prices_inside_grid": True, "buy_minus_sell_min": 0.01, "ev_cost_game": 800.0,
            "ev_cost_unmanaged_grid": 900.0, "ev_cost_unmanaged_eva": 850.0, "imbalance_after_max_kw": 1e-3,
            "imbalance_before_max_kw": 300.0, "grid_sold_kwh": 10.0, "split_failures": []}
    assert all(claims(SimpleNamespace(report=base)).values())
    flips = {"charge_share_night": 0.4, "discharge_share_day": 0.5, "class1_discharge_kwh": 40.0,
             "class2_charge_night_kwh": 20.0, "prices_inside_grid": False, "buy_minus_sell_min": 0.0,
             "ev_cost_unmanaged_grid": 700.0, "ev_cost_unmanaged_eva": 700.0,
             "imbalance_after_max_kw": 0.5, "grid_sold_kwh": 0.0,
             "split_failures": [3]}
    for key, value in flips.items():
        got = claims(SimpleNamespace(report={**base, key: value}))
        assert sum(not v for v in got.values()) == 1, key


def _no_kernel(self, r, gam):
    """The compiled kernel certifying no row (so PIQP, then HiGHS, answer)."""
    return np.zeros((len(r), 6 * self.T)), np.zeros(len(r), bool)


@pytest.fixture
def highs_only(monkeypatch):
    """The dispatch without its compiled and PIQP paths: HiGHS and its fallbacks answer
    every QP."""
    from stackga.followers.recourse.microgrid_dispatch import MicrogridDispatch
    monkeypatch.setattr(MicrogridDispatch, "_kernel_rows", _no_kernel)
    monkeypatch.setattr(MicrogridDispatch, "_ipm", lambda self, r, gamma: None)


@pytest.mark.parametrize("end_state", ["first_hour", "initial"])
@pytest.mark.parametrize("gamma", [0.005, 3.125, 1e3, 48828.125])
def test_dispatch_paths_give_the_same_optimum(gamma, end_state, monkeypatch):
    """The three exact paths give the same optimum (objective to 1e-9 relative) at random
    net loads: the compiled interior point's certified answer (every row certified by
    it), PIQP's (on the stage-wise model, every row certified) and HiGHS's active-set one
    (on the model as written), with either end state (the first hour's couples hour 1 and
    hour 24: a bordered Riccati solve in the kernel, one more row elsewhere)."""
    from stackga.followers.recourse import microgrid_dispatch as md
    from stackga.followers.recourse.microgrid_dispatch import MicrogridDispatch
    data = load()
    net = data.hourly["load_kw"] - data.hourly["pv_kw"] - data.hourly["wind_kw"]
    R = net[None] + np.random.default_rng(3).normal(0, 40, (6, 24))
    before = dict(md.stats)
    d = make_dispatch(data, end_state)
    d.threads = 1
    kernel = d.solve(R, gamma)
    assert md.stats["kernel_rows"] - before["kernel_rows"] == 6
    assert md.stats["fallback_rows"] == before["fallback_rows"]
    monkeypatch.setattr(MicrogridDispatch, "_kernel_rows", _no_kernel)
    ipm = MicrogridDispatch._ipm
    answered = []
    monkeypatch.setattr(MicrogridDispatch, "_ipm",
                        lambda self, r, g: answered.append(ipm(self, r, g)) or answered[-1])
    piqp = d.solve(R, gamma)
    assert len(answered) == 6 and all(x is not None for x in answered)
    monkeypatch.setattr(MicrogridDispatch, "_ipm", lambda self, q, g: None)
    highs = make_dispatch(data, end_state).solve(R, gamma)
    total = lambda o: o["diesel"] + o["battery"] + o["grid"] + o["penalty"]          # noqa: E731
    for out in (kernel, piqp, highs):
        assert np.all(out["status"] == Status.OPTIMAL)
    for out in (kernel, piqp):
        np.testing.assert_allclose(total(out), total(highs), rtol=1e-9)
        np.testing.assert_allclose(out["imbalance"], highs["imbalance"], atol=1e-4)


@pytest.mark.parametrize("variant", ["case", "exchange 10 kW", "no battery upkeep"])
@pytest.mark.parametrize("gamma", [0.005, 48828.125])
def test_dispatch_hard_rows_match_the_other_paths(variant, gamma, monkeypatch):
    """Rows the kernel finds hard (large imbalances, a tight exchange, no battery upkeep,
    where its iterates can collapse onto the boundary first): whichever path answers,
    every row is OPTIMAL with the optimum of the dispatch without the kernel (PIQP, then
    HiGHS; objective to 1e-9 relative). (HiGHS alone errs on some of these rows without
    battery upkeep: its Hessian is then zero in c and d.)"""
    import dataclasses

    from stackga.followers.recourse.microgrid_dispatch import MicrogridDispatch
    data = load()
    d = make_dispatch(data)
    d = {"case": d, "exchange 10 kW": dataclasses.replace(d, x_min=-10.0, x_max=10.0),
         "no battery upkeep": dataclasses.replace(d, m=0.0)}[variant]
    net = data.hourly["load_kw"] - data.hourly["pv_kw"] - data.hourly["wind_kw"]
    R = net[None] + np.random.default_rng(6).normal(0, 150, (6, 24))
    from stackga.followers.recourse import microgrid_dispatch as md
    before = md.stats["kernel_rows"]
    fast = d.solve(R, gamma)
    if (variant, gamma) == ("exchange 10 kW", 0.005):      # certified only with refinement
        assert md.stats["kernel_rows"] - before == len(R)
    monkeypatch.setattr(MicrogridDispatch, "_kernel_rows", _no_kernel)
    slow = dataclasses.replace(d).solve(R, gamma)
    total = lambda o: o["diesel"] + o["battery"] + o["grid"] + o["penalty"]          # noqa: E731
    assert np.all(fast["status"] == Status.OPTIMAL) and np.all(slow["status"] == Status.OPTIMAL)
    np.testing.assert_allclose(total(fast), total(slow), rtol=1e-9)


def test_dispatch_rejects_bad_input():
    d = make_dispatch(load())
    r = np.zeros((3, 24))
    r[1, 5] = np.nan
    with pytest.raises(ValueError, match=r"r \(net load\) is not finite in rows \[1\]"):
        d.solve(r, 1.0)
    for gamma in (0.0, -1.0, np.inf):
        with pytest.raises(ValueError, match="gamma must be finite and > 0"):
            d.solve(np.zeros((2, 24)), gamma)


def test_dispatch_rows_the_kernel_does_not_certify_go_to_piqp(monkeypatch):
    """Rows the compiled kernel leaves uncertified are answered by PIQP (the same answer
    as PIQP alone), the others keep the kernel's; a dispatch with a fixed variable (no
    interior: grid sales fixed at 0) is answered without the kernel."""
    from stackga.followers.recourse.microgrid_dispatch import MicrogridDispatch
    data = load()
    net = data.hourly["load_kw"] - data.hourly["pv_kw"] - data.hourly["wind_kw"]
    R = net[None] + np.random.default_rng(4).normal(0, 40, (5, 24))
    d = make_dispatch(data)
    full = d.solve(R, 3.0)
    kernel = MicrogridDispatch._kernel_rows

    def odd_rows_fail(self, r, gam):                # the batch's rows come sorted: match by value
        X, ok = kernel(self, r, gam)
        ok[np.isin(r[:, 0], R[1::2, 0])] = False
        return X, ok
    monkeypatch.setattr(MicrogridDispatch, "_kernel_rows", odd_rows_fail)
    mixed = d.solve(R, 3.0)
    monkeypatch.setattr(MicrogridDispatch, "_kernel_rows", _no_kernel)
    piqp = d.solve(R, 3.0)
    for k in ("p_de", "ba_ch", "buy", "imbalance"):
        assert np.array_equal(mixed[k][0::2], full[k][0::2]), k
        assert np.array_equal(mixed[k][1::2], piqp[k][1::2]), k
    monkeypatch.undo()
    fixed = make_dispatch(data)
    fixed.x_min = 0.0
    fixed.__post_init__()
    assert fixed._kernel is None
    out = fixed.solve(R, 3.0)
    assert np.all(out["status"] == Status.OPTIMAL) and np.all(out["sell"] == 0.0)


def test_dispatch_survives_a_highs_solve_error(highs_only):
    """A net load met in a short run where HiGHS's QP ends in a solve error at tolerance
    1e-10 (gamma1 = 9765.625): the dispatch retries at HiGHS's default tolerances and
    matches the oracle's second formulation (the first fails there too) to 1e-6."""
    r = np.array([149.0, -32.286278, 56.375541, 9.151842, 124.24071, -54.246939, 144.0, 71.307213,
                  47.576811, 48.505804, -204.525252, 44.540708, 23.117465, 211.330947, -177.705828,
                  166.415499, 95.61865, 145.494993, 102.616427, 160.0, -8.528719, 52.0, -28.0, -80.0])
    d = make_dispatch(load(), "initial")           # the row came from this model
    out = d.solve(r[None], 9765.625)
    assert out["status"][0] == Status.OPTIMAL
    ref = O.dispatch_qp(r, d.grid_buy, d.grid_sell, 9765.625, d.a, d.b, d.c0, d.p_min, d.p_max,
                        d.ramp, d.ba_p_max, d.e_min, d.e_max, d.e0, d.eta, d.m, d.x_min, d.x_max,
                        explicit_energy=True)
    total = out["diesel"][0] + out["battery"][0] + out["grid"][0] + out["penalty"][0]
    assert abs(total - ref["objective"]) <= 1e-6 * abs(ref["objective"])


def test_dispatch_falls_back_to_its_second_formulation(highs_only):
    """A net load met in a 30-generation run where HiGHS ends in a solve error on the
    scaled formulation at every tolerance (gamma1 = 3.125): the dispatch solves it with u
    eliminated and matches the oracle to 1e-6."""
    r = np.round([72.905641, 27.413177, 47.462637, 17.377639, 5.813424, 34.559977, 20.541377,
                  14.0, 0.742418, 51.970983, 32.0, 24.0, 27.703107, 54.0, 28.349731, 56.308617,
                  75.185406, 104.842441, 63.16358, 117.751882, 32.964739, 52.0, 6.000015,
                  48.573893], 6)
    d = make_dispatch(load(), "initial")           # the row came from this model
    out = d.solve(r[None], 3.125)
    assert out["status"][0] == Status.OPTIMAL
    ref = O.dispatch_qp(r, d.grid_buy, d.grid_sell, 3.125, d.a, d.b, d.c0, d.p_min, d.p_max,
                        d.ramp, d.ba_p_max, d.e_min, d.e_max, d.e0, d.eta, d.m, d.x_min, d.x_max)
    total = out["diesel"][0] + out["battery"][0] + out["grid"][0] + out["penalty"][0]
    assert abs(total - ref["objective"]) <= 1e-6 * abs(ref["objective"])
    bal = r - (out["buy"][0] - out["sell"][0]) - out["p_de"][0] + out["ba_ch"][0] - out["ba_dis"][0]
    assert np.allclose(out["imbalance"][0], bal)


def test_market_answer_does_not_depend_on_the_population_order():
    """Each individual runs its own rounds: shuffling the population (with a repeated
    individual in it) permutes the answers and changes nothing else, bit for bit."""
    g = build()
    X = g.project(np.random.default_rng(8).uniform(g.lb, g.ub, (5, 48)))
    X[4] = X[1]
    perm = np.array([3, 0, 4, 2, 1])
    a, b = g.evaluate(X, strict=False), g.evaluate(X[perm], strict=False)
    assert np.array_equal(a.leader[perm], b.leader) and a.leader[1] == a.leader[4]
    ra, rb = a.responses["market"].arrays, b.responses["market"].arrays
    for k in ra:
        assert np.array_equal(ra[k][perm], rb[k]), k


def test_market_answer_carries_a_certificate():
    """result_at certifies every cluster's QP and the dispatch afresh (HiGHS): the game's
    answer is optimal in every part; a cluster plan moved off its optimum is not."""
    from stackga.solve import result_at
    g = build()
    X = g.project(np.random.default_rng(0).uniform(g.lb, g.ub, (16, 48)))
    ev = g.evaluate(X, strict=False)
    i = int(np.flatnonzero(ev.feasible)[0])
    res = result_at(g, X[i])
    cert = res.report["certificates"]["market"]
    assert cert["optimal"] and set(cert["parts"]) == {f"cluster{j}" for j in range(29)} | {"dispatch"}
    assert all(abs(c["duality_gap"]) <= 1e-6 * (1 + abs(c["follower_optimum"])) for c in cert["parts"].values())
    m = g.followers["market"]
    a = {k: v for k, v in res.arrays.items() if k.startswith("market.")}
    row = {k[len("market."):]: v for k, v in a.items()}
    j = int(np.argmax(row["p_ch"].sum(axis=1)))           # a cluster that charges
    moved = {**row, "p_ch": row["p_ch"].copy()}
    hrs = m.clusters.hours[j, :m.clusters.length[j]]
    moved["p_ch"][j, hrs] *= 0.9
    bad = m.certificate(res.x, moved).parts[f"cluster{j}"]
    assert not bad.optimal
    plan = {n: row[f"de_{n}"] + (1.0 if n in ("buy", "sell") else 0.0)      # 1 kW bought and sold back
            for n in ("p_de", "ba_ch", "ba_dis", "buy", "sell")}
    k = int(row["rounds"])
    S = (row["p_ch"] - row["p_dis"]).sum(axis=0)
    assert not m.dispatch.certificate(m.net + S, m.g1(k), plan).optimal


def test_report_gain_is_recomputed_from_its_parts():
    """The EVA's gain: its cost serving the microgrid without EVs (checked against the
    oracle's dispatch of load - PV - wind at the last round's gamma1) minus its net cost."""
    from stackga.solve import result_at
    g = build()
    X = g.project(np.random.default_rng(2).uniform(g.lb, g.ub, (16, 48)))
    ev = g.evaluate(X, strict=False)
    rep = result_at(g, X[int(np.flatnonzero(ev.feasible)[0])]).report
    m = g.followers["market"]
    d = m.dispatch
    ref = O.dispatch_qp(m.net, d.grid_buy, d.grid_sell, m.g1(rep["rounds"]), d.a, d.b, d.c0, d.p_min,
                        d.p_max, d.ramp, d.ba_p_max, d.e_min, d.e_max, d.e0, d.eta, d.m, d.x_min, d.x_max,
                        end_state="first_hour")
    alone = ref["objective"] - m.g1(rep["rounds"]) * float(np.sum(ref["imbalance"] ** 2))
    assert rep["eva_cost_without_evs"] == pytest.approx(alone, rel=1e-6)
    running = rep["diesel_cost"] + rep["battery_cost"] + rep["grid_cost"]
    assert rep["eva_gain"] == pytest.approx(alone - running + rep["ev_payments"], rel=1e-6)
    assert rep["eva_profit"] == pytest.approx(rep["ev_payments"] - running)

def test_dispatch_accepts_an_answer_whose_energy_balance_is_off_by_rounding(monkeypatch):
    """A net load from a GA run whose certified PIQP answer, its near-bound values put on
    the bounds, ends 1.7e-6 kWh under E(T) >= E(0) (a sum of 48 terms of up to ~100 kWh):
    it is OPTIMAL (it was marked SOLVER_FAILED against an absolute 1e-6), and its energy
    balance holds to 1e-6 of the row's terms."""
    from stackga.followers.recourse.microgrid_dispatch import MicrogridDispatch
    monkeypatch.setattr(MicrogridDispatch, "_kernel_rows", _no_kernel)
    data = load()
    d = make_dispatch(data, "initial")             # the row came from this model
    d.threads = 1
    r = np.array([-43.293027554625105, 53.28551388066032, 74.06395226204066, 132.0, 141.0,
                  -37.79534389772962, 63.26932800412517, 14.0, 46.0, 44.0, 32.0,
                  23.999999999999993, 28.0, 54.0, 49.76322768269716, -81.346415742401,
                  70.0254780105637, 144.0, 162.53423549358314, 160.0, -60.04023521304353,
                  52.0, -28.00000000000001, -80.0])
    out = d.solve(r[None], 15.625)
    assert out["status"][0] == Status.OPTIMAL
    e = out["energy"][0]
    scale = (d.eta * out["ba_ch"][0] + out["ba_dis"][0] / d.eta).sum()
    assert e[-1] >= e[0] - 1e-6 * (1 + scale) and e[-1] < e[0]      # off by rounding only


def test_an_ev_arriving_above_its_soc_max_is_refused(tmp_path):
    """An EV arriving above ev_soc_max would start outside its bounds (it was solved)."""
    bad = tmp_path / "d"
    shutil.copytree(load().folder, bad)
    params = (bad / "parameters.csv").read_text().replace("ev_soc_max,1.0,", "ev_soc_max,0.9,")
    (bad / "parameters.csv").write_text(params)
    text = (bad / "evs.csv").read_text().splitlines()
    cells = text[1].split(",")
    cells[4] = "0.95"
    text[1] = ",".join(cells)
    (bad / "evs.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(DataError, match=r"ev 0: soc_in = 0.95 is above ev_soc_max = 0.9"):
        load(bad)


def test_an_ev_with_no_connected_hour_is_named_by_its_id_and_file(tmp_path):
    from stackga.cli import main
    from stackga.errors import InputError
    data = tmp_path / "d"
    assert main(["data", "eva", str(data)]) == 0
    csv = data / "evs.csv"
    lines = csv.read_text().splitlines()
    fields = lines[6].split(",")
    fields[0], fields[2], fields[3] = "1005", "9.9", "10.2"        # id 1005, both round to 10 h
    lines[6] = ",".join(fields)
    csv.write_text("\n".join(lines) + "\n")
    import stackga.cases.eva as eva
    with pytest.raises(InputError, match=r"evs.csv: EV 1005: arrival 9.9 h and departure 10.2 h"):
        eva.build(data_dir=data, window="exclusive")
    g = eva.build(data_dir=data)                   # inclusive (eq. 6): the hour 10 itself
    cl = g.followers["market"].clusters
    assert 1 in cl.length[cl.start == 10]
    # the report counts it (and only it: the shipped data has no such EV) and says so
    from stackga.cases.eva.summary import summarize

    from stackga.solve import result_at
    res = result_at(g, g.project(0.5 * (g.lb + g.ub)[None])[0])
    assert res.report["evs_same_hour"] == 1
    assert "1 EV in a cluster whose arrival and departure round to one hour" in summarize(res)
    assert result_at(build(), res.x).report["evs_same_hour"] == 0


def test_market_with_the_clusters_first_tells_them_the_net_load_and_counts_its_rounds(monkeypatch):
    """first="clusters": the clusters' first answer is to the net load alone (nothing
    dispatched), the EVA then dispatches their plans, and every round (one answer of the
    clusters, one dispatch) is counted; first="dispatch": the first answer is to what the
    EVA's dispatch without EVs leaves."""
    told, calls = [], []
    for first in ("clusters", "dispatch"):
        g = build(first=first)
        m = g.followers["market"]
        solve = m.clusters.solve

        def spy(hb, hs, D, gamma, solve=solve):
            told.append(np.array(D))
            calls.append(1)
            return solve(hb, hs, D, gamma)
        monkeypatch.setattr(m.clusters, "solve", spy)
        x = g.project(np.random.default_rng(1).uniform(g.lb, g.ub, (1, 48)))
        told.clear()
        calls.clear()
        r = g.evaluate(x, strict=False).responses["market"]
        assert r.arrays["rounds"][0] == len(calls) > 1
        first_D = told[0][0]                             # (n_cl, T) or (T,) of individual 0
        net = np.broadcast_to(m.net, first_D.shape)
        if first == "clusters":
            np.testing.assert_array_equal(first_D, net)
        else:
            alone = m.dispatch.solve(np.zeros((1, 24)) + m.net, m.g1(1))["imbalance"][0]
            np.testing.assert_allclose(first_D, np.broadcast_to(alone, first_D.shape), atol=1e-9)


def test_the_readings_are_named_options_and_a_wrong_one_is_named():
    from stackga.cases.eva import PREVIOUS, READINGS
    assert {k: v[1] for k, v in READINGS.items()} == {
        "window": "inclusive", "end_state": "first_hour", "grouping": "grid", "first": "dispatch",
        "view": "system", "cluster_model": "aggregate"}
    g = build(**PREVIOUS)
    assert g.followers["market"].dispatch.end_state == "initial"
    cl = g.followers["market"].clusters
    assert np.array_equal(build().followers["market"].clusters.length, cl.length + 1)
    for key in READINGS:
        with pytest.raises(ValueError, match=f"eva: unknown {key} 'nope'"):
            build(**{key: "nope"})


def test_an_exclusive_window_of_no_hour_is_an_error_but_an_inclusive_one_has_one_hour():
    with pytest.raises(ValueError, match="EV 0.*same hour"):
        cluster_hours(np.array([7.6]), np.array([8.4]), window="exclusive")
    labels, start, length = cluster_hours(np.array([7.6]), np.array([8.4]), window="inclusive")
    assert list(start) == [8] and list(length) == [1]
    with pytest.raises(ValueError, match="unknown grouping"):
        cluster_hours(np.array([7.6]), np.array([9.4]), grouping="k-means")


def test_greedy_grouping_joins_evs_within_half_an_hour_of_the_opener():
    # opener 7.6/17.4; 8.1/17.0 joins (0.5 h, inclusive); 8.2/17.4 does not (0.6 h) and
    # opens its own; 23.8/6.9 and 0.2/7.3 join across midnight
    arr = np.array([7.6, 8.1, 8.2, 23.8, 0.2])
    dep = np.array([17.4, 17.0, 17.4, 6.9, 7.3])
    labels, start, length = cluster_hours(arr, dep, grouping="greedy", window="exclusive")
    assert labels[0] == labels[1] != labels[2] and labels[3] == labels[4]
    k = labels[0]                                  # mean 7.85 -> 8, mean 17.2 -> 17
    assert (start[k], length[k]) == (8, 9)
    k = labels[3]                                  # mean 0.0 -> 0, mean 7.1 -> 7
    assert (start[k], length[k]) == (0, 7)
    # on the grid, 7.6 and 8.1 round to the same hour 8 and share a cluster with 8.2
    g_labels, _, _ = cluster_hours(arr, dep, grouping="grid", window="exclusive")
    assert g_labels[0] == g_labels[2]


def _car_qp_cvxpy(hb, hs, D, gamma, e0, e_min, e_max, need, pc, pd, eta_c, eta_d):
    """The per-car cluster QP written out in CVXPY (Clarabel), from the model statement:
    cars i, steps k; the cluster's price terms and penalty on the cars' sums."""
    import cvxpy as cp
    n, L = len(e0), len(hb)
    c, d = cp.Variable((n, L), nonneg=True), cp.Variable((n, L), nonneg=True)
    cons = [c / pc[:, None] + d / pd[:, None] <= 1]
    low = np.tril(np.ones((L, L)))
    e = e0[:, None] + (eta_c * c - d / eta_d) @ low.T
    cons += [e >= e_min[:, None], e <= e_max[:, None], e[:, L - 1] >= np.maximum(e_min, need)]
    C, Dd = cp.sum(c, axis=0), cp.sum(d, axis=0)
    obj = hb @ C - hs @ Dd + gamma * cp.sum_squares(D + C - Dd)
    prob = cp.Problem(cp.Minimize(obj), cons)
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    return prob.status, prob.value


def test_per_car_clusters_match_an_independent_qp_and_bound_the_aggregate():
    """cluster_model="per_car": each cluster's optimum matches the same model written in
    CVXPY (to 1e-6 relative); it is never below the aggregate cluster's (its relaxation)
    and equals it for a one-car cluster; every plan splits per car."""
    pytest.importorskip("cvxpy")
    from stackga.cases.eva.case import per_car
    data = load()
    cl, labels = make_clusters(data)
    pc = per_car(data, cl, labels)
    rng = np.random.default_rng(4)
    hb = rng.uniform(0.5, 1.1, (2, 24))
    hs = hb - rng.uniform(0.0, 0.4, (2, 24))
    D = rng.normal(0, 40, (2, 24))
    cars, agg = pc.solve(hb, hs, D, 0.01), cl.solve(hb, hs, D, 0.01)
    assert np.all(cars["status"] == Status.OPTIMAL)
    obj = lambda o: o["cost"] + o["penalty"]                 # noqa: E731
    assert np.all(obj(cars) >= obj(agg) - 1e-7 * (1 + np.abs(obj(agg))))
    one = cl.size == 1
    assert one.any() and np.allclose(obj(cars)[:, one], obj(agg)[:, one], rtol=1e-7, atol=1e-7)
    assert np.any(obj(cars) > obj(agg) + 1e-3)               # the cars' limits bind somewhere
    for j in [int(np.argmax(cl.size)), int(np.flatnonzero(cl.size == 2)[0])]:
        mem = pc.members(j)
        hrs = cl.hours[j, :cl.length[j]]
        status, value = _car_qp_cvxpy(hb[0, hrs], hs[0, hrs], D[0, hrs], 0.01, pc.e0[mem], pc.e_min[mem],
                                      pc.e_max[mem], pc.need[mem], pc.p_ch[mem], pc.p_dis[mem],
                                      pc.eta_c, pc.eta_d)
        assert status == "optimal"
        assert obj(cars)[0, j] == pytest.approx(value, rel=1e-6, abs=1e-6)
        split = split_to_evs(cars["p_ch"][0, j, hrs], cars["p_dis"][0, j, hrs], int(cl.start[j]),
                             int(cl.length[j]), pc.e0[mem], pc.e_min[mem], pc.e_max[mem], pc.need[mem],
                             pc.p_ch[mem], pc.p_dis[mem], pc.eta_c, pc.eta_d)
        assert split is not None


def test_per_car_answers_are_certified_and_split():
    """The game with per-car clusters at a settled price vector: every part certified
    (each cluster's per-car QP re-solved by HiGHS) and no cluster plan left unsplit."""
    from stackga.solve import result_at
    g = build()
    X = g.project(np.random.default_rng(0).uniform(g.lb, g.ub, (16, 48)))
    x = X[int(np.flatnonzero(g.evaluate(X, strict=False).feasible)[0])]
    res = result_at(build(cluster_model="per_car"), x)
    assert res.report["feasible"] and res.report["split_failures"] == []
    assert res.report["certificates"]["market"]["optimal"]


@pytest.mark.parametrize("grouping", ["grid", "greedy"])
@pytest.mark.parametrize("window", ["inclusive", "exclusive"])
def test_clusters_match_the_oracle_under_every_reading(grouping, window):
    """The clusters of the shipped 64 EVs (and of 200 random ones) under each reading of
    eq. 1 and eq. 6 equal the oracle's, written from the paper's text: the same members,
    first hour and number of connected hours; on our EVs 29 (grid) and 34 (greedy)."""
    data = load()
    ev = data.evs
    rng = np.random.default_rng(9)
    arr = np.concatenate([ev["arrival_h"], np.round(rng.uniform(0, 24, 200), 2)])
    dep = np.concatenate([ev["departure_h"], np.round((arr[64:] + rng.uniform(1.2, 20, 200)) % 24, 2)])
    for a, d in ((ev["arrival_h"], ev["departure_h"]), (arr, dep)):
        labels, start, length = cluster_hours(a, d, window=window, grouping=grouping)
        mine = {(tuple(np.flatnonzero(labels == k)), int(start[k]), int(length[k]))
                for k in range(len(start))}
        ref = set(O.cluster_sessions(a, d, grouping=grouping, window=window))
        assert mine == ref
    assert len(O.cluster_sessions(ev["arrival_h"], ev["departure_h"], grouping=grouping)) == \
        {"grid": 29, "greedy": 34}[grouping]
