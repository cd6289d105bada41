"""The island-microgrid case (seed 002): ``build(scenario, variant) -> stackga.Game``.

The hooks of every case (:class:`stackga.cases.base.Case`).
"""
from ..base import RunOption
from .case import SCENARIOS, VARIANTS, build
from .compare import compare
from .data_io import DATA_DIR, DataError, load
from .data_io import SCHEMAS as DATA_SCHEMAS
from .plots import write_compare_figures, write_figures
from .summary import summarize

DEFAULT_SCENARIO = 4
FIGURES_DIR = "figures"
RUN_OPTIONS = (RunOption("--lp-battery", "integer_battery", {
    "action": "store_true", "help": "island: relax the battery's binaries (LP relaxation); "
                                    "scenario 3 then runs the exact improvement step"},
    value=False),
    RunOption("--selection", "selection", {
        "choices": ("own", "optimistic", "pessimistic"),
        "help": "island: the storage operator's answer where its battery ties: own (the "
                "paper, default), optimistic (the MGO's best, exactly) or pessimistic"}),)

__all__ = ["SCENARIOS", "VARIANTS", "DEFAULT_SCENARIO", "FIGURES_DIR", "RUN_OPTIONS", "build",
           "load", "DataError",
           "DATA_DIR", "DATA_SCHEMAS",
           "compare", "summarize", "write_figures", "write_compare_figures"]
