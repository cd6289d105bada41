"""The island-microgrid case (seed 002): ``build(scenario, variant) -> stackga.Game``.

Hooks used by the CLI (every case provides them): ``build``, ``SCENARIOS``,
``DEFAULT_SCENARIO``, ``summarize(result)``, ``write_figures(results, out)``,
``compare(config)``.
"""
from .case import SCENARIOS, VARIANTS, build
from .compare import compare, summarize
from .data_io import DataError, load
from .plots import write_figures

DEFAULT_SCENARIO = 4

__all__ = ["SCENARIOS", "VARIANTS", "DEFAULT_SCENARIO", "build", "load", "DataError",
           "compare", "summarize", "write_figures"]
