"""A certificate for one follower's answer, computed independently of how it was found:
the follower's problem, stated as an LP/QP (MILP) in matrix form at the reported prices,
solved afresh by HiGHS.

    primal_violation  the largest violation of the rows and bounds by the answer y
    duality_gap       f(y) - f*: the answer's objective above the certified optimum
                      (for a MILP: above HiGHS's proven optimum, within its gap)
    dual_violation    HiGHS's largest dual infeasibility at its optimum (LP/QP)
    unique            whether the optimum is unique: a QP whose optimal set (y* plus the
                      feasible null-space directions of H that cost nothing) is a point
                      (:func:`unique_qp_optimum`); an LP whose duals are non-degenerate
                      (every nonbasic reduced cost non-zero); ``ties`` is its negation
                      (then the leader's value may depend on the follower's tie-break;
                      given the leader's view, ``leader_best`` / ``leader_worst``: its
                      value's range over the follower's optima, :mod:`stackga.followers.certify.tie_values`)
    optimal           primal_violation and duality_gap within ``tol`` (relative)
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import highspy
import numpy as np
import scipy.sparse as sp

from ..backends.highs import build_highs, run
from ..response import Status
from .tie_values import tie_range

_TIGHT = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}

__all__ = ["Certificate", "lp_certificate", "combine", "unique_lp_optimum", "unique_qp_optimum"]


@dataclass
class Certificate:
    """One follower's certificate (the fields above; None where not computed).

    The leader's values over the follower's optimal face, where a view was given
    (:mod:`~stackga.followers.certify.tie_values`): ``leader_best`` / ``leader_worst``
    (changes from the answer's value; ``leader_worst_found`` and ``leader_worst_bound``
    where the worst is found but not proven, ``leader_worst_status`` says how;
    ``leader_worst_infeasible`` where a tie-break leaves the leader's recourse infeasible),
    and as leader values (set by :func:`stackga.solve.result_at`): ``F_optimistic``,
    ``F_pessimistic`` (or ``F_pessimistic_at_most`` / ``_at_least``,
    ``F_pessimistic_infeasible``), ``leader_indifferent``. A follower made of parts
    (:func:`combine`) has them under ``parts`` and names its units without a certificate
    in ``not_covered``. ``error``: why a certificate failed (``status`` "failed").
    :meth:`to_dict` gives the JSON form a run's report stores (the fields that are set).
    """

    status: str = "OPTIMAL"
    optimal: bool = False
    primal_violation: float | None = None
    follower_value: float | None = None
    follower_optimum: float | None = None
    duality_gap: float | None = None
    dual_violation: float | None = None
    mip_gap: float | None = None
    unique: bool | None = None
    ties: bool | None = None
    leader_best: float | None = None
    leader_worst: float | None = None
    leader_worst_found: float | None = None
    leader_worst_bound: float | None = None
    leader_worst_status: str | None = None
    leader_worst_infeasible: bool | None = None
    F_optimistic: float | None = None
    F_pessimistic: float | None = None
    F_pessimistic_at_most: float | None = None
    F_pessimistic_at_least: float | None = None
    F_pessimistic_infeasible: bool | None = None
    leader_indifferent: bool | None = None
    error: str | None = None
    parts: dict[str, "Certificate"] | None = None
    not_covered: list[str] | None = None

    def update(self, values: dict) -> "Certificate":
        """Set fields from a dict (e.g. :func:`~stackga.followers.certify.tie_values.tie_range`'s);
        a key that is not a field is an error."""
        names = {f.name for f in fields(self)}
        for k, v in values.items():
            if k not in names:
                raise KeyError(f"Certificate has no field {k!r}")
            setattr(self, k, v)
        return self

    def each(self) -> list["Certificate"]:
        """This certificate and its parts' (one level)."""
        return [self, *(self.parts or {}).values()]

    def to_dict(self) -> dict:
        """The fields that are set (parts as dicts), for a run's JSON report."""
        out: dict = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "parts" and v is not None:
                v = {k: c.to_dict() for k, c in v.items()}
            if v is not None and not (f.name == "leader_worst_infeasible" and v is False):
                out[f.name] = v
        return out


def unique_lp_optimum(h: highspy.Highs, sol=None) -> bool:
    """An LP optimum just solved by ``h`` (its ``getSolution()``, if already read, as
    ``sol``) is unique when every nonbasic column and row has a non-zero reduced cost
    (dual non-degeneracy)."""
    sol, basis = sol if sol is not None else h.getSolution(), h.getBasis()
    basic = highspy.HighsBasisStatus.kBasic
    cs = np.array([s != basic for s in basis.col_status], bool)
    rs = np.array([s != basic for s in basis.row_status], bool)
    cd = np.abs(np.asarray(sol.col_dual, float))
    rd = np.abs(np.asarray(sol.row_dual, float))
    t = 1e-9 * (1.0 + max(cd.max(initial=0.0), rd.max(initial=0.0)))
    return bool(np.all(cd[cs] > t) and np.all(rd[rs] > t))


def unique_qp_optimum(cost, A, row_lo, row_hi, col_lo, col_hi, H, y_opt) -> bool:
    """Whether a convex QP's optimum y* is its only one. Every optimum is y* + delta with
    delta in the null space of H (the same H y), feasible, and cost'delta = 0; so y* is
    unique when a random unit direction's maximum and minimum over {delta = N z: y* + N z
    feasible, cost'N z <= eps} (N an orthonormal null-space basis of H; each row and bound
    relaxed by y*'s own violation, eps at rounding level) coincide within 1e-5 of the
    answer's size: two LPs. A tie moves y by far more (it is a face of the feasible set)."""
    Hd = sp.csr_matrix(H).toarray()
    lam, V = np.linalg.eigh(0.5 * (Hd + Hd.T))
    N = V[:, lam <= 1e-10 * max(lam.max(initial=0.0), 1e-300)]
    if N.shape[1] == 0:
        return True
    A = sp.csr_matrix(A)
    y = np.asarray(y_opt, float)
    cost = np.asarray(cost, float)
    scale = 1.0 + np.abs(y).max(initial=0.0)
    Ay = A @ y
    row_lo, row_hi = np.asarray(row_lo, float), np.asarray(row_hi, float)
    col_lo, col_hi = np.asarray(col_lo, float), np.asarray(col_hi, float)
    lo = np.concatenate([row_lo - Ay, col_lo - y])
    hi = np.concatenate([row_hi - Ay, col_hi - y])
    fin = np.where(np.isfinite(lo), np.abs(lo), 0.0) + np.where(np.isfinite(hi), np.abs(hi), 0.0)
    lo, hi = np.minimum(lo, 0.0) - 1e-12 * (1 + fin), np.maximum(hi, 0.0) + 1e-12 * (1 + fin)
    rows = np.vstack([A @ N, N, (cost @ N)[None]])
    lo = np.append(lo, -np.inf)
    hi = np.append(hi, 1e-12 * (1.0 + np.abs(cost).sum() * scale))
    w = np.random.default_rng(0).normal(size=len(y)) @ N
    w /= max(np.linalg.norm(w), 1e-300)
    ends = []
    for sign in (1.0, -1.0):
        h = build_highs(sign * w, rows, lo, hi, np.full(N.shape[1], -np.inf),
                        np.full(N.shape[1], np.inf), options=_TIGHT)
        if run(h) != Status.OPTIMAL:
            return False                       # unbounded (or undecided): a tie
        ends.append(sign * float(h.getInfo().objective_function_value))
    return ends[1] - ends[0] <= 1e-5 * scale


def lp_certificate(cost, A, row_lo, row_hi, col_lo, col_hi, y, hessian=None, integer=None,
                   tol: float = 1e-6, offset: float = 0.0, leader=None) -> Certificate:
    """Certificate of ``y`` for min cost y (+ 1/2 y'Hy) + offset s.t. row_lo <= A y <= row_hi,
    bounds (the values reported and the relative tolerance include ``offset``). With
    ``leader`` (a view of :mod:`stackga.followers.certify.tie_values`, bound to y by the follower) and
    ties (LP or QP): the leader's best and worst changes over the optimal face
    (``leader_best``, ``leader_worst``, :func:`~stackga.followers.certify.tie_values.tie_range`)."""
    A = sp.csr_matrix(A)
    y = np.asarray(y, float)
    cost = np.asarray(cost, float)
    r = A @ y
    viol = max(float(np.maximum(np.asarray(row_lo) - r, 0).max(initial=0.0)),
               float(np.maximum(r - np.asarray(row_hi), 0).max(initial=0.0)),
               float(np.maximum(np.asarray(col_lo) - y, 0).max(initial=0.0)),
               float(np.maximum(y - np.asarray(col_hi), 0).max(initial=0.0)))
    H = None if hessian is None else sp.csr_matrix(hessian)
    fy = float(cost @ y + (0.5 * y @ (H @ y) if H is not None else 0.0)) + offset
    mip = integer is not None and np.any(integer)
    h = build_highs(cost, A, row_lo, row_hi, col_lo, col_hi, integer, H)
    status = run(h)
    out = Certificate(status=status.name, primal_violation=viol, follower_value=fy)
    if status != Status.OPTIMAL:
        return out
    info = h.getInfo()
    phi = float(info.objective_function_value) + offset
    out.update({"follower_optimum": phi, "duality_gap": fy - phi})
    if mip:
        out.mip_gap = float(info.mip_gap)
    else:
        out.dual_violation = float(max(info.max_dual_infeasibility, 0.0))
        if H is not None and H.nnz:
            # at the answer when it is optimal (exact), else at HiGHS's optimum
            at = y if fy - phi <= tol * (1 + abs(phi)) else np.asarray(h.getSolution().col_value)
            unique = unique_qp_optimum(cost, A, row_lo, row_hi, col_lo, col_hi, H, at)
            if not unique and leader is not None:
                out.update(tie_range(cost, A, row_lo, row_hi, col_lo, col_hi, at, phi - offset,
                                     leader, hessian=H))
        else:
            unique = unique_lp_optimum(h)
            if not unique and leader is not None:
                out.update(tie_range(cost, A, row_lo, row_hi, col_lo, col_hi, y, phi - offset, leader))
        out.update({"unique": unique, "ties": not unique})
    scale = 1.0 + np.abs(y).max(initial=0.0)
    out.optimal = bool(viol <= tol * scale and fy - phi <= tol * (1 + abs(phi)))
    return out


def combine(parts: dict[str, Certificate], not_covered: list | None = None) -> Certificate:
    """One certificate of a follower made of parts (name -> certificate): ``optimal`` when
    every part is, the worst primal violation, the summed duality gap, ``ties`` when any
    part has them; the parts under ``parts``, units without a certificate in
    ``not_covered``."""
    gaps = [c.duality_gap for c in parts.values()]
    failed = [c.status for c in parts.values() if c.status != "OPTIMAL"]
    return Certificate(status=failed[0] if failed else "OPTIMAL",
                       optimal=all(c.optimal for c in parts.values()),
                       primal_violation=max((c.primal_violation or 0.0 for c in parts.values()),
                                            default=0.0),
                       duality_gap=float(sum(g for g in gaps if g is not None)),
                       ties=any(bool(c.ties) for c in parts.values()),
                       parts=parts, not_covered=list(not_covered or []))
