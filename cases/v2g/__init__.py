"""The bi-level V2G peak-load case (seed 001): ``build(scenario, variant) -> stackga.Game``.

The same hooks as every case (see ``cases/island/__init__.py``): ``build``, ``SCENARIOS``,
``DEFAULT_SCENARIO``, ``summarize``, ``write_figures``, ``compare``,
``write_compare_figures``, ``DATA_DIR``, ``DATA_SCHEMAS``, ``load``.
"""
from .case import SCENARIOS, VARIANTS, build
from .compare import compare, summarize
from .data_io import DATA_DIR, DataError, load
from .data_io import SCHEMAS as DATA_SCHEMAS
from .plots import write_compare_figures, write_figures

DEFAULT_SCENARIO = "plan"

__all__ = ["SCENARIOS", "VARIANTS", "DEFAULT_SCENARIO", "build", "load", "DataError",
           "DATA_DIR", "DATA_SCHEMAS",
           "compare", "summarize", "write_figures", "write_compare_figures"]
