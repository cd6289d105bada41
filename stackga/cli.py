"""Command line: ``stackga run|compare|figures <case>`` (also ``python -m stackga``)."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .config import GAConfig


def _ga_args(p: argparse.ArgumentParser) -> None:
    d = GAConfig()
    p.add_argument("--generations", type=int, default=d.generations)
    p.add_argument("--pop-size", type=int, default=d.pop_size)
    p.add_argument("--crossover-prob", type=float, default=d.crossover_prob,
                   help="per mating pair (paper: 0.89)")
    p.add_argument("--mutation-prob", type=float, default=d.mutation_prob,
                   help="per gene (paper: 0.076)")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--engine", choices=("pymoo", "deap"), default=d.engine)


def _config(a) -> GAConfig:
    return GAConfig(pop_size=a.pop_size, generations=a.generations,
                    crossover_prob=a.crossover_prob, mutation_prob=a.mutation_prob,
                    seed=a.seed, engine=a.engine)


class Progress:
    """A one-line progress bar on a terminal; silent otherwise."""

    def __init__(self, total: int, label: str = "") -> None:
        self.total, self.label = total, label
        self.live = sys.stderr.isatty()

    def __call__(self, row: dict) -> None:
        if self.live:
            done = int(30 * row["gen"] / self.total)
            sys.stderr.write(f"\r{self.label} [{'#' * done}{'.' * (30 - done)}] "
                             f"gen {row['gen']}/{self.total}  best {row['best']:.1f}   ")
            if row["gen"] == self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


def _case(name: str):
    import cases
    return cases.get(name)


def cmd_run(a) -> int:
    import stackga
    case = _case(a.case)
    scenario = a.scenario if a.scenario is not None else case.DEFAULT_SCENARIO
    cfg = _config(a)
    game = case.build(scenario=scenario, variant=a.variant, integer_battery=not a.lp_battery)
    res = stackga.solve(game, cfg, on_generation=Progress(cfg.generations, f"scenario {scenario}"))
    out = Path(a.out or f"runs/{a.case}-s{scenario}-{a.variant}")
    res.save(out)
    case.write_figures({scenario: res}, out)
    print(case.summarize(res))
    odd = {f: c for f, c in res.statuses.items() if set(c) - {"OPTIMAL"}}
    if odd:
        print(f"follower statuses over the run (individuals marked infeasible): {odd}")
    print(f"{res.seconds:.1f} s; results and figures in {out}/")
    return 0


def cmd_compare(a) -> int:
    case = _case(a.case)
    t0 = time.perf_counter()
    live = sys.stderr.isatty()
    text, results = case.compare(_config(a), on_run=lambda s: print(f"solving {s} ...",
                                                                     file=sys.stderr) if live else None)
    print(text)
    out = Path(a.out or f"runs/{a.case}-compare")
    for name, r in results.items():
        r.save(out / name)
    (out / "summary.txt").write_text(text + "\n")
    case.write_figures({r.meta["scenario"]: r for name, r in results.items()
                        if r.meta.get("variant") == "base"}, out)
    print(f"\n{time.perf_counter() - t0:.1f} s; results in {out}/")
    return 0


def cmd_figures(a) -> int:
    """Regenerate the README's figures (every scenario of the case)."""
    import stackga
    case = _case(a.case)
    cfg = _config(a)
    results = {sc: stackga.solve(case.build(scenario=sc), cfg) for sc in case.SCENARIOS}
    for p in case.write_figures(results, a.out):
        print(p)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="stackga", description=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="solve one scenario, print its table, write results and figures")
    r.add_argument("case")
    r.add_argument("--scenario", type=int, default=None,
                   help="the case's scenario (island: 1-4, default 4)")
    r.add_argument("--variant", default="base",
                   help="base, wind-0.8, wind-1.2, load-0.8 or load-1.2")
    r.add_argument("--lp-battery", action="store_true",
                   help="relax the battery's binaries (LP relaxation)")
    r.add_argument("--out", default=None)
    _ga_args(r)
    c = sub.add_parser("compare", help="scenarios 1-4 and the sensitivity variants vs the paper")
    c.add_argument("case")
    c.add_argument("--out", default=None)
    _ga_args(c)
    f = sub.add_parser("figures", help="regenerate the README figures")
    f.add_argument("case")
    f.add_argument("--out", default="figures")
    _ga_args(f)
    a = ap.parse_args(argv)
    try:
        return {"run": cmd_run, "compare": cmd_compare, "figures": cmd_figures}[a.command](a)
    except ValueError as e:
        print(f"stackga: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
