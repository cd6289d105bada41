"""The v2g paper's claims (sec. 3.2-3.3, 4), computed for a bi-level run."""
from __future__ import annotations

import stackga

EPS = 1e-6                                   # MW: below this a power counts as zero


def claims(bi: stackga.Result, single: stackga.Result, none: stackga.Result) -> dict[str, bool]:
    """The paper's claims (sec. 3.2-3.3, 4), computed for one bi-level run."""
    b, s = bi.arrays, single.arrays
    rb, rs = bi.report, single.report
    night = slice(19, 24)                                   # rows 20:00-24:00
    return {
        "no shedding with V2G, shedding without": rb["shed_mwh"] < EPS and none.report["shed_mwh"] > EPS,
        "bi-level discharges more than single-level": rb["discharge_mwh"] > rs["discharge_mwh"] + EPS,
        "bi-level also discharges at 11:00 and 16:00-17:00": bool(
            all(b["ev.p_dis"][t] > EPS for t in (10, 15, 16))),
        "bi-level charges more at night (20:00-24:00)": bool(
            b["ev.p_ch"][night].sum() > s["ev.p_ch"][night].sum() + EPS),
        "owners' cost lower in bi-level": rb["owner_cost"] < rs["owner_cost"],
        "carbon cost lower in bi-level": rb["carbon_cost"] < rs["carbon_cost"],
        "charges in 01:00-06:00 and 22:00-24:00": bool(
            b["ev.p_ch"][0:6].sum() > EPS and b["ev.p_ch"][21:24].sum() > EPS),
        "discharges in the peak 12:00-15:00": bool(b["ev.p_dis"][11:15].sum() > EPS),
        "eq. 14 holds: P_c P_d = 0 in every hour": rb["complementarity_max"] <= EPS,
    }


def format_claims(results: dict, plan_runs: list) -> str:
    """The claims at the exact bi-level optimum and in each GA run of plan mode."""
    per = [claims(r, results["single"], results["none"]) for r in plan_runs]
    exact = claims(results["plan-exact"], results["single"], results["none"])
    where = ("at the exact bi-level optimum" if results["plan-exact"].report["attains_bound"]
             else "at the single-level plan answered by the agent (not proven optimal)")
    lines = [f"The paper's claims, computed for plan mode: {where} | in the GA's best, "
             f"k of {len(plan_runs)} seeds"]
    for name in per[0]:
        k = sum(c[name] for c in per)
        lines.append(f"  {'yes' if exact[name] else 'no':>3} | {k:>2}/{len(per)}  {name}")
    return "\n".join(lines)
