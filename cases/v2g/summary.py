"""Text summary of one v2g run (the table ``stackga run v2g`` prints)."""
from __future__ import annotations

from .compare import PAPER, _fmt


def summarize(res) -> str:
    """One run's figures beside the paper's (the table ``stackga run v2g`` prints)."""
    m, sc = res.report, res.meta["scenario"]
    p = PAPER.get(sc, (None,) * 5)
    lines = [f"v2g, scenario {sc}" + ("" if res.log else " (exact single problem, no GA)"),
             f"{'':24}{'ours':>14}{'paper':>10}",
             f"{'total cost ($)':24}{m['total_cost']:>14.1f}{_fmt(p[0]):>10}",
             f"{'carbon cost ($)':24}{m['carbon_cost']:>14.1f}{_fmt(p[1]):>10}",
             f"{'load shed (MWh)':24}{m['shed_mwh']:>14.2f}{_fmt(p[2]):>10}",
             f"{'owners cost ($)':24}{m['owner_cost']:>14.1f}{_fmt(p[3]):>10}",
             f"{'V2G discharge (MWh)':24}{m['discharge_mwh']:>14.2f}{_fmt(p[4]):>10}",
             f"{'V2G charge (MWh)':24}{m['charge_mwh']:>14.2f}{'':>10}",
             f"feasible: {m['feasible']}; V2G payments {m['v2g_payments']:.1f} $; "
             f"max P_c P_d {m['complementarity_max']:.1e}; " +
             ("store not connected (its owners charge elsewhere)" if sc == "none" else
              f"store {m['energy_min_mwh']:.1f}-{m['energy_final_mwh']:.1f} MWh (min, end)"),
             "(ours: reconstructed load and travel energy, see cases/v2g/README.md)"]
    if "bound" in m:
        lines.insert(-1, f"single-level bound {m['bound']:.1f} $; this plan is "
                     f"{m['bound_gap']:.2e} $ above it: " + ("it attains the bound, an exact "
                     "bi-level optimum" if m["attains_bound"] else "not proven optimal"))
    return "\n".join(lines)
