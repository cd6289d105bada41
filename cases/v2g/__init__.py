"""The bi-level V2G peak-load case (seed 001): ``build(scenario, variant) -> stackga.Game``.

The hooks of every case (:class:`stackga.cases.base.Case`).
"""
from ..base import RunOption
from .case import SCENARIOS, VARIANTS, build
from .compare import compare
from .data_io import DATA_DIR, DataError, load
from .data_io import SCHEMAS as DATA_SCHEMAS
from .plots import write_compare_figures, write_figures
from .summary import summarize

DEFAULT_SCENARIO = "plan"
FIGURES_DIR = "figures/v2g"
RUN_OPTIONS = (RunOption("--mode", "scenario", {
    "choices": ("plan", "tariff"), "help": "v2g: the leader sets the hourly V2G plan (the "
    "paper's mode) or hourly tariffs (the same as --scenario)"}),
    RunOption("--selection", "selection", {
        "choices": ("own", "optimistic", "pessimistic"),
        "help": "v2g: the agent's plan where it ties: own (default), optimistic (the "
                "operator's best, exactly: one QP per tied individual, slow in a GA) or "
                "pessimistic"}),)

__all__ = ["SCENARIOS", "VARIANTS", "DEFAULT_SCENARIO", "FIGURES_DIR", "RUN_OPTIONS", "build",
           "load", "DataError",
           "DATA_DIR", "DATA_SCHEMAS",
           "compare", "summarize", "write_figures", "write_compare_figures"]
