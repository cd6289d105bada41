"""``stackga compare eva [--seeds N]``: the game over N GA seeds; ours beside the paper's
figures (sec. 3.2), the rounds over the final population, and the paper's claims computed
for every seed. The paper's numbers are shown for reference only, never used (our data
are a reconstruction: cases/eva/README.md).
"""
from __future__ import annotations

import numpy as np
from stackga.followers.response import Status

import stackga
from stackga.experiments import RunSpec, run_comparison
from stackga.experiments.comparison import median_run as _median_run
from stackga.experiments.comparison import run_specs

from .case import build
from .claims import format_claims

# Sec. 3.2 of the paper, for display only.
PAPER = {"evs": 64, "clusters": 34, "rounds": 9, "eva_profit": 921.43,
         "ev_cost_unmanaged": 934.29, "ev_cost_game": 819.79}


def jobs_for(seeds: list[int]) -> list[tuple]:
    """(name, seed) of every run of a comparison."""
    return [(f"game-seed{s}", s) for s in seeds]


def specs_for(config: stackga.GAConfig, seeds: list[int], data_dir=None) -> list[RunSpec]:
    return run_specs(build, config, [(name, {"scenario": "game", "variant": "base"}, s)
                                     for name, s in jobs_for(seeds)], data_dir)


def runs_of(results: dict, seeds: list[int]) -> list:
    return [results[name] for name, _ in jobs_for(seeds)]


def median_run(runs: list) -> stackga.Result:
    """The run with the median leader objective (EVA profit - penalty; the lower of the
    middle two)."""
    return _median_run(runs, lambda r: r.leader)


def population_rounds(res: stackga.Result, data_dir=None) -> dict:
    """The final population re-evaluated: rounds used by each settled individual, and
    how many did not settle within the cap or failed."""
    P = res.arrays.get("ga.population")
    if P is None:
        return {}
    r = build(data_dir=data_dir).evaluate(P).responses["market"]
    ok = r.status == Status.OPTIMAL
    return {"rounds": r.arrays["rounds"][ok].astype(int).tolist(), "n": len(P),
            "not_settled": int((r.status == Status.NOT_SETTLED).sum()),
            "failed": int((~ok & (r.status != Status.NOT_SETTLED)).sum())}


def _stat(v, spec=".2f") -> str:
    v = np.asarray(v, float)
    if len(v) == 1:
        return format(v[0], spec)
    return f"{np.median(v):{spec}} [{v.min():{spec}}, {v.max():{spec}}]"


def table(results: dict, seeds: list[int]) -> str:
    runs = runs_of(results, seeds)
    rep = [r.report for r in runs]
    col = lambda k: [m[k] for m in rep]                               # noqa: E731
    pop = median_run(runs).report.get("final_population")
    n = len(runs)
    head = f"median [min, max] over {n} seeds" if n > 1 else "one seed"
    lines = [f"eva -- ours ({head}; reconstructed data) | paper",
             f"{'EVs -> clusters (eq. 1)':44} {rep[0]['n_evs']} -> {rep[0]['n_clusters']:<22} | "
             f"{PAPER['evs']} -> {PAPER['clusters']}",
             f"{'rounds to settle, at the best':44} {_stat(col('rounds'), '.0f'):<28} | {PAPER['rounds']}"]
    if pop:
        hist = np.bincount(np.asarray(pop["rounds"], int), minlength=1)
        dist = ", ".join(f"{k}: {c}" for k, c in enumerate(hist) if c)
        lines.append(f"{'  final population (median run), rounds: count':44} {dist}; not settled "
                     f"{pop['not_settled']}, failed {pop['failed']} of {pop['n']}")
    lines += [
        f"{'EVA gain from aggregation (yuan)':44} {_stat(col('eva_gain')):<28} | {PAPER['eva_profit']}",
        f"{'  EVA profit: payments - running (yuan)':44} {_stat(col('eva_profit')):<28} |",
        f"{'  penalty term, apart (yuan)':44} {_stat(col('penalty'), '.3g'):<28} |",
        f"{'EV users cost, unmanaged at grid TOU (yuan)':44} {rep[0]['ev_cost_unmanaged_grid']:<28.2f} | "
        f"{PAPER['ev_cost_unmanaged']}",
        f"{'EV users cost in the game (yuan)':44} {_stat(col('ev_cost_game')):<28} | {PAPER['ev_cost_game']}",
        f"{'imbalance max, unmanaged EVs (kW)':44} {rep[0]['imbalance_before_max_kw']:<28.1f} |",
        f"{'imbalance max after the game (kW)':44} {_stat(col('imbalance_after_max_kw'), '.2g'):<28} | ~0",
        f"{'clusters whose plan cannot be split per EV':44} {_stat([len(m['split_failures']) for m in rep], '.0f'):<28} | 0"]
    return "\n".join(lines)


def summary(results: dict, seeds: list[int]) -> str:
    return "\n\n".join([table(results, seeds), format_claims(runs_of(results, seeds))])


def compare(config: stackga.GAConfig, on_run=None, data_dir=None, seeds: int = 5,
            jobs: int = 1) -> tuple[str, dict]:
    """Run the game for ``seeds`` seeds; returns (printed summary, {name: Result})."""
    seed_list = [config.seed + k for k in range(seeds)]
    why, results = run_comparison(specs_for(config, seed_list, data_dir), jobs, on_run)
    if why:
        return why, results
    for res in results.values():                 # rounds over each run's final population
        res.report["final_population"] = population_rounds(res, data_dir)
    return summary(results, seed_list), results


__all__ = ["compare", "summary", "jobs_for", "specs_for", "median_run", "runs_of",
           "population_rounds", "PAPER"]
