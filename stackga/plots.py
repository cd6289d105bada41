"""Generic plots of Results (matplotlib, files, never ``show()``): convergence per
generation for one run, and the band across seeds for several."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np  # noqa: E402

from stackga.errors import InputError

__all__ = ["plot_convergence", "plot_convergence_band", "plot_followers", "save"]


def save(fig, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


#: more followers than this get one summary panel instead of one panel each
MAX_FOLLOWER_PANELS = 4


def plot_convergence(result, labels: dict | None = None, color: str | None = None,
                     reference: float | dict | None = None):
    """The leader's best, mean and worst objective over the surviving population per
    generation, and the followers' objectives at the generation's best individual (as fig.
    D1 of the island paper): one panel each for up to ``MAX_FOLLOWER_PANELS`` followers,
    else one panel with their sum and the range across them (:func:`plot_followers` draws
    each one), so the figure stays a page at any number of followers. ``reference``: a
    known optimum or bound of the leader's objective to mark (a value, or label -> value)."""
    log = result.log
    if not log:
        raise InputError("plot_convergence: the result has no GA log (single-level run)")
    labels = labels or {}
    followers = [k for k in log if k.startswith("f_")]
    each = len(followers) <= MAX_FOLLOWER_PANELS
    panels = 1 + (len(followers) if each else 1)
    fig, axes = plt.subplots(panels, 1, figsize=(7, 2.2 * panels), sharex=True)
    axes = np.atleast_1d(axes)
    gen = log["gen"]
    ax = axes[0]
    ax.fill_between(gen, log["worst"], log["best"], color=color or "C0", alpha=0.15,
                    label="population: worst to best")
    ax.plot(gen, log["mean"], color=color or "C0", lw=1, ls="--", label="mean")
    ax.plot(gen, log["best"], color=color or "C0", lw=1.6, label="best")
    refs = reference if isinstance(reference, dict) else \
        ({} if reference is None else {"reference": reference})
    for k, (name, value) in enumerate(refs.items()):
        ax.axhline(float(value), color="k", lw=1, ls=(0, (4, 2 + 2 * k)), label=f"{name}: {value:.6g}")
    ax.set_ylabel(labels.get("best", "leader"))
    ax.legend(fontsize=7, loc="lower right")
    if each:
        for ax, k in zip(axes[1:], followers):
            ax.plot(gen, log[k], lw=1.4, color=color or "C0")
            ax.set_ylabel(labels.get(k, k[2:]))
    elif followers:
        F = np.array([log[k] for k in followers], float)
        ax = axes[1]
        ax.plot(gen, F.sum(axis=0), lw=1.4, color=color or "C0", label="sum over followers")
        ax2 = ax.twinx()
        ax2.fill_between(gen, F.min(axis=0), F.max(axis=0), color="C1", alpha=0.2,
                         label="range across followers")
        ax2.plot(gen, np.median(F, axis=0), color="C1", lw=1, label="median follower")
        ax.set_ylabel(f"{len(followers)} followers: sum")
        ax2.set_ylabel("one follower")
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, fontsize=7, loc="lower right")
    for ax in axes:
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("generation")
    axes[0].set_title(f"{result.game}: objectives at each generation (followers: at the best individual)")
    fig.tight_layout()
    return fig


def plot_followers(result, normalise: bool = True):
    """Each follower's objective at the generation's best individual, as one image row per
    follower (any number of them at a page's size): scaled to each follower's own range
    over the run (``normalise``), the range in the row's label where there are few rows."""
    log = result.log
    followers = [k for k in log if k.startswith("f_")] if log else []
    if not followers:
        raise InputError("plot_followers: the result has no followers' log")
    F = np.array([log[k] for k in followers], float)
    lo, hi = F.min(axis=1, keepdims=True), F.max(axis=1, keepdims=True)
    shown = (F - lo) / np.where(hi > lo, hi - lo, 1.0) if normalise else F
    fig, ax = plt.subplots(figsize=(7, min(2.0 + 0.18 * len(followers), 9.0)))
    gen = log["gen"]
    im = ax.imshow(shown, aspect="auto", interpolation="nearest", cmap="viridis",
                   extent=(gen[0] - 0.5, gen[-1] + 0.5, len(followers) - 0.5, -0.5))
    if len(followers) <= 40:
        ax.set_yticks(range(len(followers)))
        ax.set_yticklabels([f"{k[2:]} [{a:.4g}, {b:.4g}]" if normalise else k[2:]
                            for k, a, b in zip(followers, lo[:, 0], hi[:, 0])], fontsize=6)
    else:
        ax.set_ylabel(f"{len(followers)} followers")
    ax.set_xlabel("generation")
    fig.colorbar(im, ax=ax, label="share of its own range" if normalise else "objective")
    ax.set_title(f"{result.game}: each follower's objective at the best individual")
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
