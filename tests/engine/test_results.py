"""Run folders: complete or absent, strict JSON, lossless arrays, refused when mixed or
damaged (the file is named); Ctrl-C returns the best so far, marked interrupted."""
import json
import os
import signal

import numpy as np
import pytest
from stackga.followers import Response

import stackga
from stackga import GAConfig, Game, LeaderOutcome, Result
from stackga.result import ResultError
from stackga.rundir import RunDirError, check_out, fresh, staged


def small_result(**kw):
    arrays = {"leader.x": np.array([0.5, 1.5]),                   # length of x
              "f.y": np.arange(6.0),                                # another length
              "f.soc": np.arange(3.0),                              # length x + 1
              "f.per_ev": np.arange(12.0).reshape(3, 4),            # 2-D
              "f.cube": np.arange(8.0).reshape(2, 2, 2),            # 3-D
              "f.total": np.array(7.25),                            # a scalar
              "f.none": np.zeros((0, 3)), "f.flat": np.zeros((3, 0))}  # empty dimensions
    args = dict(game="g", x=np.array([0.5, 1.5]), leader=1.0, followers={"f": 2.0}, arrays=arrays,
                log={"gen": np.array([1.0, 2.0]), "best": np.array([np.nan, 1.0])})
    args.update(kw)
    return Result(**args)


def test_save_keeps_every_array_bit_for_bit(tmp_path):
    r = small_result(leader=-np.inf, report={"f_ier": np.float64(np.nan), "hours": np.int64(3),
                                             "cost (x1.5)": [1.0, np.inf], "a[0]": {"b.c": -np.inf}})
    r.save(tmp_path / "run")
    back = Result.load(tmp_path / "run")
    assert back.arrays.keys() == r.arrays.keys()
    for k, v in r.arrays.items():
        assert back.arrays[k].shape == np.shape(v)
        np.testing.assert_array_equal(back.arrays[k], v)
    assert back.leader == -np.inf and np.isnan(back.report["f_ier"]) and back.report["hours"] == 3
    assert back.report["cost (x1.5)"] == [1.0, np.inf] and back.report["a[0]"] == {"b.c": -np.inf}
    np.testing.assert_array_equal(back.log["best"], r.log["best"])
    text = (tmp_path / "run" / "run.json").read_text()
    assert "Infinity" not in text and "NaN" not in text                # strict JSON
    doc = json.loads(text)
    assert doc["leader"] is None and [["leader"], "-inf"] in doc["nonfinite"]


def test_existing_folder_is_refused_and_overwrite_replaces_it_whole(tmp_path):
    d = tmp_path / "run"
    small_result().save(d)
    with pytest.raises(RunDirError, match="exists and is not empty"):
        small_result(leader=5.0).save(d)
    (d / "old-notes.csv").write_text("a\n1\n")
    small_result(leader=5.0).save(d, overwrite=True)
    assert not (d / "old-notes.csv").exists() and Result.load(d).leader == 5.0
    assert [p.name for p in tmp_path.iterdir()] == ["run"]              # no staging left


def test_second_writer_is_refused_not_mixed(tmp_path):
    d = tmp_path / "run"
    with pytest.raises(RunDirError, match="filled by another run meanwhile; this run's files are kept in"):
        with staged(d) as tmp:
            small_result(leader=1.0).write_files(tmp)
            small_result(leader=2.0).save(d)                           # the other run finishes first
    assert Result.load(d).leader == 2.0


def test_failure_while_saving_leaves_nothing(tmp_path):
    d = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        with staged(d) as tmp:
            (tmp / "log.csv").write_text("gen\n")
            raise KeyboardInterrupt
    assert not d.exists() and list(tmp_path.iterdir()) == []


def edit_json(d, change):
    doc = json.loads((d / "run.json").read_text())
    change(doc)
    (d / "run.json").write_text(json.dumps(doc))


@pytest.mark.parametrize("damage,text", [
    (lambda d: (d / "series.csv").write_text(""), r"series.csv: does not match .*run.json"),
    (lambda d: (d / "log.csv").unlink(), r"log.csv: missing \(listed in .*run.json\)"),
    (lambda d: (d / "states.csv").write_text("f.soc\n0.0\n1.0\n9.0\n"), r"states.csv: does not match"),
    (lambda d: (d / "extra.csv").write_text("a\n1\n"), r"extra.csv: not part of the run"),
    (lambda d: (d / "run.json").write_text('{"format": 2, "x": ['), r"run.json: not valid JSON"),
    (lambda d: (d / "run.json").unlink(), r"run.json: not found"),
    (lambda d: (d / "run.json").write_text('{"x": [1]}'), r"run.json: not a stackga run of format 2"),
    (lambda d: edit_json(d, lambda doc: doc["arrays"]["f.per_ev"].update(shape=[4, 4])),
     r"f.per_ev.csv: array 'f.per_ev' has 12 values, .*run.json says shape \[4, 4\]"),
    (lambda d: edit_json(d, lambda doc: doc["arrays"].pop("f.y")), r"arrays_6.csv: not described in"),
    (lambda d: edit_json(d, lambda doc: doc.update(files=[1])), r"run.json: inconsistent or damaged"),
    (lambda d: edit_json(d, lambda doc: doc["nonfinite"].append([["x", 9], "nan"])),
     r"run.json: inconsistent or damaged"),
    (lambda d: edit_json(d, lambda doc: doc.update(x=[0.5, 1.6])),      # x edited by hand
     r"run.json: x differs from the saved array leader.x"),
])
def test_damaged_folder_is_refused_naming_the_file(tmp_path, damage, text):
    d = tmp_path / "run"
    small_result().save(d)
    damage(d)
    with pytest.raises(ResultError, match=text):
        Result.load(d)


def test_out_is_checked_before_any_work(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(RunDirError, match="exists and is not a folder"):
        check_out(tmp_path / "file")
    with pytest.raises(RunDirError, match="cannot write there"):
        check_out("/proc/stackga-test/out")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "a").write_text("x")
    with pytest.raises(RunDirError, match="not empty"):
        check_out(tmp_path / "full")
    with pytest.raises(RunDirError, match="was not written by stackga"):
        check_out(tmp_path / "full", overwrite=True)                    # only our own folders
    small_result().save(tmp_path / "ours")
    assert check_out(tmp_path / "ours", overwrite=True) == (tmp_path / "ours").resolve()
    a, b = fresh("island-s4", root=tmp_path / "runs"), fresh("island-s4", root=tmp_path / "runs")
    assert a != b and a.is_dir() and b.is_dir() and a.name.startswith("island-s4-")


def counting_game():
    class F:
        def respond(self, P):
            return Response(-(P ** 2).sum(1), np.zeros(len(P), np.int8), {"y": P})
    return Game("g", lb=np.zeros(4), ub=np.ones(4), followers={"f": F()},
                leader=lambda X, P, r: LeaderOutcome(X.sum(1), np.zeros(len(X))))


@pytest.mark.parametrize("engine", ["pymoo", "deap"])
def test_ctrl_c_returns_the_best_so_far_marked_interrupted(engine, tmp_path):
    def on_generation(row):
        if row["gen"] == 3:
            os.kill(os.getpid(), signal.SIGINT)          # as Ctrl-C does
    res = stackga.solve(counting_game(), GAConfig(pop_size=6, generations=50, engine=engine),
                        on_generation=on_generation)
    assert res.status == "interrupted" and 3 <= len(res.log["gen"]) <= 4
    assert res.report["feasible"] and res.leader == pytest.approx(res.log["best"][-1])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler   # handler restored
    res.save(tmp_path / "run")
    assert json.loads((tmp_path / "run" / "run.json").read_text())["status"] == "interrupted"
    done = stackga.solve(counting_game(), GAConfig(pop_size=6, generations=5, engine=engine))
    assert done.status == "complete"


def test_overwrite_never_replaces_the_working_directory(tmp_path, monkeypatch):
    small_result().save(tmp_path / "run")
    monkeypatch.chdir(tmp_path / "run")
    for target in (".", str(tmp_path)):
        with pytest.raises(RunDirError, match="working directory or above it|not written by stackga"):
            check_out(target, overwrite=True)
    assert (tmp_path / "run" / "run.json").exists()


def test_run_folder_permissions_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        small_result().save(tmp_path / "run")
    finally:
        os.umask(old)
    assert (tmp_path / "run").stat().st_mode & 0o777 == 0o755


def test_a_leader_value_edited_by_hand_is_refused(tmp_path):
    """run.json's leader against its log's best (the GA keeps its best; the improvement step
    only raises it)."""
    small_result(report={"feasible": True}).save(tmp_path / "ok")
    assert Result.load(tmp_path / "ok").leader == 1.0
    edit_json(tmp_path / "ok", lambda doc: doc.update(leader=1.5))
    with pytest.raises(ResultError, match=r"run.json: leader 1.5 disagrees with the log's best 1.0"):
        Result.load(tmp_path / "ok")
    moved = {"feasible": True, "improvement": {"how": "improved"}}
    small_result(leader=2.0, report=moved).save(tmp_path / "moved")
    assert Result.load(tmp_path / "moved").leader == 2.0
    edit_json(tmp_path / "moved", lambda doc: doc.update(leader=0.5))
    with pytest.raises(ResultError, match="disagrees with the log's best"):
        Result.load(tmp_path / "moved")
