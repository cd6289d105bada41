"""Bi-level low-carbon dispatch with V2G at peak load (case ``v2g``).

Paper: ZHAO Jinjin, ZHONG Junjie, DAI Jie, HUANG Ziling, "Bi-level low-carbon
optimization operation method for electric vehicle grid integration considering peak
load", Journal of Electric Power Science and Technology 41(1), 2026, 108-117; seed 001
in ``shared/seeds``, restated in ``shared/MODELS.md``.

Leader, the system operator (eq. 1-6), given the EV agent's response P_c, P_d:
    min F1 = sum_t [ sum_g (a_g P_g^2 + b_g P_g + c_g) + V_ls P_ls + k_d P_d ] dt
    s.t. sum_g P_g + P_d - P_c + P_ls = P_L           (power balance, eq. 3)
         P_g_min <= P_g <= P_g_max;  -R_down <= P_g(t) - P_g(t-1) <= R_up  (eq. 4-5)
    The thermal dispatch (P_g, P_ls) is the leader's own recourse: a convex QP per
    individual, solved exactly (followers/recourse/unit_dispatch.py).
Follower, the EV agent (eq. 7-14), one aggregate V2G store:
    min f2 = sum_t [ k_c P_c + k_b (P_c + P_d) - k_d P_d ] dt
    s.t. E(t+1) = E(t) + (eta_c P_c - P_d / eta_d) dt - E_need(t);  SOC bounds;
         no power in the commuting hours; P_c <= cap_c(t), P_d <= cap_d(t) (eq. 13);
         P_c P_d = 0;  no discharge below 30 % SOC (sec. 3.1: a discharge threshold)
    solved exactly and batched (followers/storage_agent.py). Where the agent ties, the
    operator's best plan is taken (the optimistic selection: the paper solves the two
    levels as one GAMS model).

Scenarios (the leader's vector x, over the hours the store is connected):
    plan    the paper's mode: x(t) in [-P_d_max, P_c_max] is the hourly V2G plan sent
            to the agent: x > 0 allows charging up to x (cap_d = 0), x < 0 allows
            discharging up to -x (cap_c = 0); k_c, k_d, k_b fixed (100, 900, 63 $/MWh).
            A plan never opens both directions in one hour, so eq. 14 holds by
            construction (and is checked in every response).
    tariff  our generalisation: x = (k_c(t), k_d(t)) within [tariff_*_min, tariff_*_max];
            caps at the physical limits. Per hour, eta_c eta_d k_d(t) - k_c(t) <=
            k_b (1 + eta_c eta_d): discharging never pays for recharging in the same
            hour (a linear leader constraint; it makes eq. 14 hold at the agent's LP
            optimum without binaries). The operator collects the charging payments:
            F1 = eq. 1 with k_d(t) - sum_t k_c(t) P_c(t) dt (its net payments to owners).
    single  the paper's single-level model: the upper level alone, the store as the
            operator's own variables (one QP, references.py; no GA)
    charge-only  the same with discharging forbidden (managed charging; no GA)
    none    no V2G: the operator serves P_L alone; the store is not connected and its
            owners buy their travel energy elsewhere at k_c + k_b per MWh charged
    plan-exact  the exact optimum of plan mode (no GA): the plan equal to the single-level
            optimum's powers, answered by the agent itself. The single-level optimum is a
            lower bound for every plan (it drops the agent's optimality), and at this
            plan the agent's best response reproduces it when its charging total is forced
            (the caps sum to exactly what the travel energy, the discharge and the final
            energy need) and discharging up to the caps pays it (k_d high enough, as with
            the paper's prices). Then this plan attains the bound: an exact bi-level
            optimum. Every run checks it (report "bound_gap"); on other data the plan may
            fall short, and the report says so.
Units: MW, MWh, $/MWh, $; hourly steps. Hour index k is the paper's row (k + 1):00.

Readings (``READINGS``; the default is the paper's text where it is clear, ``PREVIOUS``
the readings used before they were options; cases/v2g/README.md says why):
    travel     "table3": the daily travel energy the paper's table 3 implies (a stated
               calibration), or "previous": 100 MWh per commute
    end_state  "none": no end condition (the paper states none), or "initial": E(T) >= 50 %
    soc_rule   "discharge": 30 % is the threshold below which the store does not
               discharge, or "every_state": the floor of every state
    baseline   the no-V2G row: "charging" (the EVs still charge for their travel, managed
               by the operator) or "disconnected" (owners buy their energy elsewhere)
"""
from __future__ import annotations

from functools import partial

import numpy as np
from stackga.followers import FixedPlan, StorageAgent, ThermalDispatch
from stackga.followers.certify.tie_values import RecourseLeader
from stackga.followers.response import Status

from stackga.data import fingerprint
from stackga.errors import InputError
from stackga.game import Game, LeaderOutcome, check_choices
from stackga.relaxation_step import RelaxationStep
from stackga.selection import ExactView

from . import data_io
from .references import central
from .report import report

SCENARIOS = ("plan", "tariff", "single", "charge-only", "none", "plan-exact")
#: the agent's answer where its plan ties (stackga.selection)
SELECTIONS = ("own", "optimistic", "pessimistic")
VARIANTS: dict[str, dict] = {"base": {}}
T = 24
#: reading -> (its choices, the default: the paper's text where it is clear)
READINGS: dict[str, tuple[tuple, str]] = {
    "travel": (("table3", "previous"), "table3"),
    "end_state": (("none", "initial"), "none"),
    "soc_rule": (("discharge", "every_state"), "discharge"),
    "baseline": (("charging", "disconnected"), "charging"),
    "selection": (SELECTIONS, "optimistic"),
}
#: the readings the case used before they became options (issue 24)
PREVIOUS = {"travel": "previous", "end_state": "initial", "soc_rule": "every_state",
            "baseline": "disconnected", "selection": "own"}


def make_dispatch(data: data_io.V2GData) -> ThermalDispatch:
    u, p = data.units, data.params
    return ThermalDispatch(a=u["a_usd_per_mw2h"], b=u["b_usd_per_mwh"], c=u["c_usd_per_h"],
                           p_min=u["p_min_mw"], p_max=u["p_max_mw"], ramp_up=u["ramp_up_mw_per_h"],
                           ramp_down=u["ramp_down_mw_per_h"], shed_cost=p["shed_cost"], T=T)


def make_agent(data: data_io.V2GData, travel: str = "table3", end_state: str = "none",
               soc_rule: str = "discharge") -> StorageAgent:
    """The EV agent under the readings ``travel``, ``end_state``, ``soc_rule``."""
    p, h = data.params, data.hourly
    cap = p["v2g_capacity_mwh"]
    need = h["need_mwh"] if travel == "table3" else np.where(h["need_mwh"] > 0, p["need_previous_mwh"], 0.0)
    floor = p["v2g_soc_min"] * cap
    e_min = floor if soc_rule == "every_state" else 0.0          # else the physical floor
    e_final = p["v2g_soc_final_min"] * cap if end_state == "initial" else e_min
    return StorageAgent(capacity=cap, e0=p["v2g_soc0"] * cap, e_min=e_min,
                        e_max=p["v2g_soc_max"] * cap, e_final=e_final,
                        p_ch_max=p["v2g_p_ch_max_mw"], p_dis_max=p["v2g_p_dis_max_mw"],
                        eta_c=p["v2g_eta_c"], eta_d=p["v2g_eta_d"], wear=p["k_b"],
                        need=need, available=h["available"] > 0,
                        discharge_floor=floor if soc_rule == "discharge" else None)


def build(scenario: str = "plan", variant: str = "base", data_dir=None,
          selection: str = "optimistic", travel: str = "table3", end_state: str = "none",
          soc_rule: str = "discharge", baseline: str = "charging") -> Game:
    """The v2g game for one scenario (``SCENARIOS``) under the readings (``READINGS``).
    ``selection`` (``SELECTIONS``): the agent's plan where it ties: "optimistic" (default:
    the one the operator values most, exactly: a convex QP over the agent's optimal plans
    with the operator's thermal dispatch, where the recursion's plan does not reach the
    bound), "own" (the move closest to idle) or "pessimistic" (by the operator's
    linearised valuation). ``travel``, ``end_state``, ``soc_rule``: the agent's data;
    ``baseline``: what the "none" scenario (no V2G) is."""
    readings = {"selection": selection, "travel": travel, "end_state": end_state,
                "soc_rule": soc_rule, "baseline": baseline}
    check_choices("v2g", scenario=(scenario, SCENARIOS), variant=(variant, VARIANTS),
                  **{k: (v, READINGS[k][0]) for k, v in readings.items()})
    data = data_io.load(data_dir)
    p, load = data.params, data.hourly["load_mw"]
    dispatch, agent = make_dispatch(data), make_agent(data, travel, end_state, soc_rule)
    hours = np.flatnonzero(agent.available)                # the leader's genes
    k_c, k_d, k_b = p["k_c"], p["k_d"], p["k_b"]
    tariff = scenario == "tariff"

    def plan_prices(X):
        n = len(X)
        caps = np.zeros((n, 2, T))
        caps[:, 0, hours] = np.maximum(X, 0.0)
        caps[:, 1, hours] = np.maximum(-X, 0.0)
        return np.concatenate([np.full((n, T), k_c), np.full((n, T), k_d),
                               caps[:, 0], caps[:, 1]], axis=1)

    def tariff_prices(X):
        n, h = len(X), len(hours)
        kc = np.full((n, T), p["tariff_c_max"])
        kd = np.full((n, T), p["tariff_d_min"])
        kc[:, hours], kd[:, hours] = X[:, :h], X[:, h:]
        caps = np.zeros((n, 2, T))
        caps[:, 0, hours], caps[:, 1, hours] = agent.p_ch_max, agent.p_dis_max
        return np.concatenate([kc, kd, caps[:, 0], caps[:, 1]], axis=1)

    def leader(X, prices, responses):
        r = responses["ev"].arrays
        net = load + r["p_ch"] - r["p_dis"]
        d = dispatch.solve(net)
        kc, kd = prices[:, :T], prices[:, T:2 * T]
        pay_d = (kd * r["p_dis"]).sum(axis=1) * agent.dt
        pay_c = (kc * r["p_ch"]).sum(axis=1) * agent.dt if tariff else np.zeros(len(X))
        f1 = d.cost + pay_d - pay_c
        short = np.where(d.status == Status.INFEASIBLE,
                         np.maximum(dispatch.p_min.sum() - net, 0.0).sum(axis=1), 0.0)
        failed = (d.status == Status.SOLVER_FAILED).astype(float)
        return LeaderOutcome(
            -f1, {"net load below the units' minimum output (MW)": short,
                  "thermal dispatch not solved": failed},
            {"thermal": d.p, "shed": d.shed, "net_load": net, "marginal": d.marginal,
             "emission": d.emission, "shed_cost": d.cost - d.emission,
             "pay_discharge": pay_d, "pay_charge": pay_c})

    def tie_views(ev, x):
        """The operator's value in the agent's plan, the rest held: minus its thermal
        dispatch QP of the net load, minus the discharge payments, plus the charge payments
        (tariff mode); for its values over the agent's ties (stackga.followers.certify.tie_values)."""
        P = to_prices(np.asarray(x, float)[None])[0]
        q = dispatch.qp_matrices
        return {"ev": RecourseLeader(q.hessian, q.cost, q.A, q.row_lo, q.row_hi, q.E, q.col_lo,
                                     q.col_hi, ev.arrays["net_load"][0],
                                     lin_ch=P[:T] * agent.dt if tariff else None,
                                     lin_dis=-P[T:2 * T] * agent.dt)}

    const = float(dispatch.c.sum()) * T * dispatch.dt      # the QP form leaves it out

    def recourse(z):
        """(R(z), dR/dz) of the thermal dispatch by its own exact solver (the QP form's
        convention: no constant): the selection's many evaluations at HiGHS's price."""
        d = dispatch.solve(np.asarray(z, float)[None])
        if d.status[0] == Status.INFEASIBLE:
            return np.inf, None
        if d.status[0] != Status.OPTIMAL:
            return None, None
        return float(d.cost[0]) - const, d.marginal[0] * dispatch.dt

    def agent_leaders(X, prices, responses):
        """The operator's view per row (as ``tie_views``), at the agent's answers."""
        r = responses["ev"].arrays
        q = dispatch.qp_matrices
        net = load + r["p_ch"] - r["p_dis"]
        return [RecourseLeader(q.hessian, q.cost, q.A, q.row_lo, q.row_hi, q.E, q.col_lo, q.col_hi,
                               net[i], lin_ch=prices[i, :T] * agent.dt if tariff else None,
                               lin_dis=-prices[i, T:2 * T] * agent.dt, evaluate=recourse)
                for i in range(len(net))]

    followers = {"ev": agent}
    single_level, A, b, bound = None, None, None, None
    to_prices = plan_prices
    lb, ub = np.full(len(hours), -agent.p_dis_max), np.full(len(hours), agent.p_ch_max)
    if tariff:
        to_prices = tariff_prices
        lb = np.concatenate([np.full(len(hours), p["tariff_c_min"]), np.full(len(hours), p["tariff_d_min"])])
        ub = np.concatenate([np.full(len(hours), p["tariff_c_max"]), np.full(len(hours), p["tariff_d_max"])])
        e = agent.eta_c * agent.eta_d
        A = np.hstack([-np.eye(len(hours)), e * np.eye(len(hours))])
        b = np.full(len(hours), k_b * (1 + e))
    elif scenario == "plan-exact":
        ref = central(data.units, load, agent, p["shed_cost"], k_d)
        if ref is None:
            raise InputError("v2g: the single-level model has no solution; no exact plan")
        x = (ref["p_ch"] - ref["p_dis"])[hours]
        single_level = lambda: x.copy()                                     # noqa: E731
        lb, ub = x, x
        bound = ref["objective"]                 # the single-level optimum: a lower bound
    elif scenario in ("single", "charge-only", "none"):
        if scenario == "none" and baseline == "disconnected":
            plan = {"p_ch": np.zeros(T), "p_dis": np.zeros(T), "energy": np.full(T + 1, agent.e0)}
            bought = (agent.need.sum() + max(agent.e_final - agent.e0, 0.0)) / agent.eta_c
            owners = lambda P, a: np.full(len(P), (k_c + k_b) * bought)    # noqa: E731
            status = Status.OPTIMAL
        else:
            plan = central(data.units, load, agent, p["shed_cost"], k_d,
                           discharge=scenario == "single")     # "none": managed charging
            status = Status.OPTIMAL if plan is not None else Status.INFEASIBLE
            if plan is None:
                plan = {"p_ch": np.zeros(T), "p_dis": np.zeros(T), "energy": np.zeros(T + 1)}
            owners = lambda P, a: agent.cost(P[:, :T], P[:, T:2 * T], a["p_ch"], a["p_dis"])  # noqa: E731
        x = (plan["p_ch"] - plan["p_dis"])[hours]
        followers = {"ev": FixedPlan({k: plan[k] for k in ("p_ch", "p_dis", "energy")}, owners, status)}
        single_level = lambda: x.copy()                                     # noqa: E731
        lb, ub = x, x
    game = Game(
        name="v2g", lb=lb, ub=ub, followers=followers, leader=leader, A=A, b=b,
        to_prices=to_prices, single_level=single_level,
        selection=selection,    # "optimistic" (default): the operator's best where the agent ties
        views={"ev": ExactView(agent_leaders)} if followers["ev"] is agent else None,
        meta={"case": "v2g", "scenario": scenario, "variant": variant, "hours": hours.tolist(),
              **readings,
              "data": fingerprint(data.folder, data_io.SCHEMAS), "load": load.tolist(),
              "units": {k: v.tolist() for k, v in data.units.items()},
              "k_c": k_c, "k_d": k_d, "k_b": k_b, "bound": bound,
              "report": partial(report, bound=bound, agent=followers["ev"] if followers["ev"] is agent
                                else None), "tie_views": tie_views},
    )
    if scenario == "plan":
        # the single-level optimum (the agent's optimality dropped) bounds every plan's
        # cost; the improvement step tries its plan with the agent's own answer
        ref = central(data.units, load, agent, p["shed_cost"], k_d)
        if ref is not None:
            x_ref = (ref["p_ch"] - ref["p_dis"])[hours]
            game.meta.update(bound=ref["objective"], report=partial(report, bound=ref["objective"],
                                                                    agent=agent))
            game.improve = RelaxationStep(game, lambda: x_ref.copy(), bound=-ref["objective"])
    return game
