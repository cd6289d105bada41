"""Exact references for bilevel games with continuous LP or convex-QP followers: the KKT
single-level problem (:mod:`stackga.bilevel.kkt`) solved to global optimality.

* ``method="bigm"``: a MILP in HiGHS (linear leaders): one binary per complementary pair,
  multiplier <= M_dual z, slack <= M_slack (1 - z). Each M_slack is derived from the
  data: the largest slack over the primal feasible region (an LP per pair; interval
  arithmetic when all bounds are finite). The MILP only chooses the pattern (which side
  of each pair is zero): that pattern is then solved exactly as an LP with no M at all,
  so the MILP's integrality tolerance (which lets a multiplier leak up to tol x M) never
  reaches the answer. M_dual cannot be derived from the data in general, so it is
  audited.
  The audit re-solves with both Ms x 10 (the dual M and the guessed caps of slacks whose
  bound could not be derived): if that finds a better exact answer (or one where the
  first found none), both grow (up to 3 times) and, if still moving, the result says the
  audit failed (``audit["validated"]``).
* ``method="sos1"``: SCIP (pyscipopt) with SOS1 constraints on every pair: no big-M at
  all; quadratic leaders (convex or not) through SCIP's spatial branch and bound. The
  default for quadratic leaders; chosen because it is the free solver that does both
  (HiGHS has no MIQP; SOS1 avoids the big-M validity problem, Pineda & Morales 2019).

Pricing terms: where the leader's bilinear term on a follower is what that follower pays
(x'Q_xy y_k = alpha x'M_k y_k, x not in its rows), it is replaced by the follower's dual
objective (:func:`~stackga.bilevel.kkt.strong_duality`), exact on the KKT system and free
of x y products: a pricing game with LP followers becomes a linear MPEC (big-M, HiGHS),
with QP followers a convex one (SCIP); ``audit["strong_duality"]`` names the followers.

The optimistic problem is solved (the KKT formulation selects the follower optimum best
for the leader) or, for ``selection="pessimistic"``, the pessimistic one: the system of
:mod:`stackga.bilevel.pessimistic` (the follower's worst choice as a second KKT block;
bilinear, so SCIP only, when x enters a follower's cost). Integer leader variables are
kept integer (both methods). Integer followers have no KKT certificate: games with them
are solved by value-function cuts (``method="cuts"``, :mod:`stackga.bilevel.integer`;
optimistic, linear leader, linking leader variables integer and bounded).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from stackga.errors import InputError
from stackga.followers.backends.highs import solve_highs
from stackga.followers.response import Status

from .integer import solve_value_cuts
from .kkt import KKTSystem, kkt_system, solve_pattern, strong_duality
from .model import Bilevel
from .pessimistic import pessimistic_system, pessimistic_value

__all__ = ["ExactResult", "solve_exact"]


@dataclass
class ExactResult:
    """status "optimal", "infeasible", "unbounded", "unbounded_or_infeasible", "time_limit"
    (a time or iteration limit reached), "node_limit" (the ``node_limit`` given to
    :func:`solve_exact` reached), "interrupted" (SCIP caught a Ctrl-C; the enclosing
    :func:`stackga.interrupt.graceful` block is asked to stop too), "failed" or (pessimistic
    games) "infimum": F is approached near x, not attained there: the value at x,
    ``F_at_x`` (None if the followers' worst choices there break a coupling row),
    differs, or the answer's multipliers are huge (``audit["huge"]``); F in the
    leader's own sense; x (n_x,), y (n_y,); bound: the solver's bound on F; method,
    seconds, audit (big-M: the M used and whether the re-solve moved the answer);
    trace: the solver's incumbent and bound over time, (seconds, F, bound) in the
    leader's sense (None where there is none yet): SCIP's at every improvement; for big-M,
    the (final) MILP's, whose values carry the big-M model, not the exact re-solve."""

    status: str
    F: float | None
    x: np.ndarray | None
    y: np.ndarray | None
    bound: float | None
    method: str
    seconds: float
    audit: dict = field(default_factory=dict)
    trace: list = field(default_factory=list)     # (seconds, incumbent F, bound)
    F_at_x: float | None = None
    v: np.ndarray | None = None                    # the answer's whole KKT vector (x, y, multipliers)


def solve_exact(bl: Bilevel, method: str | None = None, time_limit: float = 60.0,
                dual_form: bool = True, start: np.ndarray | None = None,
                node_limit: int | None = None, heuristics: str = "default") -> ExactResult:
    """The bilevel optimum of ``bl`` under its selection; ``method`` "bigm" (HiGHS MILP,
    linear leaders, no bilinear terms), "sos1" (SCIP) or "cuts" (value-function cuts, the
    only one for integer followers); default: cuts with integer followers, else bigm where
    it applies, sos1 otherwise. ``dual_form``: replace price x quantity terms by the
    followers' dual objectives where exact (False: keep them bilinear). ``start``: a
    leader vector x (n_x,) (e.g. the GA's improved answer) given to SCIP as a partial
    solution it completes (a first incumbent; the bound it proves does not depend on it).
    ``node_limit``: a budget of branch-and-bound nodes (SCIP's ``limits/nodes``, HiGHS's
    ``mip_max_nodes``; not for "cuts"): unlike the time limit, where it ends does not
    depend on the machine or its load; reaching it is status "node_limit". ``heuristics``:
    SCIP's primal heuristics, "default" or "fast" (fewer heuristic calls, faster nodes:
    the improvement step's search for incumbents)."""
    if method not in (None, "bigm", "sos1", "cuts"):
        raise InputError(f"unknown method {method!r}; choose 'bigm', 'sos1' or 'cuts'")
    if any(np.any(f.integer) for f in bl.followers) or method == "cuts":
        if method not in (None, "cuts"):
            raise InputError(f"Bilevel {bl.name!r}: integer followers have no KKT reformulation "
                             f"(method={method!r}); use method='cuts' (value-function cuts)")
        t0 = time.perf_counter()
        status, F, x, y, bound, audit, trace = solve_value_cuts(bl, time_limit)
        return ExactResult(status, F, x, y, bound, "cuts", time.perf_counter() - t0, audit, trace)
    K, dual = (pessimistic_system(bl), []) if bl.selection == "pessimistic" \
        else strong_duality(kkt_system(bl), bl) if dual_form else (kkt_system(bl), [])
    linear = not np.any(K.obj_Q)           # after the price x quantity terms are replaced
    method = method or ("bigm" if linear and not K.bilinear else "sos1")
    if method == "bigm" and not linear:
        raise InputError("method='bigm' needs a linear leader (HiGHS has no MIQP); use 'sos1'")
    if method == "bigm" and K.bilinear:
        raise InputError(f"Bilevel {bl.name!r}: the pessimistic system is bilinear (x enters a "
                         f"follower's cost, M != 0): method='bigm' cannot state it; use 'sos1'")
    t0 = time.perf_counter()
    out = _bigm(K, bl, time_limit, node_limit) if method == "bigm" \
        else _sos1(K, bl, time_limit, start, node_limit, heuristics)
    out.seconds = time.perf_counter() - t0
    out.audit["strong_duality"] = [bl.followers[k].name or k for k in dual]
    if bl.selection == "pessimistic" and out.x is not None:
        _check_attained(bl, K, out)
    return out


#: a solver status -> the exact result's status (unbounded, infeasible, "unbounded or
#: infeasible" and a limit reached are distinct; anything else "failed")
STATUS_NAMES = {Status.OPTIMAL: "optimal", Status.INFEASIBLE: "infeasible",
                Status.UNBOUNDED: "unbounded",
                Status.UNBOUNDED_OR_INFEASIBLE: "unbounded_or_infeasible",
                Status.LIMIT: "time_limit"}

HUGE = 1e2        # multipliers beyond HUGE x (1 + the data's scale): an infimum's signature


def _check_attained(bl: Bilevel, K: KKTSystem, out: ExactResult, tol: float = 1e-6) -> None:
    """The pessimistic problem may have an infimum only, approached as the system's
    multipliers grow without bound (and where the solvers' tolerances can then stop them
    short of it). The status becomes "infimum" when the followers' worst choices,
    re-evaluated at x independently of the system, give another value (``F_at_x``), or
    when the answer's multipliers exceed HUGE x the data's scale (``audit["huge"]``)."""
    out.F_at_x = pessimistic_value(bl, out.x)
    scale = 1.0 + max(np.abs(M).max(initial=0.0) for M in (K.obj_c, K.A_eq, K.b_eq, K.A_in, K.b_in))
    out.audit["huge"] = bool((out.audit.get("max_multiplier") or 0.0) > HUGE * scale)
    if (out.F_at_x is None or abs(out.F_at_x - out.F) > tol * (1 + abs(out.F))
            or out.audit["huge"]):
        out.status = "infimum"


def _split(K: KKTSystem, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return v[:K.n_x].copy(), v[K.n_x:K.n_x + K.n_y].copy()


# ---- HiGHS, big-M ------------------------------------------------------------------------

def _slack_caps(K: KKTSystem, deadline: float | None = None) -> np.ndarray:
    """The largest value of each pair's slack over the primal region (LP per pair); past
    ``deadline`` (a time.perf_counter() value) the remaining caps are left unknown (inf)."""
    nxy = K.n_x + K.n_y
    A_eq = K.A_eq[:, :nxy][np.abs(K.A_eq[:, nxy:]).sum(axis=1) == 0]   # primal equalities only
    b_eq = K.b_eq[np.abs(K.A_eq[:, nxy:]).sum(axis=1) == 0]
    A = np.vstack([K.A_in[:, :nxy], A_eq])
    lo = np.concatenate([np.full(len(K.A_in), -np.inf), b_eq])
    hi = np.concatenate([K.b_in, b_eq])
    caps = np.empty(len(K.pairs))
    for p, (_, s, s0) in enumerate(K.pairs):
        lo_v, hi_v = K.lo[:nxy], K.hi[:nxy]
        nz = s[:nxy] != 0
        ends = np.where(s[:nxy][nz] > 0, hi_v[nz], lo_v[nz])      # interval arithmetic
        box = float(ends @ s[:nxy][nz]) if np.all(np.isfinite(ends)) else np.inf
        if deadline is not None and time.perf_counter() > deadline:
            caps[p] = box + s0
            continue
        st, _, obj = solve_highs(-s[:nxy], sp.csr_matrix(A), lo, hi, lo_v, hi_v)
        lp = -obj if st == Status.OPTIMAL else np.inf
        caps[p] = min(box, lp) + s0
    return np.maximum(caps, 0.0)


def bigm_pattern(K: KKTSystem, bl: Bilevel, time_limit: float, node_limit: int | None = None,
                 caps: np.ndarray | None = None) -> tuple[str, np.ndarray | None]:
    """One big-M MILP and its pattern solved exactly, within ``time_limit`` seconds in all
    (slack caps, then the MILP) and ``node_limit`` nodes of the MILP, without the audit:
    for callers that judge the answer themselves (the improvement step's neighbour step).
    ``caps``: the pairs' slack caps (:func:`_slack_caps`, which depend only on the primal
    region) where the caller has them: then no cap depends on the clock. (status, v or
    None)."""
    t_end = time.perf_counter() + time_limit
    caps = _slack_caps(K, deadline=t_end) if caps is None else caps
    scale = 1.0 + max(np.abs(K.obj_c).max(initial=0), np.abs(K.A_eq).max(initial=0),
                      np.abs(K.b_eq).max(initial=0), np.abs(K.A_in).max(initial=0),
                      np.abs(K.b_in).max(initial=0))
    m_slack = np.where(np.isfinite(caps), caps, 1e4 * scale)
    left = max(0.1, t_end - time.perf_counter())
    status, _, v = _bigm_exact(K, m_slack, 1e4 * scale, left, bl.x_integer, node_limit=node_limit)
    return status, v


def _bigm(K: KKTSystem, bl: Bilevel, time_limit: float, node_limit: int | None = None) -> ExactResult:
    """MILP -> its binary pattern -> that pattern solved exactly as an LP (no M at all);
    audit: the same with M_dual x 100 must give the same exact value, and no exact
    multiplier may exceed the M it was found with (else M grows, up to 3 times)."""
    caps = _slack_caps(K)
    finite = np.isfinite(caps)
    box = np.concatenate([K.lo[np.isfinite(K.lo)], K.hi[np.isfinite(K.hi)]])
    scale = 1.0 + max(np.abs(K.obj_c).max(initial=0), np.abs(K.A_eq).max(initial=0),
                      np.abs(K.b_eq).max(initial=0), np.abs(K.A_in).max(initial=0),
                      np.abs(K.b_in).max(initial=0), np.abs(box).max(initial=0))
    guess = 1e4 * scale                        # the M of slacks with no derivable cap
    m_dual = 1e4 * scale
    runs, ok = [], False
    for attempt in range(4):
        m_slack = np.where(finite, caps, guess)
        trace: list = []
        first = _bigm_exact(K, m_slack, m_dual, time_limit, bl.x_integer, trace, node_limit)
        check = _bigm_exact(K, np.where(finite, caps, AUDIT * guess), AUDIT * m_dual, time_limit,
                            bl.x_integer, node_limit=node_limit)
        off = lambda F: None if F is None else F + bl.offset                    # noqa: E731
        runs.append({"m_dual": m_dual, "m_slack_guess": guess, "F": off(first[1]), "F_audit": off(check[1]),
                     "audit_exact": check[0] == "optimal"})
        if _no_better(K, first, check):
            ok = True
            break
        if attempt < 3:
            m_dual, guess = AUDIT * m_dual, AUDIT * guess
    status, F, v = first
    ok_v = lambda v: v if abs(v) < 1e20 else None                           # noqa: E731
    rows = [(t, None if ok_v(i) is None else K.sign * i + bl.offset,
             None if ok_v(b) is None else K.sign * b + bl.offset) for t, i, b in trace]
    audit = {"m_slack_derived": int(finite.sum()), "m_slack_guessed": int((~finite).sum()),
             "m_dual": m_dual, "m_slack_guess": guess, "runs": runs, "validated": ok,
             "max_multiplier": None if v is None else _max_multiplier(K, v)}
    if status != "optimal":
        return ExactResult(status, None, None, None, None, "bigm", 0.0, audit, rows)
    x, y = _split(K, v)
    Fv = float(bl.value(x, y)[0])
    return ExactResult("optimal", Fv, x, y, Fv, "bigm", 0.0, audit, rows, v=v)


AUDIT = 10.0          # the audit's factor on every M


def _no_better(K: KKTSystem, first, check) -> bool:
    """The audit passes unless the larger Ms found an exact answer the first run missed:
    a feasible problem where the first found none, or a better exact value. (A larger-M
    pattern that is not exactly feasible is the MILP's rounding, tol x M: no evidence.)"""
    if check[0] != "optimal":
        return first[0] == "optimal" or check[0] == first[0] or check[0] == "failed"
    if first[0] != "optimal":
        return False
    better = check[1] < first[1] if K.sign > 0 else check[1] > first[1]
    return not (better and abs(check[1] - first[1]) > 1e-7 * (1 + abs(first[1])))


def _bigm_exact(K: KKTSystem, m_slack, m_dual, time_limit, x_integer, trace=None, node_limit=None):
    """(status, exact objective in the leader's sense, v) of the MILP's pattern (with the
    MILP's integer x held); ``trace`` receives the MILP's (seconds, incumbent, bound)."""
    status, _, v, z = _bigm_once(K, m_slack, m_dual, time_limit, x_integer, trace, node_limit)
    if status != "optimal":
        return status, None, None
    fixed = {int(i): float(np.round(v[i])) for i in np.flatnonzero(x_integer)}
    st: list = []
    exact = solve_pattern(K, z > 0.5, fixed, st)
    if exact is None:            # the pattern's own status (an unbounded pattern: unbounded)
        return STATUS_NAMES.get(st[0], "failed") if st[0] != Status.INFEASIBLE else "failed", None, None
    return "optimal", float(K.obj_c @ exact + 0.5 * exact @ K.obj_Q @ exact) * K.sign, exact


def _bigm_once(K: KKTSystem, m_slack, m_dual, time_limit, x_integer, trace=None, node_limit=None):
    n, P = K.n, len(K.pairs)
    rows: list = [K.A_eq, K.A_in]
    lo: list = [K.b_eq, np.full(len(K.A_in), -np.inf)]
    hi: list = [K.b_eq, K.b_in]
    for p, (c, s, s0) in enumerate(K.pairs):
        r = np.zeros(n + P)                     # |multiplier| <= M_dual z
        r[c] = 1.0 if K.lo[c] >= 0 else -1.0
        r[n + p] = -m_dual
        rows.append(r[None])
        lo.append([-np.inf])
        hi.append([0.0])
        r = np.zeros(n + P)                     # slack <= M_slack (1 - z)
        r[:n] = s
        r[n + p] = m_slack[p]
        rows.append(r[None])
        lo.append([-np.inf])
        hi.append([m_slack[p] - s0])
    A = np.vstack([np.hstack([R, np.zeros((len(R), P))]) if R.shape[1] == n else R for R in rows])
    cost = np.concatenate([K.obj_c, np.zeros(P)])
    col_lo = np.concatenate([K.lo, np.zeros(P)])
    col_hi = np.concatenate([K.hi, np.ones(P)])
    integer = np.concatenate([np.zeros(n, bool), np.ones(P, bool)])
    integer[:K.n_x] = x_integer
    options = {"mip_feasibility_tolerance": 1e-9, "time_limit": float(time_limit)}
    if node_limit is not None:
        options["mip_max_nodes"] = int(node_limit)
    t0 = time.perf_counter()
    st, v, obj = solve_highs(cost, sp.csr_matrix(A), np.concatenate(lo), np.concatenate(hi),
                             col_lo, col_hi, integer=integer, trace=trace, options=options)
    name = STATUS_NAMES.get(st, "failed")
    if name == "time_limit" and node_limit is not None and time.perf_counter() - t0 < 0.99 * time_limit:
        name = "node_limit"            # HiGHS states both limits alike; the clock tells which
    return name, obj * K.sign if st == Status.OPTIMAL else None, v[:n], v[n:]


# ---- SCIP, SOS1 --------------------------------------------------------------------------

def _sos1(K: KKTSystem, bl: Bilevel, time_limit: float, start=None,
          node_limit: int | None = None, heuristics: str = "default") -> ExactResult:
    try:
        import pyscipopt
    except ImportError as e:
        raise ImportError("method='sos1' needs pyscipopt: pip install 'stackga[exact]'") from e
    m = pyscipopt.Model()
    m.hideOutput()
    m.setParam("limits/time", float(time_limit))
    m.setParam("limits/gap", 1e-9)
    m.setParam("randomization/randomseedshift", 0)
    if node_limit is not None:
        m.setParam("limits/nodes", int(node_limit))
    if heuristics == "fast":
        m.setHeuristics(pyscipopt.SCIP_PARAMSETTING.FAST)
    elif heuristics != "default":
        raise InputError(f"heuristics: unknown setting {heuristics!r}; choose 'default' or 'fast'")
    nb = lambda b: None if not np.isfinite(b) else float(b)             # noqa: E731
    v = [m.addVar(name=K.names[i], lb=nb(K.lo[i]), ub=nb(K.hi[i]),
                  vtype="I" if i < K.n_x and bl.x_integer[i] else "C") for i in range(K.n)]

    def expr(row):
        return pyscipopt.quicksum(float(row[j]) * v[j] for j in np.flatnonzero(row))
    bilinear: dict[int, list] = {}
    for r, a, b, coef in K.bilinear:
        bilinear.setdefault(r, []).append(coef * v[a] * v[b])
    for i, (r, b) in enumerate(zip(K.A_eq, K.b_eq)):
        m.addCons(expr(r) + pyscipopt.quicksum(bilinear.get(i, [])) == float(b))
    for r, b in zip(K.A_in, K.b_in):
        m.addCons(expr(r) <= float(b))
    for p, (c, s, s0) in enumerate(K.pairs):
        t = m.addVar(name=f"slack{p}", lb=0.0)
        m.addCons(t == expr(s) + float(s0))
        m.addConsSOS1([v[c], t])
    lin = expr(K.obj_c)
    if np.any(K.obj_Q):
        z = m.addVar(name="F", lb=None)
        quad = pyscipopt.quicksum(0.5 * float(K.obj_Q[i, j]) * v[i] * v[j]
                                  for i, j in zip(*np.nonzero(K.obj_Q)))
        m.addCons(z >= lin + quad)
        m.setObjective(z, "minimize")
    else:
        m.setObjective(lin, "minimize")
    trace = _Trace(K.sign)
    m.includeEventhdlr(trace, "stackga_trace", "incumbent and bound over time")
    if start is not None:                       # x only: SCIP completes y and the multipliers
        part = m.createPartialSol()
        for i, val in enumerate(np.clip(np.asarray(start, float), K.lo[:K.n_x], K.hi[:K.n_x])):
            m.setSolVal(part, v[i], float(val))
        m.addSol(part)
    m.optimize()
    st = m.getStatus()
    status = {"optimal": "optimal", "gaplimit": "optimal", "infeasible": "infeasible",
              "unbounded": "unbounded", "inforunbd": "unbounded_or_infeasible",
              "timelimit": "time_limit", "nodelimit": "node_limit",
              "totalnodelimit": "time_limit", "stallnodelimit": "time_limit",
              "memlimit": "time_limit", "userinterrupt": "interrupted"}.get(st, "failed")
    if status == "interrupted":          # SCIP caught the Ctrl-C: the run is asked to stop
        from stackga import interrupt
        interrupt.request()
    limited = ("time_limit", "node_limit", "interrupted")
    bound = m.getDualbound() * K.sign + bl.offset if status in ("optimal", *limited) else None
    if m.getNSols():                     # the final incumbent and bound close the trace
        trace.rows.append((float(m.getSolvingTime()), K.sign * m.getPrimalbound(), K.sign * m.getDualbound()))
    trace.rows = [(t, None if i is None else i + bl.offset, None if b is None else b + bl.offset)
                  for t, i, b in trace.rows]
    if m.getNSols() == 0 or status not in ("optimal", *limited):
        return ExactResult(status, None, None, None, bound, "sos1", 0.0, trace=trace.rows)
    sol = m.getBestSol()
    vals = np.array([m.getSolVal(sol, var) for var in v])
    x, y = _split(K, vals)
    return ExactResult(status, float(bl.value(x, y)[0]), x, y, bound, "sos1", 0.0,
                       {"max_multiplier": _max_multiplier(K, vals)}, trace=trace.rows, v=vals)


def _max_multiplier(K: KKTSystem, v: np.ndarray) -> float:
    """The largest |multiplier| of the answer (huge ones: the problem may have only an
    infimum, approached as they grow)."""
    return float(np.abs(v[K.n_x + K.n_y:]).max(initial=0.0))


def _trace_class():
    import pyscipopt

    class Trace(pyscipopt.Eventhdlr):
        """Records (seconds, incumbent, bound) whenever SCIP finds a better solution or
        improves its bound."""

        def __init__(self, sign):
            self.sign, self.rows = sign, []

        def eventinit(self):
            self.model.catchEvent(pyscipopt.SCIP_EVENTTYPE.BESTSOLFOUND, self)
            self.model.catchEvent(pyscipopt.SCIP_EVENTTYPE.DUALBOUNDIMPROVED, self)

        def eventexit(self):
            self.model.dropEvent(pyscipopt.SCIP_EVENTTYPE.BESTSOLFOUND, self)
            self.model.dropEvent(pyscipopt.SCIP_EVENTTYPE.DUALBOUNDIMPROVED, self)

        def eventexec(self, event):
            m = self.model
            inc = m.getPrimalbound() if m.getNSols() else None
            bnd = m.getDualbound()
            ok = lambda v: v is not None and abs(v) < 1e20                 # noqa: E731
            self.rows.append((float(m.getSolvingTime()),
                              self.sign * inc if ok(inc) else None,
                              self.sign * bnd if ok(bnd) else None))
    return Trace


def _Trace(sign):
    return _trace_class()(sign)
