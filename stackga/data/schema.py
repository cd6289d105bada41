"""Typed schemas of a case's data files: what each column or parameter holds.

A case declares its files once (a :class:`Table` per record file, a
:class:`ParamTable` for its scalar parameters); :mod:`stackga.data.read` loads
and checks them, and every error names the file, the row and the column or
parameter, and the value. The same schemas drive the corruption tests of every
case (``tests/cases/test_data.py``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from stackga.errors import InputError

__all__ = ["DataError", "Bounds", "Column", "Param", "Table", "ParamTable"]

INF = math.inf


class DataError(InputError):
    """A data file is malformed; the message names file, row, column or parameter, and value."""


@dataclass(frozen=True)
class Bounds:
    """An allowed interval ``lo <= v <= hi`` (``<`` where the end is open), maybe integer."""

    lo: float = -INF
    hi: float = INF
    lo_open: bool = False
    hi_open: bool = False
    integer: bool = False

    def contains(self, v: float) -> bool:
        if self.integer and v != math.floor(v):
            return False
        above = v > self.lo if self.lo_open else v >= self.lo
        below = v < self.hi if self.hi_open else v <= self.hi
        return above and below

    def describe(self) -> str:
        kind = "an integer" if self.integer else "a number"
        if self.lo == -INF and self.hi == INF:
            return kind
        left = "(" if self.lo_open or self.lo == -INF else "["
        right = ")" if self.hi_open or self.hi == INF else "]"
        return f"{kind} in {left}{self.lo:g}, {self.hi:g}{right}"


def _bounds(kind: str, **kw) -> Bounds:
    """Named ranges used across cases: 'any', 'nonneg', 'positive', 'fraction',
    'efficiency' ((0, 1]), 'count' (integer >= 0), 'positive_count' (integer >= 1)."""
    table = {"any": Bounds(), "nonneg": Bounds(0.0), "positive": Bounds(0.0, lo_open=True),
             "fraction": Bounds(0.0, 1.0), "efficiency": Bounds(0.0, 1.0, lo_open=True),
             "count": Bounds(0.0, integer=True), "positive_count": Bounds(1.0, integer=True)}
    if kind not in table:
        raise InputError(f"unknown range kind {kind!r}; choose one of {tuple(table)}")
    b = table[kind]
    return Bounds(**{**b.__dict__, **kw}) if kw else b


@dataclass(frozen=True)
class Column:
    """One numeric column of a record file. ``kind`` names the range (see ``_bounds``);
    ``lo``/``hi`` override its ends (e.g. ``Column("t_out_c", "degC", "any", lo=-60, hi=60)``)."""

    name: str
    unit: str
    kind: str = "any"
    lo: float | None = None
    hi: float | None = None
    hi_open: bool = False
    doc: str = ""

    @property
    def bounds(self) -> Bounds:
        kw = {k: v for k, v in (("lo", self.lo), ("hi", self.hi)) if v is not None}
        if self.hi_open:
            kw["hi_open"] = True
        return _bounds(self.kind, **kw)


@dataclass(frozen=True)
class Param(Column):
    """One scalar of a parameter file. ``symbols`` are words the value may be instead of a
    number (e.g. ``tou_mean``); the case resolves them when it loads the file."""

    symbols: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """A CSV file of records, one per row, every cell a number.

    Attributes:
        file: file name inside the data folder.
        columns: the columns, in the order the file writes them (no others allowed).
        hours: if set, the column ``hour`` must read 0 .. hours-1, once each, in order.
        key: a column whose values must be distinct (e.g. a vehicle id).
        row_orders: pairs (a, b): in every row the value of a must be <= that of b.
    """

    file: str
    columns: tuple[Column, ...]
    hours: int | None = None
    key: str | None = None
    row_orders: tuple[tuple[str, str], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class ParamTable:
    """A CSV file ``name,value,unit,source,reason``: one row per parameter, every one present
    once, no unknown names, the unit as the schema says.

    ``orders``: triples (a, b, strict): value of a < b (strict) or <= b.
    """

    file: str
    params: tuple[Param, ...]
    orders: tuple[tuple[str, str, bool], ...] = ()
    columns: tuple[str, ...] = ("name", "value", "unit", "source", "reason")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)
