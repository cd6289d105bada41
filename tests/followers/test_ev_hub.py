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


def test_one_session_is_the_hub_as_before():
    P = tied_prices(20, 3)
    one = EVHub(window=WINDOWS[0], p_max=50.0, need=300.0).respond(P)
    many = EVHub(window=WINDOWS[:1], p_max=[50.0], need=[300.0]).respond(P)
    assert np.array_equal(one.arrays["charge"], many.arrays["charge"])
    assert one.arrays["sessions"].shape == (20, 1, T)


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


@pytest.mark.parametrize("kwargs, match", [
    ({"p_max": [50.0, 22.0]}, r"EVHub.p_max must be a number or one value per session \(3\)"),
    ({"need": [300.0, np.nan, 40.0]}, r"EVHub.need must be finite"),
    ({"need": [300.0, 90.0, 400.0]}, r"EVHub.need = 400.0 kWh exceeds .*session 2: 8 steps x 1 h x 11 kW"),
    ({"p_max": [50.0, 0.0, 11.0]}, r"need p_max > 0"),
    ({"window": WINDOWS.astype(float)}, r"EVHub.window must be a \(T,\) or \(S, T\) bool array"),
    ({"dt": 0.0}, r"EVHub.dt must be > 0"),
])
def test_bad_input_is_named(kwargs, match):
    with pytest.raises(InputError, match=match):
        EVHub(**{"window": WINDOWS, "p_max": P_MAX, "need": NEED, **kwargs})
