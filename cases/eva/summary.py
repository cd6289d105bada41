"""Text summary of one eva run (the table ``stackga run eva`` prints)."""
from __future__ import annotations


def summarize(res) -> str:
    """The run's figures (recomputed at the best x), beside the paper's."""
    r = res.report
    if not r.get("n_clusters"):
        return "eva: no figures (the best individual is not feasible)"
    lines = [
        f"eva: {r['n_evs']} EVs -> {r['n_clusters']} clusters (paper: 64 -> 34); "
        f"rounds at the best: {r['rounds']} (paper: 9)",
        f"EVA gain from aggregation {r['eva_gain']:.2f} yuan (paper 921.43); its profit (EV payments "
        f"- running cost) {r['eva_profit']:.2f} yuan, penalty {r['penalty']:.4g} yuan apart",
        f"EV users' cost: unmanaged {r['ev_cost_unmanaged_grid']:.2f} yuan at the grid's TOU "
        f"(paper 934.29) -> {r['ev_cost_game']:.2f} yuan in the game (paper 819.79)",
        f"imbalance: max {r['imbalance_before_max_kw']:.1f} kW with unmanaged charging -> "
        f"{r['imbalance_after_max_kw']:.3g} kW after the game",
        f"clusters charge {100 * r['charge_share_night']:.0f} % of their energy in 18:00-06:00, "
        f"discharge {100 * r['discharge_share_day']:.0f} % in 08:00-17:00",
        f"prices inside the grid's: {r['prices_inside_grid']}; buy >= sell every hour: "
        f"{r['buy_above_sell']}; clusters whose plan cannot be split per EV: "
        f"{len(r['split_failures'])}",
    ]
    m = res.meta
    if "window" in m:
        lines.append(f"readings: window {m['window']}, battery end state {m['end_state']}, "
                     f"grouping {m['grouping']}, first round {m['first']}, view {m['view']}")
    if r.get("evs_same_hour"):
        k = r["evs_same_hour"]
        lines.append(f"{k} EV{'s' if k > 1 else ''} in a cluster whose arrival and departure "
                     f"round to one hour: one connected hour (eq. 6's inclusive window)")
    return "\n".join(lines)
