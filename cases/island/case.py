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

from stackga.data import fingerprint
from stackga.game import Game, LeaderOutcome, check_choices

from . import data_io
from .central import plan_for_mgo
from .report import report

SCENARIOS = (1, 2, 3, 4)
#: sensitivity variants (sec. 5.3) and the battery-limit check: each scales or replaces data
VARIANTS = {"base": {}, "wind-0.8": {"wind": 0.8}, "wind-1.2": {"wind": 1.2},
            "load-0.8": {"load": 0.8}, "load-1.2": {"load": 1.2},
            "battery-2mw": {"bt_p_max_kw": 2000.0}}
#: scenario 2's battery plan is a tie for the users (it does not enter their benefit)
S2_BATTERY = ("grid", "operator")
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
          integer_battery: bool = True, s2_battery: str = "grid") -> Game:
    """The island game for one scenario (1-4) and variant (``VARIANTS``).

    ``s2_battery``: scenario 2's battery plan, a tie for the users: "grid" (default,
    the paper's reading: the island relies on the grid, the battery idles) or
    "operator" (the storage operator's own best response at the TOU price)."""
    check_choices("island", scenario=(scenario, SCENARIOS), variant=(variant, VARIANTS),
                  s2_battery=(s2_battery, S2_BATTERY))
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

    def tie_views(ev, x):
        """The MGO's profit in the power the storage operator's units draw, the rest held:
        -cost(z) of the raw grid exchange z = min(-buy z, -sell z, sell e_max) (concave
        while buy >= sell >= 0), import limit z <= imax; for the leader's values over a
        unit's ties (stackga.followers.certify.tie_values)."""
        if np.any(sell < 0) or np.any(buy < sell):
            return {}                                  # not concave: no values over ties
        z = ev.arrays["grid"][0] - ev.arrays["curtail"][0]
        zero = np.zeros(T)
        return {"so": ConcaveLeader(z, np.stack([-buy, -sell, zero], axis=1),
                                    np.stack([zero, zero, sell * emax], axis=1),
                                    z_hi=np.full(T, imax))}

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
    return Game(
        name="island", lb=lb, ub=ub, followers=followers, leader=leader,
        A=None if scenario in (1, 2) else np.ones((1, T)),
        b=None if scenario in (1, 2) else np.array([T * p["re_mean_max"]]),
        single_level=single_level,
        selection="own",    # the paper: the operator keeps its own plan among ties
        meta={"case": "island", "scenario": scenario, "variant": variant, "s2_battery": s2_battery,
              "integer_battery": integer_battery, "tou": tou.tolist(),
              "data": fingerprint(data.folder, data_io.SCHEMAS),
              "price_bounds": [p["re_min"], p["re_max"]], "users_a": p["users_a"],
              "users_b": p["users_b"], "grid_buy": buy.tolist(), "grid_sell": sell.tolist(),
              "base_load": base_load.tolist(), "report": report, "tie_views": tie_views},
    )
