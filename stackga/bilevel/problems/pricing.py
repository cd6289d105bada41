"""Pricing games as :class:`~stackga.bilevel.Bilevel` games: a benchmark family whose
optima sit on the followers' ties (our own games; the data are synthetic, generated here
from a seed, not taken from any paper).

**Retailer** (:func:`retailer`): a retailer sets T = 24 hourly prices x_t (yuan/kWh) in
[price_lo, price_hi] with a mean cap (sum_t x_t <= T mean_cap) and buys what its
customers draw at the wholesale price w_t. Its profit

    F(x, y) = sum_k n_k (x - w)'(load_k - pv_k + ch_k - dis_k) + (x - w)'d + (x - w)'c

is bilinear (price x quantity). Followers, each minimising its own cost at the prices:

* prosumer shape k (n_k identical prosumers, stated once: under optimistic selection
  identical followers choose alike), an LP battery with load and PV (net metering):
      min  sum_t x_t (ch_t - dis_t) + alpha (ch_t + dis_t)          (+ x'(load - pv): fixed)
      e_t = e_{t-1} + eta ch_t - dis_t / eta  (e_0 = e_init),  e_T >= e_init
      0 <= e_t <= E,  0 <= ch_t, dis_t <= P
* a flexible customer, a convex QP (quadratic utility, an energy need):
      min  sum_t (x_t - a_t) d_t + b/2 d_t^2,  d_lo <= d_t <= d_hi,  sum_t d_t >= D
* an EV hub, charge-only storage with a window and an energy need (an LP):
      min  sum_{t in window} x_t c_t,  0 <= c_t <= P_hub,  sum_t c_t = need

The hub ties at equal prices inside its window, the batteries at equal prices (up to
their losses) across hours: the retailer's best prices make them indifferent.

**Toll setting** (:func:`tolls`, Labbe, Marcotte and Savard 1998): a leader sets tolls
x_a >= 0 on some arcs of a network; each commodity (origin, destination, demand) is a
follower routing its demand at least cost (a min-cost flow LP, cost c_a + x_a on tolled
arcs); the leader collects sum_a x_a f_a. Tolls are capped at the largest toll-free path
cost of any commodity (a toll above it is never paid), so x has a box.

In both, the leader's price x quantity term is exactly what the followers pay
(Q_xy's block of follower k is n_k M_k), the structure the exact reference's strong-
duality form uses (:func:`stackga.bilevel.solve_exact`).
"""
from __future__ import annotations

import numpy as np

from stackga.errors import InputError

from ..model import Bilevel, Follower

__all__ = ["retailer", "retailer_data", "tolls"]


def _hours(T: int) -> np.ndarray:
    return np.arange(T, dtype=float)


def _storage_follower(T: int, E: float, P: float, eta: float, alpha: float, e_init: float,
                      name: str) -> Follower:
    """y = (ch, dis, e) (3T,): SOC rows e_t - e_{t-1} - eta ch_t + dis_t / eta = 0 (e_{-1} =
    e_init), e_T >= e_init; cost alpha (ch + dis), x enters through M (+ch, -dis)."""
    n = 3 * T
    B, b, sense = [], [], []
    for t in range(T):
        r = np.zeros(n)
        r[2 * T + t] = 1.0
        if t > 0:
            r[2 * T + t - 1] = -1.0
        r[t], r[T + t] = -eta, 1.0 / eta
        B.append(r)
        b.append(e_init if t == 0 else 0.0)
        sense.append("=")
    r = np.zeros(n)
    r[3 * T - 1] = 1.0
    B.append(r)
    b.append(e_init)
    sense.append(">=")
    d = np.concatenate([np.full(2 * T, alpha), np.zeros(T)])
    M = np.hstack([np.eye(T), -np.eye(T), np.zeros((T, T))])
    ub = np.concatenate([np.full(2 * T, P), np.full(T, E)])
    return Follower(d=d, B=np.array(B), b=np.array(b), sense=sense, M=M, lb=np.zeros(n), ub=ub,
                    name=name)


def retailer_data(n_prosumers: int = 20, shapes: int = 3, seed: int = 0, T: int = 24) -> dict:
    """The retailer game's synthetic data: ``wholesale`` (T,), ``counts`` (shapes,) and per
    shape ``load``, ``pv`` (T,) kW and ``E`` kWh; the customer's ``a`` (T,); the hub's
    ``window`` (T,) bool."""
    if T != 24:
        raise InputError(f"retailer: T must be 24 (hourly profiles), got {T}")
    if not 1 <= shapes <= n_prosumers:
        raise InputError(f"retailer: shapes must be in 1..n_prosumers, got {shapes}")
    rng = np.random.default_rng(seed)
    h = _hours(T)
    bump = lambda c, w: np.exp(-0.5 * ((h - c) / w) ** 2)                  # noqa: E731
    shape = []
    for _ in range(shapes):
        load = 0.4 + 0.3 * rng.random() + (1.0 + rng.random()) * bump(19.5, 2.0) \
            + 0.5 * bump(8.0, 1.0) + 0.05 * rng.random(T)
        pv = (2.0 + 2.0 * rng.random()) * np.clip(np.sin(np.pi * (h - 6.0) / 12.0), 0.0, None)
        shape.append({"load": load, "pv": pv, "E": float(rng.choice([5.0, 10.0, 13.5]))})
    return {"wholesale": 0.30 + 0.25 * bump(8.5, 1.5) + 0.40 * bump(19.0, 2.0),
            "counts": np.bincount(np.arange(n_prosumers) % shapes, minlength=shapes),
            "shapes": shape, "a": 1.6 + 0.2 * bump(12.0, 4.0),
            "window": np.array([t >= 18 or t < 7 for t in range(T)])}


def retailer(n_prosumers: int = 20, shapes: int = 3, seed: int = 0, T: int = 24,
             price_lo: float = 0.2, price_hi: float = 1.5, mean_cap: float = 0.8) -> Bilevel:
    """The retailer's pricing game above with ``n_prosumers`` prosumers in ``shapes``
    distinct shapes (synthetic profiles drawn from ``seed``)."""
    data = retailer_data(n_prosumers, shapes, seed, T)
    wholesale, counts = data["wholesale"], data["counts"]
    followers, Mblocks = [], []
    c_x, offset = np.zeros(T), 0.0
    for k, sh in enumerate(data["shapes"]):
        load, pv, E = sh["load"], sh["pv"], sh["E"]
        f = _storage_follower(T, E, E / 2.0, 0.95, 0.01, 0.5 * E, f"prosumer{k}")
        followers.append(f)
        Mblocks.append(counts[k] * f.M)
        c_x += counts[k] * (load - pv)
        offset -= counts[k] * float(wholesale @ (load - pv))
    a = data["a"]                              # the customer's marginal utility, yuan/kWh
    followers.append(Follower(d=-a, B=np.ones((1, T)), b=np.array([0.6 * T * 50.0]), sense=">=",
                              M=np.eye(T), Q=0.02 * np.eye(T), lb=np.full(T, 10.0),
                              ub=np.full(T, 80.0), name="customer"))
    Mblocks.append(followers[-1].M)
    window = list(np.flatnonzero(data["window"]))
    Mh = np.zeros((T, len(window)))
    Mh[window, np.arange(len(window))] = 1.0
    followers.append(Follower(d=np.zeros(len(window)), B=np.ones((1, len(window))), b=np.array([400.0]),
                              sense="=", M=Mh, lb=np.zeros(len(window)),
                              ub=np.full(len(window), 60.0), name="ev_hub"))
    Mblocks.append(Mh)
    Q_xy = np.hstack(Mblocks)
    c_y = -(wholesale @ Q_xy)
    return Bilevel("max", c_x=c_x, c_y=c_y, Q_xy=Q_xy, followers=followers,
                   x_lb=np.full(T, price_lo), x_ub=np.full(T, price_hi),
                   A_x=np.ones((1, T)), b_x=np.array([T * mean_cap]), offset=offset,
                   name=f"retailer_n{n_prosumers}_s{shapes}_seed{seed}",
                   meta={"family": "retailer", "wholesale": wholesale, "counts": counts,
                         "data": "synthetic (stackga.bilevel.problems.pricing)"})


def tolls(rows: int = 3, cols: int = 4, n_tolled: int = 8, commodities: int = 2,
          seed: int = 0) -> Bilevel:
    """A toll-setting game on a ``rows`` x ``cols`` grid (arcs both ways, costs drawn
    from ``seed``), ``n_tolled`` tolled arcs and ``commodities`` origin-destination pairs
    (demand 1 to 3 each); every commodity keeps a toll-free path."""
    rng = np.random.default_rng(seed)
    node = lambda r, c: r * cols + c                                        # noqa: E731
    arcs = []
    for r in range(rows):
        for c in range(cols):
            for dr, dc in ((0, 1), (1, 0)):
                if r + dr < rows and c + dc < cols:
                    arcs += [(node(r, c), node(r + dr, c + dc)), (node(r + dr, c + dc), node(r, c))]
    n_nodes, n_arcs = rows * cols, len(arcs)
    cost = rng.uniform(1.0, 10.0, n_arcs)
    pairs: list = []
    while len(pairs) < commodities:
        o, d = rng.choice(n_nodes, 2, replace=False)
        if (o, d) not in pairs:
            pairs.append((int(o), int(d)))
    demand = rng.integers(1, 4, commodities).astype(float)
    on_paths = sorted({a for o, d in pairs for a in _shortest(n_nodes, arcs, cost, o, d, path=True)})
    first = rng.permutation(on_paths)[:n_tolled].tolist()    # tolls where the traffic goes,
    rest = rng.permutation([a for a in range(n_arcs) if a not in first]).tolist()   # then others
    tolled = sorted(first + rest[:n_tolled - len(first)])
    free = np.ones(n_arcs, bool)
    free[tolled] = False
    for o, d in pairs:                          # keep a toll-free path: untoll arcs until one exists
        while _shortest(n_nodes, arcs, np.where(free, cost, np.inf), o, d) == np.inf:
            j = next(t for t in tolled if not free[t])
            free[j] = True
            tolled.remove(j)
    cap = max(_shortest(n_nodes, arcs, np.where(free, cost, np.inf), o, d) for o, d in pairs)
    N = np.zeros((n_nodes, n_arcs))                 # node-arc incidence: out +1, in -1
    for a, (i, j) in enumerate(arcs):
        N[i, a], N[j, a] = 1.0, -1.0
    Mk = np.zeros((len(tolled), n_arcs))
    Mk[np.arange(len(tolled)), tolled] = 1.0
    followers, Q_blocks = [], []
    for (o, d), q in zip(pairs, demand):
        rhs = np.zeros(n_nodes)
        rhs[o], rhs[d] = q, -q
        followers.append(Follower(d=cost, B=N[:-1], b=rhs[:-1], sense="=", M=Mk,
                                  lb=np.zeros(n_arcs), name=f"commodity{o}->{d}"))
        Q_blocks.append(Mk)
    return Bilevel("max", c_x=np.zeros(len(tolled)), Q_xy=np.hstack(Q_blocks),
                   followers=followers, x_lb=np.zeros(len(tolled)),
                   x_ub=np.full(len(tolled), cap),
                   name=f"tolls_{rows}x{cols}_t{n_tolled}_k{commodities}_seed{seed}",
                   meta={"family": "tolls", "arcs": arcs, "tolled": tolled,
                         "data": "synthetic (stackga.bilevel.problems.pricing)"})


def _shortest(n: int, arcs: list, cost: np.ndarray, o: int, d: int, path: bool = False):
    """Shortest path cost from o to d (Bellman-Ford; inf if none), or with ``path`` the
    arcs of one shortest path."""
    dist, pred = np.full(n, np.inf), np.full(n, -1)
    dist[o] = 0.0
    for _ in range(n):
        for a, ((i, j), c) in enumerate(zip(arcs, cost)):
            if dist[i] + c < dist[j]:
                dist[j], pred[j] = dist[i] + c, a
    if not path:
        return float(dist[d])
    out, v = [], d
    while v != o and pred[v] >= 0:
        out.append(int(pred[v]))
        v = arcs[pred[v]][0]
    return out
