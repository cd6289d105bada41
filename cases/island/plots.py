"""The island paper's figures, drawn from a Result: price vs TOU (fig. D2),
hourly power balance (fig. 4), load before/after virtual storage (fig. 3)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from stackga.plots import plot_convergence, save  # noqa: E402

HOURS = np.arange(24)
LABELS = {"best": "MGO f_ier", "f_users": "users f_user", "f_so": "storage op. f_ser"}


def plot_prices(results: dict):
    """``results``: label -> Result; each one's price against the TOU tariff."""
    fig, ax = plt.subplots(figsize=(7, 3.2))
    first = next(iter(results.values()))
    edges = np.arange(25)                       # hour t spans [t, t + 1)
    ax.step(edges, np.r_[first.meta["tou"], first.meta["tou"][-1]], where="post", color="k",
            ls="--", label="TOU tariff")
    for label, r in results.items():
        ax.step(edges, np.r_[r.x, r.x[-1]], where="post", label=label)
    ax.set_xlabel("hour")
    ax.set_ylabel("price (yuan/kWh)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    ax.set_title("Internal selling price")
    fig.tight_layout()
    return fig


def plot_balance(r):
    """Sources (+) and sinks (-) of every hour, kW."""
    a = r.arrays
    parts = {"wind used": a["leader.wind"] - a["leader.curtail"],
             "grid": a["leader.grid"], "battery": a["so.bt_dis"] - a["so.bt_ch"],
             "virtual storage": a["so.p_virtual"], "load P_DL": -a["users.load"]}
    fig, ax = plt.subplots(figsize=(8, 3.6))
    pos, neg = np.zeros(24), np.zeros(24)
    for label, v in parts.items():
        base = np.where(v >= 0, pos, neg)
        ax.bar(HOURS, v, bottom=base, label=label, width=0.85)
        pos, neg = pos + np.maximum(v, 0), neg + np.minimum(v, 0)
    residual = sum(parts.values())
    ax.axhline(0, color="k", lw=0.8)
    ax.set_title(f"Power balance, scenario {r.meta.get('scenario')} "
                 f"(largest residual {np.abs(residual).max():.2e} kW)")
    ax.set_xlabel("hour")
    ax.set_ylabel("kW")
    ax.legend(fontsize=7, ncol=5, loc="lower center", bbox_to_anchor=(0.5, -0.42))
    fig.tight_layout()
    return fig


def plot_load(r):
    """Load before and after virtual storage, and the AC / EV schedules against baseline."""
    a = r.arrays
    fig, axes = plt.subplots(3, 1, figsize=(7, 7.5), sharex=True)
    axes[0].plot(HOURS, a["users.load"], label="P_DL before virtual storage")
    axes[0].plot(HOURS, a["users.load"] - a["so.p_virtual"], label="after virtual storage")
    axes[0].set_title("(a) island load")
    if "so.ac_p_ac" in a:
        base_ac = a["so.ac_p_ac"] + a["so.ac_p_virtual"]
        axes[1].plot(HOURS, base_ac, label="AC baseline")
        axes[1].plot(HOURS, a["so.ac_p_ac"], label="AC scheduled")
        base_ev = a["so.ev_ch"] - a["so.ev_dis"] + a["so.ev_p_virtual"]
        axes[2].plot(HOURS, base_ev, label="EV baseline")
        axes[2].plot(HOURS, a["so.ev_ch"] - a["so.ev_dis"], label="EV scheduled (charge - V2G)")
    axes[1].set_title("(b) air conditioning")
    axes[2].set_title("(c) electric vehicles")
    for ax in axes:
        ax.set_ylabel("kW")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("hour")
    fig.tight_layout()
    return fig


def write_figures(results: dict, out) -> list:
    """Write every figure for ``results`` (scenario number -> Result) into ``out``."""
    paths = []
    for sc, r in results.items():
        if r.log:
            paths.append(save(plot_convergence(r, LABELS), f"{out}/convergence_s{sc}.png"))
        paths.append(save(plot_balance(r), f"{out}/balance_s{sc}.png"))
        if sc == 4:
            paths.append(save(plot_load(r), f"{out}/load_s{sc}.png"))
    paths.append(save(plot_prices({f"scenario {sc}": r for sc, r in results.items()}),
                      f"{out}/prices.png"))
    return paths
