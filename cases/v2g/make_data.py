"""Regenerate the data of the v2g case (run once; output is committed).

    python cases/v2g/make_data.py

Table 1 (the thermal units) and every scalar of sec. 3.1 are the paper's (seed 001,
Zhao et al., "Bi-level low-carbon optimization operation method for electric vehicle
grid integration considering peak load"). The daily load of fig. 2 and the travel
energy are RECONSTRUCTED (the paper shows the load only as a curve and gives no travel
energy). The load's SHAPE follows the text (cases/v2g/README.md); its SCALE is the one
number calibrated, openly, to the one figure the text gives for it: without V2G the
system sheds 91.05 MWh (table 2), computed here by our own exact dispatch. Nothing else
was fitted to the paper's results.
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent / "data"
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

T = 24
# Table 1: P_max, P_min, ramp up, ramp down (MW, MW/h), emission cost a, b, c.
UNITS = [(1, 200, 28, 40, 40, 1.2, -5.00, 3.00), (2, 290, 20, 50, 50, 2.3, -4.24, 6.09),
         (3, 190, 30, 30, 30, 1.1, -2.15, 5.69), (4, 260, 20, 50, 50, 1.1, -3.99, 6.20)]
# Load shape (fraction of the day's peak) for the paper's rows 01:00 .. 24:00. Text (sec.
# 3.1-3.3): valleys 01:00-06:00 and 22:00-24:00; the rise through the morning; the peak
# 12:00-15:00, the only hours above the 940 MW of thermal capacity; an evening shoulder
# around 20:00 (with V2G charging on top it becomes the day's maximum).
SHAPE = [0.62, 0.58, 0.56, 0.55, 0.56, 0.60, 0.68, 0.76, 0.84, 0.90, 0.94, 0.99,
         1.00, 0.99, 0.97, 0.92, 0.88, 0.86, 0.87, 0.90, 0.82, 0.72, 0.65, 0.60]
SHED_WITHOUT_V2G = 91.05            # MWh, table 2: the calibration target
# Travel energy: commuting in the paper's rows 08:00 and 18:00 (08-09 and 18-19), when
# the store is not connected. 100 MWh per commute = 10 % of the 1000 MWh store, i.e. a
# daily round trip of 20 % of a battery (about 12 kWh of a 60 kWh pack). Our assumption.
COMMUTE = (7, 17)                  # hour indices of rows 08:00 and 18:00
NEED_PER_COMMUTE = 100.0

PARAMS = [
    ("v2g_capacity_mwh", 1000, "MWh", "given", "largest dispatchable V2G capacity (sec. 3.1)"),
    ("v2g_soc0", 0.5, "-", "given", "initial energy half the capacity (sec. 3.1)"),
    ("v2g_soc_min", 0.3, "-", "given", "no discharge below 30 % SOC (sec. 3.1); held as the SOC floor"),
    ("v2g_soc_max", 1.0, "-", "reconstructed", "not stated; the full capacity"),
    ("v2g_soc_final_min", 0.5, "-", "reconstructed",
     "not stated; the day repeats: the store ends at least as full as it starts"),
    ("v2g_p_ch_max_mw", 400, "MW", "given", "40 % of the capacity per hour (sec. 3.1)"),
    ("v2g_p_dis_max_mw", 400, "MW", "given", "40 % of the capacity per hour (sec. 3.1)"),
    ("v2g_eta_c", 0.95, "-", "given", "sec. 3.1"),
    ("v2g_eta_d", 0.90, "-", "given", "sec. 3.1"),
    ("k_c", 100, "$/MWh", "given", "V2G charging price (sec. 3.1)"),
    ("k_d", 900, "$/MWh", "given", "V2G discharge payment (sec. 3.1)"),
    ("k_b", 63, "$/MWh", "given", "battery wear cost (sec. 3.1)"),
    ("shed_cost", 2000, "$/MWh", "given", "load-shedding cost V_ls (sec. 3.1)"),
    ("tariff_c_min", 0, "$/MWh", "reconstructed", "tariff mode (ours): charging price floor"),
    ("tariff_c_max", 100, "$/MWh", "reconstructed",
     "tariff mode (ours): no hour's charging price above the paper's flat k_c"),
    ("tariff_d_min", 0, "$/MWh", "reconstructed", "tariff mode (ours): discharge payment floor"),
    ("tariff_d_max", 900, "$/MWh", "reconstructed",
     "tariff mode (ours): the paper's flat discharge payment as the ceiling"),
]


def dispatch():
    from stackga.followers.recourse.unit_dispatch import ThermalDispatch
    u = np.array(UNITS, float)
    return ThermalDispatch(a=u[:, 5], b=u[:, 6], c=u[:, 7], p_min=u[:, 2], p_max=u[:, 1],
                           ramp_up=u[:, 3], ramp_down=u[:, 4], shed_cost=2000.0)


def calibrate() -> tuple[float, np.ndarray]:
    """Peak load (MW) such that the exact no-V2G dispatch sheds SHED_WITHOUT_V2G; the load."""
    d, shape = dispatch(), np.array(SHAPE)

    def shed(peak):
        return float(d.solve((peak * shape)[None]).shed.sum())
    lo, hi = 800.0, 1200.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if shed(mid) < SHED_WITHOUT_V2G else (lo, mid)
    peak = 0.5 * (lo + hi)
    return peak, np.round(peak * shape, 4)


def main() -> None:
    HERE.mkdir(exist_ok=True)
    with open(HERE / "units.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["unit", "p_max_mw", "p_min_mw", "ramp_up_mw_per_h", "ramp_down_mw_per_h",
                    "a_usd_per_mw2h", "b_usd_per_mwh", "c_usd_per_h"])
        w.writerows(UNITS)
    peak, load = calibrate()
    need = [NEED_PER_COMMUTE if t in COMMUTE else 0.0 for t in range(T)]
    avail = [0 if t in COMMUTE else 1 for t in range(T)]
    with open(HERE / "hourly.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["hour", "load_mw", "need_mwh", "available"])
        for t in range(T):
            w.writerow([t, f"{load[t]:.4f}", need[t], avail[t]])
    with open(HERE / "parameters.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "value", "unit", "source", "reason"])
        w.writerows(PARAMS)
    shed = dispatch().solve(load[None]).shed.sum()
    print(f"peak load {peak:.4f} MW; no-V2G shedding {shed:.4f} MWh (target {SHED_WITHOUT_V2G})")


if __name__ == "__main__":
    main()
