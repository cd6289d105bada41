"""The v2g paper's figures, drawn from Results: load before/after V2G (fig. 3), thermal
output before/after (fig. 4), V2G charge/discharge (fig. 5), bi-level vs single-level
load (fig. 6) and carbon cost (fig. 7); tariffs of tariff mode; convergence over seeds.
Hours are the paper's rows 01:00..24:00."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np  # noqa: E402

from stackga.plots import plot_convergence, plot_convergence_band, save  # noqa: E402

ROWS = np.arange(1, 25)
COLORS = {"none": "k", "charge-only": "tab:gray", "single": "tab:blue", "plan": "tab:red",
          "tariff": "tab:green", "plan-exact": "tab:purple"}
NAMES = {"none": "no V2G", "charge-only": "managed charging", "single": "single-level",
         "plan": "bi-level (plan mode, GA)", "tariff": "bi-level (tariff mode, GA)",
         "plan-exact": "bi-level (plan mode, exact)"}
STYLE = {"plan-exact": "--"}
LABELS = {"best": "operator -F1 ($)", "f_ev": "owners' cost f2 ($)"}


def _hourly_emission(r) -> np.ndarray:
    u = r.meta["units"]
    p = r.arrays["leader.thermal"]
    a, b, c = (np.array(u[k])[:, None] for k in ("a_usd_per_mw2h", "b_usd_per_mwh", "c_usd_per_h"))
    return (a * p ** 2 + b * p + c).sum(axis=0)


def _axes(ax, ylabel):
    ax.set_xlabel("hour (paper's row label)")
    ax.set_ylabel(ylabel)
    ax.set_xticks(ROWS[::2])
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)


def plot_load(runs: dict):
    """Fig. 3 / 6: the load P_L and the net load the thermal units see, per model."""
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    first = next(iter(runs.values()))
    ax.plot(ROWS, first.meta["load"], color="k", lw=2.5, alpha=0.35, label="load P_L (before V2G)")
    ax.axhline(sum(first.meta["units"]["p_max_mw"]), color="k", ls=":", lw=1)
    ax.text(24, sum(first.meta["units"]["p_max_mw"]), "thermal capacity", ha="right", va="bottom",
            fontsize=7)
    for sc, r in runs.items():
        if sc != "none":
            ax.plot(ROWS, r.arrays["leader.net_load"], STYLE.get(sc, "-"), color=COLORS[sc],
                    label=NAMES[sc])
    ax.set_title("Load served by the thermal units (P_L + P_c - P_d)")
    _axes(ax, "MW")
    fig.tight_layout()
    return fig


def plot_thermal(before, after, label: str):
    """Fig. 4: each unit's output without V2G and with it."""
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    pb, pa = before.arrays["leader.thermal"], after.arrays["leader.thermal"]
    for g in range(len(pb)):
        c = f"C{g}"
        ax.plot(ROWS, pb[g], color=c, ls="--", lw=1, label=f"G{g + 1} no V2G")
        ax.plot(ROWS, pa[g], color=c, lw=1.6, label=f"G{g + 1} {label}")
    ax.set_title(f"Thermal output: no V2G (dashed) vs {label}")
    _axes(ax, "MW")
    ax.legend(fontsize=6, ncol=4)
    fig.tight_layout()
    return fig


def plot_v2g(runs: dict):
    """Fig. 5: V2G charge (+) and discharge (-) per model, and the store's energy."""
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(7.5, 5.6), sharex=True)
    keys = [k for k in ("single", "plan-exact", "plan", "tariff") if k in runs]
    w = 0.8 / max(len(keys), 1)
    for j, sc in enumerate(keys):
        a = runs[sc].arrays
        x = ROWS - 0.4 + w * (j + 0.5)
        ax.bar(x, a["ev.p_ch"], width=w, color=COLORS[sc], label=NAMES[sc])
        ax.bar(x, -a["ev.p_dis"], width=w, color=COLORS[sc], alpha=0.55)
        ax2.plot(np.arange(25) + 0.5, a["ev.energy"], color=COLORS[sc], label=NAMES[sc])
    ax.axhline(0, color="k", lw=0.8)
    ax.set_title("V2G charge (+) / discharge (-)")
    _axes(ax, "MW")
    ax2.set_title("Energy in the V2G store (end of each hour)")
    _axes(ax2, "MWh")
    fig.tight_layout()
    return fig


def plot_carbon(runs: dict):
    """Fig. 7: hourly carbon (emission) cost per model."""
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    for sc, r in runs.items():
        ax.plot(ROWS, _hourly_emission(r), STYLE.get(sc, "-"), color=COLORS[sc],
                label=f"{NAMES[sc]} ({r.report['carbon_cost']:.4g} $)")
    ax.set_title("Carbon (emission) cost per hour")
    _axes(ax, "$/h")
    fig.tight_layout()
    return fig


def plot_tariffs(r):
    """Tariff mode: the charging price and discharge payment the GA chose, per hour."""
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    hours = np.array(r.meta["hours"])
    h = len(hours)
    ax.plot(hours + 1, r.x[:h], "o-", color="tab:blue", label="k_c(t), charging price")
    ax.plot(hours + 1, r.x[h:], "s-", color="tab:red", label="k_d(t), discharge payment")
    ax.axhline(r.meta["k_c"], color="tab:blue", ls=":", lw=1, label="paper's flat k_c")
    ax.axhline(r.meta["k_d"], color="tab:red", ls=":", lw=1, label="paper's flat k_d")
    ax.set_title("Tariff mode: hourly V2G tariffs")
    _axes(ax, "$/MWh")
    fig.tight_layout()
    return fig


def write_figures(results: dict, out, bands: dict | None = None) -> list:
    """Every figure for ``results`` (scenario -> Result) into ``out``; ``bands`` (scenario ->
    Results of every seed) adds the convergence band across seeds."""
    paths = []
    for sc, r in results.items():
        if r.log:
            paths.append(save(plot_convergence(r, LABELS, COLORS.get(sc)), f"{out}/convergence_{sc}.png"))
        if sc == "tariff":
            paths.append(save(plot_tariffs(r), f"{out}/tariffs.png"))
    paths.append(save(plot_load(results), f"{out}/load.png"))
    paths.append(save(plot_v2g(results), f"{out}/v2g_power.png"))
    paths.append(save(plot_carbon(results), f"{out}/carbon.png"))
    if "none" in results:
        after = next((k for k in ("plan-exact", "plan", "single", "tariff") if k in results), None)
        if after:
            paths.append(save(plot_thermal(results["none"], results[after], NAMES[after]),
                              f"{out}/thermal.png"))
    if bands:
        paths.append(save(plot_convergence_band({NAMES[sc]: rs for sc, rs in bands.items()},
                                                "operator -F1 ($)",
                                                {NAMES[sc]: COLORS[sc] for sc in bands}),
                          f"{out}/convergence_seeds.png"))
    return paths


def write_compare_figures(results: dict, out, seeds: int, first_seed: int) -> list:
    """The figures of ``stackga compare v2g``: each model's (median-seed) run, and the
    convergence band of both GA modes across the seeds."""
    from .compare import GAMES, figure_runs, runs_of
    seed_list = [first_seed + k for k in range(seeds)]
    bands = {g: runs_of(results, g, seed_list) for g in GAMES}
    return write_figures(figure_runs(results, seed_list), out, bands)
