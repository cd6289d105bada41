"""``stackga compare island [--seeds N]``: scenarios 1-4 and the variants over N GA seeds,
our tables 2 and 3 beside the paper's, and the paper's qualitative claims counted over
the seeds. The paper's numbers are shown for reference only; they are never used in a
computation (their data differ from our reconstruction).

Scenarios 1 and 2 are exact single-level solves (no GA, one run each); scenario 3,
scenario 4 and its variants run once per seed. The runs are independent and seeded,
so they run in parallel processes (``jobs``) with results identical to running them
one by one.
"""
from __future__ import annotations

import numpy as np

import stackga
from stackga.experiments import RunSpec, run_many, unfinished
from stackga.experiments.comparison import median_run as _median_run
from stackga.experiments.comparison import run_specs

from .case import build
from .claims import battery_hours, battery_throughput, claims, format_claims

# Table 2 and table 3 of the paper, for side-by-side display only.
PAPER_TABLE2 = {1: (27120, 904, 14650), 2: (24876, 480, 17004),
                3: (25932, 854, 15633), 4: (26832, 1132, 16740)}
PAPER_TABLE3 = {1: ("10/9", "500/500", "2663/2780"), 2: ("4/4", "500/400", "1214/1700"),
                3: ("5/6", "500/500", "1749/1419"), 4: ("3/3", "330/485", "1240/950")}
SENSITIVITY = ("wind-0.8", "wind-1.2", "load-0.8", "load-1.2", "battery-2mw")


def jobs_for(seeds: list[int]) -> list[tuple]:
    """Every run of a comparison: (name, scenario, variant, s2_battery, seed or None)."""
    out: list[tuple] = [("scenario1", 1, "base", "grid", None), ("scenario2", 2, "base", "grid", None),
                        ("scenario2-operator", 2, "base", "operator", None)]
    for s in seeds:
        out += [(f"scenario3-seed{s}", 3, "base", "grid", s), (f"scenario4-seed{s}", 4, "base", "grid", s)]
        out += [(f"scenario4-{v}-seed{s}", 4, v, "grid", s) for v in SENSITIVITY]
    return out


def specs_for(config: stackga.GAConfig, seeds: list[int], data_dir=None) -> list[RunSpec]:
    """The runs of :func:`jobs_for` as run specs for :func:`stackga.experiments.run_many`."""
    return run_specs(build, config, [(name, {"scenario": sc, "variant": variant, "s2_battery": s2},
                                      seed) for name, sc, variant, s2, seed in jobs_for(seeds)],
                     data_dir)


def run_all(config: stackga.GAConfig, seeds: list[int], data_dir=None, jobs: int = 1,
            on_run=None) -> dict[str, stackga.Result]:
    """name -> Result for every run of ``jobs_for(seeds)``, in that order, in ``jobs``
    processes (:func:`stackga.experiments.run_many`). ``on_run(name)`` is called as each
    run finishes; Ctrl-C ends it with the runs finished so far."""
    done = (lambda spec, res: on_run(spec.name)) if on_run else None
    return run_many(specs_for(config, seeds, data_dir), jobs, done)


def by_seed(results: dict, seeds: list[int]) -> list[tuple[dict, dict]]:
    """Per seed: ({scenario: Result}, {variant: Result of scenario 4})."""
    out = []
    for s in seeds:
        scen = {1: results["scenario1"], 2: results["scenario2"],
                3: results[f"scenario3-seed{s}"], 4: results[f"scenario4-seed{s}"]}
        var = {"base": scen[4], **{v: results[f"scenario4-{v}-seed{s}"] for v in SENSITIVITY}}
        out.append((scen, var))
    return out


def median_run(runs: list) -> stackga.Result:
    """The run whose leader objective is the median (the lower one for an even count)."""
    return _median_run(runs, lambda r: r.report["f_ier"])


def _spread(runs: list, key: str) -> str:
    v = [r.report[key] for r in runs]
    return f"[{min(v):.1f}, {max(v):.1f}]" if len(runs) > 1 else ""


def battery_cells(rep: dict) -> tuple[str, str, str]:
    return (f"{rep['bt_charge_hours']}/{rep['bt_discharge_hours']}",
            f"{rep['bt_max_charge_kw']:.0f}/{rep['bt_max_discharge_kw']:.0f}",
            f"{rep['bt_charge_kwh']:.0f}/{rep['bt_discharge_kwh']:.0f}")


def tables(per_seed: list[tuple[dict, dict]]) -> str:
    """Tables 2 and 3 from each scenario's median-seed run, with the range over seeds."""
    runs = {sc: [scen[sc] for scen, _ in per_seed] for sc in (1, 2, 3, 4)}
    n = len(per_seed)
    head = f"the median-seed run of {n} seeds, [min, max] over seeds" if n > 1 else "one seed"
    t2 = [f"Table 2 -- objectives (yuan): ours ({head}; reconstructed data) | paper",
          f"{'scenario':>8} {'f_ier':>10} {'f_ser':>9} {'f_user':>10} {'f_ier range':>20} | "
          f"{'f_ier':>7} {'f_ser':>6} {'f_user':>7}"]
    t3 = [f"Table 3 -- battery use, charge/discharge: ours ({head}) | paper",
          f"{'scenario':>8} {'hours':>7} {'max kW':>9} {'total kWh':>11} {'throughput range':>18} | "
          f"{'hours':>6} {'max kW':>8} {'total kWh':>10}"]
    for sc, rs in runs.items():
        m, p2, p3 = median_run(rs).report, PAPER_TABLE2[sc], PAPER_TABLE3[sc]
        t2.append(f"{sc:>8} {m['f_ier']:>10.1f} {m['f_ser']:>9.1f} {m['f_user']:>10.1f} "
                  f"{_spread(rs, 'f_ier'):>20} | {p2[0]:>7} {p2[1]:>6} {p2[2]:>7}")
        h, mx, e = battery_cells(m)
        thr = [battery_throughput(r.report) for r in rs]
        rng = f"[{min(thr):.0f}, {max(thr):.0f}]" if n > 1 else ""
        t3.append(f"{sc:>8} {h:>7} {mx:>9} {e:>11} {rng:>18} | {p3[0]:>6} {p3[1]:>8} {p3[2]:>10}")
    return "\n".join(t2) + "\n\n" + "\n".join(t3)


def tie_break_effect(results: dict) -> str:
    """Scenario 2 with the battery idle ("grid", the default) vs at its operator's best response."""
    lines = ["Scenario 2's battery plan is a tie for the users; its tie-break and the effect:",
             f"{'battery':>30} {'f_ier':>10} {'f_ser':>9} {'f_user':>10} {'hours':>6} {'kWh':>7}"]
    for name, label in (("scenario2", "idles, grid balances (default)"),
                        ("scenario2-operator", "operator's best response")):
        rep = results[name].report
        lines.append(f"{label:>30} {rep['f_ier']:>10.1f} {rep['f_ser']:>9.1f} {rep['f_user']:>10.1f} "
                     f"{battery_hours(rep):>6} {battery_throughput(rep):>7.0f}")
    return "\n".join(lines)


def sensitivity_table(per_seed: list[tuple[dict, dict]]) -> str:
    lines = ["Variants of scenario 4 (median over seeds [min, max]): f_ier, virtual storage "
             "shifted kWh, battery kWh",
             f"{'variant':>12} {'f_ier':>10} {'range':>20} {'shifted':>9} {'range':>16} {'battery':>8}"]
    for v in ("base",) + SENSITIVITY:
        rs = [var[v] for _, var in per_seed]
        f = np.array([r.report["f_ier"] for r in rs])
        s = np.array([r.report["virtual_energy_shifted_kwh"] for r in rs])
        b = np.median([battery_throughput(r.report) for r in rs])
        many = len(rs) > 1
        lines.append(f"{v:>12} {np.median(f):>10.1f} {f'[{f.min():.1f}, {f.max():.1f}]' if many else '':>20} "
                     f"{np.median(s):>9.0f} {f'[{s.min():.0f}, {s.max():.0f}]' if many else '':>16} {b:>8.0f}")
    return "\n".join(lines)


def welfare_bound(per_seed: list[tuple[dict, dict]], a: float, b: float) -> str:
    """f_ier + f_user = sum_t (a P - b/2 P^2) - grid cost <= 24 a^2 / (2 b) - grid cost
    (eq. 16 + eq. 22: the internal payments cancel), for any loads and prices."""
    cap = 24 * a ** 2 / (2 * b)
    lines = [f"Bound (eq. 16 + 22, a = {a:g}, b = {b:g}): f_ier + f_user <= 24 a^2/(2b) - grid cost "
             f"= {cap:.0f} yuan - grid cost",
             f"{'scenario':>8} {'ours f_ier + f_user':>20} {'our bound':>10} | {'paper':>7}"]
    for sc in (1, 2, 3, 4):
        r = median_run([scen[sc] for scen, _ in per_seed])
        grid = r.arrays["leader.grid"]
        cost = (np.maximum(grid, 0) * r.meta["grid_buy"] + np.minimum(grid, 0) * r.meta["grid_sell"]).sum()
        lines.append(f"{sc:>8} {r.report['f_ier'] + r.report['f_user']:>20.1f} {cap - cost:>10.1f} | "
                     f"{PAPER_TABLE2[sc][0] + PAPER_TABLE2[sc][2]:>7}")
    return "\n".join(lines)


def summary(results: dict, seeds: list[int]) -> str:
    per_seed = by_seed(results, seeds)
    a, b = results["scenario1"].meta["users_a"], results["scenario1"].meta["users_b"]
    return "\n\n".join([tables(per_seed), welfare_bound(per_seed, a, b), tie_break_effect(results),
                        sensitivity_table(per_seed),
                        format_claims([claims(scen, var) for scen, var in per_seed], seeds)])


def compare(config: stackga.GAConfig, on_run=None, data_dir=None, seeds: int = 5,
            jobs: int = 1) -> tuple[str, dict]:
    """Run everything for ``seeds`` seeds (config.seed, config.seed + 1, ...); returns
    (printed summary, {name: Result}) for saving. If a run was interrupted or found no
    feasible individual, the text says so instead of tables."""
    seed_list = [config.seed + k for k in range(seeds)]
    results = run_all(config, seed_list, data_dir, jobs, on_run)
    why = unfinished(results, len(jobs_for(seed_list)))
    if why:
        return why, results
    return summary(results, seed_list), results


def figure_runs(results: dict, seeds: list[int]) -> dict:
    """scenario -> the run its figures show (the median-seed run of GA scenarios)."""
    per_seed = by_seed(results, seeds)
    return {sc: median_run([scen[sc] for scen, _ in per_seed]) for sc in (1, 2, 3, 4)}


__all__ = ["run_all", "jobs_for", "specs_for", "summary", "compare", "claims", "tables",
           "figure_runs", "median_run", "by_seed"]
