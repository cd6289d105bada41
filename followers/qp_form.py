"""A follower's or recourse block's problem in matrix form, as certificates, tie values and
solver backends read it (one statement, named fields, instead of a dict of arrays):

    min  cost' x + x' H x / 2 + offset
    s.t. row_lo + E p <= A x <= row_hi + E p,   col_lo <= x <= col_hi

``E`` (rows, k), where given, says where a parameter p (k,) enters the row bounds (e.g.
the net load of a dispatch); :meth:`QPForm.at` fixes it. ``W``, where given, recovers
eliminated variables (u = r + W x).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

__all__ = ["QPForm"]


@dataclass(frozen=True)
class QPForm:
    """cost (n,); A (m, n) sparse; row_lo, row_hi (m,); col_lo, col_hi (n,); hessian (n, n)
    sparse or None (an LP); offset: a constant; E (m, k) sparse or None; W or None."""

    cost: np.ndarray
    A: sp.spmatrix
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray
    hessian: sp.spmatrix | None = None
    offset: float = 0.0
    E: sp.spmatrix | None = None
    W: sp.spmatrix | None = None

    def at(self, p: np.ndarray) -> "QPForm":
        """The form with the parameter p (k,) in its row bounds (E None: unchanged)."""
        if self.E is None:
            return self
        shift = self.E @ np.asarray(p, float)
        return replace(self, row_lo=self.row_lo + shift, row_hi=self.row_hi + shift, E=None)

    def lp_args(self) -> tuple[np.ndarray, sp.spmatrix, np.ndarray, np.ndarray, np.ndarray,
                               np.ndarray]:
        """(cost, A, row_lo, row_hi, col_lo, col_hi): the positional arguments of
        :func:`~stackga.followers.backends.highs.solve_highs` and
        :func:`~stackga.followers.certify.certificate.lp_certificate`."""
        return self.cost, self.A, self.row_lo, self.row_hi, self.col_lo, self.col_hi
