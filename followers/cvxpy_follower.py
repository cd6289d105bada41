"""A follower written as a CVXPY problem: an LP or a convex QP whose ``Parameter``\\ s the
leader sets (prices, caps, signals), batched and exact.

    min_y  1/2 y'P y + q(theta)'y + c0(theta)
    s.t.   A y = b(theta),   F y <= g(theta)          theta = the parameters' values

The problem is canonicalised once (CVXPY's QP form, ``get_problem_data(cvxpy.OSQP)``): at
theta = 0 and at each unit vector of the parameters, so q, b, g and the constant c0 are
affine maps of theta recovered exactly (DPP makes them affine), and checked at a random
theta. P, A and F may not depend on the parameters (a parameter multiplying a variable
in a constraint or a quadratic term is refused, naming it). Each individual's problem is
then one HiGHS solve of the stated matrices (:class:`stackga.bilevel.response.MatrixFollower`:
one model built once, re-solved per individual from the same basis, so an answer
depends on the individual alone), never a CVXPY call. Where the optimum is not unique
(an LP with degenerate duals) the game's selection chooses among the optima
(:meth:`ties`, :meth:`select`: an LP over the optimal set with the leader's valuation).

CVXPY is an optional dependency (``pip install "stackga[cvxpy]"``): it is imported here
only, when a follower is built.
"""
from __future__ import annotations

import numpy as np

from stackga.errors import InputError

from .stated_lp import StatedLP

__all__ = ["CvxpyFollower"]


class CvxpyFollower(StatedLP):
    """A CVXPY problem as a batched follower.

    Args:
        problem: a ``cvxpy.Problem`` (minimise or maximise), an LP or a convex QP, DPP in
            its parameters, continuous variables.
        params: ``{parameter: map}``, one for every parameter of the problem (the
            ``cvxpy.Parameter`` or its name): ``map(prices (n, m)) -> (n, size)`` its
            values for each individual (``size`` the parameter's size, column-major
            for a matrix parameter).
        outputs: ``{name: cvxpy.Variable}``, the arrays of the response (each (n, size));
            default: every named variable by its name.
        data: ``{parameter: values (K, size)}`` for K copies of the problem that differ
            only in these parameters' values (200 prosumers with their own load and PV,
            one problem stated once): solved as one batch; the response is their total
            objective, arrays (n, K, size) and ``objectives`` (n, K). Every parameter is
            in ``params`` (set by the leader) or in ``data``, not both.

    Where every leader-set parameter has a value when the follower is built (e.g. a typical
    price), the simplex starts each individual from the optimal basis there (else at 0):
    fewer pivots, the same answers.
    """

    def __init__(self, problem, params: dict, outputs: dict | None = None,
                 data: dict | None = None) -> None:
        try:
            import cvxpy as cp
        except ImportError as e:                      # pragma: no cover - the optional extra
            raise InputError('CvxpyFollower needs CVXPY: pip install "stackga[cvxpy]"') from e
        self.problem = problem
        self._check(problem, cp)
        self.data_params, copies = self._bind_data(problem, data)
        self.params = self._bind(problem, params, {p.id for p, _ in self.data_params})
        self.outputs = self._outputs(problem, outputs)
        self._canonicalise(problem, cp, copies)

    def identity_data(self, prices=None) -> dict:
        """The canonical matrices and the leader's maps' values at ``prices``
        (:meth:`StatedLP.identity_data`), and the shapes of the parameters they fill, in
        the problem's order (a parameter's default name holds a counter of the process)."""
        return {**super().identity_data(prices), "params": [p.shape for p, _ in self.params]}

    # ---- building
    @staticmethod
    def _check(problem, cp) -> None:
        if not isinstance(problem, cp.Problem):
            raise InputError(f"CvxpyFollower: problem must be a cvxpy.Problem, got {type(problem).__name__}")
        if not problem.is_dcp():
            raise InputError("CvxpyFollower: the problem is not DCP (not convex as written)")
        if not problem.is_qp():
            raise InputError("CvxpyFollower: the problem is not an LP or a convex QP (a quadratic "
                             "objective over affine constraints); cones, norms and exponentials "
                             "are not supported")
        if not problem.is_dpp():
            raise InputError("CvxpyFollower: the problem is not DPP in its parameters (a parameter "
                             "times a parameter, or a parameter inside a nonlinear atom): its "
                             "matrices would not be affine in the leader's values")
        bad = [v.name() for v in problem.variables() if v.attributes.get("boolean") or
               v.attributes.get("integer")]
        if bad:
            raise InputError(f"CvxpyFollower: integer variables {bad} are not supported (state a "
                             f"MILP follower with stackga.bilevel.Follower(integer=...))")

    @staticmethod
    def _bind_data(problem, data: dict | None):
        """[(parameter, values (K, size))] and the copies' data (K, q); ([], None) without."""
        if not data:
            return [], None
        by_name = {p.name(): p for p in problem.parameters()}
        out, K = [], None
        for key, values in dict(data).items():
            p = by_name.get(key) if isinstance(key, str) else key
            if p is None or all(p is not q for q in problem.parameters()):
                raise InputError(f"CvxpyFollower.data: {key if isinstance(key, str) else key.name()!r} "
                                 f"is not a parameter of the problem; its parameters are {sorted(by_name)}")
            v = np.asarray(values, float)
            v = v.reshape(len(v), -1, order="F") if v.ndim > 1 else v.reshape(-1, 1)
            if v.shape[1] != p.size:
                raise InputError(f"CvxpyFollower.data[{p.name()!r}]: shape {np.shape(values)}, "
                                 f"expected (K, {p.size}) (one row per copy)")
            if K is not None and len(v) != K:
                raise InputError(f"CvxpyFollower.data[{p.name()!r}]: {len(v)} copies, the other "
                                 f"parameters have {K}")
            if not np.all(np.isfinite(v)):
                raise InputError(f"CvxpyFollower.data[{p.name()!r}] has values that are not finite")
            K = len(v)
            out.append((p, v))
        return out, np.hstack([v for _, v in out])

    @staticmethod
    def _bind(problem, params: dict, data_ids: set | None = None) -> list:
        by_name = {p.name(): p for p in problem.parameters()}
        data_ids = data_ids or set()
        bound = {}
        for key, fn in dict(params).items():
            p = by_name.get(key) if isinstance(key, str) else key
            if p is None or all(p is not q for q in problem.parameters()):
                raise InputError(f"CvxpyFollower.params: {key if isinstance(key, str) else key.name()!r} "
                                 f"is not a parameter of the problem; its parameters are "
                                 f"{sorted(by_name)}")
            if not callable(fn):
                raise InputError(f"CvxpyFollower.params[{p.name()!r}] must be a function of the "
                                 f"leader's prices (n, m) -> (n, {p.size})")
            if p.id in data_ids:
                raise InputError(f"CvxpyFollower: parameter {p.name()!r} is in both params and data")
            bound[p.id] = (p, fn)
        missing = [p.name() for p in problem.parameters() if p.id not in bound and p.id not in data_ids]
        if missing:
            raise InputError(f"CvxpyFollower.params: no leader map for parameter(s) {missing}")
        return [bound[p.id] for p in problem.parameters() if p.id in bound]

    @staticmethod
    def _outputs(problem, outputs: dict | None) -> dict:
        if outputs is None:
            return {v.name(): v for v in problem.variables()}
        ids = {v.id for v in problem.variables()}
        for name, v in outputs.items():
            if getattr(v, "id", None) not in ids:
                raise InputError(f"CvxpyFollower.outputs[{name!r}] is not a variable of the problem")
        return dict(outputs)

    def _data(self, theta: np.ndarray, cp):
        """CVXPY's QP data at the flat parameter vector theta."""
        j = 0
        for p, _ in self.params + self.data_params:
            p.value = theta[j:j + p.size].reshape(p.shape, order="F") if p.shape else theta[j]
            j += p.size
        data, _, _ = self.problem.get_problem_data(cp.OSQP)
        const = float(data["param_prob"].apply_parameters()[1])
        return data, const

    def _canonicalise(self, problem, cp, copies: np.ndarray | None = None) -> None:
        every = self.params + self.data_params
        p_total = sum(p.size for p, _ in every)
        self.n_theta = sum(p.size for p, _ in self.params)
        saved = [p.value for p, _ in every]
        try:
            d0, c0 = self._data(np.zeros(p_total), cp)
            P, A, F = (d0[k].toarray() for k in ("P", "A", "F"))
            base = np.r_[d0["q"], d0["b"], d0["G"], c0]
            J = np.zeros((len(base), p_total))
            names = [p.name() for p, _ in every for _ in range(p.size)]
            for i in range(p_total):
                e = np.zeros(p_total)
                e[i] = 1.0
                di, ci = self._data(e, cp)
                for key, M in (("P", P), ("A", A), ("F", F)):
                    if di[key].shape != M.shape or np.abs(di[key].toarray() - M).max(initial=0.0) > 0:
                        raise InputError(f"CvxpyFollower: parameter {names[i]!r} enters the "
                                         f"{'quadratic term' if key == 'P' else 'constraint matrix'}; "
                                         f"only costs and right-hand sides may depend on the leader")
                J[:, i] = np.r_[di["q"], di["b"], di["G"], ci] - base
            theta = np.random.default_rng(0).normal(size=p_total)      # affine: checked
            dr, cr = self._data(theta, cp)
            if not np.allclose(np.r_[dr["q"], dr["b"], dr["G"], cr], base + J @ theta,
                               rtol=1e-9, atol=1e-9):
                raise InputError("CvxpyFollower: the problem's data are not affine in its "
                                 "parameters")
        finally:
            for (p, _), v in zip(every, saved):
                p.value = v
        n, neq = P.shape[0], A.shape[0]
        cols = d0["param_prob"].var_id_to_col
        StatedLP.__init__(
            self, d=d0["q"], M=J[:n].T, Q=P, B=np.vstack([A, F]), b=np.r_[d0["b"], d0["G"]],
            A=-J[n:n + neq + F.shape[0]], sense=["="] * neq + ["<="] * F.shape[0],
            lb=np.full(n, -np.inf), ub=np.full(n, np.inf), theta_of=self.theta,
            outputs={name: (cols[v.id], v.size) for name, v in self.outputs.items()},
            const=(c0, J[-1]), sign=-1.0 if isinstance(problem.objective, cp.Maximize) else 1.0,
            name="cvxpy", copies=copies, reference=self._reference())

    def _reference(self) -> np.ndarray | None:
        """The leader's parameters' values as the user left them (all set and finite): the
        point whose optimal basis starts the simplex for every individual (a typical
        price there saves pivots); None (0) otherwise. Answers do not depend on it."""
        vals = [p.value for p, _ in self.params]
        if not vals or any(v is None for v in vals):
            return None
        ref = np.concatenate([np.asarray(v, float).reshape(-1, order="F") for v in vals])
        return ref if np.all(np.isfinite(ref)) else None

    def theta(self, prices: np.ndarray) -> np.ndarray:
        """(n, n_theta): the parameters' values for each row of the leader's prices."""
        P = np.atleast_2d(np.asarray(prices, float))
        if not np.all(np.isfinite(P)):
            bad = np.argwhere(~np.isfinite(P))[0]
            raise InputError(f"CvxpyFollower: prices[{bad[0]}, {bad[1]}] = {P[tuple(bad)]} is not finite")
        parts = []
        for p, fn in self.params:
            v = np.asarray(fn(P), float)
            if v.ndim == 1 and p.size == 1:
                v = v[:, None]
            if v.shape != (len(P), p.size):
                raise InputError(f"CvxpyFollower.params[{p.name()!r}] returned shape {v.shape}, "
                                 f"expected ({len(P)}, {p.size})")
            if not np.all(np.isfinite(v)):
                raise InputError(f"CvxpyFollower.params[{p.name()!r}] has values that are not finite")
            parts.append(v)
        return np.hstack(parts) if parts else np.zeros((len(P), 0))
