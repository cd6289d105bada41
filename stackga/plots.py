"""Generic plots of Results (matplotlib, files, never ``show()``): convergence per
generation for one run, and the band across seeds for several."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np  # noqa: E402

from stackga.errors import InputError

__all__ = ["plot_convergence", "plot_convergence_band", "save"]


def save(fig, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def plot_convergence(result, labels: dict | None = None, color: str | None = None):
    """One panel per player: the leader's best, mean and worst objective over the
    surviving population, and each follower's objective at the generation's best
    individual (as fig. D1 of the island paper)."""
    log = result.log
    if not log:
        raise InputError("plot_convergence: the result has no GA log (single-level run)")
    labels = labels or {}
    followers = [k for k in log if k.startswith("f_")]
    fig, axes = plt.subplots(1 + len(followers), 1, figsize=(7, 2.2 * (1 + len(followers))),
                             sharex=True)
    axes = np.atleast_1d(axes)
    gen = log["gen"]
    ax = axes[0]
    ax.fill_between(gen, log["worst"], log["best"], color=color or "C0", alpha=0.15,
                    label="population: worst to best")
    ax.plot(gen, log["mean"], color=color or "C0", lw=1, ls="--", label="mean")
    ax.plot(gen, log["best"], color=color or "C0", lw=1.6, label="best")
    ax.set_ylabel(labels.get("best", "leader"))
    ax.legend(fontsize=7, loc="lower right")
    for ax, k in zip(axes[1:], followers):
        ax.plot(gen, log[k], lw=1.4, color=color or "C0")
        ax.set_ylabel(labels.get(k, k[2:]))
    for ax in axes:
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("generation")
    axes[0].set_title(f"{result.game}: objectives at each generation (followers: at the best individual)")
    fig.tight_layout()
    return fig


def plot_convergence_band(runs: dict, ylabel: str = "leader objective", colors: dict | None = None):
    """``runs``: label -> list of Results (one per seed). Per label, the median over seeds
    of the best leader objective per generation, with the min-max band across seeds."""
    fig, ax = plt.subplots(figsize=(7, 3.4))
    for label, rs in runs.items():
        best = np.array([r.log["best"] for r in rs])
        gen = rs[0].log["gen"]
        c = (colors or {}).get(label)
        ax.fill_between(gen, best.min(0), best.max(0), alpha=0.2, color=c,
                        label=f"{label}: min-max over {len(rs)} seeds")
        ax.plot(gen, np.median(best, 0), color=c, lw=1.6, label=f"{label}: median best")
    ax.set_xlabel("generation")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title("Best leader objective per generation, across seeds")
    fig.tight_layout()
    return fig
