"""``stackga run``, ``resume`` and ``data``: one scenario solved, saved, summarised."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .. import interrupt, rundir
from ..config import GAConfig
from ..errors import InputError
from .common import CHECKPOINT_DIR, _case, _config, _output, _scenario, _stopped
from .parser import case_options
from .progress import Progress


def cmd_run(a) -> int:
    case = _case(a.case)
    options = case_options(a, a.case)
    if "scenario" in options and a.scenario is not None and options["scenario"] != a.scenario:
        raise InputError(f"the case's option sets scenario {options['scenario']!r} and --scenario "
                         f"{a.scenario} disagrees; give one")
    scenario = _scenario(case, options.pop("scenario", a.scenario))
    cfg = _config(a)
    if a.checkpoint_every is not None and a.checkpoint_every < 1:
        raise InputError(f"--checkpoint-every must be >= 1 generation, got {a.checkpoint_every}")
    game_args = {"scenario": scenario, "variant": a.variant, "data_dir": a.data, **options}
    with _output(a, f"{a.case}-s{scenario}-{a.variant}") as out, rundir.writer_lock(out):
        ckpt = None
        if a.checkpoint_every:
            ckpt = _start_checkpoint(out, a.case, game_args, cfg, a.checkpoint_every)
        return _solve_and_save(case, game_args, cfg, out, ckpt, a.overwrite or ckpt is not None,
                               certify=not a.no_certify)


def _start_checkpoint(out: Path, case: str, game_args: dict, cfg: GAConfig, every: int):
    """Checkpoints go into OUT/.checkpoint (with what is needed to rebuild the run), and
    OUT is marked as stackga's so that the finished run replaces it whole."""
    from ..checkpoint import Checkpoint
    folder = out / CHECKPOINT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    (out / rundir.MARKER).write_text("a run in progress (stackga resume can continue it)\n")
    spec = {"case": case, "game": game_args, "config": cfg.to_dict(), "every": every}
    (folder / "spec.json").write_text(json.dumps(spec, indent=2))
    ckpt = Checkpoint(folder, every)
    ckpt.clear()                                   # a new run never continues an old one
    return ckpt


def _solve_and_save(case, game_args: dict, cfg: GAConfig, out: Path, ckpt, overwrite: bool,
                    certify: bool = True) -> int:
    import stackga
    scenario = game_args["scenario"]
    progress = Progress(cfg.generations, f"scenario {scenario}")
    try:
        game = case.build(**game_args)
        res = stackga.solve(game, cfg, on_generation=progress, checkpoint=ckpt, certify=certify)
    finally:
        progress.close()
    if res.status == "interrupted" and ckpt is not None:
        print(f"stackga: interrupted at generation {len(res.log['gen'])} of {cfg.generations}; "
              f"continue with: stackga resume {out}", file=sys.stderr)
        return interrupt.exit_code()
    try:
        with rundir.staged(out, overwrite=overwrite) as tmp:
            res.write_files(tmp)
    except OSError as e:
        raise InputError(f"{e.filename or out}: cannot save the run ({e.strerror or e}); "
                         + _rescue(res)) from None
    if res.report["feasible"]:
        try:                                          # optional: never loses the saved run
            case.write_figures({scenario: res}, out)
        except Exception as e:                        # noqa: BLE001 (any plotting failure)
            print(f"stackga: the run is saved in {out}/ but its figures failed "
                  f"({type(e).__name__}: {e})", file=sys.stderr)
    code = _stopped(res, cfg.generations, out)
    if code is not None:
        return code
    print(case.summarize(res))
    print(bound_note(res))
    certs = res.report.get("certificates", {})
    if certs:
        print("follower certificates (independent re-solve): " + "; ".join(
            f"{f}: certificate failed ({c.get('error')})" if c.get("status") == "failed" else
            f"{f}: {'optimal' if c.get('optimal') else 'NOT optimal'}, gap {c.get('duality_gap', float('nan')):.1e}"
            + (", ties" if c.get("ties") else "") + _tie_note(c) for f, c in certs.items()))
    odd = {f: c for f, c in res.statuses.items() if set(c) - {"OPTIMAL"}}
    if odd:
        print(f"follower statuses over the run (individuals marked infeasible): {odd}")
    for f, m in res.messages.items():
        print(f"follower {f!r} raised for some individuals; first message: {m}")
    print(f"{res.seconds:.1f} s; results and figures in {out}/")
    return 0


def bound_note(res) -> str:
    """What the answer is known to be: its gap to a proven bound where the result has one
    (``report["bound"]``, in the report's own objective), or how the improvement step
    ended, or that it is the GA's answer with no bound."""
    rep, step = res.report, res.report.get("improvement", {})
    if step.get("status") == "bound_attained":
        return (f"a proven global optimum: the improvement step's answer reaches the "
                f"relaxation's bound {step['bound']:.6g} (the GA alone ended at "
                f"{step['F_ga']:.6g})")
    if rep.get("bound") is not None and rep.get("bound_gap") is not None:
        return (f"gap to the proven bound {rep['bound']:.6g}: {rep['bound_gap']:.3g} "
                f"({abs(rep['bound_gap']) / max(abs(rep['bound']), 1e-12):.2e} relative)")
    if step.get("status") == "optimal":
        return ("a proven global optimum: the improvement step's exact search closed on the "
                "whole game and the answer reaches its optimum")
    if step.get("status") == "local_optimum":
        return ("no global bound; the improvement step ended at a local optimum over every piece "
                "through the answer (stackga.bilevel.solve_exact gives a bound)")
    if step.get("status") not in (None, "unavailable", "not_run"):
        moved = "moved the GA's answer" if step.get("how") == "improved" else "did not move the GA's answer"
        return (f"no global bound; the improvement step {moved} and ended with "
                f"{step['status']!r} (stackga.bilevel.solve_exact gives a bound)")
    return ("no bound: this is the GA's answer (a heuristic; the game states no matrix form, "
            "so neither the improvement step nor an exact reference applies)")


def _tie_note(cert: dict) -> str:
    """The leader's values over the ties of a certificate's parts, where computed."""
    notes = []
    for name, c in [("", cert), *cert.get("parts", {}).items()]:
        if "F_optimistic" not in c:
            continue
        who = f"{name}: " if name else ""
        if c.get("leader_indifferent"):
            notes.append(who + "the leader's value is the same over them")
        elif "F_pessimistic" in c:
            notes.append(who + f"leader's value {c['F_pessimistic']:.6g} (pessimistic) to "
                         f"{c['F_optimistic']:.6g} (optimistic)")
        else:
            low = (f" and at least {c['F_pessimistic_at_least']:.6g} (the MILP's bound at its "
                   f"time limit)" if "F_pessimistic_at_least" in c else "")
            worst = (f"; pessimistic at most {c['F_pessimistic_at_most']:.6g} (a tie-break "
                     f"found, not a proven worst){low}" if "F_pessimistic_at_most" in c else
                     "; pessimistic: a tie-break leaves the leader's recourse infeasible"
                     if c.get("F_pessimistic_infeasible") else "")
            notes.append(who + f"leader's value up to {c['F_optimistic']:.6g} (optimistic)" + worst)
    return f" ({'; '.join(notes)})" if notes else ""


def _rescue(res) -> str:
    """Save a result that could not be saved where asked in a new folder under the system's
    temporary directory; the sentence that says where (or that it could not)."""
    import tempfile
    try:
        folder = Path(tempfile.mkdtemp(prefix="stackga-rescue-"))
        res.write_files(folder)
        return f"the result was saved instead in {folder}/ (load it with stackga.Result.load)"
    except OSError as e:
        return f"saving it under the temporary directory failed too ({e.strerror or e}): the result is lost"


def cmd_resume(a) -> int:
    """Continue a run started with --checkpoint-every from its last checkpoint."""
    from ..checkpoint import Checkpoint
    out = Path(a.dir).resolve()
    spec_path = out / CHECKPOINT_DIR / "spec.json"
    if (out / "run.json").exists() and not spec_path.exists():
        raise InputError(f"{out}: the run is complete (run.json); nothing to resume")
    if not spec_path.exists():
        raise InputError(f"{out}: no checkpoint ({spec_path} not found); start runs with "
                         f"--checkpoint-every K to be able to resume them")
    try:
        spec = json.loads(spec_path.read_text())
        every, case, game, config = spec["every"], spec["case"], spec["game"], spec["config"]
    except (ValueError, KeyError, TypeError) as e:
        raise InputError(f"{spec_path}: damaged run description ({type(e).__name__}: {e})") from None
    with rundir.writer_lock(out, "resume"):
        ckpt = Checkpoint(out / CHECKPOINT_DIR, every)
        state = ckpt.load()
        start = state["gen"] if state else 0
        print(f"resuming {out} from generation {start}", file=sys.stderr)
        return _solve_and_save(_case(case), game, GAConfig(**config), out, ckpt, True)


def cmd_data(a) -> int:
    """Write the case's data files to a folder, to edit and run with --data."""
    from ..data import export
    case = _case(a.case)
    for p in export(case.DATA_DIR, [s.file for s in case.DATA_SCHEMAS], a.dir, a.overwrite):
        print(p)
    print(f"edit them, then: stackga run {a.case} --data {a.dir}")
    return 0
