"""The exact reference of the island's scenario 3 with the battery's LP relaxation and the
GA's gap to it: ``python -m stackga.cases.island.certify``. The matrix form
(:class:`stackga.bilevel.Bilevel`) is written out in :mod:`.matrix_form`; SCIP solves it
globally (``stackga.bilevel.solve_exact(..., "sos1")``, the leader's R_e P_DL being
bilinear), the followers' ties broken optimistically.
"""
from __future__ import annotations

import numpy as np

from stackga.bilevel import Bilevel

from .case import build

__all__ = ["scenario3_bilevel"]


def scenario3_bilevel(data_dir=None, variant: str = "base") -> Bilevel:
    """The matrix form (:mod:`.matrix_form`) of the island game's scenario 3 with the LP
    battery on the shipped data (or ``data_dir``) and ``variant``."""
    step = build(scenario=3, variant=variant, data_dir=data_dir, integer_battery=False).improve
    return step.bl                                  # type: ignore[union-attr, attr-defined]


def main(argv=None) -> None:
    """``python -m stackga.cases.island.certify [--seeds 5] [--time-limit 600]``: the exact optimum
    of scenario 3 (LP battery), the GA's best over seeds, and the gap."""
    import argparse
    import time

    import stackga
    from stackga.bilevel import solve_exact

    from .case import build
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument("--selection", default="optimistic", choices=("own", "optimistic"),
                    help="the battery's answer at ties in the GA's game (the reference is "
                         "optimistic)")
    ap.add_argument("--figure", default=None, metavar="PNG",
                    help="also draw the GA's best so far against SCIP's incumbent and bound")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    ref = solve_exact(scenario3_bilevel(), "sos1", time_limit=a.time_limit)
    t_exact = time.perf_counter() - t0
    if ref.F is None:
        print(f"exact reference: {ref.status} after {t_exact:.0f} s")
        return
    best, bound = -ref.F, -ref.bound
    game = build(scenario=3, integer_battery=False)
    at_x = float(game.evaluate(ref.x[None, :game.n_var]).leader[0])
    print(f"exact (SCIP, SOS1): {ref.status}, f_ier = {best:.2f} yuan (bound {bound:.2f}), "
          f"{t_exact:.1f} s; the island game at that price (its own tie-break): {at_x:.2f}")
    ga, stepped, runs = [], [], []
    for s in range(1, a.seeds + 1):
        t0 = time.perf_counter()
        r = stackga.solve(build(scenario=3, integer_battery=False, selection=a.selection),
                          stackga.GAConfig(seed=s))
        step = r.report["improvement"]
        t_step = float(step.get("seconds") or 0.0)
        ga.append(float(np.max(r.log["best"])))
        stepped.append(r.report["f_ier"])
        runs.append((np.asarray(r.log["seconds"]), np.asarray(r.log["best"])))
        print(f"  seed {s}: GA f_ier = {ga[-1]:.2f}, + step {stepped[-1]:.2f} yuan ({step['status']}); "
              f"GA {time.perf_counter() - t0 - t_step:.1f} s, step {t_step:.1f} s")
    if not ga:
        return
    for label, v in (("GA alone", np.array(ga)), ("GA + step", np.array(stepped))):
        gap = 100 * (bound - v) / abs(bound)
        print(f"{label}: gap to the certified optimum median {np.median(gap):.3f} % "
              f"[{gap.min():.3f}, {gap.max():.3f}] over {len(v)} seeds")
    if a.figure:
        from stackga.bilevel.plots import plot_race
        from stackga.plots import save
        trace = [(t, None if i is None else -i, None if b is None else -b) for t, i, b in ref.trace]
        print(save(plot_race(runs, trace, "MGO profit f_ier (yuan)",
                             f"Island scenario 3 (LP battery): GA ({len(runs)} seeds) vs SCIP "
                             f"(certified optimum {best:.2f})"), a.figure))


if __name__ == "__main__":
    main()
