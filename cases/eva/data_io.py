"""The eva case's data files: their schemas, and loading them into ``EVAData``.

Every file is checked by :mod:`stackga.data` (columns, units, ranges, the hour column,
parameter names); errors name file, row, column or parameter, and value. Hour k (0..23)
is [k:00, k+1:00). The EVs' own checks (a session that rounds to no hour, a trip that
needs more than a full battery, a departure need the session cannot reach) name the EV.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stackga.data import Column as C
from stackga.data import DataError, Params, ParamTable, Table, data_folder, load_params, load_table
from stackga.data import Param as P

__all__ = ["DATA_DIR", "SCHEMAS", "EVAData", "DataError", "load"]

DATA_DIR = Path(__file__).parent / "data"
T = 24

EVS = Table("evs.csv", (
    C("ev", "-", "count", doc="vehicle id"),
    C("ev_class", "-", "positive_count", hi=2, doc="1 commercial car park, 2 residential (sec. 3.1)"),
    C("arrival_h", "h", "nonneg", hi=24, hi_open=True, doc="plug-in time of day"),
    C("departure_h", "h", "nonneg", hi=24, hi_open=True,
      doc="expected departure time of day (earlier than arrival: the next morning)"),
    C("soc_in", "-", "fraction", doc="SOC at plug-in"),
    C("trip_km", "km", "nonneg", doc="the next day's mileage L_d"),
), key="ev")

HOURLY = Table("hourly.csv", (
    C("hour", "h", "count"),
    C("load_kw", "kW", "nonneg", doc="base load P_LD (reconstructed, fig. 3)"),
    C("pv_kw", "kW", "nonneg", doc="PV forecast P_PV (reconstructed, fig. 3)"),
    C("wind_kw", "kW", "nonneg", doc="wind forecast P_WT (reconstructed, fig. 3)"),
    C("grid_buy", "yuan/kWh", "positive", doc="upper grid's TOU buy price H_b (hours reconstructed)"),
    C("grid_sell", "yuan/kWh", "positive", doc="upper grid's sell price H_s"),
), hours=T, row_orders=(("grid_sell", "grid_buy"),))

PARAMETERS = ParamTable("parameters.csv", (
    P("ev_capacity_kwh", "kWh", "positive"), P("ev_soc_min", "-", "fraction"),
    P("ev_soc_max", "-", "fraction"), P("ev_p_ch_kw", "kW", "positive"),
    P("ev_p_dis_kw", "kW", "positive"), P("ev_kwh_per_100km", "kWh/100km", "nonneg"),
    P("ev_eta_c", "-", "efficiency"), P("ev_eta_d", "-", "efficiency"),
    P("ev_reserve_km", "km", "nonneg"),
    P("de_rated_kw", "kW", "positive"), P("de_min_frac", "-", "fraction"),
    P("de_ramp_kw_per_h", "kW/h", "nonneg"), P("de_c1", "L/kW^2h", "nonneg"),
    P("de_c2", "L/kWh", "nonneg"), P("de_c3", "L/h", "nonneg"),
    P("de_maint_yuan_per_kwh", "yuan/kWh", "nonneg"), P("fuel_yuan_per_l", "yuan/L", "nonneg"),
    P("ba_capacity_kwh", "kWh", "positive"), P("ba_p_max_kw", "kW", "nonneg"),
    P("ba_soc_min", "-", "fraction"), P("ba_soc_max", "-", "fraction"), P("ba_soc0", "-", "fraction"),
    P("ba_eta", "-", "efficiency"), P("ba_m_yuan_per_kw2", "yuan/kW^2h", "nonneg"),
    P("ex_min_kw", "kW", "any"), P("ex_max_kw", "kW", "any"),
    P("alpha", "-", "positive"), P("beta", "-", "positive"),
    P("hb_mean_max", "yuan/kWh", "positive"), P("hs_mean_min", "yuan/kWh", "positive"),
    P("gamma1", "yuan/kW^2h", "positive"), P("gamma1_growth", "-", "positive"),
    P("gamma2", "yuan/kW^2h", "positive"), P("gamma2_growth", "-", "positive"),
    P("max_rounds", "-", "positive_count"),
    P("tol_power_kw", "kW", "positive"), P("tol_imbalance_kw", "kW", "positive"),
), orders=(
    ("ev_soc_min", "ev_soc_max", True),
    ("ba_soc_min", "ba_soc_max", True), ("ba_soc_min", "ba_soc0", False),
    ("ba_soc0", "ba_soc_max", False), ("ex_min_kw", "ex_max_kw", False),
    ("hs_mean_min", "hb_mean_max", False),
))

#: every data file of the case, in the order ``stackga data eva DIR`` writes them
SCHEMAS = (EVS, HOURLY, PARAMETERS)


@dataclass(frozen=True)
class EVAData:
    evs: dict[str, np.ndarray]        # column -> (n_ev,)
    hourly: dict[str, np.ndarray]     # column -> (24,)
    params: Params                    # name -> value (and the row it came from)
    folder: Path

    def soc_expected(self) -> np.ndarray:
        """(n_ev,) departure SOC of eq. 6: SOC_min + (L_d + L_res) Q_100 / (100 Q_n)."""
        p = self.params
        return p["ev_soc_min"] + (self.evs["trip_km"] + p["ev_reserve_km"]) * \
            p["ev_kwh_per_100km"] / (100.0 * p["ev_capacity_kwh"])


def load(data_dir=None) -> EVAData:
    """Load and check the case's files from ``data_dir`` (default: the shipped data)."""
    d = data_folder(data_dir, DATA_DIR)
    evs = load_table(d, EVS)
    hourly = load_table(d, HOURLY)
    params = load_params(d, PARAMETERS)
    data = EVAData(evs, hourly, params, d)
    _check_evs(data)
    return data


def _check_evs(data: EVAData) -> None:
    p, ev, path = data.params, data.evs, data.folder / EVS.file
    need = data.soc_expected()
    for i in np.flatnonzero(need > p["ev_soc_max"]):
        raise DataError(f"{path}: ev {int(ev['ev'][i])}: trip_km = {ev['trip_km'][i]:g} needs a "
                        f"departure SOC of {need[i]:.4g} > ev_soc_max = {p['ev_soc_max']:g}")
    for i in np.flatnonzero(ev["soc_in"] < p["ev_soc_min"]):
        raise DataError(f"{path}: ev {int(ev['ev'][i])}: soc_in = {ev['soc_in'][i]:g} is below "
                        f"ev_soc_min = {p['ev_soc_min']:g}")
    for i in np.flatnonzero(ev["soc_in"] > p["ev_soc_max"]):
        raise DataError(f"{path}: ev {int(ev['ev'][i])}: soc_in = {ev['soc_in'][i]:g} is above "
                        f"ev_soc_max = {p['ev_soc_max']:g} (it would start outside its SOC bounds)")
    if p["hb_mean_max"] < p["beta"] * data.hourly["grid_sell"].mean() or \
            p["hs_mean_min"] > p["alpha"] * data.hourly["grid_buy"].mean():
        raise DataError(f"{data.folder / PARAMETERS.file}: the mean caps of eq. 10 "
                        f"(hb_mean_max = {p['hb_mean_max']:g}, hs_mean_min = {p['hs_mean_min']:g}) "
                        f"leave no price vector inside alpha H_b and beta H_s")
