"""``stackga certify FILE``: a bilevel game from a Python file, its exact reference, the GA and the gap."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputError
from .common import _config


def cmd_certify(a) -> int:
    """A bilevel game from a Python file (a function ``build()`` returning a
    ``stackga.bilevel.Bilevel``): the exact reference, the GA with polish, the gap between
    them and every follower's certificate."""
    import importlib.util

    from ..bilevel import Bilevel, solve_bilevel, solve_exact
    path = Path(a.file)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    spec = importlib.util.spec_from_file_location("stackga_user_game", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    build = getattr(mod, "build", None)
    if not callable(build):
        raise InputError(f"{path}: define build() returning a stackga.bilevel.Bilevel")
    game = build()
    if not isinstance(game, Bilevel):
        raise InputError(f"{path}: build() returned {type(game).__name__}, not a Bilevel")
    ref = solve_exact(game, a.method, time_limit=a.time_limit)
    print(f"exact ({ref.method}): {ref.status}, F = {ref.F}, bound {ref.bound}, {ref.seconds:.2f} s"
          + (f", big-M audit {'passed' if ref.audit.get('validated') else 'FAILED'}"
             if ref.method == "bigm" else ""))
    if ref.x is not None:
        print(f"  x = {np.array2string(ref.x, precision=6)}, y = {np.array2string(ref.y, precision=6)}")
    if ref.status == "infimum":
        print(f"  the pessimistic value is an infimum here, not attained: at x it is {ref.F_at_x}")
    if ref.method == "bigm":                 # the dual M is an assumption: cross-check with SOS1
        try:
            other = solve_exact(game, "sos1", time_limit=a.time_limit)
            print(f"cross-check (sos1, no big-M): {other.status}, F = {other.F}")
        except ImportError:
            print("cross-check (sos1) skipped: pip install 'stackga[exact]' for SCIP")
    if a.no_ga:
        return 0
    if np.any(game.x_integer):
        print("GA skipped: it does not take integer leader variables (the exact reference does)")
        return 0
    res = solve_bilevel(game, _config(a))
    print(f"GA ({a.generations} generations, seed {a.seed}): F = {res.ga_F}, after the exact "
          f"polish F = {res.F} ({res.how})")
    if res.F is not None and ref.F is not None:
        print(f"  gap to the exact optimum: {abs(res.F - ref.F):.3e} "
              f"({abs(res.F - ref.F) / max(abs(ref.F), 1e-12):.2e} relative)")
    for k, cert in enumerate(res.certificates):
        c = cert.to_dict()
        keys = ("optimal", "primal_violation", "dual_violation", "duality_gap", "ties",
                "F_optimistic", "F_pessimistic")
        print(f"  follower {k}: " + ", ".join(f"{k2} {c[k2]:.3g}" if isinstance(c[k2], float)
                                             else f"{k2} {c[k2]}" for k2 in keys if k2 in c))
    return 0
