"""The command line: output folders checked before work, data round trip with --data,
exit codes for bad input, no feasible individual and Ctrl-C."""
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import stackga
from stackga.cli import main

FAST = ["--pop-size", "4", "--generations", "2"]


@pytest.fixture
def no_solve(monkeypatch):
    """Fail the test if a GA or exact solve starts."""
    def boom(*a, **k):
        raise AssertionError("work started before the output folder was checked")
    monkeypatch.setattr(stackga, "solve", boom)


@pytest.mark.parametrize("command", ["run", "compare"])
def test_bad_out_is_refused_before_any_work(tmp_path, capsys, no_solve, command):
    (tmp_path / "file").write_text("x")
    assert main([command, "island", "--out", str(tmp_path / "file")]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err
    assert main([command, "island", "--out", "/proc/stackga/x"]) == 2
    assert "cannot write there" in capsys.readouterr().err
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "run.json").write_text("{}")
    assert main([command, "island", "--out", str(tmp_path / "used")]) == 2
    assert "not empty; choose another folder or pass --overwrite" in capsys.readouterr().err


def test_runs_without_out_get_fresh_folders(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "island", "--scenario", "2"]) == 0
    assert main(["run", "island", "--scenario", "2"]) == 0
    runs = sorted((tmp_path / "runs").iterdir())
    assert len(runs) == 2 and all(stackga.Result.load(r).meta["scenario"] == 2 for r in runs)


def test_overwrite_replaces_the_folder_whole(tmp_path, capsys):
    out = tmp_path / "s2"
    assert main(["run", "island", "--scenario", "2", "--out", str(out)]) == 0
    (out / "stale.csv").write_text("a\n1\n")
    assert main(["run", "island", "--scenario", "2", "--out", str(out), "--overwrite"]) == 0
    assert not (out / "stale.csv").exists()
    stackga.Result.load(out)


def rewrite_param(path, name, value):
    rows = list(csv.reader(path.open()))
    for r in rows:
        if r[0] == name:
            r[1] = value
    with path.open("w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def test_data_round_trip(tmp_path, capsys):
    d = tmp_path / "mydata"
    assert main(["data", "island", str(d)]) == 0
    assert sorted(p.name for p in d.iterdir()) == ["ev_fleet.csv", "hourly.csv", "parameters.csv"]
    assert main(["data", "island", str(d)]) == 2
    assert "already holds" in capsys.readouterr().err
    assert main(["run", "island", "--scenario", "1", "--data", str(d), "--out", str(tmp_path / "a")]) == 0
    rewrite_param(d / "parameters.csv", "bt_p_max_kw", "250")
    assert main(["run", "island", "--scenario", "1", "--data", str(d), "--out", str(tmp_path / "b")]) == 0
    a, b = (stackga.Result.load(tmp_path / n) for n in ("a", "b"))
    assert a.meta["data"]["folder"] == str(d.resolve())
    assert a.meta["data"]["sha256"]["parameters.csv"] != b.meta["data"]["sha256"]["parameters.csv"]
    assert max(a.arrays["so.bt_ch"]) > 250 + 1e-6 >= max(b.arrays["so.bt_ch"])
    rewrite_param(d / "parameters.csv", "bt_eta_c", "1.5")
    assert main(["run", "island", "--data", str(d), "--out", str(tmp_path / "c")] + FAST) == 2
    err = capsys.readouterr().err
    assert "parameters.csv: row 12, parameter 'bt_eta_c': value 1.5 is out of range" in err
    assert not (tmp_path / "c").exists()


def test_no_feasible_individual_exits_non_zero_naming_the_cause(tmp_path, capsys):
    d = tmp_path / "mydata"
    main(["data", "island", str(d)])
    rewrite_param(d / "parameters.csv", "grid_import_max_kw", "0")
    out = tmp_path / "run"
    assert main(["run", "island", "--scenario", "3", "--data", str(d), "--out", str(out)] + FAST) == 3
    err = capsys.readouterr().err
    assert "no feasible individual in 8 evaluated individuals" in err
    assert "leader constraint 'grid import above grid_import_max_kw' broken by 8" in err
    doc = json.loads((out / "run.json").read_text(), parse_constant=lambda t: pytest.fail(t))
    assert doc["report"]["feasible"] is False and doc["infeasibility"]


def _signal_a_real_run(tmp_path, signum):
    """A real `stackga run` on a terminal (a pty, so the progress bar shows when the GA is
    under way), sent ``signum`` at generation 3: (exit code, its text, the saved result)."""
    import pty
    import select
    out = tmp_path / "run"
    try:
        master, slave = pty.openpty()
    except OSError as e:                            # a machine without pseudo-terminals
        pytest.skip(f"no pty: {e}")
    p = subprocess.Popen([sys.executable, "-m", "stackga", "run", "island", "--scenario", "3",
                          "--generations", "1000000", "--out", str(out)],
                         stdout=subprocess.PIPE, stderr=slave, text=True)
    os.close(slave)
    seen, deadline = b"", time.time() + 120
    while b"gen 3/" not in seen and time.time() < deadline:
        if select.select([master], [], [], 1.0)[0]:
            seen += os.read(master, 4096)
    assert b"gen 3/" in seen, seen
    p.send_signal(signum)
    p.wait(timeout=120)
    while select.select([master], [], [], 0.5)[0]:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    return p.returncode, seen.decode(errors="replace"), stackga.Result.load(out)


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_to_a_real_process_saves_the_best_so_far(tmp_path, signum, code):
    """SIGINT (Ctrl-C) or SIGTERM (timeout, SLURM, docker stop; it saved nothing) to a real
    run: exit 128 + the signal, one line, no traceback, the best so far saved."""
    returncode, text, res = _signal_a_real_run(tmp_path, signum)
    after_bar = [line for line in text.replace("\r", "\n").splitlines() if line.strip()
                 and "gen " not in line]
    assert returncode == code, text
    assert "Traceback" not in text and len(after_bar) == 1, after_bar
    assert after_bar[0].startswith("stackga: interrupted at generation")
    assert res.status == "interrupted" and res.report["feasible"] and len(res.log["gen"]) >= 3


def test_out_filled_during_the_run_keeps_this_runs_files(tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    solve = stackga.solve

    def solve_then_someone_writes(*args, **kw):
        res = solve(*args, **kw)
        (out).mkdir()
        (out / "theirs.txt").write_text("another run got here first")
        return res

    monkeypatch.setattr(stackga, "solve", solve_then_someone_writes)
    assert main(["run", "island", "--scenario", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "was filled by another run meanwhile; this run's files are kept in" in err
    kept = Path(err.split("kept in ")[1].split()[0])
    assert stackga.Result.load(kept).meta["scenario"] == 2
    assert sorted(p.name for p in out.iterdir()) == ["theirs.txt"]


@pytest.mark.parametrize("command", ["compare", "figures"])
def test_compare_and_figures_exit_3_without_feasible_individual(tmp_path, capsys, command):
    d = tmp_path / "mydata"
    main(["data", "island", str(d)])
    rewrite_param(d / "parameters.csv", "grid_import_max_kw", "0")
    args = [command, "island", "--data", str(d), "--out", str(tmp_path / "out"),
            "--seeds", "1", "--jobs", "1"] + FAST
    assert main(args) == 3
    err = capsys.readouterr().err
    assert "island: no feasible individual at the leader's vector: follower 'users' INFEASIBLE" in err
    if command == "compare":      # scenario 1 has no central plan; the GA scenarios break the limit
        assert "leader constraint 'grid import above grid_import_max_kw' broken by 8" in err
        assert (tmp_path / "out" / "scenario3-seed1" / "run.json").exists()
    assert not list((tmp_path / "out").rglob("*.png"))


@pytest.mark.parametrize("command", ["compare", "figures"])
def test_compare_and_figures_stop_on_ctrl_c(tmp_path, capsys, monkeypatch, command):
    solve, calls = stackga.solve, []

    def interrupted_in_scenario_3(game, config=None, on_generation=None, **kw):
        calls.append(game.meta["scenario"])
        def kill(row):
            if game.meta["scenario"] == 3 and row["gen"] == 1:          # the first GA
                os.kill(os.getpid(), signal.SIGINT)
        return solve(game, config, on_generation=kill, **kw)

    monkeypatch.setattr(stackga, "solve", interrupted_in_scenario_3)
    out = tmp_path / "out"
    args = [command, "island", "--out", str(out), "--pop-size", "4", "--generations", "30",
            "--seeds", "2", "--jobs", "1"]
    assert main(args) == 130
    assert "interrupted" in capsys.readouterr().err and calls[-1] == 3 and calls.count(3) == 1
    assert not list(out.rglob("*.png"))
    if command == "compare":
        assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [
            "scenario1", "scenario2", "scenario2-operator", "scenario3-seed1"]
        assert stackga.Result.load(out / "scenario3-seed1").status == "interrupted"


@pytest.mark.parametrize("engine", ["pymoo", "deap"])
def test_kill_9_then_resume_ends_at_the_uninterrupted_result(tmp_path, engine):
    """kill -9 a checkpointing `stackga run`, `stackga resume` it: the same x and log (all
    but the seconds) as an uninterrupted run with the same seed."""
    from stackga.checkpoint import Checkpoint
    out = tmp_path / "run"
    args = ["run", "island", "--scenario", "3", "--pop-size", "10", "--generations", "600",
            "--engine", engine, "--seed", "4"]
    p = subprocess.Popen([sys.executable, "-m", "stackga", *args, "--checkpoint-every", "20",
                          "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state, deadline = out / ".checkpoint" / "state.pkl", time.time() + 120
    while time.time() < deadline:
        if state.exists() and Checkpoint(state.parent).load()["gen"] >= 40:
            break
        assert p.poll() is None, "the run ended before it could be killed"
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert not (out / "run.json").exists()
    assert main(["resume", str(out)]) == 0
    resumed = stackga.Result.load(out)
    assert not (out / ".checkpoint").exists()                 # a finished run folder
    ref = tmp_path / "ref"
    assert main([*args, "--out", str(ref)]) == 0
    full = stackga.Result.load(ref)
    np.testing.assert_array_equal(resumed.x, full.x)
    for k in full.log:
        if k != "seconds":
            np.testing.assert_array_equal(resumed.log[k], full.log[k])
    assert resumed.statuses == full.statuses and resumed.leader == full.leader
    assert main(["resume", str(out)]) == 2                     # nothing left to resume


def test_checkpointed_run_never_continues_an_old_one(tmp_path):
    """A new --checkpoint-every run into a folder holding another run's checkpoint starts
    afresh; a checkpoint of another configuration is refused by name."""
    from stackga.checkpoint import Checkpoint
    out = tmp_path / "run"
    first = ["run", "island", "--scenario", "3", "--pop-size", "6", "--generations", "12",
             "--checkpoint-every", "2", "--out", str(out), "--overwrite"]
    os.makedirs(out / ".checkpoint")
    (out / ".stackga").write_text("a killed run's folder\n")
    ck = Checkpoint(out / ".checkpoint", 2, {"stale": True})
    import stackga.log as slog
    ck.save("pymoo", None, slog.GenerationLog([]), 4)
    assert main(first) == 0
    again = ["run", "island", "--scenario", "3", "--pop-size", "6", "--generations", "12",
             "--out", str(tmp_path / "ref")]
    assert main(again) == 0
    np.testing.assert_array_equal(stackga.Result.load(out).x, stackga.Result.load(tmp_path / "ref").x)
    ck2 = Checkpoint(tmp_path / "ck", 2)
    ck2.config = {"other": 1}
    ck2.save("pymoo", None, slog.GenerationLog([]), 2)
    with pytest.raises(ValueError, match="a checkpoint of another GA configuration"):
        stackga.solve(island_game(), stackga.GAConfig(pop_size=6, generations=4), checkpoint=ck2)


def island_game():
    import stackga.cases.island as island
    return island.build(scenario=3)


@pytest.mark.parametrize("engine", ["pymoo", "deap"])
def test_ctrl_c_on_a_checkpointed_run_loses_no_generation(tmp_path, engine):
    from stackga.checkpoint import Checkpoint
    cfg = stackga.GAConfig(pop_size=6, generations=12, engine=engine)
    full = stackga.solve(island_game(), cfg)
    ck = Checkpoint(tmp_path / "ck", every=50)                      # no periodic one before the stop

    def kill(row):
        if row["gen"] == 5:
            os.kill(os.getpid(), signal.SIGINT)
    part = stackga.solve(island_game(), cfg, on_generation=kill, checkpoint=ck)
    assert part.status == "interrupted" and ck.load()["gen"] == len(part.log["gen"]) >= 5
    done = stackga.solve(island_game(), cfg, checkpoint=ck)
    np.testing.assert_array_equal(done.x, full.x)
    np.testing.assert_array_equal(done.log["best"], full.log["best"])


def test_a_checkpoint_from_before_a_config_field_existed_resumes(tmp_path):
    """A checkpoint whose configuration lacks fields added since (here the elites' step,
    off by default) resumes at their defaults, to the uninterrupted run's answer; one that
    differs in a field is refused naming the field and both values."""
    from stackga.checkpoint import Checkpoint
    cfg = stackga.GAConfig(pop_size=6, generations=10)
    full = stackga.solve(island_game(), cfg)
    ck = Checkpoint(tmp_path / "ck", every=50)

    def kill(row):
        if row["gen"] == 4:
            os.kill(os.getpid(), signal.SIGINT)
    assert stackga.solve(island_game(), cfg, on_generation=kill, checkpoint=ck).status == "interrupted"
    st = ck.load()

    class _Log:                                   # Checkpoint.save stores log.state()
        def state(self):
            return st["log"]

    def rewrite(config):
        ck.config, ck.identity = config, st["identity"]
        ck.save(st["engine"], st["state"], _Log(), st["gen"])

    rewrite({k: v for k, v in st["config"].items() if k not in ("improve_every", "improve_elites")})
    done = stackga.solve(island_game(), cfg, checkpoint=ck)
    np.testing.assert_array_equal(done.x, full.x)
    np.testing.assert_array_equal(done.log["best"], full.log["best"])
    rewrite({**st["config"], "mutation_prob": 0.2})
    with pytest.raises(ValueError, match=r"another GA configuration; mutation_prob: 0.2 in the "
                                         r"checkpoint, 0.076 here$"):
        stackga.solve(island_game(), cfg, checkpoint=ck)


def test_v2g_run_modes_compare_and_data(tmp_path, capsys):
    """v2g through the CLI: both GA modes, an exact reference, a bad mode, the data round
    trip, and compare with its tables and claims."""
    assert main(["run", "v2g", "--mode", "tariff", "--out", str(tmp_path / "t")] + FAST) == 0
    assert "v2g, scenario tariff" in capsys.readouterr().out
    assert main(["run", "v2g", "--scenario", "plan-exact", "--out", str(tmp_path / "e")]) == 0
    assert "exact single problem, no GA" in capsys.readouterr().out
    assert main(["run", "v2g", "--scenario", "3", "--out", str(tmp_path / "x")]) == 2
    assert "unknown scenario '3'" in capsys.readouterr().err
    assert main(["run", "v2g", "--lp-battery", "--out", str(tmp_path / "y")] + FAST) == 2
    assert main(["data", "v2g", str(tmp_path / "d")]) == 0
    assert main(["run", "v2g", "--data", str(tmp_path / "d"), "--out", str(tmp_path / "p")] + FAST) == 0
    capsys.readouterr()
    assert main(["compare", "v2g", "--seeds", "1", "--jobs", "1", "--out", str(tmp_path / "c")]
                + FAST) == 0
    out = capsys.readouterr().out
    for text in ("Tables 2 and 4", "gap to the exact optimum", "Table 3", "The paper's claims"):
        assert text in out
    assert (tmp_path / "c" / "plan-exact" / "run.json").exists()
    assert (tmp_path / "c" / "v2g_power.png").exists()


def test_certify_a_bilevel_game_from_a_file(tmp_path, capsys):
    f = tmp_path / "bard.py"
    f.write_text("from stackga.bilevel import Bilevel, Follower\n"
                 "def build():\n"
                 "    f = Follower(d=[1.0], A=[[-1], [-2], [2], [3]], B=[[-1], [1], [1], [-2]],\n"
                 "                 b=[-3, 0, 12, 4])\n"
                 "    return Bilevel('min', c_x=[1.0], c_y=[-4.0], followers=[f], x_lb=[0], x_ub=[10])\n")
    assert main(["certify", str(f), "--generations", "10", "--pop-size", "30"]) == 0
    out = capsys.readouterr().out
    assert "exact (bigm): optimal, F = -12.0" in out and "audit passed" in out
    assert "follower 0: optimal True" in out
    assert main(["certify", str(tmp_path / "missing.py")]) == 2
    (tmp_path / "bad.py").write_text("def build():\n    return 3\n")
    assert main(["certify", str(tmp_path / "bad.py")]) == 2
    assert "not a Bilevel" in capsys.readouterr().err


def test_certify_integer_and_pessimistic_games(tmp_path, capsys):
    """Moore & Bard (1990): integer follower and leader, value-function cuts, GA skipped;
    a pessimistic game whose value is an infimum only says so."""
    f = tmp_path / "moore.py"
    f.write_text("from stackga.bilevel import Bilevel, Follower\n"
                 "def build():\n"
                 "    f = Follower(d=[1.0], A=[[-25], [1], [2], [-2]], B=[[20], [2], [-1], [-10]],\n"
                 "                 b=[30, 10, 15, -15], integer=[True])\n"
                 "    return Bilevel('min', c_x=[-1.0], c_y=[-10.0], followers=[f], x_lb=[0],\n"
                 "                   x_ub=[10], x_integer=[True])\n")
    assert main(["certify", str(f)]) == 0
    out = capsys.readouterr().out
    assert "exact (cuts): optimal, F = -22.0" in out and "GA skipped" in out
    g = tmp_path / "inf.py"
    g.write_text("from stackga.bilevel import Bilevel, Follower\n"
                 "def build():\n"
                 "    f = Follower(d=[0.0], M=[[1.0]], B=[[1.0]], b=[1.0], ub=[1.0])\n"
                 "    return Bilevel('min', c_x=[1.0], c_y=[1.0], followers=[f], x_lb=[0],\n"
                 "                   x_ub=[1], selection='pessimistic')\n")
    assert main(["certify", str(g), "--no-ga", "--time-limit", "20"]) == 0
    assert "is an infimum here, not attained" in capsys.readouterr().out


def test_eva_run_compare_and_figures(tmp_path, capsys):
    """eva through the CLI: run (its table), compare over two seeds (the table beside the
    paper's, the final population's rounds, the claims counted) and the figures."""
    fast = ["--pop-size", "6", "--generations", "2"]
    assert main(["run", "eva", "--out", str(tmp_path / "r")] + fast) == 0
    assert "EVs -> 29 clusters" in capsys.readouterr().out
    assert main(["compare", "eva", "--seeds", "2", "--jobs", "1", "--out", str(tmp_path / "c")] + fast) == 0
    out = capsys.readouterr().out
    for text in ("ours (median [min, max] over 2 seeds", "final population of the median default run",
                 "The paper's claims, computed at each seed's best: k of 2 seeds",
                 "/2  clusters charge mostly in 18:00-06:00", "64 -> 29", "64 -> 34",
                 "end_state = initial", "window = exclusive", "first = clusters",
                 "profit: the EVs' payments alone"):
        assert text in out
    for name in ("power_balance", "cluster_power", "prices", "imbalance", "rounds",
                 "convergence_seeds"):
        assert (tmp_path / "c" / f"{name}.png").exists(), name
    for name in ("game-seed1", "greedy-seed2"):
        res = stackga.Result.load(tmp_path / "c" / name)
        pop = res.report["final_population"]
        assert len(pop["rounds"]) + pop["not_settled"] + pop["failed"] == pop["n"] == 6
    assert res.meta["grouping"] == "greedy" and res.report["n_clusters"] == 34


def test_a_bug_is_not_reported_as_bad_input(monkeypatch, tmp_path):
    """Only InputError means the user's input (exit 2); another exception is a bug and
    shows its traceback."""
    import stackga.cases.island as island

    from stackga.errors import InputError

    def broken(**kwargs):
        raise ValueError("an internal bug")
    monkeypatch.setattr(island, "build", broken)
    with pytest.raises(ValueError, match="internal bug"):
        main(["run", "island", "--out", str(tmp_path / "a"), "--generations", "2", "--pop-size", "4"])

    def refused(**kwargs):
        raise InputError("island: bad value 7")
    monkeypatch.setattr(island, "build", refused)
    assert main(["run", "island", "--out", str(tmp_path / "b"), "--generations", "2",
                 "--pop-size", "4"]) == 2


def test_run_says_what_bound_it_has(tmp_path, capsys):
    """Every run says its gap to a proven bound, or that it has none."""
    assert main(["run", "island", "--out", str(tmp_path / "a")] + FAST) == 0
    assert "no bound: this is the GA's answer" in capsys.readouterr().out


def test_bound_note_reads_a_bound_and_a_local_optimum():
    from types import SimpleNamespace

    from stackga.cli.run import bound_note
    assert "gap to the proven bound 100" in bound_note(SimpleNamespace(report={"bound": 100.0, "bound_gap": 0.5}))
    assert "local optimum" in bound_note(SimpleNamespace(report={"improvement": {"status": "local_optimum"}}))
    proven = bound_note(SimpleNamespace(report={"improvement": {"status": "optimal"}}))
    assert "proven global optimum" in proven and "no global bound" not in proven


def test_exit_code_names_the_signal():
    import signal as sig

    from stackga import interrupt
    interrupt._last["signum"] = int(sig.SIGTERM)
    assert interrupt.exit_code() == 143
    interrupt._last["signum"] = int(sig.SIGINT)
    assert interrupt.exit_code() == 130


def test_a_signal_the_parent_ignores_stays_ignored():
    """Under nohup SIGHUP is ignored: a run must not stop when the terminal closes."""
    from stackga import interrupt
    old = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with interrupt.graceful():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is not signal.SIG_IGN
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, old)


def test_figures_refuse_a_run_folder(tmp_path, capsys):
    """`figures --out RUN` would overwrite a run's own figures with the comparison's: it is
    refused by name before any GA, and the run folder is left as it was."""
    out = tmp_path / "run"
    assert main(["run", "island", "--scenario", "3", "--out", str(out)] + FAST) == 0
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    capsys.readouterr()
    assert main(["figures", "island", "--out", str(out)] + FAST) == 2
    assert "is a run folder" in capsys.readouterr().err
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before


def test_a_full_disk_names_the_path_and_rescues_the_result(tmp_path, capsys, monkeypatch):
    """Saving fails with ENOSPC: exit 2, the message names the file and the folder the
    result was rescued to, and that folder loads as the run."""
    import errno

    from stackga.result import Result
    real, calls = Result.write_files, []

    def full_disk(self, folder):
        calls.append(folder)
        if len(calls) == 1:
            raise OSError(errno.ENOSPC, "No space left on device", str(folder) + "/run.json")
        return real(self, folder)
    monkeypatch.setattr(Result, "write_files", full_disk)
    out = tmp_path / "run"
    assert main(["run", "island", "--scenario", "3", "--out", str(out)] + FAST) == 2
    err = capsys.readouterr().err
    assert "run.json: cannot save the run (No space left on device)" in err
    rescued = Path(err.split("saved instead in ")[1].split("/ (")[0])
    assert Result.load(rescued).game == "island" and not out.exists()


def test_long_folder_names_and_hopeless_bounds_are_handled_by_name(tmp_path):
    from stackga.errors import InputError
    out = tmp_path / ("r" * 250)
    assert main(["run", "island", "--scenario", "3", "--out", str(out)] + FAST) == 0
    assert stackga.Result.load(out).status == "complete"
    with pytest.raises(InputError, match=r"range of x\[0\].*overflows a float"):
        stackga.Game("g", lb=[-1e308], ub=[1e308], followers={}, leader=lambda X, p, r: None)


def test_certificates_can_be_switched_off_and_a_failing_one_keeps_the_run(tmp_path, capsys,
                                                                          monkeypatch):
    out = tmp_path / "off"
    assert main(["run", "island", "--scenario", "3", "--no-certify", "--out", str(out)] + FAST) == 0
    assert "certificates" not in stackga.Result.load(out).report
    from stackga.followers import FlexibleUsers

    def broken(self, price, arrays, leader=None):
        raise RuntimeError("solver library missing")
    monkeypatch.setattr(FlexibleUsers, "certificate", broken)
    capsys.readouterr()
    out = tmp_path / "broken"
    assert main(["run", "island", "--scenario", "3", "--out", str(out)] + FAST) == 0
    assert "users: certificate failed (RuntimeError: solver library missing)" in capsys.readouterr().out
    res = stackga.Result.load(out)
    assert res.report["certificates"]["users"]["status"] == "failed" and res.status == "complete"


def test_a_reading_flag_reaches_its_case_and_a_choice_of_another_case_is_named(tmp_path, capsys):
    """--end-state is declared by eva (first_hour, initial) and v2g (none, initial): the
    flag takes every choice and each case names one it does not take."""
    fast = ["--pop-size", "4", "--generations", "1", "--no-certify"]
    assert main(["run", "eva", "--end-state", "initial", "--window", "exclusive",
                 "--out", str(tmp_path / "e")] + fast) == 0
    res = stackga.Result.load(tmp_path / "e")
    assert res.meta["end_state"] == "initial" and res.meta["window"] == "exclusive"
    assert main(["run", "v2g", "--end-state", "first_hour", "--out", str(tmp_path / "v")] + fast) == 2
    assert "v2g: unknown end_state 'first_hour'" in capsys.readouterr().err


def test_improve_every_on_a_game_without_a_step_is_bad_input(tmp_path, capsys):
    """--improve-every on eva (no improvement step: a fixed-point market) is refused by
    name with exit 2, before any generation; a negative value too."""
    assert main(["run", "eva", "--improve-every", "1", "--out", str(tmp_path / "e")] + FAST) == 2
    assert "improve_every" in capsys.readouterr().err
    assert main(["run", "island", "--improve-every", "-1", "--out", str(tmp_path / "i")] + FAST) == 2
    assert "improve_every" in capsys.readouterr().err
