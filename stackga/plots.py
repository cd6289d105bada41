"""Generic plots of a Result (matplotlib, never ``show()``): convergence per generation."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["plot_convergence", "save"]


def save(fig, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def plot_convergence(result, labels: dict | None = None):
    """One panel per player: leader best objective and each follower's objective
    at the generation's best individual (as fig. D1 of the island paper)."""
    log = result.log
    if not log:
        raise ValueError("plot_convergence: the result has no GA log (single-level run)")
    labels = labels or {}
    names = ["best"] + [k for k in log if k.startswith("f_")]
    fig, axes = plt.subplots(len(names), 1, figsize=(7, 2.2 * len(names)), sharex=True)
    for ax, k in zip(axes, names):
        ax.plot(log["gen"], log[k], lw=1.5)
        ax.set_ylabel(labels.get(k, "leader" if k == "best" else k[2:]))
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("generation")
    axes[0].set_title(f"{result.game}: objectives (yuan) at each generation's best individual")
    fig.tight_layout()
    return fig
