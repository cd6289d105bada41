"""The GA's best-so-far against the exact solver's incumbent and bound over time."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np  # noqa: E402

__all__ = ["plot_race"]


def plot_race(ga_runs: list[tuple[np.ndarray, np.ndarray]], trace: list, label: str = "leader",
              title: str = ""):
    """``ga_runs``: per seed (seconds (G,), best-so-far (G,)) of the GA; ``trace``: the exact
    solver's (seconds, incumbent, bound) rows; all values in the same sense. Time on a
    log axis: the GA's generations and the solver's events fall at very different times."""
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    for k, (t, best) in enumerate(ga_runs):
        ax.step(t, best, where="post", color="tab:blue", alpha=0.7, lw=1.2,
                label="GA best so far (per seed)" if k == 0 else None)
    if trace:
        tt = np.array([r[0] for r in trace])
        inc = np.array([np.nan if r[1] is None else r[1] for r in trace])
        bnd = np.array([np.nan if r[2] is None else r[2] for r in trace])
        ax.step(tt, inc, where="post", color="tab:green", lw=1.8, label="exact solver: incumbent")
        ax.step(tt, bnd, where="post", color="tab:red", lw=1.4, ls="--", label="exact solver: bound")
    vals = np.concatenate([b for _, b in ga_runs] + ([inc[np.isfinite(inc)], bnd[-1:]] if trace else []))
    vals = vals[np.isfinite(vals)]
    if len(vals):                                  # the solver's first bounds can be far off
        lo, hi = vals.min(), vals.max()
        pad = 0.05 * (hi - lo + 1e-9 * (1 + abs(hi)))
        ax.set_ylim(lo - pad, hi + pad)
    ax.set_xscale("log")
    ax.set_xlabel("seconds (log scale)")
    ax.set_ylabel(label)
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
