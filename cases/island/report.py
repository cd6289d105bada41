"""The island case's figures (tables 2 and 3 of the paper), recomputed from a solution."""
from __future__ import annotations

import numpy as np

ACTIVE_KW = 1e-6


def report(ev, x) -> dict:
    """Figures for individual 0 of an Evaluation ``ev`` at leader vector ``x`` (24,)."""
    so = ev.responses["so"].arrays
    ch, dis = so["bt_ch"][0], so["bt_dis"][0]
    load = ev.responses["users"].arrays["load"][0]
    grid, curtail = ev.arrays["grid"][0], ev.arrays["curtail"][0]
    net_before = load
    net_after = load - so["p_virtual"][0]
    return {
        "f_ier": float(ev.leader[0]),
        "f_ser": float(ev.followers["so"][0]),
        "f_user": float(ev.followers["users"][0]),
        "bt_charge_hours": int((ch > ACTIVE_KW).sum()),
        "bt_discharge_hours": int((dis > ACTIVE_KW).sum()),
        "bt_max_charge_kw": float(ch.max()),
        "bt_max_discharge_kw": float(dis.max()),
        "bt_charge_kwh": float(ch.sum()),
        "bt_discharge_kwh": float(dis.sum()),
        "grid_import_kwh": float(np.maximum(grid, 0).sum()),
        "grid_export_kwh": float(np.maximum(-grid, 0).sum()),
        "wind_curtailed_kwh": float(curtail.sum()),
        "mean_price": float(np.mean(x)),
        "load_peak_valley_kw_before_vs": float(net_before.max() - net_before.min()),
        "load_peak_valley_kw_after_vs": float(net_after.max() - net_after.min()),
        "virtual_energy_shifted_kwh": float(np.abs(so["p_virtual"][0]).sum() / 2),
    }
