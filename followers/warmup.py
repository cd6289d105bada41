"""Compile (or load from numba's cache) every compiled kernel before timing or forking.

Lives beside the follower models, not in :mod:`.kernels`, because it warms the kernels
through tiny instances of the models and blocks that call them (the kernels' arguments
are the models' internal layouts); the kernels never import a model. Covered: the storage
recursion and its many-entries form, the active-hour branch and bound, the EV fleet's
kernels, the EV clusters' storage QP, the unit dispatch's dual active-set method and the
microgrid dispatch's interior point, and the matrix followers' simplex.

The kernels come in independent parts (``PARTS``), so several processes can compile a fresh
cache in parallel: ``python -m stackga.followers.warmup [part ...]`` (the test suite does
so before its workers start; ``STACKGA_TEST_PREWARM=0`` turns that off).
"""
from __future__ import annotations

import sys

import numpy as np

from .ev_fleet import EVFleet
from .kernels import lp_simplex, qp_dual
from .kernels.storage import solve_rows, solve_starts
from .kernels.storage_binaries import binaries_bnb
from .recourse.ev_clusters import EVClusters
from .recourse.microgrid_dispatch import MicrogridDispatch
from .recourse.unit_dispatch import ThermalDispatch

__all__ = ["warm_up", "PARTS"]


def _storage() -> None:
    T = 2
    one, row = np.ones(1), np.ones((1, T))
    s_b = np.array([[0.0, 0.0, 0.0]]), np.array([[2.0, 2.0, 2.0]])
    solve_rows(one, one, one * 0.0, *s_b, row, row, row * 0.0, row, row * 0.5, 1e4)
    solve_starts(one, one * 0.0, *s_b, row, row, row * 0.0, row, row * 0.5, 1e4,
                 np.array([0, 1]), np.array([1]), one)
    binaries_bnb(1.0, 1.0, 0.0, s_b[0][0], s_b[1][0], row[0], row[0], row[0] * 0.0,
                 row[0], row[0] * 0.5, 1e4, 1, 0.5, 0.5, 1e-9, 1e-9, 10)


def _fleet() -> None:
    fleet = EVFleet(arr=np.array([18]), dep=np.array([7]), battery=np.array([40.0]),
                    soc_arr=np.array([0.5]), soc_need=np.array([0.5]))
    fleet.describe(np.full((1, 24), 0.5))
    fleet.respond(np.full((1, 24), 0.5))


def _clusters() -> None:
    H = 24
    clusters = EVClusters(np.array([2]), np.array([6]), np.array([1]), np.array([10.0]),
                          np.array([10.0]), np.array([20.0]), np.array([0.0]), np.array([40.0]),
                          np.array([30.0]), 0.9, 0.9, threads=1)
    clusters.solve(np.ones((1, H)), np.ones((1, H)), np.zeros((1, H)), 0.01)


def _units() -> None:
    H = 24
    two = lambda u, v: np.array([u, v])                                      # noqa: E731
    units = ThermalDispatch(a=two(0.01, 0.02), b=two(20.0, 25.0), c=two(100.0, 80.0),
                            p_min=two(10.0, 5.0), p_max=two(100.0, 60.0), ramp_up=two(40.0, 30.0),
                            ramp_down=two(40.0, 30.0), shed_cost=1000.0, T=H)
    units.solve(np.full((1, H), 80.0) + 30.0 * np.sin(np.arange(H) / 4.0))


def _microgrid() -> None:
    H = 24
    grid = MicrogridDispatch(a=0.001, b=0.5, c0=0.0, p_min=0.0, p_max=100.0, ramp=50.0,
                             ba_p_max=50.0, e_min=10.0, e_max=100.0, e0=50.0, eta=0.95, m=0.01,
                             x_min=-100.0, x_max=100.0, grid_buy=np.full(H, 0.8),
                             grid_sell=np.full(H, 0.3), threads=1)
    grid.solve(np.full((1, H), 20.0) + 10.0 * np.sin(np.arange(H) / 4.0), 0.01)


def _matrix() -> None:
    # min y1 + 2 y2 s.t. y1 + y2 >= 1, 0 <= y <= 2, from the basis {the row's activity}
    lp_simplex.solve_rows(np.ones((1, 2)), np.array([[1.0, 2.0]]), np.ones((1, 1)),
                          np.full((1, 1), np.inf), np.zeros((1, 2)), np.full((1, 2), 2.0),
                          np.array([[2]], np.int64), np.array([[1, 1, 0]], np.int8), 100,
                          np.zeros((1, 2)), np.zeros(1), np.zeros(1, np.int64))
    # min y'y/2 - y1 - y2 s.t. y1 + y2 <= 1, 0 <= y <= 2 (the matrix followers' diagonal QPs)
    qp_dual.solve_rows(np.ones(2), -np.ones((1, 2)), np.zeros(2), np.full(2, 2.0),
                       np.array([0, 2], np.int64), np.array([0, 1], np.int64), np.ones(2),
                       np.ones((1, 1)), 100, 1e-9, 1e-9, np.zeros((1, 2)), np.zeros(1, np.int64))


#: the independent parts, each run on a tiny problem: the storage recursions and the
#: active-hour branch and bound, the EV fleet, the EV clusters' QP, the unit dispatch, the
#: microgrid dispatch, the matrix followers' simplex and diagonal QP
PARTS = {"storage": _storage, "fleet": _fleet, "clusters": _clusters, "units": _units,
         "microgrid": _microgrid, "matrix": _matrix}


def warm_up(parts: list[str] | None = None) -> None:
    """Run every kernel (or those of the named ``parts``, :data:`PARTS`) once on a tiny
    problem."""
    for name in parts if parts is not None else PARTS:
        if name not in PARTS:
            raise ValueError(f"warm_up: unknown part {name!r}; choose from {sorted(PARTS)}")
        PARTS[name]()


if __name__ == "__main__":
    warm_up(sys.argv[1:] or None)
