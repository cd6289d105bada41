"""The EV-aggregator case (seed 000): ``build(scenario, variant) -> stackga.Game``.

The same hooks as every case (see ``cases/island/__init__.py``): ``build``, ``SCENARIOS``,
``DEFAULT_SCENARIO``, ``summarize``, ``write_figures``, ``compare``,
``write_compare_figures``, ``DATA_DIR``, ``DATA_SCHEMAS``, ``load``.
"""
from .case import SCENARIOS, VARIANTS, build
from .data_io import DATA_DIR, DataError, load
from .data_io import SCHEMAS as DATA_SCHEMAS
from .compare import compare
from .plots import write_compare_figures, write_figures
from .summary import summarize

DEFAULT_SCENARIO = "game"

__all__ = ["SCENARIOS", "VARIANTS", "DEFAULT_SCENARIO", "build", "load", "DataError",
           "DATA_DIR", "DATA_SCHEMAS", "summarize", "write_figures", "compare",
           "write_compare_figures"]
