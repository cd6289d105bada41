"""Case definitions: each case module builds a :class:`stackga.Game` from its data and
follows the protocol of :mod:`stackga.cases.base` (the command line learns cases only
through it).

``stackga.cases.get(name)`` returns the case module, with a clear error for unknown names.
"""
from __future__ import annotations

import importlib

from stackga.errors import InputError

from .base import check

CASES = ("island", "v2g", "eva")


def get(name: str):
    """The case module ``name``, checked against the protocol."""
    if name not in CASES:
        raise InputError(f"unknown case {name!r}; available: {', '.join(CASES)}")
    module = importlib.import_module(f"{__name__}.{name}")
    check(module)
    return module
