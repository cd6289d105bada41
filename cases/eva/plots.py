"""The eva paper's figures, drawn from Results: power balance (fig. 4), cluster powers
(fig. 5), the EVA's prices inside the grid's (fig. 6), the imbalance before and after
(fig. 7); the convergence of a run and across seeds. Hours are clock hours 0..23
(hour t is t:00-t+1:00)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np  # noqa: E402

from stackga.plots import plot_convergence, plot_convergence_band, save  # noqa: E402

HOURS = np.arange(24)
LABELS = {"best": "EVA profit - penalty (yuan)", "f_market": "EV users' cost (yuan)"}


def _axes(ax, ylabel: str) -> None:
    ax.set_xlabel("hour of day")
    ax.set_ylabel(ylabel)
    ax.set_xticks(HOURS[::2])
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)


def plot_balance(r):
    """Fig. 4: sources (up) and sinks (down) of every hour: PV, wind, diesel, grid,
    battery and the clusters; load, EV charging, battery charging and grid sales below."""
    a, h = r.arrays, r.report["hourly"]
    ev_ch, ev_dis = a["market.p_ch"].sum(0), a["market.p_dis"].sum(0)
    up = {"PV": h["pv_kw"], "wind": h["wind_kw"], "diesel": a["market.de_p_de"],
          "grid purchase": a["market.de_buy"], "battery discharge": a["market.de_ba_dis"],
          "EV discharge": ev_dis}
    down = {"load": h["load_kw"], "EV charging": ev_ch, "battery charging": a["market.de_ba_ch"],
            "grid sale": a["market.de_sell"]}
    colors = {"PV": "gold", "wind": "tab:cyan", "diesel": "tab:brown", "grid purchase": "tab:gray",
              "battery discharge": "tab:purple", "EV discharge": "tab:green", "load": "k",
              "EV charging": "tab:olive", "battery charging": "plum", "grid sale": "silver"}
    fig, ax = plt.subplots(figsize=(8, 4))
    for parts, sign in ((up, 1), (down, -1)):
        base = np.zeros(24)
        for name, v in parts.items():
            v = np.asarray(v, float)
            ax.bar(HOURS, sign * v, bottom=base, color=colors[name], label=name, width=0.8)
            base += sign * v
    ax.plot(HOURS, a["market.imbalance"], "r.-", lw=1, label="imbalance left")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_title("Power balance at the game's equilibrium (sources up, sinks down)")
    _axes(ax, "kW")
    fig.tight_layout()
    return fig


def plot_clusters(r):
    """Fig. 5: each cluster's net power (charging > 0) per hour, and the two classes' sums."""
    a, m = r.arrays, r.report
    net = a["market.p_ch"] - a["market.p_dis"]                  # (n_cl, T)
    cls = np.asarray(m["cluster_class"])
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(8, 6.4), sharex=True,
                                  gridspec_kw={"height_ratios": [1.4, 1]})
    lim = max(np.abs(net).max(), 1e-9)
    order = np.argsort(cls, kind="stable")
    im = ax.imshow(net[order], aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim,
                   extent=(-0.5, 23.5, len(net) - 0.5, -0.5))
    ax.set_yticks(range(len(net)))
    ax.set_yticklabels([f"c{j} ({'res.' if cls[j] == 2 else 'com.'})" for j in order], fontsize=5)
    ax.set_title("Cluster net power (charging > 0; com. = class 1, res. = class 2)")
    fig.colorbar(im, ax=ax, label="kW")
    for k, name, c in ((1, "class 1 (commercial car park)", "tab:orange"),
                       (2, "class 2 (residential)", "tab:blue")):
        sel = cls == k
        ax2.bar(HOURS + (k - 1.5) * 0.4, a["market.p_ch"][sel].sum(0), width=0.4, color=c,
                label=f"{name}: charge")
        ax2.bar(HOURS + (k - 1.5) * 0.4, -a["market.p_dis"][sel].sum(0), width=0.4, color=c,
                alpha=0.5, label=f"{name}: discharge")
    ax2.axhline(0, color="k", lw=0.8)
    _axes(ax2, "kW")
    fig.tight_layout()
    return fig


def plot_prices(r):
    """Fig. 6: the EVA's buy and sell prices with the grid's TOU and the alpha/beta limits."""
    h, x = r.report["hourly"], r.x
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax.step(HOURS, h["grid_buy"], where="mid", color="k", lw=1.2, label="grid buy H_b (TOU)")
    ax.step(HOURS, h["grid_sell"], where="mid", color="k", ls="--", lw=1.2, label="grid sell H_s")
    ax.step(HOURS, h["hb_max"], where="mid", color="tab:red", ls=":", lw=1, label="alpha H_b")
    ax.step(HOURS, h["hs_min"], where="mid", color="tab:blue", ls=":", lw=1, label="beta H_s")
    ax.plot(HOURS, x[:24], "o-", color="tab:red", ms=3, label="EVA buy h_b (EVs pay)")
    ax.plot(HOURS, x[24:], "s-", color="tab:blue", ms=3, label="EVA sell h_s (EVs are paid)")
    ax.set_title("EVA prices inside the grid's")
    _axes(ax, "yuan/kWh")
    fig.tight_layout()
    return fig


def plot_imbalance(r):
    """Fig. 7: the day-ahead imbalance without EVs, with unmanaged charging, after the game."""
    h, a = r.report["hourly"], r.arrays
    raw = np.asarray(h["load_kw"]) - np.asarray(h["pv_kw"]) - np.asarray(h["wind_kw"])
    fig, ax = plt.subplots(figsize=(8, 3.4))
    ax.plot(HOURS, raw, color="tab:gray", lw=1, label="load - PV - wind (no EVs)")
    ax.plot(HOURS, h["imbalance_before_kw"], color="tab:red", lw=1.6,
            label="with unmanaged EV charging (before)")
    ax.plot(HOURS, a["market.imbalance"], color="tab:green", lw=1.6,
            label="after the game (the EVA's dispatch and the clusters)")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_title("Day-ahead imbalance before and after aggregation")
    _axes(ax, "kW")
    fig.tight_layout()
    return fig


def plot_rounds(counts: np.ndarray, not_settled: int, n: int):
    """Rounds each individual of a final population took to settle."""
    fig, ax = plt.subplots(figsize=(6, 3))
    k = np.arange(len(counts))
    ax.bar(k, counts, color="tab:blue", label="settled")
    ax.bar([len(counts) + 1], [not_settled], color="tab:red", label="not settled within the cap")
    ax.set_xlabel("rounds")
    ax.set_ylabel(f"individuals (of {n})")
    ax.set_title("Rounds to equilibrium over the final population")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def write_figures(results: dict, out, bands: list | None = None) -> list:
    """The figures of one run (``results``: scenario -> Result) into ``out``; ``bands``
    (Results of every seed) adds the convergence band across seeds."""
    paths = []
    for sc, r in results.items():
        if not r.report.get("hourly"):
            continue
        if r.log:
            paths.append(save(plot_convergence(r, LABELS), f"{out}/convergence.png"))
        paths.append(save(plot_balance(r), f"{out}/power_balance.png"))
        paths.append(save(plot_clusters(r), f"{out}/cluster_power.png"))
        paths.append(save(plot_prices(r), f"{out}/prices.png"))
        paths.append(save(plot_imbalance(r), f"{out}/imbalance.png"))
    if bands:
        paths.append(save(plot_convergence_band({"game": bands}, LABELS["best"]),
                          f"{out}/convergence_seeds.png"))
    return paths


def write_compare_figures(results: dict, out, seeds: int, first_seed: int) -> list:
    """The figures of ``stackga compare eva``: the median-seed run's, the convergence band
    across the seeds, and the rounds over the median run's final population."""
    from .compare import median_run, runs_of
    seed_list = [first_seed + k for k in range(seeds)]
    runs = runs_of(results, seed_list)
    med = median_run(runs)
    paths = write_figures({"game": med}, out, runs if len(runs) > 1 else None)
    pop = med.report.get("final_population")
    if pop:
        paths.append(save(plot_rounds(np.bincount(np.asarray(pop["rounds"], int), minlength=1),
                                      pop["not_settled"], pop["n"]), f"{out}/rounds.png"))
    return paths
