"""Case definitions: each case module builds a :class:`stackga.Game` from its data.

``stackga.cases.get(name)`` returns the case module, with a clear error for unknown names.
"""
from __future__ import annotations

import importlib

CASES = ("island", "v2g", "eva")


def get(name: str):
    if name not in CASES:
        raise ValueError(f"unknown case {name!r}; available: {', '.join(CASES)}")
    return importlib.import_module(f"{__name__}.{name}")
