"""The EV-aggregator case (seed 000): ``build(scenario, variant) -> stackga.Game``.

The hooks of every case (:class:`stackga.cases.base.Case`).
"""
from ..base import RunOption
from .case import PREVIOUS, READINGS, SCENARIOS, VARIANTS, build
from .compare import compare
from .data_io import DATA_DIR, DataError, load
from .data_io import SCHEMAS as DATA_SCHEMAS
from .plots import write_compare_figures, write_figures
from .summary import summarize

DEFAULT_SCENARIO = "game"
FIGURES_DIR = "figures/eva"
RUN_OPTIONS = (
    RunOption("--window", "window", {"choices": READINGS["window"][0], "help": (
        "eva: a cluster's connected hours, inclusive (default; eq. 6: T_in..T_out) or "
        "exclusive ([T_in, T_out))")}),
    RunOption("--end-state", "end_state", {"choices": READINGS["end_state"][0], "help": (
        "eva: the EVA battery's end condition, first_hour (default; eq. 18: SOC(24) >= "
        "SOC(1)) or initial (SOC(24) >= SOC(0))")}),
    RunOption("--grouping", "grouping", {"choices": READINGS["grouping"][0], "help": (
        "eva: EVs into clusters (eq. 1), grid (default: times rounded to the hour) or "
        "greedy (EVs within 0.5 h of each other)")}),
    RunOption("--first", "first", {"choices": READINGS["first"][0], "help": (
        "eva: who answers first in round 1, dispatch (default: the EVA without EVs) or "
        "clusters")}),
    RunOption("--cluster-model", "cluster_model", {"choices": READINGS["cluster_model"][0], "help": (
        "eva: a cluster's QP on its totals, aggregate (default: the paper's eq. 3-6) or "
        "per_car (every car's own limits; some 300x slower)")}),
)

__all__ = ["SCENARIOS", "VARIANTS", "READINGS", "PREVIOUS", "DEFAULT_SCENARIO", "FIGURES_DIR", "RUN_OPTIONS", "build",
           "load", "DataError",
           "DATA_DIR", "DATA_SCHEMAS", "summarize", "write_figures", "compare",
           "write_compare_figures"]
