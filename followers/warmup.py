"""Compile (or load from numba's cache) the storage kernels before timing or forking.

Lives beside the follower models, not in :mod:`.kernels`, because it warms the EV fleet's
kernels through :class:`~stackga.followers.EVFleet` (the kernels' arguments are the
model's internal layout); the kernels never import a model.
"""
from __future__ import annotations

import numpy as np

from .ev_fleet import EVFleet
from .kernels.storage import solve_rows, solve_starts
from .kernels.storage_binaries import binaries_bnb

__all__ = ["warm_up"]


def warm_up() -> None:
    """Run every storage kernel once on a tiny problem."""
    T = 2
    one, row = np.ones(1), np.ones((1, T))
    s_b = np.array([[0.0, 0.0, 0.0]]), np.array([[2.0, 2.0, 2.0]])
    solve_rows(one, one, one * 0.0, *s_b, row, row, row * 0.0, row, row * 0.5, 1e4)
    solve_starts(one, one * 0.0, *s_b, row, row, row * 0.0, row, row * 0.5, 1e4,
                 np.array([0, 1]), np.array([1]), one)
    fleet = EVFleet(arr=np.array([18]), dep=np.array([7]), battery=np.array([40.0]),
                    soc_arr=np.array([0.5]), soc_need=np.array([0.5]))
    fleet.describe(np.full((1, 24), 0.5))
    fleet.respond(np.full((1, 24), 0.5))
    binaries_bnb(1.0, 1.0, 0.0, s_b[0][0], s_b[1][0], row[0], row[0], row[0] * 0.0,
                 row[0], row[0] * 0.5, 1e4, 1, 0.5, 0.5, 1e-9, 1e-9, 10)
