"""The eva paper's claims (sec. 3.2), computed at a run's best price vector."""
from __future__ import annotations

import stackga

SHARE = 0.5                       # "mostly": more than half of the energy


SOLD_KWH = 1e-6                   # "sells": more than a solver's residue (1 Wh / 1000)


def claims(res: stackga.Result) -> dict[str, bool]:
    """The paper's claims (sec. 3.2), computed for one run's best price vector."""
    m = res.report
    dis = m["ev_discharge_kwh"]
    return {
        "clusters charge mostly in 18:00-06:00": m["charge_share_night"] > SHARE,
        "clusters discharge mostly in 08:00-17:00": m["discharge_share_day"] > SHARE,
        "class-1 EVs (commercial car park) do most of the discharging":
            dis > 0 and m["class1_discharge_kwh"] > SHARE * dis,
        "class-2 EVs (residential) charge mostly at night":
            m["class2_charge_kwh"] > 0 and m["class2_charge_night_kwh"] > SHARE * m["class2_charge_kwh"],
        "the EVA's prices lie inside the grid's (eq. 8-9: holds by construction)":
            m["prices_inside_grid"],
        "buy price > sell price in every hour (eq. 8 allows equality)": m["buy_minus_sell_min"] > 1e-9,
        "the game lowers the EV users' cost (vs unmanaged at the grid's TOU)":
            m["ev_cost_game"] < m["ev_cost_unmanaged_grid"],
        "  ... and vs unmanaged charging at the EVA's own prices":
            m["ev_cost_game"] < m["ev_cost_unmanaged_eva"],
        "the imbalance close to 0 after the game (holds for every settled answer)":
            m["imbalance_after_max_kw"] < min(m["imbalance_before_max_kw"], 0.1),
        "the EVA sells surplus energy to the grid": m["grid_sold_kwh"] > SOLD_KWH,
        "every cluster's plan splits into per-EV plans": not m["split_failures"],
    }


def format_claims(runs: list) -> str:
    """The claims at each run's best: how many runs hold each."""
    per = [claims(r) for r in runs]
    lines = [f"The paper's claims, computed at each seed's best: k of {len(per)} seeds"]
    for name in per[0]:
        lines.append(f"  {sum(c[name] for c in per):>2}/{len(per)}  {name}")
    return "\n".join(lines)
