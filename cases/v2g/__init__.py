"""The bi-level V2G peak-load case (seed 001): ``build(scenario, variant) -> stackga.Game``.

The hooks of every case (:class:`stackga.cases.base.Case`).
"""
from ..base import RunOption
from .case import PREVIOUS, READINGS, SCENARIOS, VARIANTS, build
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
        "help": "v2g: the agent's plan where it ties: optimistic (default: the operator's "
                "best, exactly: one QP per tied individual), own (closest to idle) or "
                "pessimistic"}),
    RunOption("--travel", "travel", {"choices": READINGS["travel"][0], "help": (
        "v2g: the travel energy, table3 (default: calibrated to table 3) or previous "
        "(100 MWh per commute)")}),
    RunOption("--end-state", "end_state", {"choices": READINGS["end_state"][0], "help": (
        "v2g: the store's end condition, none (default) or initial (E(24) >= 50 %%)")}),
    RunOption("--soc-rule", "soc_rule", {"choices": READINGS["soc_rule"][0], "help": (
        "v2g: the 30 %% rule, discharge (default: no discharge below it) or every_state "
        "(the floor of every state)")}),
    RunOption("--baseline", "baseline", {"choices": READINGS["baseline"][0], "help": (
        "v2g: the no-V2G scenario, charging (default: EVs charge for their travel) or "
        "disconnected")}),
)

__all__ = ["SCENARIOS", "VARIANTS", "READINGS", "PREVIOUS", "DEFAULT_SCENARIO", "FIGURES_DIR", "RUN_OPTIONS", "build",
           "load", "DataError",
           "DATA_DIR", "DATA_SCHEMAS",
           "compare", "summarize", "write_figures", "write_compare_figures"]
