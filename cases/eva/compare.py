"""``stackga compare eva [--seeds N]``: the game over N GA seeds, under the default readings
and with the greedy clustering; ours beside the paper's figures (sec. 3.2), the rounds over
the final population, the effect of every other reading at the runs' best prices, the
plausible definitions of the paper's two undefined figures, and the paper's claims
computed for every seed. The paper's numbers are shown for reference only, never used
(our data are a reconstruction: cases/eva/README.md).
"""
from __future__ import annotations

import numpy as np
from stackga.followers.response import Status

import stackga
from stackga.experiments import RunSpec, run_comparison
from stackga.experiments.comparison import median_run as _median_run
from stackga.experiments.comparison import run_specs
from stackga.solve import result_at

from .case import READINGS, build
from .claims import format_claims

# Sec. 3.2 of the paper, for display only.
PAPER = {"evs": 64, "clusters": 34, "rounds": 9, "eva_profit": 921.43,
         "ev_cost_unmanaged": 934.29, "ev_cost_game": 819.79}
#: the GA runs of a comparison beside the default's: name -> build keywords
GROUPING_RUNS = {"greedy": {"grouping": "greedy"}}


def _alternatives() -> dict[str, dict]:
    """name -> build keywords: every reading but the grouping set to its other choice(s)."""
    return {f"{k} = {c}": {k: c} for k, (choices, default) in READINGS.items()
            if k != "grouping" for c in choices if c != default}


def jobs_for(seeds: list[int]) -> list[tuple]:
    """(name, seed) of the default readings' runs."""
    return [(f"game-seed{s}", s) for s in seeds]


def all_jobs(seeds: list[int]) -> list[tuple]:
    """(name, build keywords, seed) of every run of a comparison."""
    return ([(n, {}, s) for n, s in jobs_for(seeds)]
            + [(f"{g}-seed{s}", kw, s) for g, kw in GROUPING_RUNS.items() for s in seeds])


def specs_for(config: stackga.GAConfig, seeds: list[int], data_dir=None) -> list[RunSpec]:
    return run_specs(build, config, [(name, {"scenario": "game", "variant": "base", **kw}, s)
                                     for name, kw, s in all_jobs(seeds)], data_dir)


def runs_of(results: dict, seeds: list[int], grouping: str | None = None) -> list:
    """The default readings' runs, or those of a grouping in ``GROUPING_RUNS``."""
    return [results[f"{grouping}-seed{s}" if grouping else f"game-seed{s}"] for s in seeds]


def median_run(runs: list) -> stackga.Result:
    """The run with the median leader objective (EVA profit - penalty; the lower of the
    middle two)."""
    return _median_run(runs, lambda r: r.leader)


def population_rounds(res: stackga.Result, data_dir=None, **readings) -> dict:
    """The final population re-evaluated: rounds used by each settled individual, and
    how many did not settle within the cap or failed."""
    P = res.arrays.get("ga.population")
    if P is None:
        return {}
    r = build(data_dir=data_dir, **readings).evaluate(P).responses["market"]
    ok = r.status == Status.OPTIMAL
    return {"rounds": r.arrays["rounds"][ok].astype(int).tolist(), "n": len(P),
            "not_settled": int((r.status == Status.NOT_SETTLED).sum()),
            "failed": int((~ok & (r.status != Status.NOT_SETTLED)).sum())}


def reading_effects(res: stackga.Result, data_dir=None) -> dict:
    """name -> the report under each other reading (:func:`_alternatives`) at the run's
    best prices (the leader not re-optimised); None where the rounds do not settle."""
    out = {}
    for name, kw in _alternatives().items():
        r = result_at(build(data_dir=data_dir, **kw), res.x, certify=False)
        out[name] = r.report if r.report.get("feasible") else None
    return out


def _stat(v, spec=".2f") -> str:
    v = np.asarray(v, float)
    if not len(v) or np.all(np.isnan(v)):
        return "-"
    if len(v) == 1:
        return format(v[0], spec)
    return f"{np.nanmedian(v):{spec}} [{np.nanmin(v):{spec}}, {np.nanmax(v):{spec}}]"


def _main_rows(rep: list[dict]) -> list[tuple[str, str]]:
    col = lambda k: [m[k] for m in rep]                               # noqa: E731
    return [("EVs -> clusters (eq. 1)", f"{rep[0]['n_evs']} -> {rep[0]['n_clusters']}"),
            ("rounds to settle, at the best", _stat(col("rounds"), ".0f")),
            ("EVA gain from aggregation (yuan)", _stat(col("eva_gain"))),
            ("  EVA profit: payments - running (yuan)", _stat(col("eva_profit"))),
            ("  penalty term, apart (yuan)", _stat(col("penalty"), ".3g")),
            ("EV users cost, unmanaged at grid TOU (yuan)", f"{rep[0]['ev_cost_unmanaged_grid']:.2f}"),
            ("EV users cost in the game (yuan)", _stat(col("ev_cost_game"))),
            ("imbalance max, unmanaged EVs (kW)", f"{rep[0]['imbalance_before_max_kw']:.1f}"),
            ("imbalance max after the game (kW)", _stat(col("imbalance_after_max_kw"), ".2g")),
            ("clusters whose plan cannot be split per EV",
             _stat([len(m["split_failures"]) for m in rep], ".0f"))]


_PAPER_COL = {"EVs -> clusters (eq. 1)": f"{PAPER['evs']} -> {PAPER['clusters']}",
              "rounds to settle, at the best": PAPER["rounds"],
              "EVA gain from aggregation (yuan)": PAPER["eva_profit"],
              "EV users cost, unmanaged at grid TOU (yuan)": PAPER["ev_cost_unmanaged"],
              "EV users cost in the game (yuan)": PAPER["ev_cost_game"],
              "imbalance max after the game (kW)": "~0",
              "clusters whose plan cannot be split per EV": 0}


def table(results: dict, seeds: list[int]) -> str:
    runs = runs_of(results, seeds)
    groups = {"grid (default)": runs} | {g: runs_of(results, seeds, g) for g in GROUPING_RUNS
                                         if all(f"{g}-seed{s}" in results for s in seeds)}
    cols = {g: _main_rows([r.report for r in rr]) for g, rr in groups.items()}
    n = len(runs)
    head = f"median [min, max] over {n} seeds" if n > 1 else "one seed"
    lines = [f"eva -- ours ({head}; reconstructed data), by clustering (eq. 1) | paper",
             f"{'':44} " + " ".join(f"{g:<30}" for g in cols) + " | paper"]
    for i, (label, _) in enumerate(cols["grid (default)"]):
        lines.append(f"{label:44} " + " ".join(f"{c[i][1]:<30}" for c in cols.values())
                     + f" | {_PAPER_COL.get(label, '')}")
    pop = median_run(runs).report.get("final_population")
    if pop:
        hist = np.bincount(np.asarray(pop["rounds"], int), minlength=1)
        dist = ", ".join(f"{k}: {c}" for k, c in enumerate(hist) if c)
        lines.append(f"final population of the median default run, rounds: count {dist}; "
                     f"not settled {pop['not_settled']}, failed {pop['failed']} of {pop['n']}")
    return "\n".join(lines)


def effects_table(results: dict, seeds: list[int]) -> str:
    """Every other reading at the default runs' best prices: the change of the main
    figures (reading - default)."""
    runs = runs_of(results, seeds)
    if not all("readings" in r.report for r in runs):
        return ""
    keys = [("rounds", ".0f"), ("eva_gain", ".2f"), ("eva_profit", ".2f"), ("ev_cost_game", ".2f"),
            ("penalty", ".2g")]
    lines = ["the other readings at the default runs' best prices (the leader not re-optimised): "
             "change against the default, median [min, max]",
             f"{'reading':28} " + " ".join(f"{k:<26}" for k, _ in keys) + " not settled"]
    for name in _alternatives():
        got = [(r.report["readings"][name], r.report) for r in runs]
        ok = [(a, b) for a, b in got if a is not None]
        cells = [_stat([a[k] - b[k] for a, b in ok], spec) for k, spec in keys]
        lines.append(f"{name:28} " + " ".join(f"{c:<26}" for c in cells) + f" {len(got) - len(ok)}")
    return "\n".join(lines)


def definitions_table(results: dict, seeds: list[int]) -> str:
    """The plausible definitions of the paper's profit (921.43) and users' cost (819.79)."""
    rep = [r.report for r in runs_of(results, seeds)]
    if not all("definitions" in m for m in rep):
        return ""
    lines = ["the paper's EVA profit and EV users' cost are not defined in its text: plausible "
             "definitions on our data (median [min, max]) | paper"]
    for what, paper in (("profit", PAPER["eva_profit"]), ("users", PAPER["ev_cost_game"])):
        for name in rep[0]["definitions"][what]:
            v = _stat([m["definitions"][what][name] for m in rep])
            lines.append(f"  {what + ': ' + name:52} {v:<30} | {paper}")
    return "\n".join(lines)


def summary(results: dict, seeds: list[int]) -> str:
    parts = [table(results, seeds), effects_table(results, seeds), definitions_table(results, seeds),
             format_claims(runs_of(results, seeds))]
    return "\n\n".join(p for p in parts if p)


def compare(config: stackga.GAConfig, on_run=None, data_dir=None, seeds: int = 5,
            jobs: int = 1) -> tuple[str, dict]:
    """Run the game for ``seeds`` seeds under the default readings and the greedy
    clustering; returns (printed summary, {name: Result})."""
    seed_list = [config.seed + k for k in range(seeds)]
    why, results = run_comparison(specs_for(config, seed_list, data_dir), jobs, on_run)
    if why:
        return why, results
    for name, res in results.items():            # rounds over each run's final population
        kw = next(kw for n, kw, _ in all_jobs(seed_list) if n == name)
        res.report["final_population"] = population_rounds(res, data_dir, **kw)
    for res in runs_of(results, seed_list):
        res.report["readings"] = reading_effects(res, data_dir)
    return summary(results, seed_list), results


__all__ = ["compare", "summary", "jobs_for", "all_jobs", "specs_for", "median_run", "runs_of",
           "population_rounds", "reading_effects", "PAPER", "GROUPING_RUNS"]
