"""Experiments at scale: many seeded runs (settings x seeds) in parallel processes,
sweeps with tidy tables, and their plots."""
from .runner import RunSpec, execute, run_comparison, run_many, unfinished
from .sweep import SWEPT, Sweep, load_sweep, run_sweep, runs_table

__all__ = ["RunSpec", "SWEPT", "Sweep", "execute", "load_sweep", "run_comparison", "run_many", "run_sweep", "runs_table", "unfinished"]
