"""The retailer's pricing game (:func:`~stackga.bilevel.problems.pricing.retailer`) with its
followers written as CVXPY problems (:class:`stackga.followers.CvxpyFollower`), the way a
user of CVXPY states their own: each prosumer shape's battery (an LP), the commercial
customer (a QP with a daily need) and the EV hub (an LP with a window and a need), the
retailer's prices as each problem's ``Parameter``. Same data and leader as the
``Game``-API version (:mod:`.retailer_game`), so the two are solved side by side in
``benchmarks/bench_pricing.py``; its matrix form is stated for the exact improvement
step. Needs the ``cvxpy`` extra.
"""
from __future__ import annotations

import numpy as np

from stackga.followers import CvxpyFollower
from stackga.game import Game

from ..game import state_matrix_form
from .pricing import retailer, retailer_data
from .retailer_game import retailer_leader, retailer_y_of

__all__ = ["retailer_cvxpy"]


def _battery(T: int, E: float):
    import cvxpy as cp
    price = cp.Parameter(T, name="price")
    ch, dis = cp.Variable(T, name="ch"), cp.Variable(T, name="dis")
    soc = cp.Variable(T + 1, name="soc")
    cons = [soc[0] == 0.5 * E, soc[1:] == soc[:-1] + 0.95 * ch - dis / 0.95, soc >= 0, soc <= E,
            soc[T] >= 0.5 * E, ch >= 0, ch <= E / 2, dis >= 0, dis <= E / 2]
    prob = cp.Problem(cp.Minimize(price @ (ch - dis) + 0.01 * cp.sum(ch + dis)), cons)
    return CvxpyFollower(prob, {price: lambda P: P}, {"ch": ch, "dis": dis, "soc": soc})


def _customer(T: int, a: np.ndarray):
    import cvxpy as cp
    price = cp.Parameter(T, name="price")
    load = cp.Variable(T, name="load")
    prob = cp.Problem(cp.Maximize(a @ load - 0.01 * cp.sum_squares(load) - price @ load),
                      [load >= 10, load <= 80, cp.sum(load) >= 0.6 * T * 50.0])
    return CvxpyFollower(prob, {price: lambda P: P}, {"load": load})


def _hub(T: int, window: np.ndarray):
    import cvxpy as cp
    price = cp.Parameter(T, name="price")
    charge = cp.Variable(T, name="charge")
    prob = cp.Problem(cp.Minimize(price @ charge),
                      [charge >= 0, charge <= 60.0 * window, cp.sum(charge) == 400.0])
    return CvxpyFollower(prob, {price: lambda P: P}, {"charge": charge})


def retailer_cvxpy(n_prosumers: int = 20, shapes: int = 3, seed: int = 0,
                   selection: str = "optimistic", matrix_form: bool = True,
                   price_lo: float = 0.2, price_hi: float = 1.5, mean_cap: float = 0.8) -> Game:
    """The retailer game (T = 24) with CVXPY followers and ``selection`` for every one."""
    T = 24
    data = retailer_data(n_prosumers, shapes, seed, T)
    followers: dict = {f"prosumer{k}": _battery(T, sh["E"]) for k, sh in enumerate(data["shapes"])}
    followers["customer"] = _customer(T, data["a"])
    followers["ev_hub"] = _hub(T, data["window"].astype(float))
    leader = retailer_leader(data)

    game = Game(f"retailer_cvxpy_n{n_prosumers}_s{shapes}_seed{seed}", lb=np.full(T, price_lo),
                ub=np.full(T, price_hi), followers=followers, leader=leader,
                A=np.ones((1, T)), b=np.array([T * mean_cap]), selection=selection,
                meta={"family": "retailer (CVXPY followers)", "data": "synthetic "
                      "(stackga.bilevel.problems.pricing.retailer_data)"})
    if not matrix_form:
        return game
    return state_matrix_form(game, retailer(n_prosumers, shapes, seed, T, price_lo, price_hi,
                                            mean_cap), retailer_y_of(data, T))
