"""Exact optimistic selection for a leader concave in what a follower draws (the island's
grid cost), the storage operator's selection, and the island's improvement step from its
matrix form (stackga.selection.ExactView, Battery.best_for, state_matrix_form's x_of)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog
from stackga.followers import Battery, StorageOperator
from stackga.followers.certify.tie_values import ConcaveLeader

import stackga
from stackga.bilevel import state_matrix_form
from stackga.errors import InputError

T = 24


def battery() -> Battery:
    return Battery(capacity=1000.0, p_max=250.0, soc_min=0.1, soc_max=0.9, soc0=0.5, eta_c=0.95,
                   eta_d=0.95, alpha=0.01, integer=False)


def tied_prices(rng) -> np.ndarray:
    """Hourly prices from three levels: the battery is indifferent among equal hours."""
    return rng.choice([0.3, 0.8, 1.2], size=T)


def grid_view(rng):
    """A concave piecewise-linear value of the draw z (T,): buy above sell, an export cap."""
    buy = rng.uniform(0.6, 1.2, T)
    sell = buy * rng.uniform(0.2, 0.8, T)
    z = rng.uniform(-300.0, 300.0, T)
    zero = np.zeros(T)
    return ConcaveLeader(z, np.stack([-buy, -sell, zero], axis=1),
                         np.stack([zero, zero, sell * 250.0], axis=1))


def oracle(b: Battery, price, view: ConcaveLeader, ch0, dis0):
    """Written from the battery's model, not the library's matrices: (battery's optimal
    cost, the leader's best value over the battery's optimal plans) by scipy's linprog.
    Variables ch, dis, E(1..T) (and w (T,) for the leader's epigraph)."""
    dt = 1.0
    cost = np.r_[(price + b.alpha) * dt, -(price - b.alpha) * dt, np.zeros(T)]
    A_eq = np.zeros((T, 3 * T))
    b_eq = np.zeros(T)
    for t in range(T):                # E(t) - E(t-1) - eta_c ch dt + dis dt / eta_d = 0
        A_eq[t, 2 * T + t] = 1.0
        A_eq[t, t] = -b.eta_c * dt
        A_eq[t, T + t] = dt / b.eta_d
        if t:
            A_eq[t, 2 * T + t - 1] = -1.0
        else:
            b_eq[t] = b.soc0 * b.capacity
    e_lo = np.full(T, b.soc_min * b.capacity)
    e_lo[-1] = max(e_lo[-1], b.soc0 * b.capacity)            # the day repeats
    bounds = [(0, b.p_max)] * (2 * T) + list(zip(e_lo, np.full(T, b.soc_max * b.capacity)))
    first = linprog(cost, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs")
    phi = first.fun
    # max sum w  s.t. w_t <= slope_ts z_t + icpt_ts, z = z_at + (ch - dis) - (ch0 - dis0)
    c0 = view.z_at - (ch0 - dis0)
    rows, rhs = [], []
    for t in range(T):
        for s in range(view.slope.shape[1]):
            r = np.zeros(4 * T)
            r[3 * T + t] = 1.0
            r[t] = -view.slope[t, s]
            r[T + t] = view.slope[t, s]
            rows.append(r)
            rhs.append(view.slope[t, s] * c0[t] + view.icpt[t, s])
    rows.append(np.r_[cost, np.zeros(T)])
    rhs.append(phi + 1e-9 * (1 + abs(phi)))
    best = linprog(np.r_[np.zeros(3 * T), -np.ones(T)], A_ub=np.array(rows), b_ub=rhs,
                   A_eq=np.hstack([A_eq, np.zeros((T, T))]), b_eq=b_eq,
                   bounds=bounds + [(None, None)] * T, method="highs")
    return phi, -best.fun


@pytest.mark.parametrize("seed", range(5))
def test_best_for_reaches_the_leaders_best_over_the_battery_optima(seed):
    rng = np.random.default_rng(seed)
    b = battery()
    price = tied_prices(rng)
    r = b.respond(price[None])
    ch0, dis0, soc0 = r.arrays["ch"][0], r.arrays["dis"][0], r.arrays["soc"][0]
    view = grid_view(rng)
    plan, gain = b.best_for(price, ch0, dis0, soc0, view)
    phi, best = oracle(b, price, view, ch0, dis0)
    ch, dis, soc = plan
    # still the battery's optimum, and the leader's best over those optima
    assert -b.profit(price[None], ch[None], dis[None])[0] == pytest.approx(phi, rel=1e-7, abs=1e-6)
    z = view.z_at + (ch - dis) - (ch0 - dis0)
    assert view.value(z) == pytest.approx(best, rel=1e-7, abs=1e-6)
    assert view.value(view.z_at) + gain == pytest.approx(best, rel=1e-7, abs=1e-6)
    assert gain >= -1e-7
    # the generic path (sparse, any LP follower) gives the same value
    import scipy.sparse as sp
    from stackga.followers.certify.tie_values import best_on_face, bind_blocks
    A, lo, hi, clo, chi, _ = b.milp_matrices
    cost = np.r_[(price + b.alpha), -(price - b.alpha), np.zeros(T)]
    y = np.r_[ch0, dis0, soc0[1:]]
    _, gain2 = best_on_face(cost, A[:T, :3 * T], lo[:T], hi[:T], clo[:3 * T], chi[:3 * T], y,
                            float(cost @ y), bind_blocks(view, sp.identity(T), 3, ch=0, dis=1))
    assert gain2 == pytest.approx(gain, rel=1e-7, abs=1e-6)
    # the plan is a storage plan: energy follows the powers, within its limits
    E = soc[0] + np.cumsum(b.eta_c * ch - dis / b.eta_d)
    assert np.allclose(E, soc[1:], atol=1e-6)
    assert soc[1:].min() >= b.soc_min * b.capacity - 1e-6
    assert soc[1:].max() <= b.soc_max * b.capacity + 1e-6


def test_the_storage_operator_ties_and_selects_as_its_battery():
    rng = np.random.default_rng(3)
    b = battery()
    so = StorageOperator(b)
    P = np.array([tied_prices(rng) for _ in range(6)])
    rb, rs = b.respond(P), so.respond(P)
    assert np.array_equal(b.ties(P, rb), so.ties(P, rs))
    assert so.ties(P, rs).any()
    w = {"ch": rng.normal(size=(6, T)), "dis": rng.normal(size=(6, T)),
         "soc": rng.normal(size=(6, T + 1))}
    nb, mb = b.select(P, w, rb)
    ns, ms = so.select(P, {f"bt_{k}": v for k, v in w.items()}, rs)
    assert np.array_equal(mb, ms)
    for k in ("ch", "dis", "soc"):
        assert np.array_equal(nb.arrays[k], ns.arrays[f"bt_{k}"])
    assert np.array_equal(ns.objective, rs.objective)          # the operator's value: a tie


def island_s3(selection: str):
    from stackga.cases.island.case import build
    return build(scenario=3, integer_battery=False, selection=selection)


def test_island_optimistic_selection_never_lowers_the_mgos_value_and_keeps_the_operators():
    own, opt = island_s3("own"), island_s3("optimistic")
    rng = np.random.default_rng(0)
    X = own.lb + rng.random((40, T)) * (own.ub - own.lb)
    X[:, :8] = own.lb[0]                      # equal night prices: the battery ties
    X = own.project(X)
    a, b = own.evaluate(X), opt.evaluate(X)
    assert b.selection["so"]["tied"] > 0 and b.selection["so"]["moved"] > 0
    assert np.all(b.leader >= a.leader - 1e-7 * (1 + np.abs(a.leader)))
    assert np.any(b.leader > a.leader + 1.0)
    assert np.allclose(b.responses["so"].objective, a.responses["so"].objective,
                       rtol=1e-7, atol=1e-6)


def test_island_s3_lp_states_its_matrix_form_and_the_step_only_improves():
    game = island_s3("optimistic")
    game.improve.neighbour_nodes, game.improve.exact_nodes = 200, 1_000   # small budgets
    cfg = stackga.GAConfig(pop_size=20, generations=8, seed=1)
    alone = stackga.solve(island_s3("optimistic"), cfg, improve=False)
    res = stackga.solve(game, cfg)
    step = res.report["improvement"]
    assert step["status"] in ("local_optimum", "node_limit", "exact_search", "optimal",
                              "candidate_rejected", "step_limit")
    assert res.leader >= alone.leader - 1e-9 * abs(alone.leader)
    again = island_s3("optimistic").evaluate(np.asarray(res.x)[None]).leader[0]
    assert again == pytest.approx(res.leader, rel=1e-12)


def test_a_lift_of_the_wrong_shape_is_named():
    from stackga.cases.island.case import _y_of
    game = island_s3("own")
    bl = game.improve.bl
    with pytest.raises(InputError, match="x_of returned shape"):
        state_matrix_form(game, bl, _y_of, x_of=lambda X, r: X)
    with pytest.raises(InputError, match="state x_of"):
        state_matrix_form(game, bl, _y_of)


def test_the_operators_exact_selection_equals_the_lp_on_every_row():
    """Rows the recursion's selection settles (it reaches the supergradient bound) and rows
    that need the LP give the LP's value: the shortcut never loses the leader's best."""
    rng = np.random.default_rng(7)
    b = battery()
    so = StorageOperator(b)
    P = np.array([tied_prices(rng) for _ in range(12)])
    base = so.respond(P)
    leaders = [grid_view(rng) for _ in range(12)]
    for L in leaders[:6]:                      # far from the kinks: the shortcut decides
        L.z_at[:] = 2000.0
    new, moved = so.select_exact(P, leaders, base)
    assert 0 < so.stats["exact_lps"] < 12
    for i, L in enumerate(leaders):
        a = base.arrays
        _, gain = b.best_for(P[i], a["bt_ch"][i], a["bt_dis"][i], a["bt_soc"][i], L)
        z = L.z_at + (new.arrays["bt_ch"][i] - a["bt_ch"][i]) - (new.arrays["bt_dis"][i] - a["bt_dis"][i])
        scale = 1.0 + abs(L.value(L.z_at))            # the face allows 1e-9 relative slack
        assert L.value(z) - L.value(L.z_at) == pytest.approx(max(gain, 0.0), abs=1e-7 * scale)


@pytest.mark.parametrize("scenario", ["plan", "tariff"])
def test_v2g_optimistic_selection_is_the_operators_best_among_the_agents_optima(scenario):
    """The agent's plan under exact optimistic selection costs its owners what its own
    plan does, and the operator values it at least as much as its own plan, the
    pessimistic one, and 12 other optimal plans of the agent (the recursion steered by
    random valuations)."""
    from stackga.cases.v2g.case import build
    own, opt, pes = (build(scenario, selection=s) for s in ("own", "optimistic", "pessimistic"))
    rng = np.random.default_rng(1)
    X = own.project(own.lb + rng.random((4, own.n_var)) * (own.ub - own.lb))
    a, b, c = own.evaluate(X), opt.evaluate(X), pes.evaluate(X)
    agent = own.followers["ev"]
    assert b.selection["ev"]["moved"] > 0
    assert np.allclose(b.responses["ev"].objective, a.responses["ev"].objective, rtol=1e-9)
    assert _balance_error(own.followers["ev"], b.responses["ev"]) < 1e-9
    tol = 1e-7 * np.abs(a.leader)
    assert np.all(b.leader >= a.leader - tol) and np.all(b.leader >= c.leader - tol)
    prices = own.to_prices(X)
    base = a.responses["ev"]
    for k in range(12):
        w = {"p_ch": rng.normal(size=(4, 24)), "p_dis": rng.normal(size=(4, 24)),
             "energy": np.zeros((4, 25))}
        other, moved = agent.select(prices, w, base)
        assert np.allclose(agent.cost(prices[:, :24], prices[:, 24:48], other.arrays["p_ch"],
                                      other.arrays["p_dis"]), base.objective, rtol=1e-8)
        responses = {**a.responses, "ev": other}
        value = own.leader(X, prices, responses).objective
        assert np.all(b.leader >= value - tol)


def _balance_error(agent, r) -> float:
    """The largest break (MWh) of the agent's energy balance (eq. 11) in a response."""
    c, d, e = (r.arrays[k] for k in ("p_ch", "p_dis", "energy"))
    bal = e[:, 1:] - e[:, :-1] - (agent.eta_c * c - d / agent.eta_d) * agent.dt + agent.need
    return float(np.abs(bal).max())


def test_a_qp_answer_off_the_followers_rows_is_never_used(monkeypatch):
    """HiGHS's QP solver was seen to call "optimal" a plan 28 MWh off the agent's energy
    balance, and the selection used it. A QP answer that breaks its rows is refused by
    ``solve_highs`` and counted; the row keeps a feasible optimal plan of the agent."""
    from types import SimpleNamespace

    import stackga.followers.backends.highs as hb
    from stackga.cases.v2g.case import build
    build_highs = hb.build_highs

    class OffItsRows:                           # HiGHS whose QP answers move off their rows
        def __init__(self, h):
            self.h = h

        def __getattr__(self, name):
            return getattr(self.h, name)

        def getSolution(self):
            sol = self.h.getSolution()
            x = np.array(sol.col_value)
            x[0] += 1.0 + np.abs(x).max()
            return SimpleNamespace(col_value=x, row_dual=sol.row_dual)

    def patched(*args, **kwargs):
        h = build_highs(*args, **kwargs)
        hessian = kwargs.get("hessian", args[7] if len(args) > 7 else None)
        return OffItsRows(h) if hessian is not None else h
    monkeypatch.setattr(hb, "build_highs", patched)
    opt = build("tariff", selection="optimistic")
    rng = np.random.default_rng(1)
    X = opt.project(opt.lb + rng.random((4, opt.n_var)) * (opt.ub - opt.lb))
    before = hb.QP_REJECTED["count"]
    agent = opt.followers["ev"]
    ev = opt.evaluate(X)
    assert agent.stats["exact_qps"] > 0
    assert agent.stats["exact_qps_failed"] == agent.stats["exact_qps"]
    assert hb.QP_REJECTED["count"] - before >= agent.stats["exact_qps"]
    assert _balance_error(agent, ev.responses["ev"]) < 1e-9
