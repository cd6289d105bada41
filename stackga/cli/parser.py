"""The command line's parser: every command, its arguments and their help."""
from __future__ import annotations

import argparse
import os

from ..config import GAConfig
from ..errors import InputError
from .common import _list

#: the help's description: the package's docstring (commands and exit codes)
DESCRIPTION = __import__("stackga.cli", fromlist=["__doc__"]).__doc__


def _ga_args(p: argparse.ArgumentParser) -> None:
    d = GAConfig()
    p.add_argument("--generations", type=int, default=d.generations)
    p.add_argument("--pop-size", type=int, default=d.pop_size)
    p.add_argument("--crossover-prob", type=float, default=d.crossover_prob,
                   help="per mating pair (paper: 0.89)")
    p.add_argument("--mutation-prob", type=float, default=d.mutation_prob,
                   help="per gene (paper: 0.076)")
    p.add_argument("--block-mutation", type=float, default=d.block_mutation,
                   help="per child: shift a block of consecutive genes together (default 0: "
                        "the paper's procedure)")
    p.add_argument("--improve-every", type=int, default=d.improve_every, metavar="K",
                   help="every K generations, the exact improvement step from the elites, "
                        "better points put back in the population (default 0: off)")
    p.add_argument("--improve-elites", type=int, default=d.improve_elites, metavar="N",
                   help="with --improve-every: from the N best distinct individuals (default 1)")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--engine", choices=("pymoo", "deap"), default=d.engine)
    p.add_argument("--data", default=None, metavar="DIR",
                   help="run on the case's data files in DIR (write them with 'stackga data CASE DIR')")


def _seed_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seeds", type=int, default=5,
                   help="GA seeds per scenario and variant: --seed, --seed + 1, ... (default 5)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="parallel processes (default: the number of cores; results do not depend on it)")


def _experiment_args(p: argparse.ArgumentParser, what: str) -> None:
    """Where a sweep or tuning runs, on which game, and its folder."""
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on this Dask scheduler (default: $DASK_SCHEDULER_ADDRESS, else local processes)")
    p.add_argument("--worker-timeout", type=float, default=None, metavar="SECONDS",
                   help="on Dask, give up after this long with no worker connected (default: "
                        "wait, saying so every minute)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel processes")
    p.add_argument("--scenario", default=None, help="the case's scenario (default: its main game)")
    p.add_argument("--variant", default="base")
    p.add_argument("--data", default=None, metavar="DIR")
    p.add_argument("--out", default=None, help=f"{what} folder (default: a new runs/CASE-{what}-DATE-TIME)")
    p.add_argument("--resume", action="store_true", help=f"finish the {what} in --out without redoing its runs")


def _out_args(p: argparse.ArgumentParser, default_help: str) -> None:
    p.add_argument("--out", default=None, help=f"output folder (default: {default_help})")
    p.add_argument("--overwrite", action="store_true", help="replace an existing non-empty --out folder")


def _cases() -> dict:
    import stackga.cases as cases
    return {name: cases.get(name) for name in cases.CASES}


def _choices(attr: str, default: bool = False) -> str:
    """'island: 1, 2, 3, 4 (default 4); v2g: ...' for a case attribute."""
    return "; ".join(f"{n}: {', '.join(map(str, getattr(c, attr)))}"
                     + (f" (default {c.DEFAULT_SCENARIO})" if default else "")
                     for n, c in _cases().items())


def _run_options() -> dict:
    """flag -> (argparse kwargs, {case: RunOption}) over every case's RUN_OPTIONS; a flag two
    cases declare is added once, its help joined and its choices united (each case's
    ``build`` names a choice it does not take)."""
    out: dict = {}
    for name, case in _cases().items():
        for opt in case.RUN_OPTIONS:
            kwargs, owners = out.setdefault(opt.flag, (dict(opt.kwargs), {}))
            if owners and "help" in opt.kwargs:
                kwargs["help"] = kwargs.get("help", "") + "; " + opt.kwargs["help"]
            if owners and "choices" in opt.kwargs:        # each case checks its own
                kwargs["choices"] = tuple(dict.fromkeys((*kwargs.get("choices", ()),
                                                         *opt.kwargs["choices"])))
            owners[name] = opt
    return out


def case_options(a, case_name: str) -> dict:
    """The ``build`` keywords the case's own flags set in the parsed arguments ``a``;
    InputError for a flag given to a case that does not declare it."""
    out = {}
    for flag, (_, owners) in _run_options().items():
        given = getattr(a, flag.lstrip("-").replace("-", "_"), None)
        if given is None or given is False:
            continue
        if case_name not in owners:
            raise InputError(f"{flag}: the {case_name} case has no such option "
                             f"(it is {', '.join(owners)}'s)")
        opt = owners[case_name]
        out[opt.arg] = opt.value if opt.value is not None else given
    return out


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command (``stackga -h``)."""
    ap = argparse.ArgumentParser(prog="stackga", description=DESCRIPTION,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="solve one scenario, print its table, write results and figures")
    r.add_argument("case")
    r.add_argument("--scenario", default=None,
                   help="the case's scenario (" + _choices("SCENARIOS", default=True) + ")")
    r.add_argument("--variant", default="base", help="the case's data variant (" + _choices("VARIANTS") + ")")
    for flag, (kwargs, _) in _run_options().items():         # the cases' own flags
        r.add_argument(flag, default=None, **kwargs)
    _out_args(r, "a new folder runs/CASE-sS-VARIANT-DATE-TIME")
    _ga_args(r)
    r.add_argument("--checkpoint-every", type=int, default=None, metavar="K",
                   help="write a checkpoint every K generations (then 'stackga resume OUT' "
                        "continues a killed run to exactly the uninterrupted result)")
    r.add_argument("--no-certify", action="store_true",
                   help="skip the followers' certificates of the reported point")
    c = sub.add_parser("compare", help="every scenario (and variant) over several seeds vs the paper")
    c.add_argument("case")
    _out_args(c, "a new folder runs/CASE-compare-DATE-TIME")
    c.add_argument("--resume", action="store_true",
                   help="finish the comparison in --out (stopped or killed): its finished runs "
                        "are kept, the others run; repeat its settings (more --seeds may be added)")
    _ga_args(c)
    _seed_args(c)
    f = sub.add_parser("figures", help="regenerate the README figures (compare's figures, no tables)")
    f.add_argument("case")
    _ga_args(f)
    _seed_args(f)
    f.add_argument("--out", default=None,
                   help="folder for the figures (default: the case's FIGURES_DIR: figures/ or figures/CASE)")
    d = sub.add_parser("data", help="write the case's data files to DIR (to edit, then run with --data DIR)")
    d.add_argument("case")
    d.add_argument("dir")
    d.add_argument("--overwrite", action="store_true", help="replace the files if DIR already has them")
    w = sub.add_parser("sweep", help="GA settings x seeds, in parallel: tidy tables, figures, run folders")
    w.add_argument("case")
    d = GAConfig()
    w.add_argument("--crossover-prob", type=_list(float), default=[d.crossover_prob],
                   help="comma-separated values (per mating pair; paper 0.89)")
    w.add_argument("--mutation-prob", type=_list(float), default=[d.mutation_prob],
                   help="comma-separated values (per gene; paper 0.076)")
    w.add_argument("--pop-size", type=_list(int), default=[d.pop_size], help="comma-separated values")
    w.add_argument("--generations", type=int, default=d.generations)
    w.add_argument("--engine", choices=("pymoo", "deap"), default=d.engine)
    w.add_argument("--seed", type=int, default=d.seed, help="first seed (default 1)")
    w.add_argument("--seeds", type=int, default=10, help="seeds per setting (default 10)")
    _experiment_args(w, "sweep")
    t = sub.add_parser("tune", help="tune crossover and mutation (optuna TPE, Wilcoxon pruning over seeds)")
    t.add_argument("case")
    t.add_argument("--trials", type=int, default=50)
    t.add_argument("--seeds", type=int, default=5, help="seeds per trial (default 5)")
    t.add_argument("--seed", type=int, default=d.seed, help="first seed (default 1)")
    t.add_argument("--sampler-seed", type=int, default=1, help="seed of the TPE sampler")
    t.add_argument("--generations", type=int, default=d.generations)
    t.add_argument("--pop-size", type=int, default=d.pop_size)
    t.add_argument("--pop-sizes", type=_list(int), default=None,
                   help="also tune the population size among these, at --budget evaluations")
    t.add_argument("--budget", type=int, default=d.pop_size * d.generations,
                   help="evaluations per run when tuning the population size (default 30000)")
    t.add_argument("--engine", choices=("pymoo", "deap"), default=d.engine)
    _experiment_args(t, "tune")
    ce = sub.add_parser("certify", help="a bilevel game from FILE.py (build() -> Bilevel): exact "
                                        "reference, GA with polish, gap, certificates")
    ce.add_argument("file")
    ce.add_argument("--method", choices=("bigm", "sos1", "cuts"), default=None,
                    help="exact method (default: cuts with integer followers, else bigm where "
                         "the system is linear, sos1 otherwise)")
    ce.add_argument("--time-limit", type=float, default=60.0, help="seconds for the exact solve")
    ce.add_argument("--no-ga", action="store_true", help="only the exact reference")
    _ga_args(ce)
    rs = sub.add_parser("resume", help="continue a killed run (started with --checkpoint-every)")
    rs.add_argument("dir")
    pl = sub.add_parser("plot", help="regenerate the figures of a sweep, tuning or run folder")
    pl.add_argument("dir")
    return ap
