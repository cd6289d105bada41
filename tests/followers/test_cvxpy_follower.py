"""Followers written as CVXPY problems (stackga.followers.CvxpyFollower): against CVXPY's own
solve of the same problem, against the library's Battery, batch against row by row, ties
chosen by the game's selection, and bad problems refused with the reason."""
from __future__ import annotations

import numpy as np
import pytest

cp = pytest.importorskip("cvxpy")

from stackga.followers import Battery, CvxpyFollower, Status  # noqa: E402

from stackga import Game, LeaderOutcome  # noqa: E402
from stackga.errors import InputError  # noqa: E402

T = 24


def battery_problem():
    price = cp.Parameter(T, name="price")
    ch, dis, E = cp.Variable(T, name="ch"), cp.Variable(T, name="dis"), cp.Variable(T + 1, name="soc")
    cons = [E[0] == 500, E[1:] == E[:-1] + 0.95 * ch - dis / 0.95, E >= 100, E <= 900,
            ch >= 0, ch <= 250, dis >= 0, dis <= 250, E[T] >= 500]
    prob = cp.Problem(cp.Minimize(price @ (ch - dis) + 0.01 * cp.sum(ch + dis)), cons)
    return prob, price, {"ch": ch, "dis": dis, "soc": E}


def battery_twin() -> Battery:
    return Battery(capacity=1000, p_max=250, soc_min=0.1, soc_max=0.9, soc0=0.5, eta_c=0.95,
                   eta_d=0.95, alpha=0.01)


def users_problem():
    """Flexible load with a quadratic utility and a daily need: maximised."""
    price = cp.Parameter(T, name="price")
    need = cp.Parameter(name="need")
    x = cp.Variable(T, name="load")
    a = np.linspace(1.0, 1.6, T)
    prob = cp.Problem(cp.Maximize(a @ x - 0.002 * cp.sum_squares(x) - price @ x),
                      [x >= 20, x <= 300, cp.sum(x) >= need])
    return prob, price, need, x


def prices(n, seed, levels=False):
    rng = np.random.default_rng(seed)
    if levels:                                   # equal prices in several hours: ties
        return rng.choice([0.3, 0.8, 1.2], size=(n, T))
    return rng.uniform(0.2, 1.2, (n, T))


@pytest.mark.parametrize("levels", [False, True])
def test_an_lp_follower_equals_cvxpys_own_solve_and_the_librarys_battery(levels):
    prob, price, out = battery_problem()
    f = CvxpyFollower(prob, {"price": lambda P: P}, out)
    P = prices(8, 1, levels)
    r = f.respond(P)
    assert r.ok.all() and r.arrays["ch"].shape == (8, T) and r.arrays["soc"].shape == (8, T + 1)
    for i in range(len(P)):
        price.value = P[i]
        prob.solve(cp.CLARABEL)
        assert r.objective[i] == pytest.approx(prob.value, rel=1e-6, abs=1e-6)
    assert np.allclose(-r.objective, battery_twin().respond(P).objective, rtol=1e-9, atol=1e-7)
    # the plan is a plan: the energy follows the powers
    E = r.arrays["soc"]
    assert np.allclose(E[:, 1:] - E[:, :-1], 0.95 * r.arrays["ch"] - r.arrays["dis"] / 0.95, atol=1e-6)


def test_a_qp_follower_that_maximises_equals_cvxpys_own_solve():
    prob, price, need, x = users_problem()
    f = CvxpyFollower(prob, {price: lambda P: P, "need": lambda P: 2000 + 1000 * P.mean(axis=1)})
    assert f.unique                                     # strictly convex: no ties
    P = prices(6, 2)
    r = f.respond(P)
    assert r.ok.all()
    for i in range(len(P)):
        price.value, need.value = P[i], 2000 + 1000 * P[i].mean()
        prob.solve(cp.CLARABEL, tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11)
        assert r.objective[i] == pytest.approx(prob.value, rel=1e-6)     # its own value
        assert np.allclose(r.arrays["load"][i], x.value, atol=1e-3)


def test_batch_equals_row_by_row_and_order_changes_nothing():
    prob, _, out = battery_problem()
    f = CvxpyFollower(prob, {"price": lambda P: P}, out)
    P = prices(10, 3, levels=True)
    whole = f.respond(P)
    rows = [f.respond(P[i:i + 1]) for i in range(len(P))]
    perm = np.random.default_rng(0).permutation(len(P))
    shuffled = f.respond(P[perm])
    for k in ("ch", "dis", "soc"):
        assert np.array_equal(whole.arrays[k], np.vstack([r.arrays[k] for r in rows]))
        assert np.array_equal(whole.arrays[k][perm], shuffled.arrays[k])


def test_ties_are_chosen_by_the_games_selection_as_for_the_librarys_battery():
    """The same battery as a CVXPY follower and as Battery, a leader that sells what the
    battery draws at its prices: optimistic and pessimistic values agree."""
    prob, _, out = battery_problem()
    w = np.linspace(0.2, 0.6, T)

    def leader(X, p, r):
        b = r["b"].arrays
        return LeaderOutcome(((p - w) * (b["ch"] - b["dis"])).sum(1), np.zeros(len(X)))

    P = prices(6, 4, levels=True)
    for rule in ("optimistic", "pessimistic"):
        g1 = Game("cvx", lb=np.zeros(T), ub=np.full(T, 2.0), leader=leader, selection=rule,
                  followers={"b": CvxpyFollower(prob, {"price": lambda P: P}, out)})
        g2 = Game("lib", lb=np.zeros(T), ub=np.full(T, 2.0), leader=leader, selection=rule,
                  followers={"b": battery_twin()})
        e1, e2 = g1.evaluate(P), g2.evaluate(P)
        assert e1.selection["b"]["tied"] > 0
        assert np.allclose(e1.leader, e2.leader, rtol=1e-6, atol=1e-4)


def test_an_infeasible_individual_is_counted_not_nan():
    prob, price, need, _ = users_problem()
    f = CvxpyFollower(prob, {price: lambda P: P, need: lambda P: np.where(P[:, 0] > 0.7, 1e6, 3000.0)})
    P = prices(6, 5)
    r = f.respond(P)
    bad = P[:, 0] > 0.7
    assert bad.any() and (~bad).any()
    assert np.all(r.status[bad] == Status.INFEASIBLE) and np.all(r.ok[~bad])
    assert np.all(np.isfinite(r.objective)) and np.all(r.arrays["infeasibility"][bad] > 0)


def test_the_certificate_of_an_answer():
    prob, _, out = battery_problem()
    f = CvxpyFollower(prob, {"price": lambda P: P}, out)
    P = prices(2, 6)
    r = f.respond(P)
    c = f.certificate(P[0], {k: v[0] for k, v in r.arrays.items()})
    assert c.status == "OPTIMAL" and abs(c.duality_gap) < 1e-6 and c.primal_violation < 1e-7


def refused():
    x = cp.Variable(3, name="x")
    p, q = cp.Parameter(3, name="p"), cp.Parameter(name="q")
    s = cp.Parameter(name="s", nonneg=True)
    return [
        (cp.Problem(cp.Minimize(cp.norm(x, 2) + p @ x), [x >= -1]), {"p": lambda P: P}, "not an LP"),
        (cp.Problem(cp.Minimize(q * q * cp.sum(x)), [x >= 0, x <= 1]), {"q": lambda P: P[:, 0]}, "not DPP"),
        (cp.Problem(cp.Minimize(cp.sum(x)), [s * x >= 1, x <= 5]), {"s": lambda P: P[:, 0]},
         "enters the constraint matrix"),
        (cp.Problem(cp.Minimize(p @ x), [x >= 0, x <= 1]), {}, "no leader map"),
        (cp.Problem(cp.Minimize(p @ x), [x >= 0, x <= 1]), {"p": lambda P: P, "z": lambda P: P},
         "'z' is not a parameter"),
        (cp.Problem(cp.Minimize(p @ cp.Variable(3, integer=True, name="k")), [p >= 0]),
         {"p": lambda P: P}, "integer variables"),
    ]


@pytest.mark.parametrize("case", range(6))
def test_bad_problems_are_refused_with_the_reason(case):
    prob, params, text = refused()[case]
    with pytest.raises(InputError, match=text):
        CvxpyFollower(prob, params)


def test_bad_maps_are_named():
    x = cp.Variable(3, name="x")
    p = cp.Parameter(3, name="p")
    prob = cp.Problem(cp.Minimize(p @ x), [x >= 0, x <= 1])
    f = CvxpyFollower(prob, {"p": lambda P: P[:, :2]})
    with pytest.raises(InputError, match=r"params\['p'\] returned shape \(2, 2\), expected \(2, 3\)"):
        f.respond(np.ones((2, 3)))
    g = CvxpyFollower(prob, {"p": lambda P: P})
    with pytest.raises(InputError, match="not finite"):
        g.respond(np.array([[1.0, np.nan, 0.0]]))


def test_the_retailer_with_cvxpy_followers_equals_its_game_api_twin():
    """The same game written with CVXPY followers and with the library's followers (both
    optimistic): the retailer's value agrees at random prices with ties, and its stated
    matrix form passes the check."""
    from stackga.bilevel.problems.retailer_cvxpy import retailer_cvxpy
    from stackga.bilevel.problems.retailer_game import retailer_game
    g, h = retailer_cvxpy(2, 1), retailer_game(2, 1)
    rng = np.random.default_rng(0)
    X = g.lb + rng.random((12, T)) * (g.ub - g.lb)
    X[:, :6] = g.lb[0]                               # equal night prices: ties
    X = g.project(X)
    a, b = g.evaluate(X), h.evaluate(X)
    assert a.selection["prosumer0"]["tied"] > 0
    assert np.allclose(a.leader, b.leader, rtol=1e-7, atol=1e-6)
    assert g.improve is not None


def prosumer_problem():
    """A prosumer: load and PV of its own (data), a battery, the retailer's price for the
    net import (LP; export paid at 40 % of the price)."""
    price = cp.Parameter(T, name="price")
    load, pv = cp.Parameter(T, name="load"), cp.Parameter(T, name="pv")
    ch, dis, E = cp.Variable(T, name="ch"), cp.Variable(T, name="dis"), cp.Variable(T + 1, name="soc")
    imp, exp = cp.Variable(T, name="imp"), cp.Variable(T, name="exp")
    cons = [E[0] == 5, E[1:] == E[:-1] + 0.95 * ch - dis / 0.95, E >= 1, E <= 9, E[T] >= 5,
            ch >= 0, ch <= 2.5, dis >= 0, dis <= 2.5, imp >= 0, exp >= 0,
            imp - exp == load - pv + ch - dis]
    prob = cp.Problem(cp.Minimize(price @ imp - 0.4 * price @ exp), cons)
    return prob, price, load, pv, {"imp": imp, "exp": exp, "ch": ch}


def prosumer_data(K, seed):
    rng = np.random.default_rng(seed)
    h = np.arange(T)
    load = 1.0 + rng.uniform(0.5, 1.5, (K, 1)) * (1 + np.sin((h - 6) / 24 * 2 * np.pi))
    pv = rng.uniform(0.0, 4.0, (K, 1)) * np.clip(np.sin((h - 6) / 12 * np.pi), 0, None)
    return load, pv


def test_copies_of_one_problem_equal_one_follower_per_copy_and_cvxpys_solve():
    """K prosumers stated once with their own load and PV (data): one batch equals K
    followers stated one by one (answers, objectives) and CVXPY's own solve per copy;
    the total objective is the copies' sum; the rows' order changes nothing."""
    K = 5
    load, pv = prosumer_data(K, 0)
    prob, price, lp, pp, out = prosumer_problem()
    many = CvxpyFollower(prob, {"price": lambda P: P}, out, data={"load": load, pp: pv})
    P = prices(6, 7)
    r = many.respond(P)
    assert r.ok.all() and r.arrays["imp"].shape == (6, K, T) and r.arrays["objectives"].shape == (6, K)
    assert np.allclose(r.objective, r.arrays["objectives"].sum(axis=1))
    for k in range(K):
        prob_k, price_k, lp_k, pp_k, out_k = prosumer_problem()
        lp_k.value, pp_k.value = load[k], pv[k]
        one = CvxpyFollower(prob_k, {"price": lambda P: P, "load": lambda P, v=load[k]: np.tile(v, (len(P), 1)),
                                     "pv": lambda P, v=pv[k]: np.tile(v, (len(P), 1))}, out_k)
        rk = one.respond(P)
        assert np.allclose(r.arrays["objectives"][:, k], rk.objective, rtol=1e-9, atol=1e-9)
        for i in range(2):
            price_k.value = P[i]
            prob_k.solve(cp.CLARABEL)
            assert r.arrays["objectives"][i, k] == pytest.approx(prob_k.value, rel=1e-6, abs=1e-6)
    perm = np.random.default_rng(1).permutation(6)
    again = many.respond(P[perm])
    assert np.array_equal(again.arrays["imp"], r.arrays["imp"][perm])
    cert = many.certificate(P[0], {k: v[0] for k, v in r.arrays.items()})
    assert cert.optimal and set(cert.parts) == {f"copy{k}" for k in range(K)}


def test_copies_in_a_game_select_and_name_their_errors():
    """A retailer game over 4 prosumer copies: the optimistic selection moves tied copies
    and never lowers the leader's value; bad data are named."""
    K = 4
    load, pv = prosumer_data(K, 2)
    prob, price, lp, pp, out = prosumer_problem()
    f = CvxpyFollower(prob, {"price": lambda P: P}, out, data={"load": load, "pv": pv})
    cost = np.linspace(0.3, 0.6, T)

    def leader(X, p, r):
        a = r["pros"].arrays
        return LeaderOutcome(((p - cost) * a["imp"].sum(1) - 0.4 * p * a["exp"].sum(1)).sum(1),
                             np.zeros(len(X)))
    P = prices(8, 9, levels=True)
    own = Game("g", lb=np.zeros(T), ub=np.full(T, 2.0), leader=leader, selection="pessimistic",
               followers={"pros": f})
    opt = Game("g", lb=np.zeros(T), ub=np.full(T, 2.0), leader=leader, selection="optimistic",
               followers={"pros": f})
    a, b = own.evaluate(P), opt.evaluate(P)
    assert b.selection["pros"]["tied"] > 0
    assert np.all(b.leader >= a.leader - 1e-7 * (1 + np.abs(a.leader)))
    assert np.allclose(a.responses["pros"].objective, b.responses["pros"].objective, rtol=1e-9)
    with pytest.raises(InputError, match="data\\['load'\\]: shape"):
        CvxpyFollower(prosumer_problem()[0], {"price": lambda P: P}, data={"load": load[:, :5], "pv": pv})
    with pytest.raises(InputError, match="3 copies, the other parameters have 4"):
        CvxpyFollower(prosumer_problem()[0], {"price": lambda P: P}, data={"load": load, "pv": pv[:3]})
    with pytest.raises(InputError, match="in both params and data"):
        CvxpyFollower(prosumer_problem()[0], {"price": lambda P: P, "pv": lambda P: P},
                      data={"load": load, "pv": pv})
    with pytest.raises(InputError, match="not finite"):
        CvxpyFollower(prosumer_problem()[0], {"price": lambda P: P},
                      data={"load": load, "pv": pv * np.nan})


def test_a_stated_view_of_copies_weighs_every_copy_alike():
    """A view returning (n, size) weights for a follower with copies weighs each copy the
    same (the copy axis inserted): the same selection as weights written (n, K, size);
    a shape that fits neither is named."""
    K = 4
    load, pv = prosumer_data(K, 3)
    prob, *_ , out = prosumer_problem()
    f = CvxpyFollower(prob, {"price": lambda P: P}, out, data={"load": load, "pv": pv})
    w = np.linspace(0.1, 0.3, T)

    def leader(X, p, r):
        return LeaderOutcome(-(w * r["pros"].arrays["imp"].sum(1)).sum(1), np.zeros(len(X)))
    P = prices(K, 9, levels=True)                       # as many rows as copies: the trap
    flat = Game("g", lb=np.zeros(T), ub=np.full(T, 2.0), leader=leader, followers={"pros": f},
                views={"pros": lambda X, p: {"imp": -np.tile(w, (len(X), 1))}})
    full = Game("g", lb=np.zeros(T), ub=np.full(T, 2.0), leader=leader, followers={"pros": f},
                views={"pros": lambda X, p: {"imp": -np.tile(w, (len(X), K, 1))}})
    a, b = flat.evaluate(P), full.evaluate(P)
    assert a.selection["pros"]["tied"] > 0
    assert np.array_equal(a.responses["pros"].arrays["imp"], b.responses["pros"].arrays["imp"])
    bad = Game("g", lb=np.zeros(T), ub=np.full(T, 2.0), leader=leader, followers={"pros": f},
               views={"pros": lambda X, p: {"imp": np.ones((len(X), 5))}})
    with pytest.raises(Exception, match="has shape"):
        bad.evaluate(P)


def test_a_typical_price_left_in_the_parameter_starts_the_simplex_there():
    """Copies built with price.value set start from the basis at that price: the same
    answers as from 0, every row still answered by the simplex."""
    K = 3
    load, pv = prosumer_data(K, 4)
    prob, price, lp, pp, out = prosumer_problem()
    cold = CvxpyFollower(prob, {"price": lambda P: P}, out, data={"load": load, "pv": pv})
    price.value = np.full(T, 0.7)
    warm = CvxpyFollower(prob, {"price": lambda P: P}, out, data={"load": load, "pv": pv})
    assert np.allclose(warm.matrix.references[:, :T], 0.7) and np.allclose(cold.matrix.references[:, :T], 0.0)
    P = prices(8, 11)
    a, b = cold.respond(P), warm.respond(P)
    assert np.allclose(a.arrays["imp"], b.arrays["imp"], atol=1e-9) and np.allclose(a.objective, b.objective)
    assert warm.matrix.stats["fast"] == 8 * K
