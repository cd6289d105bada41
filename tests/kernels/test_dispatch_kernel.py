"""The eva dispatch's compiled interior point (stackga.followers.kernels.microgrid_ipm): its Newton step
(stackga.followers.kernels.microgrid_riccati) against a dense KKT solve built from the model statement."""
from __future__ import annotations

import numpy as np
import pytest
from stackga.followers.kernels.microgrid_riccati import factor, solve

T = 6


def _dense(th, a2, m2, sq, eta):
    """K = H + G' diag(th) G and A (2T, 7T) over x = (P, c, d, g, s, v, E) per hour."""
    n = 7 * T
    at = lambda t, k: 7 * t + k                                     # noqa: E731
    H = np.zeros((n, n))
    G, A = [], np.zeros((2 * T, n))
    for t in range(T):
        H[at(t, 0), at(t, 0)] = a2
        for i, j, v in ((1, 1, m2), (2, 2, m2), (1, 2, -m2), (2, 1, -m2)):
            H[at(t, i), at(t, j)] += v
        H[at(t, 5), at(t, 5)] = 2.0
        for k in range(7):                                          # the variables' bounds
            g = np.zeros(n)
            g[at(t, k)] = 1.0
            G.append(g)
        g = np.zeros(n)                                             # ramp (none into hour 0)
        if t > 0:
            g[at(t, 0)], g[at(t - 1, 0)] = 1.0, -1.0
        G.append(g)
        g = np.zeros(n)
        g[at(t, 1)] = g[at(t, 2)] = 1.0                              # hull c + d
        G.append(g)
        g = np.zeros(n)
        g[at(t, 3)], g[at(t, 4)] = 1.0, -1.0                         # exchange g - s
        G.append(g)
        A[2 * t, [at(t, k) for k in range(6)]] = [1.0, -1.0, 1.0, 1.0, -1.0, 1.0 / sq]
        A[2 * t + 1, [at(t, 1), at(t, 2), at(t, 6)]] = [-eta, 1.0 / eta, 1.0]
        if t > 0:
            A[2 * t + 1, at(t - 1, 6)] = -1.0
    G = np.array(G)
    return H + G.T @ (th.ravel()[:, None] * G), A


@pytest.mark.parametrize("seed", range(6))
def test_newton_step_matches_a_dense_kkt_solve(seed):
    rng = np.random.default_rng(seed)
    a2, m2, sq, eta = 0.02, [4e-4, 0.0][seed % 2], [0.07, 220.0][seed // 2 % 2], 0.9
    th = np.exp(rng.normal(0, 3, (T, 10)))
    th[:, 5] = 0.0                                                  # v has no bounds
    th[0, 7] = 0.0                                                  # no ramp into hour 0
    f, h = rng.normal(size=(T, 7)), rng.normal(size=(T, 2))
    B = np.zeros((2, 7))
    B[0, :6] = [1.0, -1.0, 1.0, 1.0, -1.0, 1.0 / sq]
    B[1, 1], B[1, 2], B[1, 6] = -eta, 1.0 / eta, 1.0
    Rinv, YB, Ginv = np.empty((T, 7, 7)), np.empty((T, 7, 2)), np.empty((T, 2, 2))
    Z, Lam, S00, W = np.empty((T, 7, 2)), np.empty((T, 2, 2)), np.empty(T), np.empty((T + 1, 2, 2))
    assert factor(th, a2, m2, B, Rinv, YB, Ginv, Z, Lam, S00, W)
    dx, dy = np.empty((T, 7)), np.empty((T, 2))
    solve(f.copy(), h, B, Rinv, YB, Ginv, Z, Lam, S00, np.empty((T, 7)), np.empty((T, 2)), dx, dy)
    K, A = _dense(th, a2, m2, sq, eta)
    kkt = np.block([[K, -A.T], [A, np.zeros((2 * T, 2 * T))]])
    ref = np.linalg.solve(kkt, np.concatenate([f.ravel(), h.ravel()]))
    got = np.concatenate([dx.ravel(), dy.ravel()])
    assert np.abs(kkt @ got - np.concatenate([f.ravel(), h.ravel()])).max() <= 1e-8 * (1 + np.abs(kkt).max() * np.abs(got).max())
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-8 * np.abs(ref).max())
