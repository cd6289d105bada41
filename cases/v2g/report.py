"""The v2g case's figures (tables 2-4 of the paper), recomputed from a solution."""
from __future__ import annotations

import numpy as np

ACTIVE_MW = 1e-6


BOUND_REL = 1e-7      # a plan within this (relative) of the single-level bound attains it


def report(ev, x, bound: float | None = None, agent=None) -> dict:
    """Figures for individual 0 of an Evaluation ``ev`` at leader vector ``x``; with the
    single-level ``bound`` also the gap to it and whether the plan attains it; with the
    ``agent`` (a StorageAgent) its plan's largest energy-balance break (eq. 11, MWh) and
    how many exact-selection QPs it solved in this process and how many failed or were
    refused (an answer off the agent's rows)."""
    r = ev.responses["ev"].arrays
    ch, dis, e = r["p_ch"][0], r["p_dis"][0], r["energy"][0]
    a = ev.arrays
    net, thermal = a["net_load"][0], a["thermal"][0]
    emission, shed_cost = float(a["emission"][0]), float(a["shed_cost"][0])
    pay_d, pay_c = float(a["pay_discharge"][0]), float(a["pay_charge"][0])
    out: dict = {
        "total_cost": float(-ev.leader[0]),
        "carbon_cost": emission,
        "shed_cost": shed_cost,
        "shed_mwh": float(a["shed"][0].sum()),
        "v2g_payments": pay_d - pay_c,
        "owner_cost": float(ev.followers["ev"][0]),
        "charge_mwh": float(ch.sum()),
        "discharge_mwh": float(dis.sum()),
        "charge_hours": [int(t) for t in np.flatnonzero(ch > ACTIVE_MW)],
        "discharge_hours": [int(t) for t in np.flatnonzero(dis > ACTIVE_MW)],
        "complementarity_max": float((ch * dis).max()),
        "energy_min_mwh": float(e.min()),
        "energy_final_mwh": float(e[-1]),
        "thermal_mwh": float(thermal.sum()),
        "net_load_peak_mw": float(net.max()),
        "net_load_peak_valley_mw": float(net.max() - net.min()),
    }
    if agent is not None:
        bal = e[1:] - e[:-1] - (agent.eta_c * ch - dis / agent.eta_d) * agent.dt + agent.need
        out["energy_balance_max_mwh"] = float(np.abs(bal).max())
        out["selection_qps"] = int(agent.stats["exact_qps"])
        out["selection_qps_failed"] = int(agent.stats["exact_qps_failed"])
    if bound is not None:
        out["bound"] = float(bound)
        out["bound_gap"] = out["total_cost"] - float(bound)
        out["attains_bound"] = bool(out["bound_gap"] <= BOUND_REL * abs(bound))
    return out
