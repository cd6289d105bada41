"""The command line: output folders checked before work, data round trip with --data,
exit codes for bad input, no feasible individual and Ctrl-C."""
import csv
import json
import os
import signal
import subprocess
import sys
import time

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
    assert main(["run", "island", "--scenario", "2", "--data", str(d), "--out", str(tmp_path / "a")]) == 0
    rewrite_param(d / "parameters.csv", "bt_p_max_kw", "250")
    assert main(["run", "island", "--scenario", "2", "--data", str(d), "--out", str(tmp_path / "b")]) == 0
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


def test_ctrl_c_in_a_real_process_saves_the_best_so_far(tmp_path):
    out = tmp_path / "run"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    p = subprocess.Popen([sys.executable, "-m", "stackga", "run", "island", "--scenario", "3",
                          "--generations", "1000000", "--out", str(out)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(8)                                   # imports, kernels from cache, GA under way
    p.send_signal(signal.SIGINT)
    stdout, stderr = p.communicate(timeout=60)
    assert p.returncode == 130, stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    assert "interrupted at generation" in stderr
    res = stackga.Result.load(out)
    assert res.status == "interrupted" and res.report["feasible"] and len(res.log["gen"]) > 1
