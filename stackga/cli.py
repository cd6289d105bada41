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
    from cases.island.compare import PAPER_TABLE2, PAPER_TABLE3, battery_cells
    from cases.island.plots import write_figures
    case = _case(a.case)
    cfg = _config(a)
    game = case.build(scenario=a.scenario, variant=a.variant, integer_battery=not a.lp_battery)
    res = stackga.solve(game, cfg, on_generation=Progress(cfg.generations, f"scenario {a.scenario}"))
    out = Path(a.out or f"runs/{a.case}-s{a.scenario}-{a.variant}")
    res.save(out)
    write_figures({a.scenario: res}, out)
    rep = res.report
    p2, p3 = PAPER_TABLE2[a.scenario], PAPER_TABLE3[a.scenario]
    h, m, e = battery_cells(rep)
    print(f"island, scenario {a.scenario}, variant {a.variant}"
          f"{'' if res.log else ' (fixed TOU price: exact single-level solve, no GA)'}")
    print(f"{'':22}{'ours':>14}{'paper':>10}")
    print(f"{'f_ier  (MGO, yuan)':22}{rep['f_ier']:>14.1f}{p2[0]:>10}")
    print(f"{'f_ser  (storage, yuan)':22}{rep['f_ser']:>14.1f}{p2[1]:>10}")
    print(f"{'f_user (users, yuan)':22}{rep['f_user']:>14.1f}{p2[2]:>10}")
    print(f"{'battery ch/dis hours':22}{h:>14}{p3[0]:>10}")
    print(f"{'battery max kW':22}{m:>14}{p3[1]:>10}")
    print(f"{'battery total kWh':22}{e:>14}{p3[2]:>10}")
    print(f"feasible: {rep['feasible']}; wind curtailed {rep['wind_curtailed_kwh']:.1f} kWh; "
          f"grid import {rep['grid_import_kwh']:.0f} kWh, export {rep['grid_export_kwh']:.0f} kWh")
    print("(ours: reconstructed data, see cases/island/README.md; paper: its own data)")
    print(f"{res.seconds:.1f} s; results and figures in {out}/")
    return 0


def cmd_compare(a) -> int:
    from cases.island.compare import run_all, summary
    from cases.island.plots import write_figures
    _case(a.case)
    cfg = _config(a)
    t0 = time.perf_counter()
    scen, var = run_all(cfg, on_run=lambda s: print(f"solving {s} ...", file=sys.stderr)
                        if sys.stderr.isatty() else None)
    text = summary(scen, var)
    print(text)
    out = Path(a.out or f"runs/{a.case}-compare")
    for sc, r in scen.items():
        r.save(out / f"scenario{sc}")
    for v, r in var.items():
        if v != "base":
            r.save(out / f"scenario4-{v}")
    (out / "summary.txt").write_text(text + "\n")
    write_figures(scen, out)
    print(f"\n{time.perf_counter() - t0:.1f} s; results in {out}/")
    return 0


def cmd_figures(a) -> int:
    """Regenerate the README's figures (scenarios 1-4 of the island case)."""
    import stackga
    from cases.island.plots import write_figures
    case = _case(a.case)
    cfg = _config(a)
    results = {sc: stackga.solve(case.build(scenario=sc), cfg) for sc in (1, 2, 3, 4)}
    for p in write_figures(results, a.out):
        print(p)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="stackga", description=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="solve one scenario, print its table, write results and figures")
    r.add_argument("case")
    r.add_argument("--scenario", type=int, default=4, choices=(1, 2, 3, 4))
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
