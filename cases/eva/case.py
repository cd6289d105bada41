"""EV aggregator and EV clusters (case ``eva``).

Paper: "A leader-follower game between an EV aggregator and EV clusters for aggregating
distributed storage", Electric Drive 53(3), 2023; seed 000 in ``shared/seeds``, restated
in ``shared/MODELS.md``.

Leader, the EV aggregator (EVA), sets buy and sell prices for the EV users, x = [h_b(t),
h_s(t)], t = 0..23 (48 genes, yuan/kWh), with (eq. 8-10)
    beta H_s(t) <= h_s(t) <= h_b(t) <= alpha H_b(t)        (bounds and 24 rows h_s - h_b <= 0)
    mean_t h_b(t) <= hb_mean_max;  mean_t h_s(t) >= hs_mean_min               (two rows)
and, for the clusters' plans P_i = c_i - d_i, runs its own dispatch (eq. 11-19)
    min f_EVA = sum_t [C_DE + C_BA + C_A2E + C_A2G] + p_EVA
    C_DE = c_oil (c1 P_DE^2 + c2 P_DE + c3) + m_DE P_DE;   C_BA = m_BA P_BA^2
    C_A2E = -sum_i [h_b c_i - h_s d_i]  (the EVs' payments);  C_A2G = H_b P_buy - H_s P_sell
    p_EVA = gamma1 sum_t (P_LD - P_PV - P_WT - P_ex - P_DE + P_BA + sum_i P_i)^2
    0.2 P_rated <= P_DE <= P_rated, |dP_DE| <= ramp; battery power, SOC, SOC(24) >= SOC(1)
    (eq. 18 as written: the state after the last hour at least the state after the first;
    reading ``end_state``); exchange limits
(stackga.followers.MicrogridDispatch, one exact QP per individual and round).
Followers, the EV clusters (eq. 1-6, 20-23): EVs grouped by arrival and departure rounded
to the hour (reading ``grouping``); cluster i minimises sum_t [h_b c_i - h_s d_i] + gamma2
sum_t (D_i + P_i)^2 with its SOC dynamics (eta_c, 1/eta_d), window T_in..T_out inclusive
(eq. 6 as written; reading ``window``), power hull and departure need
(stackga.followers.EVClusters, exact, batched over population x clusters).
Interaction (sec. 2.3, fig. 2; stackga.rounds): the EVA dispatches, the clusters answer
the imbalance it leaves, the EVA dispatches again, ..., gamma1 x5 and gamma2 x2 per round
from 0.005 and 0.001, until no decision moves by more than tol_power and no hour's
imbalance exceeds tol_imbalance; individuals still moving at max_rounds are NOT_SETTLED.
The first round starts with the EVA's dispatch without EVs (reading ``first``).
The leader's GA objective is -f_EVA at the settled rounds (penalty included, with the
last round's gamma1); the report shows the penalty separately.
Units: kW, kWh, yuan, hourly steps; hour t is [t:00, t+1:00).

Readings (``READINGS``): where the paper can be read two ways, ``build`` takes the choice
by name; the default is the paper's text where it is clear, ``PREVIOUS`` the readings the case
used before they were options (cases/eva/README.md says why for each).
"""
from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
from stackga.followers import EVClusters, MicrogridDispatch
from stackga.followers.recourse.ev_cars import EVCarClusters
from stackga.followers.recourse.ev_clusters import GROUPINGS, WINDOWS, cluster_hours
from stackga.followers.recourse.microgrid_dispatch import END_STATES

from stackga.data import fingerprint
from stackga.game import Game, LeaderOutcome, check_choices

from . import data_io
from .market import FIRSTS, VIEWS, Market
from .report import report

SCENARIOS = ("game",)
VARIANTS: dict[str, dict] = {"base": {}}
T = 24

CLUSTER_MODELS = ("aggregate", "per_car")
#: reading -> (its choices, the default: the paper's text where it is clear)
READINGS: dict[str, tuple[tuple, str]] = {
    "window": (WINDOWS, "inclusive"),        # eq. 6: the sum runs T_in..T_out
    "end_state": (END_STATES, "first_hour"),  # eq. 18: SOC(24) >= SOC(1)
    "grouping": (GROUPINGS, "grid"),         # eq. 1: times within +-0.5 h of the hour t
    "first": (FIRSTS, "dispatch"),           # not in the paper: the EVA dispatches first
    "view": (VIEWS, "system"),               # eq. 23 read for many clusters
    "cluster_model": (CLUSTER_MODELS, "aggregate"),   # eq. 3-6 on the cluster's totals
}
#: the readings stackga used before they became options (issue 24)
PREVIOUS = {"window": "exclusive", "end_state": "initial", "grouping": "grid",
            "first": "dispatch", "view": "system", "cluster_model": "aggregate"}


def make_clusters(data: data_io.EVAData, window: str = "inclusive", grouping: str = "grid"):
    """(EVClusters, labels (n_ev,)): eq. 1 on the EVs' times (``grouping``), each cluster
    connected in its ``window``, the members' data summed."""
    p, ev = data.params, data.evs
    labels, start, length = cluster_hours(ev["arrival_h"], ev["departure_h"], T, ev.get("ev"),
                                          str(Path(data.folder) / data_io.EVS.file),
                                          window=window, grouping=grouping)
    Q = p["ev_capacity_kwh"]
    size = np.bincount(labels)
    total = lambda v: np.bincount(labels, weights=v)               # noqa: E731
    cl = EVClusters(start=start, length=length, size=size, p_ch=size * p["ev_p_ch_kw"],
                    p_dis=size * p["ev_p_dis_kw"], e0=total(ev["soc_in"] * Q),
                    e_min=size * p["ev_soc_min"] * Q, e_max=size * p["ev_soc_max"] * Q,
                    e_need=total(data.soc_expected() * Q), eta_c=p["ev_eta_c"], eta_d=p["ev_eta_d"])
    return cl, labels


def per_car(data: data_io.EVAData, clusters, labels) -> EVCarClusters:
    """The clusters with every car's own limits (``cluster_model="per_car"``)."""
    p, ev = data.params, data.evs
    Q, one = p["ev_capacity_kwh"], np.ones(len(labels))
    return EVCarClusters(clusters, labels, ev["soc_in"] * Q, one * p["ev_soc_min"] * Q,
                         one * p["ev_soc_max"] * Q, data.soc_expected() * Q, one * p["ev_p_ch_kw"],
                         one * p["ev_p_dis_kw"], p["ev_eta_c"], p["ev_eta_d"])


def make_dispatch(data: data_io.EVAData, end_state: str = "first_hour") -> MicrogridDispatch:
    """The EVA's dispatch (eq. 11-19) with the battery's ``end_state``."""
    p, h = data.params, data.hourly
    fuel = p["fuel_yuan_per_l"]
    Qb = p["ba_capacity_kwh"]
    return MicrogridDispatch(
        a=fuel * p["de_c1"], b=fuel * p["de_c2"] + p["de_maint_yuan_per_kwh"], c0=fuel * p["de_c3"],
        p_min=p["de_min_frac"] * p["de_rated_kw"], p_max=p["de_rated_kw"], ramp=p["de_ramp_kw_per_h"],
        ba_p_max=p["ba_p_max_kw"], e_min=p["ba_soc_min"] * Qb, e_max=p["ba_soc_max"] * Qb,
        e0=p["ba_soc0"] * Qb, eta=p["ba_eta"], m=p["ba_m_yuan_per_kw2"],
        x_min=p["ex_min_kw"], x_max=p["ex_max_kw"], grid_buy=h["grid_buy"], grid_sell=h["grid_sell"],
        end_state=end_state)


def price_limits(data: data_io.EVAData):
    """(lb, ub, A, b) of x = [h_b, h_s] for eq. 8-10."""
    p, h = data.params, data.hourly
    low, high = p["beta"] * h["grid_sell"], p["alpha"] * h["grid_buy"]
    if np.any(low > high):
        t = int(np.argmax(low > high))
        raise data_io.DataError(f"{data.folder}: hour {t}: beta H_s = {low[t]:g} > alpha H_b = "
                                f"{high[t]:g}: no price satisfies eq. 8-9")
    lb, ub = np.concatenate([low, low]), np.concatenate([high, high])
    A = np.zeros((T + 2, 2 * T))
    A[np.arange(T), np.arange(T)] = -1.0                       # h_s(t) - h_b(t) <= 0
    A[np.arange(T), T + np.arange(T)] = 1.0
    A[T, :T] = 1.0                                             # sum h_b <= T hb_mean_max
    A[T + 1, T:] = -1.0                                        # -sum h_s <= -T hs_mean_min
    b = np.concatenate([np.zeros(T), [T * p["hb_mean_max"], -T * p["hs_mean_min"]]])
    return lb, ub, A, b


def build(scenario: str = "game", variant: str = "base", data_dir=None, view: str = "system",
          window: str = "inclusive", end_state: str = "first_hour", grouping: str = "grid",
          first: str = "dispatch", cluster_model: str = "aggregate") -> Game:
    """The eva game (``SCENARIOS``) under the given readings (``READINGS``): ``view`` the
    imbalance a cluster is told (Market), ``window`` a cluster's connected hours,
    ``end_state`` the battery's end condition, ``grouping`` how EVs form clusters,
    ``first`` who answers first in round 1, ``cluster_model`` the cluster's QP on its
    totals (the paper's) or with every car's own limits ("per_car": exact per car, about
    300x slower)."""
    readings = {"view": view, "window": window, "end_state": end_state, "grouping": grouping,
                "first": first, "cluster_model": cluster_model}
    check_choices("eva", scenario=(scenario, SCENARIOS), variant=(variant, VARIANTS),
                  **{k: (v, READINGS[k][0]) for k, v in readings.items()})
    data = data_io.load(data_dir)
    p, h = data.params, data.hourly
    clusters, labels = make_clusters(data, window, grouping)
    net = h["load_kw"] - h["pv_kw"] - h["wind_kw"]
    answering = per_car(data, clusters, labels) if cluster_model == "per_car" else clusters
    market = Market(answering, make_dispatch(data, end_state), net, p["gamma1"], p["gamma1_growth"],
                    p["gamma2"], p["gamma2_growth"], int(p["max_rounds"]), p["tol_power_kw"],
                    p["tol_imbalance_kw"], view, first)
    lb, ub, A, b = price_limits(data)

    def leader(X, prices, responses):
        r = responses["market"].arrays
        hb, hs = prices[:, :T], prices[:, T:]
        pay = (hb[:, None] * r["p_ch"] - hs[:, None] * r["p_dis"]).sum(axis=(1, 2))   # C_A2E = -pay
        running = r["de_diesel"] + r["de_battery"] + r["de_grid"]
        profit = pay - running
        return LeaderOutcome(profit - r["de_penalty"], np.zeros(len(X)),
                             {"profit": profit, "ev_payments": pay, "penalty": r["de_penalty"]})

    def tie_views(ev, x):
        """The EVA's view of the market's clusters at one answer, for its values over a
        cluster's ties (stackga.followers.certify.tie_values)."""
        row = {k: v[0] for k, v in ev.responses["market"].arrays.items()}
        return {"market": market.leader_view(np.asarray(x, float), row)}

    return Game(
        name="eva", lb=lb, ub=ub, followers={"market": market}, leader=leader, A=A, b=b,
        selection="own",    # the paper: each EV answers by its own rule (closest to idle)
        meta={"case": "eva", "scenario": scenario, "variant": variant, **readings,
              "data": fingerprint(data.folder, data_io.SCHEMAS),
              "clusters": {"start": clusters.start.tolist(), "length": clusters.length.tolist(),
                           "size": clusters.size.tolist()},
              "ev_cluster": labels.tolist(),
              "report": partial(report, data=data, clusters=clusters, labels=labels, net=net,
                                market=market, window=window),
              "tie_views": tie_views},
    )
