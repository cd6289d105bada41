"""The exact storage recursion against an independent LP solve, plus invariants."""
import numpy as np
import pytest

from followers.storage_dp import StorageLP, solve_storage
from oracles import storage_lp


def random_storage(rng, T, trial):
    s_lo = rng.uniform(0, 3, T + 1)
    s_hi = s_lo + rng.uniform(0.5, 10, T + 1)
    return StorageLP(
        s0=float(rng.uniform(s_lo[0], s_hi[0])), s_lo=s_lo, s_hi=s_hi,
        up_max=rng.uniform(0, 3, T), dn_max=rng.uniform(0, 3, T) * (trial % 4 != 0),
        drift=rng.normal(0, 1, T) * (trial % 2),
        decay=1.0 if trial % 3 else float(rng.uniform(0.7, 1.0)),
        s_final=float(rng.uniform(s_lo[-1], s_hi[-1])) if trial % 5 == 0 else -np.inf)


@pytest.mark.parametrize("trial", range(60))
def test_matches_independent_lp(trial):
    rng = np.random.default_rng(trial)
    T = int(rng.integers(2, 25))
    m = random_storage(rng, T, trial)
    c_up = rng.uniform(0.2, 2, (5, T))
    if trial % 7 == 0:                       # many exact ties
        c_up = np.round(c_up, 1)
    c_dn = c_up * (np.round(rng.uniform(0.5, 1.0, (5, T)), 1) if trial % 7 == 0 else
                   rng.uniform(0.5, 1.0, (5, T)))
    u, s, feas = solve_storage(m, c_up, c_dn)
    for i in range(5):
        ref = storage_lp(T, m.s0, m.s_lo, m.s_hi, m.up_max, m.dn_max, m.drift, m.decay,
                         m.s_final, c_up[i], c_dn[i])
        assert feas[i] == (ref is not None)
        if ref is None:
            continue
        value = -(c_up[i] * np.maximum(u[i], 0)).sum() - (c_dn[i] * np.minimum(u[i], 0)).sum()
        assert value == pytest.approx(ref, rel=1e-6, abs=1e-7)
        # invariants: dynamics, bounds, step limits
        np.testing.assert_allclose(s[i, 1:], m.decay * s[i, :-1] + u[i] + m.drift, atol=1e-9)
        assert np.all(s[i, 1:] >= m.s_lo[1:] - 1e-7) and np.all(s[i, 1:] <= m.s_hi[1:] + 1e-7)
        assert s[i, -1] >= m.s_final - 1e-7
        assert np.all(u[i] <= m.up_max + 1e-9) and np.all(-u[i] <= m.dn_max + 1e-9)


def test_flat_prices_prefer_idle():
    """Tie-break: with no profitable move the storage stays idle."""
    T = 24
    m = StorageLP(2.0, np.zeros(T + 1), np.full(T + 1, 4.0), np.ones(T), np.ones(T),
                  np.zeros(T), 1.0, 2.0)
    u, s, feas = solve_storage(m, np.full((3, T), 0.5), np.full((3, T), 0.5))
    assert feas.all() and np.all(u == 0.0)


def test_infeasible_is_flagged_not_nan():
    T = 4   # must reach 10 from 0 with at most 1 per step
    m = StorageLP(0.0, np.zeros(T + 1), np.full(T + 1, 20.0), np.ones(T), np.ones(T),
                  np.zeros(T), 1.0, 10.0)
    u, s, feas = solve_storage(m, np.ones((2, T)), np.ones((2, T)) * 0.5)
    assert not feas.any() and np.isfinite(u).all()
