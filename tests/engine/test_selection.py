"""Optimistic and pessimistic selection among a follower's ties (stackga.selection), against
an independent lexicographic LP over each follower's optimal face (scipy's linprog)."""
import numpy as np
import pytest
from scipy.optimize import linprog
from stackga.followers import Battery, EVHub, FlexibleUsers

from stackga import Game, LeaderOutcome
from stackga.errors import InputError

T = 24
RNG = np.random.default_rng(7)
W = RNG.uniform(0.2, 0.6, T)                 # the leader's wholesale cost, yuan/kWh
G_SOC = RNG.uniform(-0.01, 0.01, T + 1)      # and a value it puts on the stored energy
WINDOW = np.array([t >= 18 or t < 7 for t in range(T)])


def tied_prices(n, seed):
    """Prices on a grid of 0.2 yuan: many equal hours, as the GA gives at its bounds."""
    return np.round(np.random.default_rng(seed).uniform(0.3, 1.0, (n, T)) * 5) / 5


def battery():
    return Battery(capacity=10, p_max=5, soc_min=0, soc_max=1, soc0=0.5, eta_c=0.95, eta_d=0.95,
                   alpha=0.01)


def leader(X, prices, r):
    F = np.zeros(len(X))
    if "b" in r:
        b = r["b"].arrays
        F += ((prices - W) * (b["ch"] - b["dis"])).sum(1) + (G_SOC * b["soc"]).sum(1)
    if "hub" in r:
        F += ((prices - W) * r["hub"].arrays["charge"]).sum(1)
    return LeaderOutcome(F, np.zeros(len(X)))


def face_extreme(c, view, A_eq, b_eq, bounds, sense):
    """max (sense=1) or min (-1) of view . y over the LP's optimal face {feasible, c y <= z*}."""
    z = linprog(c, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs").fun
    r = linprog(-sense * view, A_ub=c[None], b_ub=[z + 1e-12 * (1 + abs(z))], A_eq=A_eq,
                b_eq=b_eq, bounds=bounds, method="highs")
    return float(view @ r.x)


def battery_oracle(p, sense):
    A = np.zeros((T, 3 * T))
    for t in range(T):
        A[t, t], A[t, T + t], A[t, 2 * T + t] = -0.95, 1 / 0.95, 1.0
        if t:
            A[t, 2 * T + t - 1] = -1.0
    bounds = [(0, 5)] * (2 * T) + [(0, 10)] * (T - 1) + [(5, 10)]
    c = np.r_[p + 0.01, -(p - 0.01), np.zeros(T)]
    view = np.r_[p - W, -(p - W), G_SOC[1:]]
    return face_extreme(c, view, A, np.r_[5.0, np.zeros(T - 1)], bounds, sense) + G_SOC[0] * 5


def hub_oracle(p, sense):
    bounds = list(zip(np.zeros(T), np.where(WINDOW, 60.0, 0.0)))
    return face_extreme(p, p - W, np.ones((1, T)), [400.0], bounds, sense)


@pytest.mark.parametrize("name,follower,oracle", [
    ("b", battery(), battery_oracle),
    ("hub", EVHub(window=WINDOW, p_max=60.0, need=400.0), hub_oracle)])
def test_optimistic_and_pessimistic_values_equal_the_face_extremes(name, follower, oracle):
    P = tied_prices(30, 1)
    values = {}
    for rule in ("own", "optimistic", "pessimistic"):
        ev = Game("t", lb=np.zeros(T), ub=np.full(T, 2.0), followers={name: follower},
                  leader=leader, selection=rule).evaluate(P)
        values[rule] = ev.leader
        if rule != "own":
            assert ev.selection[name]["rule"] == rule and ev.selection[name]["tied"] > 20
    for i in range(len(P)):
        assert values["optimistic"][i] == pytest.approx(oracle(P[i], 1), abs=1e-6)
        assert values["pessimistic"][i] == pytest.approx(oracle(P[i], -1), abs=1e-6)
    assert np.all(values["pessimistic"] <= values["own"] + 1e-9)
    assert np.all(values["own"] <= values["optimistic"] + 1e-9)
    assert (values["optimistic"] - values["pessimistic"]).max() > 1.0     # the ties matter


def test_selected_answers_stay_optimal_for_the_followers():
    P = tied_prices(20, 2)
    followers = {"b": battery(), "hub": EVHub(window=WINDOW, p_max=60.0, need=400.0)}
    own = Game("t", lb=np.zeros(T), ub=np.full(T, 2.0), followers=followers, leader=leader,
               selection="own").evaluate(P)
    opt = Game("t", lb=np.zeros(T), ub=np.full(T, 2.0), followers=followers,
               leader=leader).evaluate(P)
    for name, f in followers.items():
        np.testing.assert_allclose(opt.followers[name], own.followers[name], rtol=1e-9, atol=1e-9)
        for i in range(len(P)):
            assert f.certificate(P[i], {k: v[i] for k, v in opt.responses[name].arrays.items()}).optimal
    soc, ch, dis = (opt.responses["b"].arrays[k] for k in ("soc", "ch", "dis"))
    np.testing.assert_allclose(soc[:, 1:], soc[:, :-1] + 0.95 * ch - dis / 0.95, atol=1e-9)
    np.testing.assert_allclose(opt.responses["hub"].arrays["charge"].sum(1), 400.0, rtol=1e-12)


def test_stated_view_equals_the_derived_one_and_no_ties_cost_no_moves():
    P = tied_prices(20, 3)
    follow = {"hub": EVHub(window=WINDOW, p_max=60.0, need=400.0), "b": battery()}
    derived = Game("t", lb=np.zeros(T), ub=np.full(T, 2.0), followers=follow, leader=leader)
    stated = Game("t", lb=np.zeros(T), ub=np.full(T, 2.0), followers=follow, leader=leader,
                  views={"hub": lambda X, p: {"charge": p - W},
                         "b": lambda X, p: {"ch": p - W, "dis": W - p, "soc": G_SOC}})
    np.testing.assert_allclose(stated.evaluate(P).leader, derived.evaluate(P).leader, atol=1e-9)
    smooth = np.random.default_rng(4).uniform(0.3, 1.0, (20, T))
    ev = derived.evaluate(smooth)
    assert all(c["tied"] == 0 and c["moved"] == 0 for c in ev.selection.values())


def test_selection_is_a_function_of_the_individual_alone():
    P = tied_prices(12, 5)
    g = Game("t", lb=np.zeros(T), ub=np.full(T, 2.0), leader=leader,
             followers={"b": battery(), "hub": EVHub(window=WINDOW, p_max=60.0, need=400.0)})
    together = g.evaluate(P).leader
    alone = np.array([g.evaluate(P[i:i + 1]).leader[0] for i in range(len(P))])
    np.testing.assert_array_equal(together, alone)


def test_followers_without_selection_use_their_own_rule_and_say_so():
    class Plain:                          # a user's follower with no selection methods
        def respond(self, prices):
            return battery().respond(prices)

    users = FlexibleUsers(rigid=np.full(T, 10.0), flex_max=np.full(T, 70.0), a=1.5, b=0.02)
    g = Game("t", lb=np.zeros(T), ub=np.full(T, 2.0), followers={"users": users, "b": Plain()},
             leader=leader)
    counts = g.evaluate(tied_prices(3, 6)).selection
    assert counts["b"]["rule"] == "own (no selection methods)"
    assert counts["users"] == {"rule": "optimistic", "tied": 0, "moved": 0}


@pytest.mark.parametrize("kw,text", [
    ({"selection": "best"}, "'best'"), ({"selection": {"x": "optimistic"}}, "names no follower"),
    ({"selection": 3}, "must be one of"), ({"views": {"x": None}}, "Game.views")])
def test_bad_selection_is_named(kw, text):
    with pytest.raises(InputError, match=text):
        Game("t", lb=np.zeros(T), ub=np.ones(T), followers={"b": battery()}, leader=leader, **kw)


def test_flexible_users_meet_their_daily_need_exactly():
    """The need's multiplier: loads equal an independent KKT solve (bisection on lam over
    the clipped stationary point, written here) and meet the need where it binds."""
    rng = np.random.default_rng(0)
    a = 1.6 + 0.2 * rng.random(T)
    u = FlexibleUsers(rigid=np.full(T, 10.0), flex_max=np.full(T, 70.0), a=a, b=0.02, need=720.0)
    P = rng.uniform(0.2, 1.8, (40, T))
    P[:10] = 1.7
    r = u.respond(P)
    for i in range(len(P)):
        load = lambda lam: np.clip((a - P[i] + lam) / 0.02, 10.0, 80.0)     # noqa: E731
        lo, hi = 0.0, 10.0
        if load(0.0).sum() < 720.0:
            for _ in range(200):
                lo, hi = ((lo + hi) / 2, hi) if load((lo + hi) / 2).sum() < 720.0 else (lo, (lo + hi) / 2)
        ref = load(hi if load(0.0).sum() < 720.0 else 0.0)
        np.testing.assert_allclose(r.arrays["load"][i], ref, atol=1e-8)
        assert u.certificate(P[i], {"load": r.arrays["load"][i]}).optimal
    assert np.all(r.arrays["load"].sum(1) >= 720.0 - 1e-9)
    assert np.any(np.abs(r.arrays["load"].sum(1) - 720.0) < 1e-9)       # the need binds somewhere
    with pytest.raises(InputError, match="need"):
        FlexibleUsers(rigid=np.full(T, 10.0), flex_max=np.full(T, 70.0), a=1.5, b=0.02,
                      need=5000.0)


def test_a_pricing_game_whose_optimum_sits_on_a_tie():
    """The retailer written with the Game API (library followers, a leader function): at
    the exact optimum of its matrix form (SCIP/HiGHS MPEC), optimistic selection gives the
    optimum's value; the followers' own tie rule gives less (the supremum not attained)."""
    from stackga.bilevel import solve_exact
    from stackga.bilevel.problems.pricing import retailer
    from stackga.bilevel.problems.retailer_game import retailer_game
    ex = solve_exact(retailer(1, 1, seed=0), time_limit=60)
    assert ex.status == "optimal"
    opt = retailer_game(1, 1, matrix_form=False).evaluate(ex.x[None])
    own = retailer_game(1, 1, selection="own", matrix_form=False).evaluate(ex.x[None])
    assert opt.leader[0] == pytest.approx(ex.F, rel=1e-8)
    assert own.leader[0] < ex.F - 1.0
    assert opt.selection["ev_hub"]["moved"] + opt.selection["prosumer0"]["moved"] >= 1


def test_a_stated_matrix_form_is_checked_against_the_game():
    from stackga.bilevel import state_matrix_form
    from stackga.bilevel.problems.pricing import retailer
    from stackga.bilevel.problems.retailer_game import retailer_game
    g = retailer_game(1, 1, matrix_form=False)
    with pytest.raises(InputError, match="matrix form gives"):
        state_matrix_form(g, retailer(1, 1, seed=0),
                          lambda r: np.zeros((len(r["ev_hub"].status), retailer(1, 1).n_y)))
    g = retailer_game(1, 1)                       # states its matrix form: the step runs
    g.improve.exact_nodes = 500                   # a small budget: quick, deterministic
    x = np.full(T, 0.8)
    step = g.improve(x)
    F0 = g.evaluate(x[None]).leader[0]
    assert step["F"] >= F0 and step["F"] == pytest.approx(g.evaluate(step["x"][None]).leader[0])


def test_a_tie_survives_a_rounding_error_in_the_prices():
    """Prices one ulp apart (as a solver's answer gives them) still tie: the optimistic
    value equals that at the exactly equal prices (within the cost of the ulps)."""
    P = tied_prices(10, 8)
    bumped = np.nextafter(P, np.where(np.arange(T) % 2 == 0, np.inf, -np.inf))
    assert np.any(bumped != P)
    follow = {"hub": EVHub(window=WINDOW, p_max=60.0, need=400.0), "b": battery()}
    g = Game("t", lb=np.zeros(T), ub=np.full(T, 2.0), followers=follow, leader=leader)
    exact, rounded = g.evaluate(P), g.evaluate(bumped)
    np.testing.assert_allclose(rounded.leader, exact.leader, atol=1e-9)
    assert rounded.selection["hub"]["tied"] == exact.selection["hub"]["tied"] > 0


def test_a_battery_whose_binaries_bind_counts_the_answers_it_cannot_choose_among():
    """Where the active-hour limit binds, the answer comes from the MILP path: selection
    does not claim it (``undecided``) and the own rule's answer stays."""
    b = Battery(capacity=10, p_max=5, soc_min=0, soc_max=1, soc0=0.5, eta_c=0.95, eta_d=0.95,
                alpha=0.01, max_active_hours=6, integer=True)
    g = Game("t", lb=np.zeros(T), ub=np.full(T, 2.0), followers={"b": b}, leader=leader)
    own = Game("t", lb=np.zeros(T), ub=np.full(T, 2.0), followers={"b": b}, leader=leader,
               selection="own")
    P = tied_prices(10, 1)
    ev, base = g.evaluate(P), own.evaluate(P)
    undecided = b.undecided(P, base.responses["b"])
    assert ev.selection["b"]["undecided"] == int(undecided.sum()) > 0
    np.testing.assert_array_equal(ev.leader[undecided], base.leader[undecided])
