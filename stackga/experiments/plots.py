"""Plots of a sweep (files, never shown): convergence bands per setting against
generations, evaluations and seconds; final-value distributions; a heatmap of the
median final value over crossover x mutation. ``plot_folder`` picks what fits a folder
(a sweep, or a single run)."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np  # noqa: E402

from ..plots import plot_convergence, plot_convergence_band, save  # noqa: E402
from ..result import Result, ResultError  # noqa: E402
from .sweep import Sweep, load_sweep  # noqa: E402

__all__ = ["plot_sweep", "plot_tuning", "plot_folder"]


def _by_setting(sweep: Sweep, results: dict) -> dict[str, list[Result]]:
    out = {}
    for st in sweep.settings():
        label = sweep.label(st)
        rs = [results[f"{label}_seed{s}"] for s in sweep.seeds if f"{label}_seed{s}" in results]
        if rs:
            out[label] = rs
    return out


def _against(groups: dict, x: str, xlabel: str):
    """Median best-so-far of each setting against a log column ``x`` (each run's own x),
    with every run drawn thin."""
    fig, ax = plt.subplots(figsize=(7, 3.4))
    for k, (label, rs) in enumerate(groups.items()):
        c = f"C{k % 10}"
        for r in rs:
            ax.plot(r.log[x], r.log["best"], color=c, lw=0.6, alpha=0.35)
        xs = np.median([r.log[x] for r in rs], axis=0)
        ax.plot(xs, np.median([r.log["best"] for r in rs], axis=0), color=c, lw=1.6,
                label=f"{label} (median of {len(rs)})")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("best leader objective so far")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def _distribution(groups: dict):
    fig, ax = plt.subplots(figsize=(max(5, 1.1 * len(groups)), 3.6))
    vals = [[r.leader for r in rs] for rs in groups.values()]
    ax.boxplot(vals, showmeans=True)
    for k, v in enumerate(vals, start=1):
        ax.plot(np.full(len(v), k) + np.linspace(-0.08, 0.08, len(v)), v, ".", color="k", ms=4)
    ax.set_xticks(range(1, len(vals) + 1), list(groups), rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("final best leader objective")
    ax.set_title("Final values per setting (each dot a seed)")
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return fig


def _heatmap(sweep: Sweep, groups: dict):
    """Median final value over crossover x mutation (at the first population size)."""
    cx, mut = sweep.grid["crossover_prob"], sweep.grid["mutation_prob"]
    pop = sweep.grid.get("pop_size", [None])[0]
    z = np.full((len(mut), len(cx)), np.nan)
    for i, m in enumerate(mut):
        for j, c in enumerate(cx):
            st = {k: v for k, v in (("crossover_prob", c), ("mutation_prob", m), ("pop_size", pop))
                  if k in sweep.grid}
            rs = groups.get(sweep.label({k: st[k] for k in sweep.grid}))
            if rs:
                z[i, j] = np.median([r.leader for r in rs])
    fig, ax = plt.subplots(figsize=(1.2 * len(cx) + 3, 0.8 * len(mut) + 2))
    im = ax.imshow(z, origin="lower", aspect="auto", cmap="viridis")
    for i in range(len(mut)):
        for j in range(len(cx)):
            ax.text(j, i, f"{z[i, j]:.1f}", ha="center", va="center", fontsize=7, color="w")
    ax.set_xticks(range(len(cx)), [f"{c:g}" for c in cx])
    ax.set_yticks(range(len(mut)), [f"{m:g}" for m in mut])
    ax.set_xlabel("crossover probability (per pair)")
    ax.set_ylabel("mutation probability (per gene)")
    ax.set_title("Median final leader objective" + (f" (pop {pop})" if pop else ""))
    fig.colorbar(im, ax=ax)
    fig.tight_layout()
    return fig


def plot_sweep(folder, results: dict | None = None) -> list[Path]:
    """Write the sweep's figures into ``folder``; returns their paths."""
    folder = Path(folder)
    sweep = load_sweep(folder)
    if results is None:
        results = {}
        for st in sweep.settings():
            for s in sweep.seeds:
                name = f"{sweep.label(st)}_seed{s}"
                try:
                    results[name] = Result.load(folder / "runs" / name)
                except ResultError:
                    pass
    groups = {k: [r for r in rs if r.log] for k, rs in _by_setting(sweep, results).items()}
    groups = {k: rs for k, rs in groups.items() if rs}
    if not groups:
        raise ResultError(f"{folder}: no finished GA run to plot")
    paths = [save(plot_convergence_band(groups, "best leader objective"), folder / "convergence_band.png"),
             save(_against(groups, "evals", "follower evaluations"), folder / "best_vs_evals.png"),
             save(_against(groups, "seconds", "seconds"), folder / "best_vs_seconds.png"),
             save(_distribution(groups), folder / "final_distribution.png")]
    if all(len(sweep.grid.get(k, [])) > 1 for k in ("crossover_prob", "mutation_prob")):
        paths.append(save(_heatmap(sweep, groups), folder / "heatmap.png"))
    return paths


def plot_tuning(folder) -> list[Path]:
    """optuna's optimization history and parameter importances, as static images."""
    import warnings

    import optuna
    import optuna.visualization.matplotlib as vm
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend
    folder = Path(folder)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name="stackga",
                              storage=JournalStorage(JournalFileBackend(str(folder / "study.log"))))
    paths = []
    ax = vm.plot_optimization_history(study)
    ax.set_ylabel("mean best leader objective over seeds")
    paths.append(save(ax.figure, folder / "tune_history.png"))
    done = [t for t in study.trials if t.state.name == "COMPLETE"]
    if len(done) >= 2 and len({tuple(t.params.items()) for t in done}) >= 2:
        ax = vm.plot_param_importances(study)
        paths.append(save(ax.figure, folder / "tune_importances.png"))
    return paths


def plot_folder(folder) -> list[Path]:
    """Regenerate the figures of a sweep, tuning or single run folder."""
    folder = Path(folder)
    if (folder / "sweep.json").exists():
        return plot_sweep(folder)
    if (folder / "tuning.json").exists():
        return plot_tuning(folder)
    if (folder / "run.json").exists():
        r = Result.load(folder)
        if not r.log:
            raise ResultError(f"{folder}: a single-level run has no convergence to plot")
        return [save(plot_convergence(r), folder / "convergence.png")]
    raise ResultError(f"{folder}: neither a sweep (sweep.json), a tuning (tuning.json) nor a run (run.json)")

