"""Text summary of one island run (the table ``stackga run island`` prints)."""
from __future__ import annotations

from .compare import PAPER_TABLE2, PAPER_TABLE3, battery_cells


def summarize(res) -> str:
    """One run's figures beside the paper's (the table ``stackga run`` prints)."""
    rep, sc = res.report, res.meta["scenario"]
    p2, p3 = PAPER_TABLE2[sc], PAPER_TABLE3[sc]
    h, m, e = battery_cells(rep)
    lines = [f"island, scenario {sc}, variant {res.meta['variant']}"
             f"{'' if res.log else ' (fixed TOU price: exact single-level solve, no GA)'}",
             f"{'':22}{'ours':>14}{'paper':>10}",
             f"{'f_ier  (MGO, yuan)':22}{rep['f_ier']:>14.1f}{p2[0]:>10}",
             f"{'f_ser  (storage, yuan)':22}{rep['f_ser']:>14.1f}{p2[1]:>10}",
             f"{'f_user (users, yuan)':22}{rep['f_user']:>14.1f}{p2[2]:>10}",
             f"{'battery ch/dis hours':22}{h:>14}{p3[0]:>10}",
             f"{'battery max kW':22}{m:>14}{p3[1]:>10}",
             f"{'battery total kWh':22}{e:>14}{p3[2]:>10}",
             f"feasible: {rep['feasible']}; wind curtailed {rep['wind_curtailed_kwh']:.1f} kWh; "
             f"grid import {rep['grid_import_kwh']:.0f} kWh, export {rep['grid_export_kwh']:.0f} kWh",
             "(ours: reconstructed data, see cases/island/README.md; paper: its own data)"]
    return "\n".join(lines)
