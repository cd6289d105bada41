"""Sweeps: the same table on one process or two, resume without redoing finished runs,
Ctrl-C then resume equals an uninterrupted sweep, the CLI and the plots."""
import csv
import os
import signal

import pytest

import cases.island as island
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
