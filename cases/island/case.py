"""Island microgrid with joint virtual storage (case ``island``).

Paper: LI Dongdong, CHEN Tianxu, SHEN Yunwei, LIN Shunfu, "Collaborative
Optimization of Island Microgrid Based on Joint Virtual Energy Storage System
Strategy", Proceedings of the CSEE (received 2023-06-19); seed 002 in
``shared/seeds``, restated in ``shared/MODELS.md``.

Leader, microgrid operator (MGO): internal price R_e(t), t = 0..23 (yuan/kWh)
    max f_ier = sum_t [ R_e(t) * P_DL(t) - C_grid(t) ]                      (eq. 16)
    C_grid = max(P_grid, 0) * R_buy(t) + min(P_grid, 0) * R_sell(t)
    R_e_min <= R_e(t) <= R_e_max,  sum_t R_e(t) <= 24 * R_mean_max          (eq. 18)
    P_grid = P_DL - P_wt + P_bt_ch - P_bt_dis - P_v   (power balance, eq. 24)
    -P_gs_max <= P_grid <= P_gb_max (eq. 17): surplus wind beyond the export
    limit is curtailed; import beyond P_gb_max makes the individual infeasible.
    Accounting (eq. 16, kept as the paper writes it): the MGO's revenue is the
    users' purchase R_e * P_DL only.
Follower 1, users (eq. 22-23): closed form, followers/users.py.
Follower 2, storage operator (eq. 19-21): battery (MILP: min power, active-hour
    limit), plus in scenario 4 the virtual storage of AC buildings (ETP model)
    and the EV fleet; P_v = baseline - scheduled consumption of AC + EV.
    P_DL = P_d + P_s where P_d (the island's load before flexibility) includes
    the AC and EV baseline consumption.

Scenarios (table 2 of the paper):
    1  internal price = TOU; battery and flexible load planned centrally for the
       MGO's profit (one MILP, no GA); no virtual storage
    2  internal price = TOU; only the users' benefit counts: users take their
       own optimum; the battery does not enter the users' benefit, so its plan
       is a tie, broken as the paper's text reads (sec. 5.2: "relies more on the
       grid than on the battery"): the battery idles (``s2_battery="grid"``;
       "operator" gives its operator's best response instead); no GA
    3  Stackelberg game (GA over R_e), no virtual storage
    4  Stackelberg game with virtual storage
Variants (sec. 5.3, on any scenario): wind x0.8 / x1.2, load x0.8 / x1.2 (the
rigid and flexible load, the AC dwellings and the EV fleet all scale by the
factor); battery-2mw: the battery's power limit at its 2 MW rating instead of
the 500 kW inferred from table 3.
Units: kW, kWh, yuan/kWh, yuan; hourly steps.
"""
from __future__ import annotations

from functools import partial

import numpy as np
from stackga.followers import (
    Battery,
    EVFleet,
    FixedPlan,
    FlexibleUsers,
    Status,
    StorageOperator,
    ThermalBuildings,
)
from stackga.followers.certify.tie_values import ConcaveLeader

from stackga.bilevel import state_matrix_form
from stackga.data import fingerprint
from stackga.game import Game, LeaderOutcome, check_choices
from stackga.selection import ExactView

from . import data_io
from .central import plan_for_mgo
from .matrix_form import island_bilevel
from .report import report

SCENARIOS = (1, 2, 3, 4)
#: sensitivity variants (sec. 5.3) and the battery-limit check: each scales or replaces data
VARIANTS = {"base": {}, "wind-0.8": {"wind": 0.8}, "wind-1.2": {"wind": 1.2},
            "load-0.8": {"load": 0.8}, "load-1.2": {"load": 1.2},
            "battery-2mw": {"bt_p_max_kw": 2000.0}}
#: scenario 2's battery plan is a tie for the users (it does not enter their benefit)
S2_BATTERY = ("grid", "operator")
#: the storage operator's answer where its battery ties (stackga.selection)
SELECTIONS = ("own", "optimistic", "pessimistic")
T = 24


def make_battery(p: dict, integer: bool = True) -> Battery:
    return Battery(capacity=p["bt_capacity_kwh"], p_max=p["bt_p_max_kw"], soc_min=p["bt_soc_min"],
                   soc_max=p["bt_soc_max"], soc0=p["bt_soc0"], eta_c=p["bt_eta_c"],
                   eta_d=p["bt_eta_d"], alpha=p["bt_alpha"], p_min=p["bt_p_min_kw"],
                   max_active_hours=int(p["bt_max_active_hours"]), integer=integer)


def make_virtual(data: data_io.IslandData, scale: float = 1.0, departure: str = "baseline") -> dict:
    """The virtual storage of scenario 4: AC dwellings and the per-EV fleet, both scaled
    by ``scale`` (the load variants: load x k has k times the dwellings and vehicles)."""
    p, h, ev = data.params, data.hourly, data.ev
    n = p["ac_units"] * scale
    ac = ThermalBuildings(t_out=h["t_out_c"], r_th=p["ac_r_th"] / n, c_th=p["ac_c_th"] * n,
                          cop=p["ac_cop"], p_max=p["ac_p_max_kw"] * n, t_min=p["ac_t_min"],
                          t_max=p["ac_t_max"], t_set=p["ac_t_set"], subsidy=p["vs_subsidy"])
    need = p["ev_soc_min"] + ev["mileage_km"] * ev["kwh_per_100km"] / 100 / ev["battery_kwh"]
    fleet = EVFleet(arr=np.ceil(ev["arrival_h"]).astype(int) % T,
                    dep=np.floor(ev["departure_h"]).astype(int) % T,
                    battery=ev["battery_kwh"], soc_arr=ev["soc_arrival"],
                    soc_need=np.minimum(need, p["ev_soc_max"]), p_ev=p["ev_p_kw"],
                    eta_c=p["ev_eta_c"], eta_d=p["ev_eta_d"], soc_min=p["ev_soc_min"],
                    soc_max=p["ev_soc_max"], subsidy=p["vs_subsidy"], kappa=p["ev_loss_price"],
                    weight=np.full(len(ev["ev"]), scale), departure=departure)
    return {"ac": ac, "ev": fleet}


def build(scenario: int = 4, variant: str = "base", data_dir=None,
          integer_battery: bool = True, s2_battery: str = "grid", selection: str = "own") -> Game:
    """The island game for one scenario (1-4) and variant (``VARIANTS``).

    ``s2_battery``: scenario 2's battery plan, a tie for the users: "grid" (default,
    the paper's reading: the island relies on the grid, the battery idles) or
    "operator" (the storage operator's own best response at the TOU price).
    ``selection`` (``SELECTIONS``): the storage operator's answer where its battery ties:
    "own" (default, the paper: it keeps its own plan, closest to idle), "optimistic" (the
    one the MGO values most, exactly: an LP over the battery's optimal plans with the
    MGO's concave grid cost) or "pessimistic". Scenario 3 with the LP battery
    (``integer_battery=False``) also states its matrix form
    (:mod:`~stackga.cases.island.matrix_form`), so ``stackga.solve`` runs
    the exact improvement step from the GA's best (it lands on ties with "optimistic")."""
    check_choices("island", scenario=(scenario, SCENARIOS), variant=(variant, VARIANTS),
                  s2_battery=(s2_battery, S2_BATTERY), selection=(selection, SELECTIONS))
    data = data_io.load(data_dir)
    p, h = dict(data.params), data.hourly
    change = VARIANTS[variant]
    wind_k, load_k = change.get("wind", 1.0), change.get("load", 1.0)
    p.update({k: v for k, v in change.items() if k in p})
    wind = h["wind_kw"] * wind_k
    base_load = h["base_load_kw"] * load_k
    users = FlexibleUsers(rigid=base_load, flex_max=h["flex_max_kw"] * load_k,
                          a=p["users_a"], b=p["users_b"])
    battery = make_battery(p, integer_battery)
    virtual = make_virtual(data, scale=load_k) if scenario == 4 else {}
    so = StorageOperator(battery, virtual)
    buy, sell = h["grid_buy"], h["grid_sell"]
    imax, emax = p["grid_import_max_kw"], p["grid_export_max_kw"]
    tou = h["tou_price"]

    def leader(X, prices, responses):
        load = responses["users"].arrays["load"]
        s = responses["so"].arrays
        grid = load - wind + s["bt_ch"] - s["bt_dis"] - s["p_virtual"]
        curtail = np.maximum(-emax - grid, 0.0)
        grid = grid + curtail
        cost = np.maximum(grid, 0) * buy + np.minimum(grid, 0) * sell
        profit = (prices * load - cost).sum(axis=1)
        violation = np.maximum(grid - imax, 0.0).sum(axis=1)
        return LeaderOutcome(profit, {"grid import above grid_import_max_kw": violation},
                             {"grid": grid, "curtail": curtail,
                              "wind": np.broadcast_to(wind, grid.shape)})

    def grid_view(z):
        """The MGO's value in the raw grid exchange z (T,) kW, the rest held: -cost(z) =
        min(-buy z, -sell z, sell e_max) (concave while buy >= sell >= 0), z <= imax."""
        zero = np.zeros(T)
        return ConcaveLeader(z, np.stack([-buy, -sell, zero], axis=1),
                             np.stack([zero, zero, sell * emax], axis=1), z_hi=np.full(T, imax))

    concave = not (np.any(sell < 0) or np.any(buy < sell))

    def so_leaders(X, prices, responses):
        """One MGO view per row, at the raw grid exchange of its answers."""
        s = responses["so"].arrays
        z = responses["users"].arrays["load"] - wind + s["bt_ch"] - s["bt_dis"] - s["p_virtual"]
        return [grid_view(row) for row in z]

    def tie_views(ev, x):
        """The MGO's profit in the power the storage operator's units draw, the rest held:
        -cost(z) of the raw grid exchange z = min(-buy z, -sell z, sell e_max) (concave
        while buy >= sell >= 0), import limit z <= imax; for the leader's values over a
        unit's ties (stackga.followers.certify.tie_values)."""
        if not concave:
            return {}                                  # not concave: no values over ties
        return {"so": grid_view(ev.arrays["grid"][0] - ev.arrays["curtail"][0])}

    followers = {"users": users, "so": so}
    single_level = None
    if scenario in (1, 2):
        single_level = lambda: tou.copy()                      # noqa: E731
        lb, ub = tou, tou
    else:
        lb, ub = np.full(T, p["re_min"]), np.full(T, p["re_max"])
    if scenario == 2 and s2_battery == "grid":      # the battery idles: the grid balances
        zero = np.zeros(T)
        followers["so"] = FixedPlan({"bt_ch": zero, "bt_dis": zero, "p_virtual": zero,
                                     "bt_soc": np.full(T + 1, battery.soc0 * battery.capacity)},
                                    lambda P, a: battery.profit(P, a["bt_ch"], a["bt_dis"]))
    if scenario == 1:
        plan = plan_for_mgo(users, battery, wind, tou, buy, sell, imax, emax)
        status = Status.OPTIMAL if plan is not None else Status.INFEASIBLE
        if plan is None:            # the MGO has no feasible central plan (e.g. import limit 0)
            zero = np.zeros(T)
            plan = {"load": base_load, "ch": zero, "dis": zero, "soc": np.zeros(T + 1)}
        followers = {
            "users": FixedPlan({"load": plan["load"], "flex": plan["load"] - base_load},
                               lambda P, a: users.utility(a["load"], P), status),
            "so": FixedPlan({"bt_ch": plan["ch"], "bt_dis": plan["dis"], "bt_soc": plan["soc"],
                             "p_virtual": np.zeros(T)},
                            lambda P, a: battery.profit(P, a["bt_ch"], a["bt_dis"]), status),
        }
    game = Game(
        name="island", lb=lb, ub=ub, followers=followers, leader=leader,
        A=None if scenario in (1, 2) else np.ones((1, T)),
        b=None if scenario in (1, 2) else np.array([T * p["re_mean_max"]]),
        single_level=single_level,
        selection=selection,    # "own" (the paper): the operator keeps its own plan among ties
        views={"so": ExactView(so_leaders)} if concave and scenario in (3, 4) else None,
        meta={"case": "island", "scenario": scenario, "variant": variant, "s2_battery": s2_battery,
              "selection": selection,
              "integer_battery": integer_battery, "tou": tou.tolist(),
              "data": fingerprint(data.folder, data_io.SCHEMAS),
              "price_bounds": [p["re_min"], p["re_max"]], "users_a": p["users_a"],
              "users_b": p["users_b"], "grid_buy": buy.tolist(), "grid_sell": sell.tolist(),
              "base_load": base_load.tolist(), "report": report, "tie_views": tie_views},
    )
    if scenario == 3 and not integer_battery:
        bl = island_bilevel(users, battery, wind, buy, sell, imax, emax, p["re_min"], p["re_max"],
                            p["re_mean_max"])
        state_matrix_form(game, bl, _y_of, x_of=partial(_x_of, wind=wind, emax=emax))
    return game


def _y_of(r: dict) -> np.ndarray:
    """The matrix form's y (users' load, the battery's ch, dis, E(1..T)) from the answers."""
    s = r["so"].arrays
    return np.hstack([r["users"].arrays["load"], s["bt_ch"], s["bt_dis"], s["bt_soc"][:, 1:]])


def _x_of(X: np.ndarray, r: dict, wind: np.ndarray, emax: float) -> np.ndarray:
    """The matrix form's x (prices, grid import, export) at the answers: the MGO's best
    split of the exchange, wind beyond the export limit curtailed."""
    s = r["so"].arrays
    grid = np.maximum(r["users"].arrays["load"] - wind + s["bt_ch"] - s["bt_dis"], -emax)
    return np.hstack([X, np.maximum(grid, 0.0), np.maximum(-grid, 0.0)])
