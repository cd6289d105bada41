"""The retailer's pricing game of :func:`~stackga.bilevel.problems.pricing.retailer` written
with the ``Game`` API, as a user would bring it: the library's followers (an LP
:class:`~stackga.followers.Battery` per prosumer shape, :class:`~stackga.followers.FlexibleUsers`
with an hourly utility and a daily need for the customer, an :class:`~stackga.followers.EVHub`)
and a leader function. Same model and data as the matrix form, so that form's exact
reference (:func:`stackga.bilevel.solve_exact`) bounds this game's GA.

    F(x) = sum_k n_k (x - w)'(load_k - pv_k + ch_k - dis_k) + (x - w)'d + (x - w)'c
"""
from __future__ import annotations

import numpy as np

from stackga.followers import Battery, EVHub, FlexibleUsers
from stackga.game import Game, LeaderOutcome

from ..game import state_matrix_form
from .pricing import retailer, retailer_data

__all__ = ["retailer_game", "retailer_leader", "retailer_y_of"]


def retailer_game(n_prosumers: int = 20, shapes: int = 3, seed: int = 0,
                  selection: str = "optimistic", stated_views: bool = True,
                  matrix_form: bool = True,
                  price_lo: float = 0.2, price_hi: float = 1.5, mean_cap: float = 0.8) -> Game:
    """The retailer game (T = 24) with ``selection`` for every follower; with
    ``stated_views`` the leader's valuation of each follower's arrays is stated (x - w per
    kWh drawn, times the shape's count) instead of derived from the leader function; with
    ``matrix_form`` the game states its matrix form (:func:`~stackga.bilevel.problems.pricing.retailer`)
    for the exact improvement step (:func:`stackga.bilevel.state_matrix_form`)."""
    T = 24
    data = retailer_data(n_prosumers, shapes, seed, T)
    w, counts = data["wholesale"], data["counts"]
    followers: dict = {f"prosumer{k}": Battery(capacity=sh["E"], p_max=sh["E"] / 2, soc_min=0.0,
                                               soc_max=1.0, soc0=0.5, eta_c=0.95, eta_d=0.95,
                                               alpha=0.01, integer=False)
                       for k, sh in enumerate(data["shapes"])}
    followers["customer"] = FlexibleUsers(rigid=np.full(T, 10.0), flex_max=np.full(T, 70.0),
                                          a=data["a"], b=0.02, need=0.6 * T * 50.0)
    followers["ev_hub"] = EVHub(window=data["window"], p_max=60.0, need=400.0)
    leader = retailer_leader(data)

    def battery_view(n: float):
        return lambda X, p: {"ch": n * (X - w), "dis": -n * (X - w)}

    views = None
    if stated_views:
        views = {f"prosumer{k}": battery_view(n) for k, n in enumerate(counts)}
        views["ev_hub"] = lambda X, p: {"charge": X - w}
    game = Game(f"retailer_game_n{n_prosumers}_s{shapes}_seed{seed}", lb=np.full(T, price_lo),
                ub=np.full(T, price_hi), followers=followers, leader=leader,
                A=np.ones((1, T)), b=np.array([T * mean_cap]), selection=selection, views=views,
                meta={"family": "retailer (Game API)", "data": "synthetic "
                      "(stackga.bilevel.problems.pricing.retailer_data)"})
    if not matrix_form:
        return game
    bl = retailer(n_prosumers, shapes, seed, T, price_lo, price_hi, mean_cap)
    return state_matrix_form(game, bl, retailer_y_of(data))


def retailer_leader(data: dict):
    """The retailer's objective: (prices - wholesale) . what it delivers (the prosumers'
    net load and their batteries, the customer's load, the hub's charge), for the
    followers named ``prosumer<k>``, ``customer`` and ``ev_hub``."""
    w, counts = data["wholesale"], data["counts"]
    net = sum(n * (sh["load"] - sh["pv"]) for n, sh in zip(counts, data["shapes"]))

    def leader(X, prices, r):
        drawn = net + r["customer"].arrays["load"] + r["ev_hub"].arrays["charge"]
        for k, n in enumerate(counts):
            b = r[f"prosumer{k}"].arrays
            drawn = drawn + n * (b["ch"] - b["dis"])
        return LeaderOutcome(((X - w) * drawn).sum(axis=1), np.zeros(len(X)))
    return leader


def retailer_y_of(data: dict, T: int = 24):
    """The followers' answers in the matrix form's order: (ch, dis, E(1..T)) per shape,
    the customer's load, the hub's charge in its window's hours."""
    counts, window = data["counts"], data["window"]

    def y_of(r: dict) -> np.ndarray:
        parts = [np.hstack([r[f"prosumer{k}"].arrays[a][:, -T:] for a in ("ch", "dis", "soc")])
                 for k in range(len(counts))]
        return np.hstack(parts + [r["customer"].arrays["load"], r["ev_hub"].arrays["charge"][:, window]])
    return y_of
