"""GA engines: thin adapters from a :class:`stackga.Game` to pymoo or DEAP.

Each exposes ``run(game, config, log) -> best x (n_var,)``.
"""
from __future__ import annotations

from stackga.errors import InputError


def get_engine(name: str):
    if name == "pymoo":
        from . import pymoo_engine
        return pymoo_engine.run
    if name == "deap":
        from . import deap_engine
        return deap_engine.run
    raise InputError(f"unknown engine {name!r}; choose 'pymoo' or 'deap'")
