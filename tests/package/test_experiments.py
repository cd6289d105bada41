"""Sweeps: the same table on one process or two, resume without redoing finished runs,
Ctrl-C then resume equals an uninterrupted sweep, the CLI and the plots."""
import csv
import os
import signal

import pytest
import stackga.cases.island as island

import stackga
from stackga import interrupt
from stackga.cli import main
from stackga.experiments import Sweep, run_sweep
from stackga.experiments.plots import plot_folder
from stackga.result import ResultError
from stackga.rundir import RunDirError

KEYS = ("name", "crossover_prob", "mutation_prob", "pop_size", "seed", "leader",
        "best_generation", "evals", "feasible", "status")


def small(seeds=(1, 2), **grid):
    grid = grid or {"crossover_prob": [0.6, 0.89], "mutation_prob": [0.076]}
    return Sweep(case="island", game={"scenario": 3}, grid=grid, seeds=list(seeds),
                 base={"generations": 3, "pop_size": 6})


def essentials(table):
    return [{k: r[k] for k in KEYS} for r in table]


def test_one_process_or_two_give_the_same_table(tmp_path):
    a, _ = run_sweep(small(), island.build, tmp_path / "a", jobs=1)
    b, _ = run_sweep(small(), island.build, tmp_path / "b", jobs=2)
    assert essentials(a) == essentials(b) and len(a) == 4
    rows = list(csv.DictReader(open(tmp_path / "a" / "runs.csv")))
    assert [r["name"] for r in rows] == [r["name"] for r in a]
    gens = list(csv.DictReader(open(tmp_path / "a" / "generations.csv")))
    assert len(gens) == 4 * 3 and {g["gen"] for g in gens} == {"1", "2", "3"}


def test_resume_redoes_only_missing_runs(tmp_path):
    out = tmp_path / "s"
    first, _ = run_sweep(small(), island.build, out)
    import shutil
    shutil.rmtree(out / "runs" / first[1]["name"])
    ran = []
    with pytest.raises(RunDirError, match="pass --resume"):
        run_sweep(small(), island.build, out)
    with pytest.raises(RunDirError, match="different sweep"):
        run_sweep(small(seeds=(1, 3)), island.build, out, resume=True)
    again, _ = run_sweep(small(), island.build, out, resume=True, on_done=lambda s, r: ran.append(s.name))
    assert ran == [first[1]["name"]]
    assert essentials(again) == essentials(first)


def test_ctrl_c_then_resume_equals_an_uninterrupted_sweep(tmp_path):
    full, _ = run_sweep(small(), island.build, tmp_path / "full")
    count = []

    def stop_after_two(spec, res):
        count.append(spec.name)
        if len(count) == 2:
            os.kill(os.getpid(), signal.SIGINT)
    with interrupt.graceful():
        part, _ = run_sweep(small(), island.build, tmp_path / "part", on_done=stop_after_two)
    assert 2 <= len(part) < 4
    done, _ = run_sweep(small(), island.build, tmp_path / "part", resume=True)
    assert essentials(done) == essentials(full)


def test_a_stop_reaches_the_running_runs_of_a_local_pool():
    """Ctrl-C in the parent of a process pool: no run starts after it, and the running
    ones (whose workers ignore the terminal's Ctrl-C) stop at their generation and come
    back marked interrupted, instead of running their 3,000 generations to the end."""
    import threading

    from stackga.experiments.runner import RunSpec, run_many
    specs = [RunSpec(f"r{s}", island.build, {"scenario": 3},
                     {"generations": 3000, "pop_size": 10, "seed": s}) for s in (1, 2, 3)]
    timer = threading.Timer(4.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    with interrupt.graceful():
        timer.start()
        out = run_many(specs, jobs=2)
    timer.join()
    assert list(out) == ["r1", "r2"]
    assert all(r.status == "interrupted" for r in out.values())
    assert all(len(r.log["best"]) < 3000 for r in out.values())


def test_bad_sweeps_are_named():
    with pytest.raises(ValueError, match="cannot sweep 'sbx_eta'"):
        small(sbx_eta=[10.0])
    with pytest.raises(ValueError, match="GAConfig.crossover_prob must be a probability"):
        small(crossover_prob=[0.5, 1.5])
    with pytest.raises(ValueError, match="Sweep.seeds must be distinct"):
        small(seeds=(1, 1))


def test_cli_sweep_and_plot(tmp_path, capsys):
    out = tmp_path / "sw"
    args = ["sweep", "island", "--scenario", "3", "--crossover-prob", "0.6,0.89", "--mutation-prob",
            "0.01,0.076", "--pop-size", "6", "--generations", "3", "--seeds", "2", "--jobs", "1",
            "--out", str(out)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "cx0.89_mut0.076_pop6" in text and "median" in text
    # the median of two seeds is their mean, not the lower one
    import csv
    rows = list(csv.DictReader(open(out / "runs.csv")))
    v = sorted(float(r["leader"]) for r in rows if r["name"].startswith("cx0.89_mut0.076_pop6_seed"))
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("cx0.89_mut0.076_pop6"))
    assert float(line.split()[1]) == pytest.approx((v[0] + v[1]) / 2, abs=0.051)
    if abs(v[1] - v[0]) > 0.2:
        assert float(line.split()[1]) != pytest.approx(v[0], abs=0.051)
    for f in ("runs.csv", "generations.csv", "convergence_band.png", "best_vs_evals.png",
              "best_vs_seconds.png", "final_distribution.png", "heatmap.png"):
        assert (out / f).exists(), f
    (out / "heatmap.png").unlink()
    assert main(["plot", str(out)]) == 0 and (out / "heatmap.png").exists()
    run = next((out / "runs").iterdir())
    assert main(["plot", str(run)]) == 0 and (run / "convergence.png").exists()
    with pytest.raises(ResultError, match="neither a sweep"):
        plot_folder(tmp_path)


def test_cli_sweep_bad_input(capsys):
    with pytest.raises(SystemExit):
        main(["sweep", "island", "--crossover-prob", "0.6,x"])
    assert "comma-separated list of float" in capsys.readouterr().err
    assert main(["sweep", "island", "--crossover-prob", "0.6,1.5", "--seeds", "1"]) == 2
    assert "crossover_prob must be a probability in [0, 1], got 1.5" in capsys.readouterr().err
    assert main(["sweep", "island", "--resume"]) == 2
    assert "--resume needs --out" in capsys.readouterr().err


# ----------------------------------------------------------------------------- tuning
def tuning(trials=4):
    from stackga.experiments.tune import Tuning
    return Tuning(case="island", game={"scenario": 3}, seeds=[1, 2, 3], trials=trials,
                  base={"generations": 3, "pop_size": 6})


def trials_of(out):
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend
    study = optuna.load_study(study_name="stackga",
                              storage=JournalStorage(JournalFileBackend(str(out / "study.log"))))
    return [(t.params, t.value, t.user_attrs.get("values")) for t in study.trials
            if t.state.name == "COMPLETE"]


def test_tune_reports_per_seed_and_is_the_same_on_two_processes(tmp_path):
    from stackga.experiments.tune import PAPER, tune
    a = tune(tuning(), island.build, tmp_path / "a", jobs=1)
    b = tune(tuning(), island.build, tmp_path / "b", jobs=2)
    ta, tb = trials_of(tmp_path / "a"), trials_of(tmp_path / "b")
    assert ta == tb and len(ta) == 4
    assert ta[0][0] == PAPER                                  # the paper's setting is trial 0
    assert a == b and a["paper"]["params"] == PAPER and len(a["best"]["values"]) == 3
    assert a["best"]["mean"] == max(t[1] for t in ta if t[2] and len(t[2]) == 3)
    assert 0 <= a["test"]["p_value"] <= 1
    settings = {tuple(sorted(t[0].items())) for t in ta}
    assert len(list((tmp_path / "a" / "runs").iterdir())) <= 3 * len(settings)
    for p in (tmp_path / "a" / "runs").iterdir():           # ordinary run folders
        assert stackga.Result.load(p).status == "complete"


def full_and_stopped_tuning(tmp_path):
    """A whole tuning in tmp_path/full and the same one stopped (Ctrl-C) after two trials in
    tmp_path/part."""
    from stackga.experiments.tune import tune
    tune(tuning(), island.build, tmp_path / "full")
    seen = []

    def stop_after_two(trial):
        seen.append(trial.number)
        if len(seen) == 2:
            os.kill(os.getpid(), signal.SIGINT)
    with interrupt.graceful(), pytest.raises(KeyboardInterrupt):
        tune(tuning(), island.build, tmp_path / "part", on_trial=stop_after_two)


def test_tune_killed_then_resumed_equals_uninterrupted(tmp_path):
    from stackga.experiments.tune import tune
    full_and_stopped_tuning(tmp_path)
    assert len(trials_of(tmp_path / "part")) == 2
    assert not (tmp_path / "part" / "report.json").exists()        # no final report
    with pytest.raises(RunDirError, match="pass --resume"):
        tune(tuning(), island.build, tmp_path / "part")
    saved = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "part" / "runs").iterdir()}
    tune(tuning(), island.build, tmp_path / "part", resume=True)
    assert trials_of(tmp_path / "part") == trials_of(tmp_path / "full")
    for name, t in saved.items():                             # finished runs were not redone
        assert (tmp_path / "part" / "runs" / name).stat().st_mtime_ns == t


def test_cli_tune_and_plot(tmp_path, capsys):
    out = tmp_path / "tu"
    assert main(["tune", "island", "--scenario", "3", "--trials", "3", "--seeds", "2",
                 "--generations", "3", "--pop-size", "6", "--jobs", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "paper: {'crossover_prob': 0.89, 'mutation_prob': 0.076}" in text and "best vs paper" in text
    assert (out / "tune_history.png").exists() and (out / "report.json").exists()
    (out / "tune_history.png").unlink()
    assert main(["plot", str(out)]) == 0 and (out / "tune_history.png").exists()
    assert main(["tune", "island", "--seeds", "1"]) == 2
    assert "--seeds must be >= 2" in capsys.readouterr().err


# ------------------------------------------------------------------------------- Dask
def test_dask_local_cluster_gives_the_same_table(tmp_path):
    from distributed import LocalCluster

    from stackga.experiments.runner import dask_client
    local, _ = run_sweep(small(), island.build, tmp_path / "local", jobs=1)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
        client = dask_client(cl.scheduler_address)
        try:
            remote, _ = run_sweep(small(), island.build, tmp_path / "dask", pool=client)
        finally:
            client.close()
    assert essentials(remote) == essentials(local)


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dask_scheduler_and_worker_processes(tmp_path, capsys):
    """A real cluster on 127.0.0.1: `dask scheduler` and `dask worker` as separate processes,
    driven through the CLI's --scheduler."""
    import subprocess
    import sys
    import time
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host",
                                  "127.0.0.1", "--port", str(port), "--dashboard-address", ":0"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                               "--nthreads", "1", "--nworkers", "2", "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        from distributed import Client
        deadline = time.time() + 60
        while True:                                    # wait until both workers are up
            try:
                with Client(address, timeout=5) as c:
                    if len(c.nthreads()) >= 2:
                        break
            except OSError:
                pass
            assert time.time() < deadline, "the Dask cluster did not start"
            time.sleep(0.5)
        out = tmp_path / "sw"
        assert main(["sweep", "island", "--scenario", "3", "--crossover-prob", "0.6,0.89",
                     "--mutation-prob", "0.076", "--pop-size", "6", "--generations", "3",
                     "--seeds", "2", "--scheduler", address, "--out", str(out)]) == 0
        local, _ = run_sweep(small(), island.build, tmp_path / "local", jobs=1)
        rows = list(csv.DictReader(open(out / "runs.csv")))
        assert [float(r["leader"]) for r in rows] == [r["leader"] for r in local]
    finally:
        for p in (worker, scheduler):
            p.terminate()
            p.wait(timeout=30)


def test_tune_killed_in_a_trial_keeps_the_paper_trial_and_no_partial_value(tmp_path):
    """Ctrl-C inside the first (the paper's) trial: no interrupted run becomes a value, and the
    resumed study still starts with the paper's setting and ends as an uninterrupted one."""
    from stackga.experiments.tune import PAPER, tune
    tune(tuning(3), island.build, tmp_path / "full")
    solve, calls = stackga.solve, []

    def stop_in_second_run(game, config=None, on_generation=None, **kw):
        calls.append(1)
        def kill(row):
            if len(calls) == 2 and row["gen"] == 2:
                os.kill(os.getpid(), signal.SIGINT)
        return solve(game, config, on_generation=kill, **kw)
    import pytest as _pytest
    mp = _pytest.MonkeyPatch()
    mp.setattr(stackga, "solve", stop_in_second_run)
    try:
        with interrupt.graceful(), pytest.raises(KeyboardInterrupt):
            tune(tuning(3), island.build, tmp_path / "part")
    finally:
        mp.undo()
    assert trials_of(tmp_path / "part") == []                     # the trial did not complete
    tune(tuning(3), island.build, tmp_path / "part", resume=True)
    part, full = trials_of(tmp_path / "part"), trials_of(tmp_path / "full")
    assert part[0][0] == PAPER and part == full


def test_tune_population_at_a_budget_starts_from_the_nearest_size(tmp_path):
    from stackga.experiments.tune import Tuning, tune
    t = Tuning(case="island", game={"scenario": 3}, seeds=[1, 2], trials=2, pop_sizes=[6, 8],
               budget=24, base={})
    assert t.paper_params() == {"crossover_prob": 0.89, "mutation_prob": 0.076, "pop_size": 8}
    report = tune(t, island.build, tmp_path / "t")
    assert report["paper"]["params"]["pop_size"] == 8


def test_tune_resume_mends_a_torn_journal_and_refuses_a_damaged_one(tmp_path):
    """A kill mid-write leaves the journal's last record cut off: resume sets the torn tail
    aside (named in a warning), continues, and ends as an uninterrupted tuning; a damaged
    record before the last is refused by name, and the journal is left as it was."""
    from stackga.experiments.tune import tune
    full_and_stopped_tuning(tmp_path)
    journal = tmp_path / "part" / "study.log"
    whole = journal.read_bytes()
    journal.write_bytes(whole + b'{"op_code": 4, "worker_id": "x", "trial_id": 9, "sta')   # torn
    broken = tmp_path / "broken"
    import shutil
    shutil.copytree(tmp_path / "part", broken)
    lines = whole.split(b"\n")
    (broken / "study.log").write_bytes(b"\n".join(lines[:2] + [lines[2][:7]] + lines[3:]))
    with pytest.warns(RuntimeWarning, match="study.log: its last record was cut off.*torn-"):
        tune(tuning(), island.build, tmp_path / "part", resume=True)
    assert trials_of(tmp_path / "part") == trials_of(tmp_path / "full")
    assert list((tmp_path / "part").glob("study.log.torn-*"))[0].read_bytes().endswith(b'"sta')
    damaged = (broken / "study.log").read_bytes()
    with pytest.raises(RunDirError, match="study.log: record 3 of the tuning journal is damaged"):
        tune(tuning(), island.build, broken, resume=True)
    assert (broken / "study.log").read_bytes() == damaged


def _children(pid: int) -> list[int]:
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            out += [int(c) for c in open(f"/proc/{pid}/task/{task}/children").read().split()]
        except OSError:
            pass
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="reads /proc (Linux)")
def test_kill_9_of_a_parallel_sweep_leaves_no_worker_running(tmp_path):
    """kill -9 of `stackga sweep --jobs 2`: its spawned workers end by themselves within
    seconds (they watch their parent) instead of running on (wall-clock guard only)."""
    import subprocess
    import sys
    import time
    p = subprocess.Popen([sys.executable, "-m", "stackga", "sweep", "island", "--scenario", "3",
                          "--seeds", "4", "--generations", "3000", "--pop-size", "10", "--jobs", "2",
                          "--out", str(tmp_path / "s")], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    deadline, workers = time.time() + 120, []
    while time.time() < deadline and len(workers) < 2:
        workers = [c for c in _children(p.pid) if _alive(c)]
        time.sleep(0.2)
    assert len(workers) >= 2, "the sweep started no workers"
    time.sleep(1.0)
    p.kill()
    p.wait()
    deadline = time.time() + 30
    while time.time() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.2)
    left = [w for w in workers if _alive(w)]
    for w in left:
        os.kill(w, signal.SIGKILL)
    assert not left, f"workers {left} outlived their parent"


def test_dask_with_no_worker_says_so_and_gives_up_at_its_timeout(tmp_path, capsys, monkeypatch):
    """A scheduler with no worker: the sweep says so on stderr, naming the scheduler, and
    with --worker-timeout stops by name (exit 2) instead of waiting silently."""
    import subprocess
    import sys
    import time

    import stackga.experiments.runner as runner
    monkeypatch.setattr(runner, "NO_WORKER_EVERY", 0.5)
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host",
                                  "127.0.0.1", "--port", str(port), "--dashboard-address", ":0"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        from distributed import Client
        deadline = time.time() + 60
        while True:
            try:
                with Client(address, timeout=5):
                    break
            except OSError:
                assert time.time() < deadline, "the Dask scheduler did not start"
                time.sleep(0.5)
        t0 = time.time()
        code = main(["sweep", "island", "--scenario", "3", "--pop-size", "6", "--generations", "3",
                     "--seeds", "2", "--scheduler", address, "--worker-timeout", "4",
                     "--out", str(tmp_path / "sw")])
        err = capsys.readouterr().err
        assert code == 2 and time.time() - t0 < 60
        assert f"no Dask worker is connected to {address}; waiting" in err
        assert "no worker connected for 4 s (--worker-timeout)" in err
    finally:
        scheduler.kill()
        scheduler.wait()


def test_resume_extends_a_sweep_with_seeds_and_a_tuning_with_trials(tmp_path):
    """`sweep --resume --seeds N` adds seeds (the finished runs are not redone) and `tune
    --resume --trials N` adds trials; each ends as a fresh sweep or tuning of that size.
    Any other change is still refused."""
    from stackga.experiments.tune import tune
    out = tmp_path / "s"
    run_sweep(small(seeds=(1, 2)), island.build, out)
    ran = []
    grown, _ = run_sweep(small(seeds=(1, 2, 3)), island.build, out, resume=True,
                         on_done=lambda s, r: ran.append(s.name))
    fresh, _ = run_sweep(small(seeds=(1, 2, 3)), island.build, tmp_path / "fresh")
    assert essentials(grown) == essentials(fresh) and len(ran) == 2 and all("seed3" in n for n in ran)
    with pytest.raises(RunDirError, match="different sweep"):
        run_sweep(small(seeds=(2, 3, 4)), island.build, out, resume=True)
    tune(tuning(2), island.build, tmp_path / "t")
    tune(tuning(4), island.build, tmp_path / "t", resume=True)
    tune(tuning(4), island.build, tmp_path / "t4")
    assert trials_of(tmp_path / "t") == trials_of(tmp_path / "t4")
    other = tuning(4)
    other.base["generations"] = 4
    with pytest.raises(RunDirError, match="different tuning"):
        tune(other, island.build, tmp_path / "t", resume=True)


def test_a_repeated_grid_value_is_refused_before_anything_is_written(tmp_path, capsys):
    from stackga.errors import InputError
    with pytest.raises(InputError, match=r"Sweep.grid\['crossover_prob'\] repeats a value"):
        small(crossover_prob=[0.6, 0.6], mutation_prob=[0.076])
    out = tmp_path / "sw"
    assert main(["sweep", "island", "--scenario", "3", "--crossover-prob", "0.6,0.6",
                 "--generations", "2", "--pop-size", "4", "--seeds", "1", "--out", str(out)]) == 2
    assert not (out / "sweep.json").exists()
    assert main(["sweep", "island", "--scenario", "3", "--crossover-prob", "0.6,0.7",
                 "--generations", "2", "--pop-size", "4", "--seeds", "1", "--out", str(out)]) == 0
