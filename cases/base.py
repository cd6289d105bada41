"""The protocol every case module follows: the command line learns a case only through it.

A case is a package ``stackga.cases.<name>`` (listed in :data:`stackga.cases.CASES`) whose
``__init__`` exports the names of :class:`Case`. Its folder holds the same files in every
case: ``case.py`` (the model written out with its paper, ``build``), ``data/`` with
``README.md`` (the data's provenance), ``make_data.py`` (how the data were reconstructed),
``data_io.py``, ``report.py`` (the figures recomputed at an answer), ``summary.py`` (the
table ``stackga run`` prints), ``claims.py`` (the paper's claims, computed), ``compare.py``
(the comparison with the paper over seeds), ``plots.py``; a case may add its own modules
(references, a market).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from stackga.errors import InputError

__all__ = ["Case", "RunOption", "HOOKS", "check"]


@dataclass(frozen=True)
class RunOption:
    """A ``stackga run`` flag of one case. ``flag`` (e.g. "--lp-battery"), ``kwargs`` for
    argparse's ``add_argument``, ``arg``: the ``build`` keyword it sets; ``value``: what
    it sets it to when given (None: the flag's own value)."""

    flag: str
    arg: str
    kwargs: dict = field(default_factory=dict)
    value: Any = None


class Case(Protocol):
    """What a case module provides.

    Attributes:
        SCENARIOS: the scenarios ``build`` takes (numbers or names); DEFAULT_SCENARIO one
            of them (the paper's main game).
        VARIANTS: the data variants ``build`` takes ("base" first).
        DATA_DIR: the shipped data folder; DATA_SCHEMAS: their schemas (stackga.data).
        FIGURES_DIR: where ``stackga figures CASE`` writes by default.
        RUN_OPTIONS: the case's own ``stackga run`` flags (:class:`RunOption`).
    """

    SCENARIOS: tuple
    DEFAULT_SCENARIO: Any
    VARIANTS: tuple
    DATA_DIR: Any
    DATA_SCHEMAS: tuple
    FIGURES_DIR: str
    RUN_OPTIONS: tuple

    def build(self, scenario=..., variant: str = "base", data_dir=None, **kw) -> Any:
        """The case's :class:`stackga.Game`."""

    def load(self, data_dir=None) -> Any:
        """The case's data (the shipped files, or those in ``data_dir``), checked."""

    def summarize(self, result) -> str:
        """The table printed after ``stackga run``."""

    def write_figures(self, results: dict, out) -> list:
        """Figures of runs (scenario -> Result) into ``out``; the paths written."""

    def compare(self, config, on_run: Callable | None = None, data_dir=None, seeds: int = 5,
                jobs: int = 1) -> tuple:
        """(text, results) of the comparison with the paper over ``seeds`` seeds."""

    def write_compare_figures(self, results: dict, out, seeds: int, first_seed: int) -> list:
        """The comparison's figures into ``out``; the paths written."""


HOOKS = ("SCENARIOS", "DEFAULT_SCENARIO", "VARIANTS", "DATA_DIR", "DATA_SCHEMAS", "FIGURES_DIR",
         "RUN_OPTIONS", "build", "load", "summarize", "write_figures", "compare",
         "write_compare_figures")


def check(module) -> None:
    """InputError naming what a case module lacks of :class:`Case`."""
    missing = [h for h in HOOKS if not hasattr(module, h)]
    if missing:
        raise InputError(f"case {module.__name__!r} lacks {', '.join(missing)} "
                         f"(see stackga.cases.base.Case)")
    if module.DEFAULT_SCENARIO not in module.SCENARIOS:
        raise InputError(f"case {module.__name__!r}: DEFAULT_SCENARIO {module.DEFAULT_SCENARIO!r} "
                         f"is not one of SCENARIOS {module.SCENARIOS}")
