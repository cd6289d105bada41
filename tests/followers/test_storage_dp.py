"""The exact storage recursion against an independent LP solve, plus invariants."""
import numpy as np
import pytest
from oracles import storage_binaries_milp, storage_lp
from stackga.followers.kernels.storage_binaries import binaries_bnb
from stackga.followers.storage_dp import KERNELS, StorageLP, solve_storage


def random_storage(rng, T, trial):
    s_lo = rng.uniform(0, 3, T + 1)
    s_hi = s_lo + rng.uniform(0.5, 10, T + 1)
    return StorageLP(
        s0=float(rng.uniform(s_lo[0], s_hi[0])), s_lo=s_lo, s_hi=s_hi,
        up_max=rng.uniform(0, 3, T), dn_max=rng.uniform(0, 3, T) * (trial % 4 != 0),
        drift=rng.normal(0, 1, T) * (trial % 2),
        decay=1.0 if trial % 3 else float(rng.uniform(0.7, 1.0)),
        s_final=float(rng.uniform(s_lo[-1], s_hi[-1])) if trial % 5 == 0 else -np.inf)


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("trial", range(60))
def test_matches_independent_lp(trial, kernel):
    rng = np.random.default_rng(trial)
    T = int(rng.integers(2, 25))
    m = random_storage(rng, T, trial)
    c_up = rng.uniform(0.2, 2, (5, T))
    if trial % 7 == 0:                       # many exact ties
        c_up = np.round(c_up, 1)
    c_dn = c_up * (np.round(rng.uniform(0.5, 1.0, (5, T)), 1) if trial % 7 == 0 else
                   rng.uniform(0.5, 1.0, (5, T)))
    u, s, feas = solve_storage(m, c_up, c_dn, kernel=kernel)
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


@pytest.mark.parametrize("trial", range(40))
def test_kernels_agree(trial):
    """The compiled kernel and the numpy reference: same plans up to rounding."""
    rng = np.random.default_rng(1000 + trial)
    T = int(rng.integers(2, 25))
    m = random_storage(rng, T, trial)
    c_up = np.round(rng.uniform(0.2, 2, (8, T)), 1 if trial % 2 else 6)
    c_dn = c_up * rng.uniform(0.5, 1.0, (8, T))
    a, b = (solve_storage(m, c_up, c_dn, kernel=k) for k in KERNELS)
    np.testing.assert_array_equal(a[2], b[2])
    np.testing.assert_allclose(a[0], b[0], atol=1e-9)
    np.testing.assert_allclose(a[1], b[1], atol=1e-9)


def test_unknown_kernel_named():
    m = StorageLP(0.0, np.zeros(3), np.ones(3), np.ones(2), np.ones(2), np.zeros(2))
    with pytest.raises(ValueError, match="kernel.*'fortran'"):
        solve_storage(m, np.ones((1, 2)), np.ones((1, 2)), kernel="fortran")


def test_a_decay_outside_0_1_is_refused_by_name():
    T = 3
    args = (1.0, np.zeros(T + 1), np.full(T + 1, 5.0), np.ones(T), np.ones(T), np.zeros(T))
    for bad in (0.0, 1.5, np.nan):
        with pytest.raises(ValueError, match=r"StorageLP.decay must be in \(0, 1\], got \["):
            StorageLP(*args, decay=bad)
    assert StorageLP(*args, decay=0.9).decay == 0.9


@pytest.mark.parametrize("trial", range(60))
def test_binaries_bnb_matches_milp(trial):
    """Branch and bound on the binaries == a MILP with binaries, incl. drift, decay,
    final-state bound, minimum moves and infeasible limits."""
    rng = np.random.default_rng(2000 + trial)
    T = int(rng.integers(3, 16))
    m = random_storage(rng, T, trial)
    n_active = int(rng.integers(0, T + 1))
    up_min, dn_min = (0.0, 0.0) if trial % 3 == 0 else tuple(rng.uniform(0.2, 1.5, 2))
    c_up = rng.uniform(0.2, 2, T)
    c_dn = c_up * rng.uniform(0.5, 1.0, T)
    big_m = 1e4 * (2.0 + 1.0) / m.decay ** T
    code, u, s, nodes = binaries_bnb(
        m.s0, m.decay, m.s_final, m.s_lo, m.s_hi, m.up_max, m.dn_max, m.drift, c_up, c_dn,
        big_m, n_active, up_min, dn_min, 1e-9, 1e-9, 10**6)
    ref = storage_binaries_milp(T, m.s0, m.s_lo, m.s_hi, m.up_max, m.dn_max, m.drift,
                                m.decay, m.s_final, c_up, c_dn, n_active, up_min, dn_min)
    assert code == (0 if ref is not None else 1)
    if ref is None:
        return
    value = -(c_up * np.maximum(u, 0)).sum() - (c_dn * np.minimum(u, 0)).sum()
    assert value == pytest.approx(ref, rel=1e-6, abs=1e-6)
    active = np.abs(u) > 1e-9
    assert active.sum() <= n_active
    assert np.all((u[active] >= up_min - 1e-9) | (u[active] <= -dn_min + 1e-9))
    np.testing.assert_allclose(s[1:], m.decay * s[:-1] + u + m.drift, atol=1e-9)
    assert np.all(s[1:] >= m.s_lo[1:] - 1e-7) and np.all(s[1:] <= m.s_hi[1:] + 1e-7)
    assert s[-1] >= m.s_final - 1e-7


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


def test_many_starts_equal_separate_lps():
    """solve_storage_starts (one backward pass per row, many entries) gives each start
    exactly the plan of its own LP (capacity 0 before the start)."""
    from stackga.followers.storage_dp import solve_storage_starts
    rng = np.random.default_rng(7)
    n, T, per = 40, 24, 12
    m = StorageLP(s0=np.zeros(n), s_lo=np.full((n, T + 1), 8.0), s_hi=np.full((n, T + 1), 36.0),
                  up_max=np.full((n, T), 6.44), dn_max=np.full((n, T), 7.6), drift=np.zeros((n, T)),
                  s_final=rng.uniform(20, 36, n))
    p = rng.uniform(0.3, 1.2, (n, T))
    p[:, 3:7] = p[:, 3:4]                                       # ties
    cu, cd = (p + 0.08) / 0.92, (p - 0.16) * 0.92
    S = n * per
    row = rng.permutation(np.repeat(np.arange(n), per))        # unsorted on purpose
    step, state = rng.integers(0, 24, S), rng.uniform(10, 34, S)
    u, s, feas = solve_storage_starts(m, cu, cd, row, step, state)
    up = m.up_max[row].copy()
    dn = m.dn_max[row].copy()
    before = np.arange(T)[None] < step[:, None]
    up[before], dn[before] = 0.0, 0.0
    alone = StorageLP(s0=state, s_lo=m.s_lo[row], s_hi=m.s_hi[row], up_max=up, dn_max=dn,
                      drift=np.zeros((S, T)), s_final=m.s_final[row])
    u2, s2, feas2 = solve_storage(alone, cu[row], cd[row])
    assert feas.any() and not feas.all()                       # both outcomes occur
    np.testing.assert_array_equal(feas, feas2)
    np.testing.assert_allclose(u[feas], u2[feas], atol=1e-12)
    np.testing.assert_allclose(s[feas], s2[feas], atol=1e-12)
    assert np.all(u[before] == 0) and np.all(s[:, :-1][before] == state[:, None].repeat(T, 1)[before])
