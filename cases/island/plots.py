"""The island paper's figures, drawn from Results: price vs TOU (fig. D2), hourly power
balance (fig. 4), load before/after virtual storage (fig. 3), convergence (fig. D1).
Each scenario has the same colour in every figure."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np  # noqa: E402

from stackga.plots import plot_convergence, plot_convergence_band, save  # noqa: E402

HOURS = np.arange(24)
EDGES = np.arange(25)                          # hour t spans [t, t + 1)
LABELS = {"best": "MGO f_ier (yuan)", "f_users": "users f_user (yuan)",
          "f_so": "storage op. f_ser (yuan)"}
SCENARIO_COLORS = {1: "tab:blue", 2: "tab:orange", 3: "tab:green", 4: "tab:red"}
PART_COLORS = {"wind used": "tab:cyan", "grid import (+) / export (-)": "tab:gray",
               "battery discharge (+) / charge (-)": "tab:purple",
               "virtual storage discharge (+) / charge (-)": "tab:olive", "load P_DL (-)": "tab:brown"}


def _steps(v):
    return np.r_[v, v[-1]]


def plot_prices(results: dict):
    """``results``: scenario -> Result; every price against the TOU tariff and the bounds.
    Scenarios 1 and 2 sit on the TOU tariff; they are drawn as markers so that all
    series stay visible."""
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    first = next(iter(results.values()))
    ax.step(EDGES, _steps(np.array(first.meta["tou"])), where="post", color="k", lw=2.5,
            alpha=0.35, label="TOU tariff")
    lo, hi = first.meta.get("price_bounds", (None, None))
    if lo is not None:
        for v, text in ((lo, "R_e min"), (hi, "R_e max")):
            ax.axhline(v, color="k", ls=":", lw=1)
            ax.text(23.9, v, text, ha="right", va="bottom", fontsize=7)
    markers = {1: "o", 2: "x"}
    for sc, r in results.items():
        c = SCENARIO_COLORS.get(sc)
        if sc in markers:
            off = 0.3 if sc == 1 else 0.7
            ax.plot(HOURS + off, r.x, markers[sc], color=c, ms=4, label=f"scenario {sc} (= TOU)")
        else:
            ax.step(EDGES, _steps(r.x), where="post", color=c, lw=1.6, label=f"scenario {sc}")
    ax.set_xlim(0, 24)
    ax.set_xlabel("hour")
    ax.set_ylabel("price (yuan/kWh)")
    ax.legend(fontsize=7, ncol=3, loc="upper left")
    ax.grid(alpha=0.3)
    ax.set_title("Internal selling price R_e")
    fig.tight_layout()
    return fig


def plot_balance(r):
    """Sources (+) and sinks (-) of every hour, kW; only the components the scenario has."""
    a = r.arrays
    parts = {"wind used": a["leader.wind"] - a["leader.curtail"],
             "grid import (+) / export (-)": a["leader.grid"],
             "battery discharge (+) / charge (-)": a["so.bt_dis"] - a["so.bt_ch"]}
    if r.meta.get("scenario") == 4:
        parts["virtual storage discharge (+) / charge (-)"] = a["so.p_virtual"]
    parts["load P_DL (-)"] = -a["users.load"]
    fig, ax = plt.subplots(figsize=(8, 3.8))
    pos, neg = np.zeros(24), np.zeros(24)
    for label, v in parts.items():
        base = np.where(v >= 0, pos, neg)
        ax.bar(HOURS, v, bottom=base, label=label, width=0.85, color=PART_COLORS[label])
        pos, neg = pos + np.maximum(v, 0), neg + np.minimum(v, 0)
    residual = sum(parts.values())
    ax.axhline(0, color="k", lw=0.8)
    ax.set_title(f"Power balance, scenario {r.meta.get('scenario')}: supply above 0, demand "
                 f"below (largest residual {np.abs(residual).max():.1e} kW)", fontsize=9)
    ax.set_xlabel("hour")
    ax.set_ylabel("kW")
    ax.legend(fontsize=7, ncol=3, loc="lower center", bbox_to_anchor=(0.5, -0.45))
    fig.tight_layout()
    return fig


def plot_load(r):
    """Load before and after virtual storage, and the AC / EV schedules against baseline."""
    a = r.arrays
    c = SCENARIO_COLORS[4]
    fig, axes = plt.subplots(3, 1, figsize=(7, 7.5), sharex=True)
    axes[0].plot(HOURS, a["users.load"], color="k", lw=1, label="P_DL before virtual storage")
    axes[0].plot(HOURS, a["users.load"] - a["so.p_virtual"], color=c, label="after virtual storage")
    axes[0].set_title("(a) island load")
    base_ac = a["so.ac_p_ac"] + a["so.ac_p_virtual"]
    axes[1].plot(HOURS, base_ac, color="k", lw=1, label="AC baseline")
    axes[1].plot(HOURS, a["so.ac_p_ac"], color=c, label="AC scheduled")
    base_ev = a["so.ev_ch"] - a["so.ev_dis"] + a["so.ev_p_virtual"]
    axes[2].plot(HOURS, base_ev, color="k", lw=1, label="EV baseline (charging)")
    axes[2].plot(HOURS, a["so.ev_ch"] - a["so.ev_dis"], color=c, label="EV scheduled: charge (+) / V2G (-)")
    axes[1].set_title("(b) air conditioning")
    n_ev = len(a["so.ev_car_ch"]) if "so.ev_car_ch" in a else "the"
    axes[2].set_title(f"(c) electric vehicles ({n_ev} per-EV plans summed)")
    for ax in axes:
        ax.set_ylabel("kW")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("hour")
    fig.tight_layout()
    return fig


def write_figures(results: dict, out, bands: dict | None = None) -> list:
    """Write every figure for ``results`` (scenario -> Result) into ``out``; ``bands``
    (scenario -> Results of every seed) adds the convergence band across seeds."""
    paths = []
    for sc, r in results.items():
        if r.log:
            paths.append(save(plot_convergence(r, LABELS, SCENARIO_COLORS.get(sc)),
                              f"{out}/convergence_s{sc}.png"))
        paths.append(save(plot_balance(r), f"{out}/balance_s{sc}.png"))
        if sc == 4:
            paths.append(save(plot_load(r), f"{out}/load_s{sc}.png"))
    paths.append(save(plot_prices(results), f"{out}/prices.png"))
    if bands:
        paths.append(save(plot_convergence_band({f"scenario {sc}": rs for sc, rs in bands.items()},
                                                "MGO f_ier (yuan)",
                                                {f"scenario {sc}": SCENARIO_COLORS[sc] for sc in bands}),
                          f"{out}/convergence_seeds.png"))
    return paths


def write_compare_figures(results: dict, out, seeds: int, first_seed: int) -> list:
    """The figures of ``stackga compare``: each scenario's median-seed run, and the
    convergence band of scenarios 3 and 4 across the seeds."""
    from .compare import by_seed, figure_runs
    seed_list = [first_seed + k for k in range(seeds)]
    per_seed = by_seed(results, seed_list)
    bands = {sc: [scen[sc] for scen, _ in per_seed] for sc in (3, 4)}
    return write_figures(figure_runs(results, seed_list), out, bands)
