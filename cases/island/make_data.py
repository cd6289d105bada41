"""Regenerate the reconstructed data of the island case (run once; output is committed).

    python cases/island/make_data.py

Every profile here is RECONSTRUCTED: the paper (seed 002, Li et al., "Collaborative
optimization of island microgrid based on joint virtual energy storage system")
shows them only as figures. The shapes follow the statements of its text, listed in
cases/island/README.md; no value was fitted to the paper's result tables.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent / "data"
T = 24
EV_SEED = 20231          # the fleet is sampled once with this seed

# Island load before any flexibility (rigid load incl. the AC and EV baselines), kW.
# Text: valleys 02-07 and 14-16, peaks 10-13 and 19-24, island peak about 2.8 MW
# (reached with the flexible load on top).
BASE_LOAD = [1350, 1200, 1050, 980, 950, 960, 1000, 1150, 1400, 1650, 1900, 2000,
             2000, 1900, 1650, 1550, 1600, 1750, 1950, 2100, 2150, 2150, 2050, 1950]
FLEX_MAX = [600] * T                      # users' flexible ("generalized") load headroom, kW
# Wind of 3 x 2 MW turbines on a typical summer day, kW.
# Text: high 08-10 and 18-20, low 11-13.
WIND = [1900, 1750, 1600, 1500, 1450, 1500, 1750, 2200, 2800, 3000, 2600, 1200,
        700, 850, 1250, 1600, 1900, 2300, 2800, 3000, 2700, 2300, 2100, 2000]
# Upstream TOU tariff, yuan/kWh: valley 00-07, peak 10-13 and 19-23 (aligned with the
# load peaks the text names), flat otherwise. Feed-in price flat.
VALLEY, FLAT, PEAK, FEED_IN = 0.32, 0.68, 1.05, 0.30


def tou() -> list[float]:
    out = []
    for t in range(T):
        if t < 7:
            out.append(VALLEY)
        elif t in (10, 11, 12, 19, 20, 21, 22):
            out.append(PEAK)
        else:
            out.append(FLAT)
    return out


def outdoor_temperature() -> list[float]:
    """Summer day on a Fujian island: 27 degC at 02:00, 34 degC at 14:00."""
    t = np.arange(T)
    return list(np.round(30.5 + 3.5 * np.sin(2 * np.pi * (t - 8) / 24), 2))


def ev_fleet(n_ev: int = 60, battery_kwh: float = 40.0, kwh_per_100km: float = 15.0,
             soc_max: float = 0.9, soc_min: float = 0.2):
    """Sample the fleet once. Text: daily mileage ~ lognormal(3.2, 0.87) km; arrival
    ~ normal(17.3, 9.6) h read as mean 17.3 h, variance 9.6 h^2."""
    rng = np.random.default_rng(EV_SEED)
    mileage = np.minimum(rng.lognormal(3.2, 0.87, n_ev), 200.0)
    arrival = np.clip(rng.normal(17.3, np.sqrt(9.6), n_ev), 8.0, 23.99)
    departure = np.clip(rng.normal(7.5, 0.75, n_ev), 6.0, 9.0)
    used = mileage * kwh_per_100km / 100 / battery_kwh
    soc_arr = np.maximum(soc_max - used, soc_min)
    rows = []
    for i in range(n_ev):
        rows.append({"ev": i, "arrival_h": round(float(arrival[i]), 3),
                     "departure_h": round(float(departure[i]), 3),
                     "mileage_km": round(float(mileage[i]), 2), "battery_kwh": battery_kwh,
                     "kwh_per_100km": kwh_per_100km, "soc_arrival": round(float(soc_arr[i]), 4)})
    return rows


def write(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def main() -> None:
    HERE.mkdir(exist_ok=True)
    temp, price = outdoor_temperature(), tou()
    write(HERE / "hourly.csv", [
        {"hour": t, "base_load_kw": BASE_LOAD[t], "flex_max_kw": FLEX_MAX[t], "wind_kw": WIND[t],
         "t_out_c": temp[t], "tou_price": price[t], "grid_buy": price[t], "grid_sell": FEED_IN}
        for t in range(T)])
    write(HERE / "ev_fleet.csv", ev_fleet())


if __name__ == "__main__":
    main()
