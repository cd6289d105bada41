"""Load a case's CSV files against their schemas (:mod:`stackga.data.schema`).

Tolerated: a UTF-8 byte-order mark (what Excel writes), white space around
cells, blank lines. Refused, with file, row, column or parameter and value named:
a missing, unknown or repeated column; a row with more or fewer cells than the
header; an empty, non-numeric or non-finite cell; a value outside its range; an
hour column that is not 0..T-1 once each in order; a repeated key; a repeated,
unknown or missing parameter; a parameter in another unit; bounds out of order.
Rows are numbered as a spreadsheet shows them: the header is row 1.
"""
from __future__ import annotations

import csv
import difflib
import hashlib
import math
import shutil
from pathlib import Path

import numpy as np

from .schema import Bounds, DataError, Param, ParamTable, Table

__all__ = ["Params", "data_folder", "load_table", "load_params", "export", "fingerprint"]


class Params(dict):
    """name -> value, plus where each came from (for later error messages)."""

    def __init__(self, values: dict[str, float], rows: dict[str, int], path: Path) -> None:
        super().__init__(values)
        self.rows, self.path = rows, path

    def where(self, name: str) -> str:
        return f"{self.path}: row {self.rows[name]} ({name} = {self[name]:g})"


def _rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(row number, cells)]) with cells stripped; blank lines skipped."""
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    rows = [(i, [c.strip() for c in r]) for i, r in enumerate(csv.reader(text.splitlines()), 1)]
    rows = [(i, r) for i, r in rows if any(r)]
    if not rows:
        raise DataError(f"{path}: file is empty (no header row)")
    (_, header), body = rows[0], rows[1:]
    seen = set()
    for c in header:
        if c in seen:
            raise DataError(f"{path}: column {c!r} appears twice in the header")
        seen.add(c)
    for i, r in body:
        if len(r) != len(header):
            raise DataError(f"{path}: row {i} has {len(r)} cells, the header has {len(header)}")
    return header, body


def _check_header(path: Path, header: list[str], expected) -> None:
    for c in header:
        if c not in expected:
            hint = difflib.get_close_matches(c, expected, n=1)
            raise DataError(f"{path}: unknown column {c!r}"
                            + (f" (did you mean {hint[0]!r}?)" if hint else "")
                            + f"; expected {list(expected)}")
    for c in expected:
        if c not in header:
            raise DataError(f"{path}: missing column {c!r} (found {header})")


def _number(raw: str, bounds: Bounds, unit: str, where: str) -> float:
    if raw == "":
        raise DataError(f"{where}: empty cell")
    try:
        if "_" in raw:                            # float() takes 5_00; a data cell should not
            raise ValueError
        v = float(raw)
    except ValueError:
        raise DataError(f"{where}: {raw!r} is not a number") from None
    if not math.isfinite(v):
        raise DataError(f"{where}: value {raw!r} is not finite")
    if not bounds.contains(v):
        raise DataError(f"{where}: value {raw} is out of range; expected {bounds.describe()}"
                        + (f" ({unit})" if unit and unit != "-" else ""))
    return v


def data_folder(data_dir, default) -> Path:
    """The folder a case loads: ``data_dir`` if given, else ``default`` (its shipped data);
    a missing folder is named."""
    d = Path(data_dir) if data_dir is not None else Path(default)
    if not d.is_dir():
        raise DataError(f"{d}: data folder not found")
    return d


def load_table(folder, schema: Table) -> dict[str, np.ndarray]:
    """Read ``folder/schema.file``; returns column -> (n_rows,) values."""
    path = Path(folder) / schema.file
    header, body = _rows(path)
    _check_header(path, header, schema.names)
    if not body:
        raise DataError(f"{path}: no data rows")
    idx = {c: header.index(c) for c in schema.names}
    out = {c.name: np.array([_number(r[idx[c.name]], c.bounds, c.unit,
                                     f"{path}: column {c.name!r}, row {i}") for i, r in body])
           for c in schema.columns}
    if schema.hours is not None:
        if len(body) != schema.hours:
            raise DataError(f"{path}: expected {schema.hours} hourly rows (hours 0..{schema.hours - 1}),"
                            f" found {len(body)}")
        for t, (i, r) in enumerate(body):
            if out["hour"][t] != t:
                raise DataError(f"{path}: column 'hour', row {i}: value {r[idx['hour']]}, expected {t}"
                                f" (hours must run 0..{schema.hours - 1}, once each, in order)")
    if schema.key is not None:
        first: dict[float, int] = {}
        for (i, r), v in zip(body, out[schema.key]):
            if v in first:
                raise DataError(f"{path}: column {schema.key!r}, row {i}: value {r[idx[schema.key]]}"
                                f" repeats row {first[v]} (must be distinct)")
            first[v] = i
    for a, b in schema.row_orders:
        bad = np.flatnonzero(out[a] > out[b])
        if len(bad):
            i, r = body[bad[0]]
            raise DataError(f"{path}: row {i}: {a} = {r[idx[a]]} must be <= {b} = {r[idx[b]]}")
    return out


def load_params(folder, schema: ParamTable, symbols: dict[str, float] | None = None) -> Params:
    """Read ``folder/schema.file``; every parameter exactly once. ``symbols`` resolves the
    words a parameter may hold instead of a number (``Param.symbols``)."""
    path = Path(folder) / schema.file
    header, body = _rows(path)
    _check_header(path, header, schema.columns)
    col = {c: header.index(c) for c in schema.columns}
    known: dict[str, Param] = {p.name: p for p in schema.params}
    values: dict = {}
    rows: dict = {}
    for i, r in body:
        name, raw, unit = r[col["name"]], r[col["value"]], r[col["unit"]]
        where = f"{path}: row {i}, parameter {name!r}"
        if name not in known:
            hint = difflib.get_close_matches(name, list(known), n=1)
            raise DataError(f"{path}: row {i}: unknown parameter {name!r}"
                            + (f" (did you mean {hint[0]!r}?)" if hint else ""))
        if name in rows:
            raise DataError(f"{path}: row {i}: parameter {name!r} appears again (first at row {rows[name]})")
        p = known[name]
        if unit != p.unit:
            raise DataError(f"{where}: unit {unit!r}, expected {p.unit!r}")
        if raw in p.symbols:
            if symbols is None or raw not in symbols:
                raise DataError(f"{where}: {raw!r} cannot be resolved here")
            v = _number(repr(float(symbols[raw])), p.bounds, p.unit, f"{where} ({raw})")
        else:
            v = _number(raw, p.bounds, p.unit, where)
        values[name], rows[name] = v, i
    missing = [n for n in known if n not in values]
    if missing:
        raise DataError(f"{path}: missing parameter(s) {', '.join(missing)}")
    params = Params(values, rows, path)
    for a, b, strict in schema.orders:
        if values[a] > values[b] or (strict and values[a] == values[b]):
            raise DataError(f"{params.where(a)} must be {'<' if strict else '<='} "
                            f"row {rows[b]} ({b} = {values[b]:g})")
    return params


def export(src, files, dst, overwrite: bool = False) -> list[Path]:
    """Copy a case's data files (``files``: names) from ``src`` to the folder ``dst``.

    Refuses to replace existing files unless ``overwrite``; returns the written paths."""
    src, dst = Path(src), Path(dst)
    if dst.exists() and not dst.is_dir():
        raise DataError(f"{dst}: exists and is not a folder")
    clash = [f for f in files if (dst / f).exists()]
    if clash and not overwrite:
        raise DataError(f"{dst}: already holds {', '.join(clash)}; pass --overwrite to replace")
    if dst.exists() and dst.resolve() == src.resolve():
        raise DataError(f"{dst}: is the folder the data comes from")
    dst.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copyfile(src / f, dst / f)) for f in files]


def fingerprint(folder, schemas) -> dict:
    """Where a case's data came from: the folder and each file's sha256 (for run.json)."""
    d = Path(folder).resolve()
    return {"folder": str(d),
            "sha256": {s.file: hashlib.sha256((d / s.file).read_bytes()).hexdigest() for s in schemas}}
