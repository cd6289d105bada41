"""``stackga compare v2g [--seeds N]``: the references (no V2G, managed charging, the
single-level model: exact, one QP each) and the bi-level game in the paper's plan mode
and in tariff mode over N GA seeds; our tables 2-4 beside the paper's, the GA's gap to
the single-level optimum (a bound: the bi-level optimum can never cost less), and the
paper's claims computed for every seed. The paper's numbers are shown, never used.
"""
from __future__ import annotations

import numpy as np

import stackga
from stackga.experiments import RunSpec, run_comparison
from stackga.experiments.comparison import median_run as _median_run
from stackga.experiments.comparison import run_specs
from stackga.solve import result_at

from .case import PREVIOUS, READINGS, build
from .claims import format_claims

# Tables 2-4 of the paper (for display only): total cost, carbon cost, shed MWh, owner
# cost, discharge MWh.
PAPER = {"plan": (6.67e6, 6.46e6, 0.0, 3.74e4, 227.20), "single": (6.56e6, 6.48e6, 0.0, 1.29e5, 91.05),
         "none": (5.91e6, None, 91.05, 1.90e5, None)}
# Table 3: hourly charge / discharge (MW), paper rows 01:00..24:00.
PAPER_T3 = {
    "plan": ([108.21, 83.21, 100.71, 108.21, 101.96, 100.09, 72.00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
              0, 65.60, 80.47, 172.41, 179.91, 222.41],
             [0] * 10 + [21.24, 36.24, 70.76, 53.15, 35.86, 6.24, 3.74] + [0] * 7),
    "single": ([109.08, 84.08, 101.58, 109.08, 102.83, 95.74, 67.06, 0, 17.83, 17.50, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 13.82, 51.78, 143.72, 151.22, 193.72],
               [0] * 11 + [10.00, 44.52, 26.91, 9.62] + [0] * 9)}
REFERENCES = ("none", "charge-only", "single", "plan-exact")
GAMES = ("plan", "tariff")


def jobs_for(seeds: list[int]) -> list[tuple]:
    """(name, scenario, seed or None) of every run of a comparison."""
    return [(s, s, None) for s in REFERENCES] + [(f"{g}-seed{s}", g, s) for s in seeds for g in GAMES]


def specs_for(config: stackga.GAConfig, seeds: list[int], data_dir=None) -> list[RunSpec]:
    return run_specs(build, config, [(name, {"scenario": sc, "variant": "base"}, seed)
                                     for name, sc, seed in jobs_for(seeds)], data_dir)


def median_run(runs: list) -> stackga.Result:
    """The run with the median total cost (the lower-cost one of the middle two)."""
    return _median_run(runs, lambda r: r.report["total_cost"])


def runs_of(results: dict, game: str, seeds: list[int]) -> list:
    return [results[f"{game}-seed{s}"] for s in seeds]


def _fmt(v, spec=".4g") -> str:
    return "-" if v is None else format(v, spec)


def tables(results: dict, seeds: list[int]) -> str:
    n = len(seeds)
    rows = [("no V2G", results["none"], PAPER["none"]),
            ("managed charging", results["charge-only"], None),
            ("single-level", results["single"], PAPER["single"]),
            ("bi-level plan, exact", results["plan-exact"], None)]
    for g in GAMES:
        rows.append((f"bi-level, {g} mode", median_run(runs_of(results, g, seeds)),
                     PAPER["plan"] if g == "plan" else None))
    head = f"GA rows: the median-cost run of {n} seeds" if n > 1 else "GA rows: one seed"
    out = [f"Tables 2 and 4 -- ours ({head}; reconstructed load and travel energy) | paper",
           f"{'model':>20} {'total $':>11} {'carbon $':>11} {'shed MWh':>9} {'owners $':>10} "
           f"{'disch. MWh':>10} {'charge MWh':>10} | {'total':>8} {'carbon':>8} {'shed':>6} "
           f"{'owners':>8} {'disch.':>7}"]
    for label, r, p in rows:
        m = r.report
        p = p or (None,) * 5
        out.append(f"{label:>20} {m['total_cost']:>11.1f} {m['carbon_cost']:>11.1f} {m['shed_mwh']:>9.2f} "
                   f"{m['owner_cost']:>10.1f} {m['discharge_mwh']:>10.2f} {m['charge_mwh']:>10.2f} | "
                   f"{_fmt(p[0]):>8} {_fmt(p[1]):>8} {_fmt(p[2]):>6} {_fmt(p[3]):>8} {_fmt(p[4]):>7}")
    out.append("(tariff mode counts the charging payments the operator collects: its total is "
               "eq. 1 minus sum k_c(t) P_c(t); see cases/v2g/README.md)")
    return "\n".join(out)


def table3(results: dict, seeds: list[int]) -> str:
    bi = median_run(runs_of(results, "plan", seeds)).arrays
    ex, sl = results["plan-exact"].arrays, results["single"].arrays
    out = ["Table 3 -- V2G charge/discharge (MW): ours bi-level (plan mode: GA median run, exact "
           "optimum), ours single-level | paper bi-level, paper single-level",
           f"{'row':>5} {'bi GA':>13} {'bi exact':>13} {'single':>13} | {'paper bi':>13} "
           f"{'paper single':>13}"]
    for t in range(24):
        cell = lambda c, d: f"{c:.2f}/{d:.2f}"                         # noqa: E731
        out.append(f"{t + 1:>2}:00 {cell(bi['ev.p_ch'][t], bi['ev.p_dis'][t]):>13} "
                   f"{cell(ex['ev.p_ch'][t], ex['ev.p_dis'][t]):>13} "
                   f"{cell(sl['ev.p_ch'][t], sl['ev.p_dis'][t]):>13} | "
                   f"{cell(PAPER_T3['plan'][0][t], PAPER_T3['plan'][1][t]):>13} "
                   f"{cell(PAPER_T3['single'][0][t], PAPER_T3['single'][1][t]):>13}")
    return "\n".join(out)


def gap(results: dict, seeds: list[int]) -> str:
    """The GA's gap to the exact plan-mode optimum, when the single-level plan answered by
    the agent attains the single-level bound (else to the bound, which is then not proven
    attainable)."""
    lb = results["single"].report["total_cost"]
    ex = results["plan-exact"].report
    g = np.array([r.report["total_cost"] for r in runs_of(results, "plan", seeds)])
    if ex["attains_bound"]:
        ref, head = ex["total_cost"], (
            f"the agent's own answer to that plan costs {ex['total_cost']:.1f} $ and attains it "
            f"(difference {ex['bound_gap']:.1e} $): the exact bi-level optimum")
        what = "the exact optimum"
    else:
        ref, head = lb, (
            f"the agent's answer to that plan costs {ex['total_cost']:.1f} $, {ex['bound_gap']:.1f} $ "
            f"above it: on this data the bound is not attained by that plan, and no exact "
            f"bi-level optimum is known")
        what = "the single-level bound"
    rel = (g - ref) / abs(ref)
    return (f"Plan mode: single-level optimum {lb:.1f} $ (a lower bound for every plan); {head}.\n"
            f"GA ({len(g)} seeds): cost median {np.median(g):.1f} $ [{g.min():.1f}, {g.max():.1f}]; "
            f"gap to {what} median {100 * np.median(rel):.3f} % [{100 * rel.min():.3f}, "
            f"{100 * rel.max():.3f}]; within 0.1 %: {int((rel <= 1e-3).sum())} of {len(g)}")


def _alternatives() -> dict[str, dict]:
    """name -> build keywords: the default readings, each other reading alone, and all the
    previous readings together."""
    out: dict[str, dict] = {"default (the paper's text)": {}}
    out.update({f"{k} = {c}": {k: c} for k, (choices, default) in READINGS.items()
                if k != "selection" for c in choices if c != default})
    out["previous (all)"] = dict(PREVIOUS)
    return out


def reading_effects(data_dir=None) -> dict[str, dict[str, float | None]]:
    """name -> {reference: total cost $} of the exact references (no GA) under each
    reading (:func:`_alternatives`); None where a reference has no solution."""
    out: dict[str, dict[str, float | None]] = {}
    for name, kw in _alternatives().items():
        row: dict[str, float | None] = {}
        for sc in ("none", "single", "plan-exact"):
            try:
                g = build(sc, data_dir=data_dir, **kw)
            except ValueError:                      # e.g. no single-level solution
                row[sc] = None
                continue
            r = result_at(g, g.single_level(), certify=False)
            row[sc] = r.report.get("total_cost") if r.report.get("feasible") else None
            if sc == "single":
                row["single discharge MWh"] = r.report.get("discharge_mwh")
        out[name] = row
    return out


def _order(a: float, b: float, rel: float = 1e-9) -> str:
    """"<", "=" or ">" between two costs, equal within ``rel``."""
    tol = rel * max(1.0, abs(a), abs(b))
    return "=" if abs(a - b) <= tol else ("<" if a < b else ">")


def effects_table(effects: dict) -> str:
    if not effects:
        return ""
    f = lambda v, spec=",.0f": "-" if v is None else format(v, spec)      # noqa: E731
    lines = ["The readings' effect on the exact references (total cost $; no GA)",
             f"{'reading':32} {'no V2G':>12} {'single-level':>13} {'bi-level exact':>15} "
             f"{'single disch. MWh':>18}  orderings (no V2G vs V2G)"]
    for name, r in effects.items():
        none, single, exact = r["none"], r["single"], r["plan-exact"]
        order = "-" if None in (none, single, exact) else (
            f"no V2G {_order(none, single)} single-level {_order(single, exact)} bi-level")
        lines.append(f"{name:32} {f(none):>12} {f(single):>13} {f(exact):>15} "
                     f"{f(r.get('single discharge MWh'), '.2f'):>18}  {order}")
    return "\n".join(lines)


def summary(results: dict, seeds: list[int]) -> str:
    effects = results["single"].report.get("readings", {})
    return "\n\n".join(p for p in [tables(results, seeds), gap(results, seeds), table3(results, seeds),
                                    effects_table(effects),
                                    format_claims(results, runs_of(results, "plan", seeds))] if p)


def compare(config: stackga.GAConfig, on_run=None, data_dir=None, seeds: int = 5,
            jobs: int = 1) -> tuple[str, dict]:
    """Run everything for ``seeds`` seeds; returns (printed summary, {name: Result})."""
    seed_list = [config.seed + k for k in range(seeds)]
    why, results = run_comparison(specs_for(config, seed_list, data_dir), jobs, on_run)
    if why:
        return why, results
    results["single"].report["readings"] = reading_effects(data_dir)
    return summary(results, seed_list), results


def figure_runs(results: dict, seeds: list[int]) -> dict:
    """scenario -> the run its figures show (the median-cost run of the GA scenarios)."""
    out = {s: results[s] for s in REFERENCES}
    out.update({g: median_run(runs_of(results, g, seeds)) for g in GAMES})
    return out


__all__ = ["compare", "summary", "jobs_for", "specs_for", "figure_runs",
           "median_run", "runs_of", "reading_effects"]
