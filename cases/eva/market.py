"""The eva case's follower layer: the clusters and the EVA's dispatch in interaction rounds.

One object answers a population of price vectors (n, 48) = [h_b | h_s]: for every
individual it runs the paper's rounds (``stackga.rounds``): the EVA dispatches (diesel,
battery, grid) for the clusters' last plans with gamma1, the clusters answer the
imbalance that dispatch leaves with gamma2, both weights growing each round, until no
decision moves. How the rounds start is not in the paper (``FIRSTS``): "dispatch" (the
EVA first dispatches without EVs, and the clusters' first answer is to the imbalance it
leaves) or "clusters" (the clusters answer first, told the net load P_LD - P_PV - P_WT
with nothing dispatched; the EVA then dispatches their plans). A round is one answer of
the clusters and the EVA's dispatch after it. Its Response carries both sides' final decisions; the leader's objective
(case.py) reads them. An individual that does not settle within the cap is NOT_SETTLED.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from stackga.followers import EVClusters, MicrogridDispatch
from stackga.followers.certify.certificate import Certificate, combine
from stackga.followers.certify.tie_values import RecourseLeader
from stackga.followers.parallel.threads import map_rows, n_threads
from stackga.followers.recourse.ev_cars import EVCarClusters
from stackga.followers.response import Response, Status, check_prices

from stackga.errors import InputError
from stackga.rounds import Rounds, geometric

__all__ = ["Market"]

VIEWS = ("own", "system")
FIRSTS = ("dispatch", "clusters")
_MIN_ROWS = 8              # individuals per thread's block, at least


@dataclass
class Market:
    """Clusters + EVA dispatch in rounds.

    Attributes:
        clusters: the EV clusters (n_cl).
        dispatch: the EVA's dispatch model.
        net: (T,) P_LD - P_PV - P_WT (kW).
        gamma1, growth1, gamma2, growth2: the penalty weights of round 1 and their growth.
        max_rounds, tol_power, tol_imbalance: the cap and the tolerances (kW).
        view: the imbalance a cluster is told (eq. 23): "system" (default) = the imbalance
            of the EVA's last dispatch with the cluster's own last plan taken out, so the
            other clusters' last plans are in it; "own" = P_LD - P_PV - P_WT - P_ex - P_DE +
            P_BA alone (eq. 23 read literally: each cluster answers the whole imbalance as
            if it were alone; on the shipped data the clusters then over-correct together
            and the rounds do not settle).
        first: who answers first in round 1 (``FIRSTS``, module docstring).
        threads: threads the population is cut over (0 = every core): each thread runs
            the rounds of its contiguous block of individuals (an individual's rounds
            depend on nothing else, so the answer is the one-thread answer bit for bit),
            and one block's numpy bookkeeping overlaps the others' compiled solves; the
            clusters' and dispatch's kernels then run on their block's thread. With fewer
            than ``_MIN_ROWS`` individuals per thread the population is one block, and
            the kernels cut each batch over the clusters' and dispatch's own ``threads``.
            Identical dispatch rows are solved once per block.
    """

    clusters: EVClusters | EVCarClusters
    dispatch: MicrogridDispatch
    net: np.ndarray
    gamma1: float
    growth1: float
    gamma2: float
    growth2: float
    max_rounds: int
    tol_power: float
    tol_imbalance: float
    view: str = "system"
    first: str = "dispatch"
    threads: int = 0

    def __post_init__(self) -> None:
        n_threads(self.threads)                  # a negative count is refused here, by name
        if self.view not in VIEWS:
            raise InputError(f"Market.view: unknown view {self.view!r}; choose one of {VIEWS}")
        if self.first not in FIRSTS:
            raise InputError(f"Market.first: unknown first mover {self.first!r}; choose one of {FIRSTS}")
        self.T = len(self.net)
        self.g1 = geometric(self.gamma1, self.growth1)
        self.g2 = geometric(self.gamma2, self.growth2)

    def _dispatch(self, S: np.ndarray, k: int) -> dict:
        d = self.dispatch.solve(self.net + S, self.g1(k))
        return {name if name == "imbalance" else f"de_{name}": v for name, v in d.items()}

    def respond(self, prices: np.ndarray) -> Response:
        P = check_prices(prices, 2 * self.T, "eva market")
        if len(P) >= _MIN_ROWS * n_threads(self.threads):       # a block for every thread
            arrays = map_rows(lambda k: self._settle(P[k]), len(P), self.threads, _MIN_ROWS)
        else:                  # too few individuals: one block, the kernels cut over threads
            arrays = self._settle(P)
        status = arrays.pop("status")
        return Response(np.where(status == Status.OPTIMAL, arrays["cl_cost"].sum(axis=1), 0.0),
                        status, arrays)

    def _settle(self, P: np.ndarray) -> dict:
        """The rounds of a block of individuals P (n, 2T): the Response's arrays and
        ``status`` (n,)."""
        T, m = self.T, self.clusters.n
        hb, hs = P[:, :T], P[:, T:]
        n = len(P)

        # with the clusters first, round 1 is run in start: step k runs round k + 1
        done = int(self.first == "clusters")

        def start(rows):
            zero = np.zeros((len(rows), m, T))
            st = {"p_ch": zero, "p_dis": zero.copy(), "cl_told": zero.copy(),
                  "cl_status": np.zeros((len(rows), m), np.int8),
                  "cl_cost": np.zeros((len(rows), m)), "cl_penalty": np.zeros((len(rows), m))}
            if done:      # nothing dispatched: the imbalance is the net load alone
                first = step(rows, {**st, "imbalance": np.tile(self.net, (len(rows), 1))}, 0)
                return {k: np.array(v) for k, v in first.items()}      # writable copies
            return {**st, **self._dispatch(np.zeros((len(rows), T)), 1)}

        def step(rows, state, k):
            k += done
            # the imbalance the EVA's last dispatch leaves without the clusters (eq. 23)
            own = state["imbalance"] - (state["p_ch"] - state["p_dis"]).sum(axis=1)
            if self.view == "own":
                D = own
            else:
                net_cl = state["p_ch"] - state["p_dis"]
                D = own[:, None, :] + net_cl.sum(axis=1, keepdims=True) - net_cl
            cl = self.clusters.solve(hb[rows], hs[rows], D, self.g2(k))
            S = (cl["p_ch"] - cl["p_dis"]).sum(axis=1)
            told = np.broadcast_to(D[:, None] if D.ndim == 2 else D, (len(rows), m, T))
            return {"p_ch": cl["p_ch"], "p_dis": cl["p_dis"], "cl_told": told, "cl_status": cl["status"],
                    "cl_cost": cl["cost"], "cl_penalty": cl["penalty"], **self._dispatch(S, k)}

        def failed(state):
            return (np.any(state["cl_status"] != Status.OPTIMAL, axis=1)
                    | (state["de_status"] != Status.OPTIMAL))

        res = Rounds(start=start, step=step, decisions=("p_ch", "p_dis", "de_p_de", "de_ba_ch",
                                                        "de_ba_dis", "de_buy", "de_sell"),
                     residual=lambda s: np.abs(s["imbalance"]).max(axis=1),
                     max_rounds=self.max_rounds - done, tol_move=self.tol_power,
                     tol_residual=self.tol_imbalance, failed=failed, min_rounds=2 - done).run(n)
        s = res.state
        status = np.full(n, Status.OPTIMAL, np.int8)
        status[~res.settled] = Status.NOT_SETTLED
        cl_bad = np.any(s["cl_status"] != Status.OPTIMAL, axis=1)
        status[cl_bad] = np.max(s["cl_status"], axis=1)[cl_bad]
        status[s["de_status"] != Status.OPTIMAL] = Status.SOLVER_FAILED
        arrays = dict(s)
        arrays.update(rounds=(res.rounds + done).astype(float), move=res.move, residual=res.residual,
                      infeasibility=np.where(np.isfinite(res.move), res.move, 1e9), status=status)
        return arrays

    def certificate(self, prices: np.ndarray, arrays: dict, leader=None) -> Certificate:
        """Every part of one settled answer certified at its last round (prices (2T,), the
        Response's arrays of one individual): each cluster's QP at the imbalance it was told
        (``cl_told``) and gamma2, and the EVA's dispatch of the clusters' plans at gamma1
        (:func:`stackga.followers.certify.certificate.lp_certificate`, HiGHS from scratch). ``leader``: the
        EVA's view (:meth:`leader_view`), for its values over a cluster's ties."""
        T, k = self.T, int(arrays["rounds"])
        hb, hs = prices[:T], prices[T:]
        parts = {f"cluster{j}": self.clusters.certificate(j, hb, hs, arrays["cl_told"][j], self.g2(k),
                                                          arrays["p_ch"][j], arrays["p_dis"][j],
                                                          leader=leader)
                 for j in range(self.clusters.n)}
        S = (arrays["p_ch"] - arrays["p_dis"]).sum(axis=0)
        parts["dispatch"] = self.dispatch.certificate(
            self.net + S, self.g1(k), {n: arrays[f"de_{n}"] for n in ("p_de", "ba_ch", "ba_dis", "buy", "sell")})
        return combine(parts)

    def leader_view(self, prices: np.ndarray, arrays: dict) -> RecourseLeader:
        """The EVA's value in one cluster's plan, everything else held at one settled
        answer (prices (2T,), the Response's arrays of one individual): the clusters'
        payments h_b c - h_s d minus the optimal cost of its dispatch QP (penalty
        included) at the last round's gamma1, for the net load plus the clusters' net
        draw S (T,) (z, kW)."""
        T, k = self.T, int(arrays["rounds"])
        q = self.dispatch.qp_matrices(self.net, self.g1(k))
        S = (arrays["p_ch"] - arrays["p_dis"]).sum(axis=0)
        return RecourseLeader(q.hessian, q.cost, q.A, q.row_lo, q.row_hi,
                              self.dispatch.balance_map(),
                              q.col_lo, q.col_hi, S, lin_ch=prices[:T], lin_dis=-prices[T:])
