"""The prosumer follower (load, PV and a battery behind one meter): against an independent
scipy linprog written from its model, net metering against the library's Battery, ties
chosen by the game's selection, and bad input named."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog
from stackga.followers import Battery, Prosumer, Status

from stackga import Game, LeaderOutcome
from stackga.errors import InputError

T = 24
h = np.arange(T)
LOAD = 0.5 + np.exp(-0.5 * ((h - 19) / 2) ** 2)
PV = 3.0 * np.clip(np.sin(np.pi * (h - 6) / 12), 0, None)
KW = dict(capacity=10.0, p_max=5.0, soc_min=0.1, soc_max=0.9, soc0=0.5, eta_c=0.95, eta_d=0.9,
          alpha=0.01)


def oracle(price, feed_in, imax=np.inf, emax=np.inf):
    """The bill's minimum, written from the model: variables ch, dis, E(1..T), imp, exp."""
    c = np.r_[np.full(2 * T, KW["alpha"]), np.zeros(T), price, -feed_in]
    A, b = [], []
    for t in range(T):                      # E(t) - E(t-1) - eta_c ch + dis / eta_d = 0
        r = np.zeros(5 * T)
        r[2 * T + t], r[t], r[T + t] = 1.0, -KW["eta_c"], 1.0 / KW["eta_d"]
        if t:
            r[2 * T + t - 1] = -1.0
        A.append(r)
        b.append(KW["soc0"] * KW["capacity"] if t == 0 else 0.0)
    for t in range(T):                      # imp - exp - ch + dis = load - pv
        r = np.zeros(5 * T)
        r[3 * T + t], r[4 * T + t], r[t], r[T + t] = 1.0, -1.0, -1.0, 1.0
        A.append(r)
        b.append(LOAD[t] - PV[t])
    cap = KW["capacity"]
    e_lo = np.full(T, KW["soc_min"] * cap)
    e_lo[-1] = KW["soc0"] * cap
    bounds = ([(0, KW["p_max"])] * (2 * T) + list(zip(e_lo, np.full(T, KW["soc_max"] * cap)))
              + [(0, imax)] * T + [(0, emax)] * T)
    return linprog(c, A_eq=np.array(A), b_eq=b, bounds=bounds, method="highs")


@pytest.mark.parametrize("ties", [False, True])
def test_a_feed_in_prosumer_equals_an_independent_lp(ties):
    rng = np.random.default_rng(1)
    P = rng.choice([0.4, 0.8, 1.1], (6, T)) if ties else rng.uniform(0.4, 1.2, (6, T))
    feed_in = np.full(T, 0.3)
    f = Prosumer(LOAD, PV, export=feed_in, import_max=8.0, **KW)
    r = f.respond(P)
    assert r.ok.all()
    for i in range(len(P)):
        ref = oracle(P[i], feed_in, imax=8.0)
        assert r.objective[i] == pytest.approx(ref.fun, rel=1e-9, abs=1e-9)
    a = r.arrays
    assert np.allclose(a["imp"] - a["exp"], LOAD - PV + a["ch"] - a["dis"], atol=1e-9)
    assert a["imp"].max() <= 8.0 + 1e-9


def test_net_metering_is_the_fixed_bill_less_the_batterys_profit():
    P = np.random.default_rng(2).uniform(0.2, 1.2, (5, T))
    f = Prosumer(LOAD, PV, export="net", **KW)
    b = Battery(**KW)
    assert np.allclose(f.respond(P).objective,
                       (P * (LOAD - PV)).sum(1) - b.respond(P).objective, rtol=1e-9, atol=1e-9)


def test_leader_set_export_prices_and_an_unbounded_individual_counted():
    rng = np.random.default_rng(3)
    P = np.hstack([rng.uniform(0.6, 1.2, (4, T)), rng.uniform(0.1, 0.5, (4, T))])
    P[3, T + 5] = 2.0                      # selling dearer than buying, no meter limit
    r = Prosumer(LOAD, PV, export="leader", **KW).respond(P)
    assert r.ok[:3].all() and r.status[3] == Status.UNBOUNDED
    assert np.isfinite(r.objective).all()
    for i in range(3):
        assert r.objective[i] == pytest.approx(oracle(P[i, :T], P[i, T:]).fun, rel=1e-9, abs=1e-9)


def test_ties_go_to_the_leader_under_optimistic_selection():
    """Equal prices in several hours: the retailer (who buys at a varying wholesale price)
    gets, among the prosumer's cheapest plans, the one it values most, checked against the
    plans the own answer and the pessimistic rule give."""
    w = np.linspace(0.2, 0.6, T)

    def leader(X, p, r):
        a = r["p"].arrays
        return LeaderOutcome(((p - w) * (a["imp"] - a["exp"])).sum(1), np.zeros(len(X)))

    P = np.random.default_rng(4).choice([0.5, 0.9], (6, T))
    vals = {}
    for rule in ("own", "optimistic", "pessimistic"):
        g = Game("t", lb=np.zeros(T), ub=np.full(T, 2.0), leader=leader, selection=rule,
                 followers={"p": Prosumer(LOAD, PV, export=np.full(T, 0.2), **KW)})
        e = g.evaluate(P)
        vals[rule] = e.leader
        bills = e.responses["p"].objective
    assert np.all(vals["optimistic"] >= vals["own"] - 1e-7)
    assert np.all(vals["own"] >= vals["pessimistic"] - 1e-7)
    assert np.any(vals["optimistic"] > vals["pessimistic"] + 1e-3)
    assert np.allclose(bills, [oracle(p, np.full(T, 0.2)).fun for p in P], rtol=1e-9)


@pytest.mark.parametrize("kw,text", [
    ({"export": "gross"}, "Prosumer.export"),
    ({"export": np.full(T - 1, 0.1)}, "feed-in tariff must be finite"),
    ({"eta_c": 1.3}, "efficiencies"),
    ({"soc0": 0.95}, "soc0"),
])
def test_bad_prosumers_are_named(kw, text):
    args = {**KW, "export": "net", **kw}
    with pytest.raises(InputError, match=text):
        Prosumer(LOAD, PV, **args)


def test_a_feed_in_above_the_price_is_named():
    f = Prosumer(LOAD, PV, export=np.full(T, 0.5), **KW)
    with pytest.raises(InputError, match="feed-in tariff 0.5 above the price 0.4"):
        f.respond(np.full((1, T), 0.4))
