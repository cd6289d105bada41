"""``stackga compare island``: scenarios 1-4 and the sensitivity variants, our
tables 2 and 3 beside the paper's, and the paper's qualitative claims checked
against OUR results. The paper's numbers are shown for reference only; they
are never used in a computation (their data differ from our reconstruction).
"""
from __future__ import annotations

import stackga
from stackga import interrupt

from .case import SCENARIOS, build

# Table 2 and table 3 of the paper, for side-by-side display only.
PAPER_TABLE2 = {1: (27120, 904, 14650), 2: (24876, 480, 17004),
                3: (25932, 854, 15633), 4: (26832, 1132, 16740)}
PAPER_TABLE3 = {1: ("10/9", "500/500", "2663/2780"), 2: ("4/4", "500/400", "1214/1700"),
                3: ("5/6", "500/500", "1749/1419"), 4: ("3/3", "330/485", "1240/950")}
VALLEY_HOURS = [2, 3, 4, 5, 6, 14, 15]                  # 02-07 and 14-16
PEAK_HOURS = [10, 11, 12, 19, 20, 21, 22, 23]           # 10-13 and 19-24
SENSITIVITY = ("wind-0.8", "wind-1.2", "load-0.8", "load-1.2")


def run_all(config: stackga.GAConfig, on_run=None, data_dir=None) -> tuple[dict, dict]:
    """Returns ({scenario: Result}, {variant: Result of scenario 4}). A stop requested
    with Ctrl-C (``stackga.interrupt``) ends it early with the runs finished so far."""
    runs = [(sc, "base") for sc in SCENARIOS] + [(4, v) for v in SENSITIVITY]
    scen, var = {}, {}
    for sc, v in runs:
        if interrupt.requested():
            break
        if on_run:
            on_run(f"scenario {sc}" + ("" if v == "base" else f", {v}"))
        r = stackga.solve(build(scenario=sc, variant=v, data_dir=data_dir), config)
        if v == "base":
            scen[sc] = r
        if sc == 4:
            var[v] = r
        if r.status == "interrupted":
            break
    return scen, var


def battery_cells(rep: dict) -> tuple[str, str, str]:
    return (f"{rep['bt_charge_hours']}/{rep['bt_discharge_hours']}",
            f"{rep['bt_max_charge_kw']:.0f}/{rep['bt_max_discharge_kw']:.0f}",
            f"{rep['bt_charge_kwh']:.0f}/{rep['bt_discharge_kwh']:.0f}")


def table2(scen: dict) -> str:
    lines = ["Table 2 -- objectives (yuan): ours (reconstructed data) | paper",
             f"{'scenario':>8} {'f_ier':>10} {'f_ser':>9} {'f_user':>10} | "
             f"{'f_ier':>7} {'f_ser':>6} {'f_user':>7}"]
    for sc, r in scen.items():
        p = PAPER_TABLE2[sc]
        lines.append(f"{sc:>8} {r.report['f_ier']:>10.1f} {r.report['f_ser']:>9.1f} "
                     f"{r.report['f_user']:>10.1f} | {p[0]:>7} {p[1]:>6} {p[2]:>7}")
    return "\n".join(lines)


def table3(scen: dict) -> str:
    lines = ["Table 3 -- battery use, charge/discharge: ours | paper",
             f"{'scenario':>8} {'hours':>7} {'max kW':>9} {'total kWh':>11} | "
             f"{'hours':>6} {'max kW':>8} {'total kWh':>10}"]
    for sc, r in scen.items():
        h, m, e = battery_cells(r.report)
        ph, pm, pe = PAPER_TABLE3[sc]
        lines.append(f"{sc:>8} {h:>7} {m:>9} {e:>11} | {ph:>6} {pm:>8} {pe:>10}")
    return "\n".join(lines)


def sensitivity_table(var: dict) -> str:
    lines = ["Sensitivity (scenario 4): variant, f_ier, f_ser, f_user, virtual storage shifted kWh",
             ]
    for v, r in var.items():
        rep = r.report
        lines.append(f"{v:>9} {rep['f_ier']:>10.1f} {rep['f_ser']:>9.1f} {rep['f_user']:>10.1f} "
                     f"{rep['virtual_energy_shifted_kwh']:>9.1f}")
    return "\n".join(lines)


def claims(scen: dict, var: dict) -> list[tuple[str, bool, str]]:
    """(claim, holds, evidence) for each qualitative claim of the paper."""
    r = {sc: scen[sc].report for sc in scen}
    pv = scen[4].arrays["so.p_virtual"]
    bt = {sc: r[sc]["bt_charge_kwh"] + r[sc]["bt_discharge_kwh"] for sc in (3, 4)}
    hrs = {sc: r[sc]["bt_charge_hours"] + r[sc]["bt_discharge_hours"] for sc in (3, 4)}
    shifted = {v: var[v].report["virtual_energy_shifted_kwh"] for v in var}
    out = []
    for who, key in (("MGO", "f_ier"), ("storage operator", "f_ser"), ("users", "f_user")):
        out.append((f"scenario 4 improves the {who} over scenario 3", r[4][key] > r[3][key],
                    f"{key}: {r[3][key]:.1f} -> {r[4][key]:.1f}"))
    out.append(("virtual storage charges in the valleys (02-07, 14-16)",
                bool(pv[VALLEY_HOURS].mean() < 0),
                f"mean P_v there {pv[VALLEY_HOURS].mean():.1f} kW (negative = charging)"))
    out.append(("virtual storage discharges in the peaks (10-13, 19-24)",
                bool(pv[PEAK_HOURS].mean() > 0),
                f"mean P_v there {pv[PEAK_HOURS].mean():.1f} kW (positive = discharging)"))
    out.append(("battery throughput drops with virtual storage", bt[4] < bt[3],
                f"charge+discharge {bt[3]:.0f} -> {bt[4]:.0f} kWh"))
    out.append(("battery active hours drop with virtual storage", hrs[4] < hrs[3],
                f"{hrs[3]} -> {hrs[4]} h"))
    out.append(("scenario 1 gives the MGO more than scenario 2", r[1]["f_ier"] > r[2]["f_ier"],
                f"{r[1]['f_ier']:.1f} vs {r[2]['f_ier']:.1f}"))
    out.append(("scenario 2 gives the users more than scenario 1", r[2]["f_user"] > r[1]["f_user"],
                f"{r[2]['f_user']:.1f} vs {r[1]['f_user']:.1f}"))
    if all(v in shifted for v in SENSITIVITY):
        out.append(("weak wind needs more virtual storage than strong wind",
                    shifted["wind-0.8"] > shifted["wind-1.2"],
                    f"{shifted['wind-0.8']:.0f} vs {shifted['wind-1.2']:.0f} kWh shifted"))
        out.append(("large load needs more virtual storage than small load",
                    shifted["load-1.2"] > shifted["load-0.8"],
                    f"{shifted['load-1.2']:.0f} vs {shifted['load-0.8']:.0f} kWh shifted"))
    return out


def format_claims(rows) -> str:
    lines = ["Qualitative claims of the paper, checked on our results:"]
    for text, holds, evidence in rows:
        lines.append(f"  [{'holds' if holds else 'FAILS'}] {text}  ({evidence})")
    return "\n".join(lines)


def summary(scen: dict, var: dict) -> str:
    return "\n\n".join([table2(scen), table3(scen), sensitivity_table(var),
                        format_claims(claims(scen, var))])


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


def compare(config: stackga.GAConfig, on_run=None, data_dir=None) -> tuple[str, dict]:
    """Run everything; returns (printed summary, {name: Result}) for saving. If a run was
    interrupted or found no feasible individual, the text says so instead of tables."""
    scen, var = run_all(config, on_run, data_dir)
    results = {f"scenario{sc}": r for sc, r in scen.items()}
    results.update({f"scenario4-{v}": r for v, r in var.items() if v != "base"})
    total = len(SCENARIOS) + len(SENSITIVITY)
    done = [k for k, r in results.items() if r.status == "complete"]
    if len(done) < total:
        return f"interrupted: {len(done)} of {total} runs finished; no tables or claims", results
    bad = [r.infeasibility for r in results.values() if r.infeasibility]
    if bad:
        return (f"{len(bad)} of {total} runs found no feasible individual; no tables or claims:\n  "
                + "\n  ".join(bad)), results
    return summary(scen, var), results


__all__ = ["run_all", "summary", "summarize", "compare", "claims", "table2", "table3"]
