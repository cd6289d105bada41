"""The island case's data files: their schemas, and loading them into ``IslandData``.

Every file is checked by :mod:`stackga.data` (columns, units, ranges, the hour
column, parameter names); errors name file, row, column or parameter, and value.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stackga.data import Column as C
from stackga.data import DataError, Params, ParamTable, Table, data_folder, load_params, load_table
from stackga.data import Param as P

__all__ = ["DATA_DIR", "SCHEMAS", "IslandData", "DataError", "load"]

DATA_DIR = Path(__file__).parent / "data"
T = 24

HOURLY = Table("hourly.csv", (
    C("hour", "h", "count"),
    C("base_load_kw", "kW", "nonneg", doc="island load before flexibility (incl. AC and EV baselines)"),
    C("flex_max_kw", "kW", "nonneg", doc="users' flexible-load headroom"),
    C("wind_kw", "kW", "nonneg", doc="wind output"),
    C("t_out_c", "degC", "any", lo=-60.0, hi=60.0, doc="outdoor temperature"),
    C("tou_price", "yuan/kWh", "nonneg", doc="TOU tariff (internal price of scenarios 1-2)"),
    C("grid_buy", "yuan/kWh", "nonneg", doc="price of grid import"),
    C("grid_sell", "yuan/kWh", "nonneg", doc="feed-in price of grid export"),
), hours=T, row_orders=(("grid_sell", "grid_buy"),))

EV_FLEET = Table("ev_fleet.csv", (
    C("ev", "-", "count", doc="vehicle id"),
    C("arrival_h", "h", "nonneg", hi=24.0, hi_open=True, doc="plug-in time of day"),
    C("departure_h", "h", "nonneg", hi=24.0, hi_open=True, doc="plug-out time of day"),
    C("mileage_km", "km", "nonneg", doc="the day's driving"),
    C("battery_kwh", "kWh", "positive"),
    C("kwh_per_100km", "kWh/100km", "positive"),
    C("soc_arrival", "-", "fraction"),
), key="ev")

PARAMETERS = ParamTable("parameters.csv", (
    P("users_a", "yuan/kWh", "positive"), P("users_b", "yuan/kWh^2 per kW", "positive"),
    P("wind_turbines_kw", "kW", "nonneg"),
    P("bt_capacity_kwh", "kWh", "positive"), P("bt_p_max_kw", "kW", "positive"),
    P("bt_p_min_kw", "kW", "nonneg"), P("bt_max_active_hours", "h", "count", hi=T),
    P("bt_soc_min", "-", "fraction"), P("bt_soc_max", "-", "fraction"), P("bt_soc0", "-", "fraction"),
    P("bt_eta_c", "-", "efficiency"), P("bt_eta_d", "-", "efficiency"),
    P("bt_alpha", "yuan/kWh", "nonneg"), P("vs_subsidy", "yuan/kWh", "nonneg"),
    P("ev_p_kw", "kW", "positive"), P("ev_eta_c", "-", "efficiency"), P("ev_eta_d", "-", "efficiency"),
    P("ev_soc_min", "-", "fraction"), P("ev_soc_max", "-", "fraction"),
    P("ev_loss_price", "yuan/kWh", "nonneg"),
    P("ac_units", "-", "positive_count"), P("ac_r_th", "degC/kW", "positive"),
    P("ac_c_th", "kWh/degC", "positive"), P("ac_cop", "-", "positive"),
    P("ac_p_max_kw", "kW", "positive"),
    P("ac_t_min", "degC", "any", lo=0.0, hi=50.0), P("ac_t_max", "degC", "any", lo=0.0, hi=50.0),
    P("ac_t_set", "degC", "any", lo=0.0, hi=50.0),
    P("re_min", "yuan/kWh", "nonneg"), P("re_max", "yuan/kWh", "positive"),
    P("re_mean_max", "yuan/kWh", "nonneg", symbols=("tou_mean",)),
    P("grid_import_max_kw", "kW", "nonneg"), P("grid_export_max_kw", "kW", "nonneg"),
), orders=(
    ("bt_soc_min", "bt_soc_max", True), ("bt_soc_min", "bt_soc0", False), ("bt_soc0", "bt_soc_max", False),
    ("bt_p_min_kw", "bt_p_max_kw", False), ("ev_soc_min", "ev_soc_max", True),
    ("ac_t_min", "ac_t_max", True), ("ac_t_min", "ac_t_set", False), ("ac_t_set", "ac_t_max", False),
    ("re_min", "re_max", True), ("re_min", "re_mean_max", False),
))

#: every data file of the case, in the order ``stackga data island DIR`` writes them
SCHEMAS = (HOURLY, EV_FLEET, PARAMETERS)


@dataclass(frozen=True)
class IslandData:
    hourly: dict[str, np.ndarray]     # column -> (24,)
    ev: dict[str, np.ndarray]         # column -> (n_ev,)
    params: Params                    # name -> value (and the row it came from)
    folder: Path


def _check_sessions(path: Path, ev: dict) -> None:
    """Every EV must be plugged in for at least one whole hour (the model is hourly: an EV
    is available from the hour after it arrives to the hour its departure falls in)."""
    a, d = ev["arrival_h"], ev["departure_h"]
    whole = np.floor(np.where(d > a, d, d + T)) - np.ceil(a)
    bad = np.flatnonzero(whole < 1)
    if len(bad):
        i = int(bad[0])
        raise DataError(f"{path}: row {i + 2}: arrival_h = {a[i]:g}, departure_h = {d[i]:g}: "
                        f"the EV is plugged in for no whole hour")


def load(data_dir=None) -> IslandData:
    """Load and check the case's files from ``data_dir`` (default: the shipped data)."""
    d = data_folder(data_dir, DATA_DIR)
    hourly = load_table(d, HOURLY)
    ev = load_table(d, EV_FLEET)
    _check_sessions(d / EV_FLEET.file, ev)
    params = load_params(d, PARAMETERS, symbols={"tou_mean": float(hourly["tou_price"].mean())})
    return IslandData(hourly, ev, params, d)
