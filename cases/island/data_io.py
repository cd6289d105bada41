"""Read and validate the island case's CSV data; every error names file, column and row."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).parent / "data"

HOURLY_COLUMNS = ("hour", "base_load_kw", "flex_max_kw", "wind_kw", "t_out_c", "tou_price",
                  "grid_buy", "grid_sell")
NONNEGATIVE_HOURLY = ("base_load_kw", "flex_max_kw", "wind_kw", "tou_price", "grid_buy")
EV_COLUMNS = ("ev", "arrival_h", "departure_h", "mileage_km", "battery_kwh", "kwh_per_100km",
              "soc_arrival")
#: parameters that are capacities, powers, efficiencies or prices: must be >= 0
NONNEGATIVE_PARAMS = ("wind_turbines_kw", "bt_capacity_kwh", "bt_p_max_kw", "bt_p_min_kw",
                      "bt_max_active_hours", "bt_eta_c", "bt_eta_d", "bt_alpha", "ev_p_kw",
                      "ev_eta_c", "ev_eta_d", "ac_units", "ac_r_th", "ac_c_th", "ac_cop",
                      "ac_p_max_kw", "grid_import_max_kw", "grid_export_max_kw", "users_b")


class DataError(ValueError):
    """A data file is malformed; the message names the file, column and row."""


@dataclass(frozen=True)
class IslandData:
    hourly: dict[str, np.ndarray]     # column -> (24,)
    ev: dict[str, np.ndarray]         # column -> (n_ev,)
    params: dict[str, float]


def _number(raw: str, where: str) -> float:
    """Parse one cell; ``where`` names file, column and row for the error."""
    try:
        v = float(raw)
    except ValueError:
        raise DataError(f"{where}: {raw!r} is not a number") from None
    if not np.isfinite(v):
        raise DataError(f"{where}: value {raw!r} is not finite")
    return v


def read_table(path: Path, columns) -> dict[str, np.ndarray]:
    if not path.exists():
        raise DataError(f"{path}: file not found")
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        for c in columns:
            if c not in header:
                raise DataError(f"{path}: missing column {c!r} (found {header})")
        rows = list(reader)
    if not rows:
        raise DataError(f"{path}: no data rows")
    # row 1 of the file is the header
    return {c: np.array([_number((r.get(c) or "").strip(), f"{path}: column {c!r}, row {i}")
                         for i, r in enumerate(rows, start=2)]) for c in columns}


def read_params(path: Path, tou_mean: float) -> dict[str, float]:
    if not path.exists():
        raise DataError(f"{path}: file not found")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    params = {}
    for i, r in enumerate(rows, start=2):
        name, raw = r.get("name"), (r.get("value") or "").strip()
        v = tou_mean if raw == "tou_mean" else \
            _number(raw, f"{path}: column 'value', row {i} ({name})")
        if name in NONNEGATIVE_PARAMS and v < 0:
            raise DataError(f"{path}: column 'value', row {i} ({name}): negative value {v}")
        params[name] = v
    return params


def load(data_dir=None) -> IslandData:
    d = Path(data_dir) if data_dir is not None else DATA_DIR
    hourly = read_table(d / "hourly.csv", HOURLY_COLUMNS)
    n = len(hourly["hour"])
    if n != 24:
        raise DataError(f"{d / 'hourly.csv'}: expected 24 hourly rows, found {n}")
    for c in NONNEGATIVE_HOURLY:
        bad = np.flatnonzero(hourly[c] < 0)
        if len(bad):
            raise DataError(f"{d / 'hourly.csv'}: column {c!r}, row {bad[0] + 2}: "
                            f"negative value {hourly[c][bad[0]]}")
    ev = read_table(d / "ev_fleet.csv", EV_COLUMNS)
    for c in ("battery_kwh", "kwh_per_100km", "mileage_km"):
        bad = np.flatnonzero(ev[c] < 0 if c == "mileage_km" else ev[c] <= 0)
        if len(bad):
            raise DataError(f"{d / 'ev_fleet.csv'}: column {c!r}, row {bad[0] + 2}: "
                            f"non-positive value {ev[c][bad[0]]}")
    params = read_params(d / "parameters.csv", float(hourly["tou_price"].mean()))
    return IslandData(hourly, ev, params)
