"""The island paper's qualitative claims, each computed from OUR results of one seed.

A claim is (text, holds, figures): ``figures`` are the numbers it compares, so that
over several seeds we can report in how many it holds and the median and range of
each number. Hours: hour t spans t:00 to t+1:00.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

VALLEY_HOURS = [2, 3, 4, 5, 6, 14, 15]                  # 02-07 and 14-16 (sec. 5)
PEAK_HOURS = [10, 11, 12, 19, 20, 21, 22, 23]           # 10-13 and 19-24
EV_NIGHT = [2, 3, 4, 5]                                 # 02:00-06:00 (sec. 5.1)
EV_EVENING = [18, 19, 20, 21]                           # 18:00-22:00


@dataclass
class Claim:
    text: str
    holds: bool
    figures: list[tuple[str, float]]       # (label, value) the verdict compares
    note: str = ""                         # how to read it (e.g. true by construction)


def battery_throughput(rep: dict) -> float:
    return rep["bt_charge_kwh"] + rep["bt_discharge_kwh"]


def battery_hours(rep: dict) -> int:
    return rep["bt_charge_hours"] + rep["bt_discharge_hours"]


def ev_shares(r) -> dict[str, float]:
    """Shares of the EV fleet's charging energy at night (02-06) and in the evening
    (18-22), baseline and scheduled."""
    a = r.arrays
    sched = a["so.ev_ch"]
    base = a["so.ev_p_virtual"] + a["so.ev_ch"] - a["so.ev_dis"]
    return {"night": sched[EV_NIGHT].sum() / sched.sum(),
            "night_base": base[EV_NIGHT].sum() / base.sum(),
            "evening": sched[EV_EVENING].sum() / sched.sum(),
            "evening_base": base[EV_EVENING].sum() / base.sum()}


def claims(scen: dict, var: dict) -> list[Claim]:
    """``scen``: scenario -> Result (1-4); ``var``: variant -> Result of scenario 4."""
    r = {sc: scen[sc].report for sc in scen}
    pv = scen[4].arrays["so.p_virtual"]
    out = []
    for who, key in (("MGO", "f_ier"), ("storage operator", "f_ser"), ("users", "f_user")):
        out.append(Claim(f"scenario 4 improves the {who} over scenario 3", r[4][key] > r[3][key],
                         [(f"{key} s3", r[3][key]), (f"{key} s4", r[4][key])]))
    out.append(Claim("virtual storage charges in the valleys (02-07, 14-16)",
                     bool(pv[VALLEY_HOURS].mean() < 0),
                     [("mean P_v there, kW (< 0 = charging)", pv[VALLEY_HOURS].mean())]))
    out.append(Claim("virtual storage discharges in the peaks (10-13, 19-24)",
                     bool(pv[PEAK_HOURS].mean() > 0),
                     [("mean P_v there, kW (> 0 = discharging)", pv[PEAK_HOURS].mean())]))
    before, after = r[4]["load_peak_valley_kw_before_vs"], r[4]["load_peak_valley_kw_after_vs"]
    a4 = scen[4].arrays
    net = a4["users.load"] - a4["leader.wind"]                 # the load net of wind
    out.append(Claim("virtual storage reduces the load's peak-valley difference", after < before,
                     [("before, kW", before), ("after, kW", after),
                      ("net of wind: before", float(np.ptp(net))),
                      ("after", float(np.ptp(net - a4["so.p_virtual"])))]))
    sh = ev_shares(scen[4])
    out.append(Claim("EV charging moves from 18-22 into 02-06",
                     sh["night"] > sh["night_base"] and sh["evening"] < sh["evening_base"],
                     [("share 02-06 baseline", sh["night_base"]), ("share 02-06 scheduled", sh["night"]),
                      ("share 18-22 baseline", sh["evening_base"]), ("share 18-22 scheduled", sh["evening"])]))
    bt = {sc: battery_throughput(r[sc]) for sc in r}
    hrs = {sc: battery_hours(r[sc]) for sc in r}
    out.append(Claim("battery throughput drops with virtual storage", bt[4] < bt[3],
                     [("kWh s3", bt[3]), ("kWh s4", bt[4])]))
    out.append(Claim("battery active hours drop with virtual storage", hrs[4] < hrs[3],
                     [("h s3", hrs[3]), ("h s4", hrs[4])]))
    out.append(Claim("scenario 1 gives the MGO more than scenario 2", r[1]["f_ier"] > r[2]["f_ier"],
                     [("f_ier s1", r[1]["f_ier"]), ("f_ier s2", r[2]["f_ier"])]))
    out.append(Claim("scenario 2 gives the users more than scenario 1", r[2]["f_user"] > r[1]["f_user"],
                     [("f_user s1", r[1]["f_user"]), ("f_user s2", r[2]["f_user"])]))
    idle = scen[2].meta.get("s2_battery") == "grid"
    note = "scenario 2's battery idles (tie-break 'grid'), so this follows from it" if idle else ""
    out.append(Claim("scenario 1 gives the storage operator more than scenario 2",
                     r[1]["f_ser"] > r[2]["f_ser"],
                     [("f_ser s1", r[1]["f_ser"]), ("f_ser s2", r[2]["f_ser"])], note))
    out.append(Claim("scenario 2 uses the battery least", bt[2] < min(bt[1], bt[3], bt[4]),
                     [("kWh s1", bt[1]), ("kWh s2", bt[2]), ("kWh s3", bt[3]), ("kWh s4", bt[4])], note))
    shifted = {v: var[v].report["virtual_energy_shifted_kwh"] for v in var}
    if all(v in shifted for v in ("wind-0.8", "wind-1.2", "load-0.8", "load-1.2")):
        out.append(Claim("weak wind needs more virtual storage than strong wind",
                         shifted["wind-0.8"] > shifted["wind-1.2"],
                         [("kWh shifted, wind x0.8", shifted["wind-0.8"]),
                          ("kWh shifted, wind x1.2", shifted["wind-1.2"])]))
        out.append(Claim("large load needs more virtual storage than small load",
                         shifted["load-1.2"] > shifted["load-0.8"],
                         [("kWh shifted, load x1.2", shifted["load-1.2"]),
                          ("kWh shifted, load x0.8", shifted["load-0.8"])]))
    return out


def _fmt(v: float) -> str:
    return f"{v:.3f}" if abs(v) < 1 else f"{v:.1f}"


def format_claims(per_seed: list[list[Claim]], seeds: list[int]) -> str:
    """Per claim: in how many seeds it holds, and median [min, max] of each figure."""
    n = len(per_seed)
    lines = [f"Qualitative claims of the paper, checked on our results over {n} seed(s) "
             f"({', '.join(map(str, seeds))}):"]
    for k, first in enumerate(per_seed[0]):
        rows = [c[k] for c in per_seed]
        held = sum(c.holds for c in rows)
        lines.append(f"  holds {held}/{n}  {first.text}" + (f"  [{first.note}]" if first.note else ""))
        parts = []
        for j, (label, _) in enumerate(first.figures):
            v = np.array([c.figures[j][1] for c in rows], float)
            parts.append(f"{label} {_fmt(np.median(v))}" +
                         (f" [{_fmt(v.min())}, {_fmt(v.max())}]" if n > 1 else ""))
        lines.append("             " + "; ".join(parts))
    return "\n".join(lines)
