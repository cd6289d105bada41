"""The EV-aggregator case (seed 000): ``build(scenario, variant) -> stackga.Game``.

The hooks of every case (:class:`stackga.cases.base.Case`).
"""
from .case import SCENARIOS, VARIANTS, build
from .compare import compare
from .data_io import DATA_DIR, DataError, load
from .data_io import SCHEMAS as DATA_SCHEMAS
from .plots import write_compare_figures, write_figures
from .summary import summarize

DEFAULT_SCENARIO = "game"
FIGURES_DIR = "figures/eva"
RUN_OPTIONS: tuple = ()

__all__ = ["SCENARIOS", "VARIANTS", "DEFAULT_SCENARIO", "FIGURES_DIR", "RUN_OPTIONS", "build",
           "load", "DataError",
           "DATA_DIR", "DATA_SCHEMAS", "summarize", "write_figures", "compare",
           "write_compare_figures"]
