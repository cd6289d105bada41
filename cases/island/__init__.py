"""The island-microgrid case (seed 002): ``build(scenario, variant) -> stackga.Game``.

Hooks used by the CLI and the tests (every case provides them): ``build``,
``SCENARIOS``, ``DEFAULT_SCENARIO``, ``summarize(result)``, ``write_figures(results, out)``,
``compare(config, on_run, data_dir, seeds, jobs)``, ``write_compare_figures(results, out,
seeds, first_seed)``, and its data: ``DATA_DIR`` (the shipped files),
``DATA_SCHEMAS`` (their schemas, :mod:`stackga.data`) and ``load(data_dir=None)``.
"""
from .case import SCENARIOS, VARIANTS, build
from .compare import compare, summarize
from .data_io import DATA_DIR, DataError, load
from .data_io import SCHEMAS as DATA_SCHEMAS
from .plots import write_compare_figures, write_figures

DEFAULT_SCENARIO = 4

__all__ = ["SCENARIOS", "VARIANTS", "DEFAULT_SCENARIO", "build", "load", "DataError",
           "DATA_DIR", "DATA_SCHEMAS",
           "compare", "summarize", "write_figures", "write_compare_figures"]
