"""The island-microgrid case (seed 002): ``build(scenario, variant) -> stackga.Game``."""
from .case import SCENARIOS, VARIANTS, build
from .data_io import DataError, load

__all__ = ["SCENARIOS", "VARIANTS", "build", "load", "DataError"]
