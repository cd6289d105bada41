"""Regenerate the data of the eva case (run once; output is committed).

    python cases/eva/make_data.py

Every scalar of sec. 3.1 is the paper's (seed 000, "a leader-follower game between an
EV aggregator and EV clusters", Electric Drive 53(3), 2023). The load, PV and wind of
fig. 3, the 64 EVs' times, arrival SOCs and mileages, the TOU hours, the exchange limits
and the battery's initial state are RECONSTRUCTED (the paper gives them only as curves
or not at all): each profile follows every statement of sec. 3.1 (cases/eva/README.md),
and the EVs are sampled ONCE with a fixed seed from the two classes the text describes.
Nothing was fitted to the paper's results (34 clusters, 9 rounds, 921.43 / 934.29 /
819.79 yuan).
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent / "data"
T = 24
SEED = 20230301          # the EVs are drawn once with this seed (the issue date of the paper)

# Hour k is [k:00, k+1:00). Sec. 3.1: the load peaks in 13:00-16:00 and 17:00-21:00;
# PV produces by day and stays below the load in every hour; wind produces mostly at
# night and exceeds the load there. kW.
LOAD = [105, 100, 97, 96, 99, 108, 126, 150, 172, 188, 198, 206,
        218, 242, 250, 244, 222, 258, 274, 280, 266, 228, 170, 128]
PV = [0, 0, 0, 0, 0, 0, 6, 24, 52, 86, 116, 136,
      146, 142, 124, 94, 60, 26, 6, 0, 0, 0, 0, 0]
WIND = [212, 218, 222, 220, 214, 196, 160, 112, 74, 58, 50, 46,
        44, 46, 52, 60, 72, 88, 104, 120, 146, 176, 198, 208]
# TOU of the upper grid's buy price (sec. 3.1 gives the three levels, not the hours):
# valley 23:00-07:00, peak 10:00-15:00 and 18:00-21:00, flat otherwise (a common Chinese
# TOU pattern, chosen so that the load's two peaks are peak-priced).
PEAK, FLAT, VALLEY = 1.20, 0.85, 0.61
TOU = [VALLEY] * 7 + [FLAT] * 3 + [PEAK] * 5 + [FLAT] * 3 + [PEAK] * 3 + [FLAT] * 2 + [VALLEY]
SELL = 0.36

# The two classes of sec. 3.1 (32 EVs each; the split is not given). Times in hours of
# the day (departures of class 2 are the next morning); mileage is the next trip (km).
CLASSES: dict[int, dict] = {
    1: dict(n=32, arrive=(8.0, 1.0, 6.0, 10.5), depart=(17.5, 1.0, 15.5, 20.0),
            soc=(0.70, 0.92), km=(20.0, 6.0, 5.0, 40.0)),     # commercial car park
    2: dict(n=32, arrive=(19.0, 1.0, 16.5, 22.0), depart=(7.0, 1.0, 5.0, 9.5),
            soc=(0.25, 0.45), km=(45.0, 10.0, 20.0, 75.0)),   # residential car park
}

PARAMS = [
    ("ev_capacity_kwh", 55, "kWh", "given", "rated capacity Q_n (sec. 3.1)"),
    ("ev_soc_min", 0.2, "-", "given", "sec. 3.1"),
    ("ev_soc_max", 1.0, "-", "given", "sec. 3.1"),
    ("ev_p_ch_kw", 8, "kW", "given", "rated power (sec. 3.1): charging"),
    ("ev_p_dis_kw", 8, "kW", "given", "rated power (sec. 3.1): discharging"),
    ("ev_kwh_per_100km", 24, "kWh/100km", "given", "Q_100 (sec. 3.1)"),
    ("ev_eta_c", 0.92, "-", "given", "charge/discharge efficiency 92 % (sec. 3.1)"),
    ("ev_eta_d", 0.92, "-", "given", "charge/discharge efficiency 92 % (sec. 3.1)"),
    ("ev_reserve_km", 90, "km", "given", "reserve trip L_res (sec. 3.1)"),
    ("de_rated_kw", 30, "kW", "given", "diesel rated power (sec. 3.1)"),
    ("de_min_frac", 0.2, "-", "given", "eq. 17: 0.2 P_rated <= P_DE"),
    ("de_ramp_kw_per_h", 10, "kW/h", "given", "diesel ramp limit (sec. 3.1)"),
    ("de_c1", 0.002, "L/kW^2h", "given", "fuel use c1 P^2 + c2 P + c3 (sec. 3.1)"),
    ("de_c2", 0.025, "L/kWh", "given", "sec. 3.1"),
    ("de_c3", 0.5, "L/h", "given", "sec. 3.1"),
    ("de_maint_yuan_per_kwh", 0.0645, "yuan/kWh", "given", "m_DE: 0.0645 yuan/kW (sec. 3.1) per hour"),
    ("fuel_yuan_per_l", 5.3, "yuan/L", "given", "c_oil (sec. 3.1)"),
    ("ba_capacity_kwh", 80, "kWh", "given", "sec. 3.1"),
    ("ba_p_max_kw", 20, "kW", "given", "sec. 3.1"),
    ("ba_soc_min", 0.2, "-", "given", "sec. 3.1"),
    ("ba_soc_max", 1.0, "-", "given", "sec. 3.1"),
    ("ba_soc0", 0.5, "-", "reconstructed", "not stated; half full at the start of the day"),
    ("ba_eta", 0.9, "-", "given", "charge/discharge efficiency 90 % (sec. 3.1)"),
    ("ba_m_yuan_per_kw2", 0.0002, "yuan/kW^2h", "given", "m_BA (sec. 3.1)"),
    ("ex_min_kw", -200, "kW", "reconstructed",
     "not stated; the PCC can export the largest surplus of wind (125 kW at hour 2) with room"),
    ("ex_max_kw", 200, "kW", "reconstructed",
     "not stated; grid and diesel serve the largest deficit (164 kW at hour 19) without EVs"),
    ("alpha", 0.965, "-", "reconstructed", "eq. 9: alpha(t) in [0.95 to 0.98]; the middle in every hour"),
    ("beta", 1.035, "-", "reconstructed", "eq. 9: beta(t) in [1.02 to 1.05]; the middle in every hour"),
    ("hb_mean_max", 0.715, "yuan/kWh", "reconstructed", "eq. 10: in [0.70 to 0.73]; the middle"),
    ("hs_mean_min", 0.435, "yuan/kWh", "reconstructed", "eq. 10: in [0.42 to 0.45]; the middle"),
    ("gamma1", 0.005, "yuan/kW^2h", "given", "EVA's penalty weight in the first round (sec. 2.1.2)"),
    ("gamma1_growth", 5, "-", "given", "gamma1 grows x5 per round (sec. 2.1.2)"),
    ("gamma2", 0.001, "yuan/kW^2h", "given", "clusters' penalty weight in the first round (sec. 2.2)"),
    ("gamma2_growth", 2, "-", "given", "gamma2 grows x2 per round (sec. 2.2)"),
    ("max_rounds", 11, "-", "reconstructed",
     "not stated (the paper settles after 9); a cap above which an individual is flagged; "
     "gamma1 reaches 0.005 x 5^10 = 48828 there (the dispatch QP is checked to 1e5)"),
    ("tol_power_kw", 0.5, "kW", "reconstructed",
     "not stated; equilibrium when no decision moves by more than this between rounds "
     "(1/16 of one car's rated power)"),
    ("tol_imbalance_kw", 0.1, "kW", "reconstructed",
     "not stated; and no hour's imbalance exceeds this"),
]


def _normal(rng, n, mean, sd, lo, hi):
    return np.clip(rng.normal(mean, sd, n), lo, hi)


def sample_evs(seed: int = SEED) -> list[tuple]:
    """64 EVs (id, class, arrival_h, departure_h, soc_in, trip_km), sampled once."""
    rng = np.random.default_rng(seed)
    rows, i = [], 0
    for cls, c in CLASSES.items():
        arrive = _normal(rng, c["n"], *c["arrive"])
        depart = _normal(rng, c["n"], *c["depart"])
        soc = rng.uniform(*c["soc"], c["n"])
        km = _normal(rng, c["n"], *c["km"])
        for a, d, s, k in zip(arrive, depart, soc, km):
            rows.append((i, cls, round(a, 2), round(d, 2), round(s, 3), round(k, 1)))
            i += 1
    return rows


def main() -> None:
    HERE.mkdir(exist_ok=True)
    with open(HERE / "evs.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["ev", "ev_class", "arrival_h", "departure_h", "soc_in", "trip_km"])
        w.writerows(sample_evs())
    with open(HERE / "hourly.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["hour", "load_kw", "pv_kw", "wind_kw", "grid_buy", "grid_sell"])
        for t in range(T):
            w.writerow([t, LOAD[t], PV[t], WIND[t], TOU[t], SELL])
    with open(HERE / "parameters.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "value", "unit", "source", "reason"])
        w.writerows(PARAMS)
    net = np.array(LOAD) - np.array(PV) - np.array(WIND)
    print(f"net load (load - PV - wind): min {net.min()} kW, max {net.max()} kW")


if __name__ == "__main__":
    main()
