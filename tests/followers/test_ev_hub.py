"""EVHub with one or several charging sessions, against an independent LP per individual
(scipy's linprog over every session's hours) at prices with deliberate ties."""
import numpy as np
import pytest
from scipy.optimize import linprog
from stackga.followers import EVHub

from stackga import Game, LeaderOutcome
from stackga.errors import InputError

T = 24
HOURS = np.arange(T)
# three sessions: overnight fleet, a day shift, an evening car (its window wraps midnight)
WINDOWS = np.array([(HOURS >= 20) | (HOURS < 6), (HOURS >= 8) & (HOURS < 16),
                    (HOURS >= 17) | (HOURS < 1)])
P_MAX = np.array([50.0, 22.0, 11.0])
NEED = np.array([300.0, 90.0, 40.0])
WHOLESALE = np.random.default_rng(3).uniform(0.2, 0.6, T)


def tied_prices(n, seed):
    """Prices on a 0.1 yuan grid: many equal hours in every window."""
    return np.round(np.random.default_rng(seed).uniform(0.3, 1.2, (n, T)) * 10) / 10


def hub(dt=1.0):
    return EVHub(window=WINDOWS, p_max=P_MAX, need=NEED * dt, dt=dt)


def oracle(p, view=None, sense=0, dt=1.0):
    """The sessions' LP (S x T columns): its optimal cost; with ``view`` (T,) the extreme
    (sense 1: max, -1: min) of view . total charge over its optimal face."""
    S = len(WINDOWS)
    c = np.tile(p * dt, S)
    A = np.kron(np.eye(S), np.full((1, T), dt))
    bounds = [(0.0, P_MAX[s] if WINDOWS[s, t] else 0.0) for s in range(S) for t in range(T)]
    z = linprog(c, A_eq=A, b_eq=NEED * dt, bounds=bounds, method="highs").fun
    if view is None:
        return z
    r = linprog(-sense * np.tile(view, S), A_ub=c[None], b_ub=[z + 1e-12 * (1 + abs(z))],
                A_eq=A, b_eq=NEED * dt, bounds=bounds, method="highs")
    return float(np.tile(view, S) @ r.x)


@pytest.mark.parametrize("dt", [1.0, 0.5])
def test_sessions_answer_the_lp_optimum_and_keep_their_windows_and_needs(dt):
    P = tied_prices(40, 1)
    h = hub(dt)
    r = h.respond(P)
    s = r.arrays["sessions"]
    assert s.shape == (40, 3, T) and np.allclose(r.arrays["charge"], s.sum(axis=1))
    assert np.all(s >= 0) and np.all(s <= P_MAX[None, :, None] * (1 + 1e-12))
    assert np.all(s[:, ~WINDOWS] == 0.0)
    assert np.allclose(s.sum(axis=2) * dt, NEED[None] * dt, rtol=1e-12)
    for i in range(len(P)):
        assert -r.objective[i] == pytest.approx(oracle(P[i], dt=dt), rel=1e-9)
        cert = h.certificate(P[i], {k: v[i] for k, v in r.arrays.items()})
        assert cert.optimal


def test_batch_equals_rows_and_shuffling_changes_nothing():
    P = tied_prices(30, 2)
    h = hub()
    whole = h.respond(P).arrays["sessions"]
    rows = np.stack([h.respond(P[i:i + 1]).arrays["sessions"][0] for i in range(len(P))])
    perm = np.random.default_rng(0).permutation(len(P))
    assert np.array_equal(whole, rows)
    assert np.array_equal(h.respond(P[perm]).arrays["sessions"], whole[perm])


def test_sessions_are_independent_hubs():
    """The hub of three sessions answers as three one-session hubs, summed (sessions do
    not interact); the one-session forms (T,) and (1, T) agree."""
    P = tied_prices(20, 3)
    many = hub().respond(P)
    parts = [EVHub(window=WINDOWS[s], p_max=float(P_MAX[s]), need=float(NEED[s])).respond(P)
             for s in range(3)]
    for s_, part in enumerate(parts):
        assert np.array_equal(many.arrays["sessions"][:, s_], part.arrays["charge"])
    assert np.allclose(many.arrays["charge"], sum(q.arrays["charge"] for q in parts))
    one = EVHub(window=WINDOWS[:1], p_max=[50.0], need=[300.0]).respond(P)
    assert np.array_equal(one.arrays["charge"], parts[0].arrays["charge"])


def face_range(p, view):
    """(min, max) of view (S, T) . sessions over the sessions' LP optimal face (linprog)."""
    S = len(WINDOWS)
    c = np.tile(p, S)
    A = np.kron(np.eye(S), np.ones((1, T)))
    bounds = [(0.0, P_MAX[s] if WINDOWS[s, t] else 0.0) for s in range(S) for t in range(T)]
    z = linprog(c, A_eq=A, b_eq=NEED, bounds=bounds, method="highs").fun
    ends = [linprog(sign * view.ravel(), A_ub=c[None], b_ub=[z + 1e-12 * (1 + abs(z))], A_eq=A,
                    b_eq=NEED, bounds=bounds, method="highs").fun * sign for sign in (1, -1)]
    return ends[0], ends[1]


def test_ties_are_exactly_the_rows_whose_optimal_face_is_not_a_point():
    rng = np.random.default_rng(5)
    P = np.vstack([tied_prices(20, 6), rng.uniform(0.3, 1.2, (20, T))])   # tied, then smooth
    h = hub()
    tied = h.ties(P, h.respond(P))
    view = rng.normal(size=(3, T))                       # generic: a range > 0 iff not a point
    truth = np.array([np.subtract(*face_range(P[i], view)[::-1]) > 1e-4 for i in range(len(P))])
    assert np.array_equal(tied, truth)
    assert tied[:20].sum() >= 15 and not tied[20:].any()


def test_prices_a_rounding_error_apart_are_one_level():
    """Two window hours whose prices differ by one ulp tie: the earliest is filled first
    (with TIE = 0 the later, a rounding error cheaper, would be)."""
    h = EVHub(window=np.arange(T) < 6, p_max=10.0, need=15.0)
    p = np.ones((1, T))
    p[0, 2], p[0, 4] = 0.5, np.nextafter(0.5, 0.0)
    r = h.respond(p)
    assert r.arrays["charge"][0, 2] == 10.0 and r.arrays["charge"][0, 4] == 5.0
    assert h.ties(p, r)[0]


def test_select_moves_exactly_where_the_valuation_gains_and_keeps_the_cost():
    P = tied_prices(30, 7)
    h = hub()
    base = h.respond(P)
    w = {"sessions": np.random.default_rng(1).normal(size=(30, 3, T))}
    new, moved = h.select(P, w, base)
    value = lambda r: (w["sessions"] * r.arrays["sessions"]).sum(axis=(1, 2))    # noqa: E731
    gain = value(new) - value(base)
    assert np.array_equal(moved, gain > 1e-9)
    assert np.all(gain >= -1e-12)
    assert np.array_equal(new.arrays["sessions"][~moved], base.arrays["sessions"][~moved])
    assert np.allclose(new.objective, base.objective, rtol=1e-12)     # still optimal
    assert moved.sum() >= 10


def test_sessions_with_no_need_or_no_window_and_the_one_session_certificate():
    window = np.vstack([WINDOWS[0], np.zeros(T, bool), WINDOWS[1]])
    h = EVHub(window=window, p_max=[50.0, 10.0, 22.0], need=[300.0, 0.0, 0.0])
    P = tied_prices(5, 8)
    r = h.respond(P)
    assert np.all(r.arrays["sessions"][:, 1:] == 0.0)
    idle = EVHub(window=window[1:], p_max=[10.0, 22.0], need=[0.0, 0.0])  # never ties
    assert not idle.ties(P, idle.respond(P)).any()
    assert h.certificate(P[0], {k: v[0] for k, v in r.arrays.items()}).optimal
    one = EVHub(window=WINDOWS[0], p_max=50.0, need=300.0)
    assert one.certificate(P[0], {"charge": one.respond(P[:1]).arrays["charge"][0]}).optimal
    with pytest.raises(InputError, match="a hub of 3 sessions needs arrays\\['sessions'\\]"):
        h.certificate(P[0], {"charge": r.arrays["charge"][0]})


def test_selection_reaches_the_face_extremes_of_every_session():
    def leader(X, prices, r):
        return LeaderOutcome(((prices - WHOLESALE) * r["hub"].arrays["charge"]).sum(1), np.zeros(len(X)))
    P = tied_prices(25, 4)
    values = {}
    for rule in ("own", "optimistic", "pessimistic"):
        ev = Game("t", lb=np.zeros(T), ub=np.full(T, 2.0), followers={"hub": hub()}, leader=leader,
                  selection=rule).evaluate(P)
        values[rule] = ev.leader
        if rule != "own":
            assert ev.selection["hub"]["tied"] > 15
    for i in range(len(P)):
        view = P[i] - WHOLESALE
        assert values["optimistic"][i] == pytest.approx(oracle(P[i], view, 1), abs=1e-6)
        assert values["pessimistic"][i] == pytest.approx(oracle(P[i], view, -1), abs=1e-6)
    assert (values["optimistic"] - values["pessimistic"]).max() > 1.0


def test_a_leader_that_prices_sessions_apart_gets_its_face_extremes():
    """A leader with a different margin per session (it reads ``sessions``): the derived
    valuation weighs each session's plan, and the selection reaches the face's ends."""
    margin = np.array([0.1, 0.3, -0.2])

    def leader(X, prices, r):
        s = r["hub"].arrays["sessions"]
        return LeaderOutcome(((prices - WHOLESALE)[:, None, :] * s).sum((1, 2))
                             + (margin[None, :, None] * s).sum((1, 2)), np.zeros(len(X)))
    P = tied_prices(12, 9)
    for rule, end in (("optimistic", 1), ("pessimistic", 0)):
        ev = Game("t", lb=np.zeros(T), ub=np.full(T, 2.0), followers={"hub": hub()}, leader=leader,
                  selection=rule).evaluate(P)
        for i in range(len(P)):
            view = (P[i] - WHOLESALE)[None, :] + margin[:, None]
            assert ev.leader[i] == pytest.approx(face_range(P[i], view)[end], abs=1e-6)


@pytest.mark.parametrize("kwargs, match", [
    ({"p_max": [50.0, 22.0]}, r"EVHub.p_max must be a number or one value per session \(3\)"),
    ({"need": [300.0, np.nan, 40.0]}, r"EVHub.need must be finite"),
    ({"need": [300.0, 90.0, 400.0]}, r"EVHub.need = 400.0 kWh exceeds .*session 2: 8 steps x 1 h x 11 kW"),
    ({"p_max": [50.0, 0.0, 11.0]}, r"need p_max > 0"),
    ({"window": WINDOWS.astype(float)}, r"EVHub.window must be a \(T,\) or \(S, T\) bool array"),
    ({"dt": 0.0}, r"EVHub.dt must be finite and > 0"),
    ({"dt": np.inf}, r"EVHub.dt must be finite and > 0"),
])
def test_bad_input_is_named(kwargs, match):
    with pytest.raises(InputError, match=match):
        EVHub(**{"window": WINDOWS, "p_max": P_MAX, "need": NEED, **kwargs})
