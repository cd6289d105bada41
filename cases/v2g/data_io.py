"""The v2g case's data files: their schemas, and loading them into ``V2GData``.

Every file is checked by :mod:`stackga.data` (columns, units, ranges, the hour
column, parameter names); errors name file, row, column or parameter, and value.
Hour index k (0..23) is the paper's row labelled (k + 1):00, i.e. the hour
[(k + 1):00, (k + 2):00); index 23 is the row labelled 24:00.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stackga.data import Column as C
from stackga.data import DataError, Params, ParamTable, Table, data_folder, load_params, load_table
from stackga.data import Param as P

__all__ = ["DATA_DIR", "SCHEMAS", "V2GData", "DataError", "load"]

DATA_DIR = Path(__file__).parent / "data"
T = 24

UNITS = Table("units.csv", (
    C("unit", "-", "positive_count", doc="unit number (table 1)"),
    C("p_max_mw", "MW", "positive"),
    C("p_min_mw", "MW", "nonneg"),
    C("ramp_up_mw_per_h", "MW/h", "nonneg"),
    C("ramp_down_mw_per_h", "MW/h", "nonneg"),
    C("a_usd_per_mw2h", "$/MW^2h", "positive", doc="quadratic emission-cost coefficient"),
    C("b_usd_per_mwh", "$/MWh", "any"),
    C("c_usd_per_h", "$/h", "any"),
), key="unit", row_orders=(("p_min_mw", "p_max_mw"),))

HOURLY = Table("hourly.csv", (
    C("hour", "h", "count"),
    C("load_mw", "MW", "nonneg", doc="system load P_L (reconstructed, calibrated; README)"),
    C("need_mwh", "MWh", "nonneg", doc="travel energy E_need drawn from the store in the hour"),
    C("available", "-", "count", hi=1.0, doc="1 if the V2G store is connected in the hour"),
), hours=T)

PARAMETERS = ParamTable("parameters.csv", (
    P("v2g_capacity_mwh", "MWh", "positive"), P("v2g_soc0", "-", "fraction"),
    P("v2g_soc_min", "-", "fraction"), P("v2g_soc_max", "-", "fraction"),
    P("v2g_soc_final_min", "-", "fraction"), P("need_previous_mwh", "MWh", "nonneg"),
    P("v2g_p_ch_max_mw", "MW", "nonneg"), P("v2g_p_dis_max_mw", "MW", "nonneg"),
    P("v2g_eta_c", "-", "efficiency"), P("v2g_eta_d", "-", "efficiency"),
    P("k_c", "$/MWh", "nonneg"), P("k_d", "$/MWh", "nonneg"), P("k_b", "$/MWh", "nonneg"),
    P("shed_cost", "$/MWh", "positive"),
    P("tariff_c_min", "$/MWh", "nonneg"), P("tariff_c_max", "$/MWh", "nonneg"),
    P("tariff_d_min", "$/MWh", "nonneg"), P("tariff_d_max", "$/MWh", "nonneg"),
), orders=(
    ("v2g_soc_min", "v2g_soc_max", True), ("v2g_soc_min", "v2g_soc0", False),
    ("v2g_soc0", "v2g_soc_max", False), ("v2g_soc_final_min", "v2g_soc_max", False),
    ("tariff_c_min", "tariff_c_max", True), ("tariff_d_min", "tariff_d_max", True),
))

#: every data file of the case, in the order ``stackga data v2g DIR`` writes them
SCHEMAS = (UNITS, HOURLY, PARAMETERS)


@dataclass(frozen=True)
class V2GData:
    units: dict[str, np.ndarray]      # column -> (G,)
    hourly: dict[str, np.ndarray]     # column -> (24,)
    params: Params                    # name -> value (and the row it came from)
    folder: Path


def load(data_dir=None) -> V2GData:
    """Load and check the case's files from ``data_dir`` (default: the shipped data)."""
    d = data_folder(data_dir, DATA_DIR)
    units = load_table(d, UNITS)
    hourly = load_table(d, HOURLY)
    params = load_params(d, PARAMETERS)
    if hourly["available"].sum() == 0:
        raise DataError(f"{d / HOURLY.file}: column available: the store is connected in no hour")
    return V2GData(units, hourly, params, d)
