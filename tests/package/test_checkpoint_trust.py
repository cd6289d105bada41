"""Checkpoints bind their inputs and are not trusted code (issue: faults): a resume on
changed data or another scenario is refused by name; a crafted, edited, truncated or
foreign checkpoint is refused before anything is unpickled."""
import os
import pickle
import shutil
import signal

import numpy as np
import pytest
from stackga.cases import v2g

import stackga
from stackga.checkpoint import Checkpoint
from stackga.cli import main
from stackga.errors import InputError

CFG = stackga.GAConfig(pop_size=6, generations=8, seed=3)


def interrupted_run(game, folder):
    """A checkpointed run stopped (Ctrl-C) after generation 3."""
    ck = Checkpoint(folder, every=2)

    def kill(row):
        if row["gen"] == 3:
            os.kill(os.getpid(), signal.SIGINT)
    res = stackga.solve(game, CFG, on_generation=kill, checkpoint=ck)
    assert res.status == "interrupted" and ck.load() is not None
    return ck


def test_resume_after_the_data_changed_is_refused_naming_the_file(tmp_path):
    data = tmp_path / "data"
    assert main(["data", "v2g", str(data)]) == 0
    ck = interrupted_run(v2g.build("plan", data_dir=data), tmp_path / "ck")
    csv = data / "hourly.csv"
    lines = csv.read_text().splitlines()
    hour, load, rest = lines[1].split(",", 2)
    lines[1] = f"{hour},{float(load) * 1.01:.4f},{rest}"               # 1 % more load at hour 0
    csv.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match="data files changed: hourly.csv"):
        stackga.solve(v2g.build("plan", data_dir=data), CFG, checkpoint=ck)


def test_resume_on_another_scenario_is_refused(tmp_path):
    ck = interrupted_run(v2g.build("plan"), tmp_path / "ck")
    with pytest.raises(InputError, match="another game.*scenario: 'plan' in the checkpoint, 'tariff' now"):
        stackga.solve(v2g.build("tariff"), CFG, checkpoint=ck)
    done = stackga.solve(v2g.build("plan"), CFG, checkpoint=ck, improve=False)   # the same game
    ref = stackga.solve(v2g.build("plan"), CFG, improve=False)
    np.testing.assert_array_equal(done.x, ref.x)


class _Shell:
    def __reduce__(self):
        return (os.system, ("touch PWNED",))


@pytest.mark.parametrize("how", ["crafted", "edited", "truncated", "foreign key"])
def test_untrusted_checkpoints_are_refused_before_unpickling(tmp_path, monkeypatch, how):
    monkeypatch.chdir(tmp_path)
    ck = interrupted_run(v2g.build("plan"), tmp_path / "ck")
    raw = ck.path.read_bytes()
    if how == "crafted":
        ck.path.write_bytes(pickle.dumps(_Shell()))
    elif how == "edited":
        ck.path.write_bytes(raw[:-5] + bytes([raw[-5] ^ 1]) + raw[-4:])
    elif how == "truncated":
        ck.path.write_bytes(raw[: len(raw) // 2])
    else:
        other = tmp_path / "other-key"
        monkeypatch.setenv("STACKGA_KEY_DIR", str(other))
    with pytest.raises(InputError, match=str(ck.path)):
        ck.load()
    assert not (tmp_path / "PWNED").exists()
    if how == "crafted":                                       # through the CLI: exit 2, named
        run = tmp_path / "run"
        (run / ".checkpoint").mkdir(parents=True)
        shutil.copy(ck.path, run / ".checkpoint" / "state.pkl")
        (run / ".checkpoint" / "spec.json").write_text(
            '{"case": "v2g", "game": {"scenario": "plan", "variant": "base", "data_dir": null}, '
            '"config": {"pop_size": 6, "generations": 8, "seed": 3}, "every": 2}')
        assert main(["resume", str(run)]) == 2
        assert not (tmp_path / "PWNED").exists()


def _more_load(data):
    """1 % more base load at hour 0 in the island's hourly.csv."""
    csv = data / "hourly.csv"
    lines = csv.read_text().splitlines()
    hour, load, rest = lines[1].split(",", 2)
    lines[1] = f"{hour},{float(load) * 1.01:.2f},{rest}"
    csv.write_text("\n".join(lines) + "\n")


def test_sweep_and_tune_resume_refuse_runs_on_other_data(tmp_path):
    import stackga.cases.island as island

    from stackga.experiments import Sweep, run_sweep
    from stackga.experiments.tune import Tuning, tune
    from stackga.rundir import RunDirError
    data = tmp_path / "data"
    assert main(["data", "island", str(data)]) == 0
    game = {"scenario": 3, "data_dir": str(data)}
    sweep = Sweep(case="island", game=game, grid={"crossover_prob": [0.6, 0.89]}, seeds=[1],
                  base={"generations": 2, "pop_size": 6})
    first, _ = run_sweep(sweep, island.build, tmp_path / "s")
    shutil.rmtree(tmp_path / "s" / "runs" / first[1]["name"])       # one run left to do
    tuning = Tuning(case="island", game=game, seeds=[1, 2], trials=1,
                    base={"generations": 2, "pop_size": 6})
    tune(tuning, island.build, tmp_path / "t")
    _more_load(data)
    with pytest.raises(RunDirError, match=f"{first[0]['name']} was made on other data \\(changed: hourly.csv\\)"):
        run_sweep(sweep, island.build, tmp_path / "s", resume=True)
    with pytest.raises(RunDirError, match="made on other data \\(changed: hourly.csv\\)"):
        tune(tuning, island.build, tmp_path / "t", resume=True)


def test_one_writer_per_run_folder(tmp_path, capsys):
    """A second checkpointed run (or a resume) into a folder another run is writing is
    refused before its GA, naming the folder and the writer; the first run's result stays."""
    from stackga import rundir
    out = tmp_path / "run"
    args = ["run", "v2g", "--pop-size", "6", "--generations", "4", "--checkpoint-every", "2",
            "--out", str(out), "--overwrite"]
    with rundir.writer_lock(out):                          # another run holds the folder
        assert main(args) == 2
        assert f"another stackga run is writing it (pid {os.getpid()})" in capsys.readouterr().err
        assert not out.exists()
    assert main(args) == 0 and stackga.Result.load(out).status == "complete"
    (out / ".checkpoint").mkdir()
    (out / ".checkpoint" / "spec.json").write_text("{\"case\": ")          # torn
    assert main(["resume", str(out)]) == 2
    assert "spec.json: damaged run description" in capsys.readouterr().err


def test_the_lock_has_one_holder_and_the_key_must_be_private(tmp_path, monkeypatch):
    """Threads racing for one folder's lock: never two holders at once (the lock file is
    never removed while locked). A checkpoint key others can read is refused."""
    import threading
    import time

    from stackga import rundir
    from stackga.checkpoint import _key
    out, holders, most, errors = tmp_path / "out", [0], [0], []
    gate = threading.Barrier(8)

    def race():
        gate.wait()
        for _ in range(30):
            try:
                with rundir.writer_lock(out):
                    holders[0] += 1
                    most[0] = max(most[0], holders[0])
                    time.sleep(0.0005)
                    holders[0] -= 1
            except InputError:
                pass
            except Exception as e:                        # noqa: BLE001
                errors.append(e)
    threads = [threading.Thread(target=race) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1 and not errors
    keys = tmp_path / "keys"
    monkeypatch.setenv("STACKGA_KEY_DIR", str(keys))
    assert len(_key()) == 32
    os.chmod(keys / "checkpoint.key", 0o644)
    with pytest.raises(InputError, match="not a private 32-byte checkpoint key"):
        _key()


def test_the_identity_covers_follower_data_and_the_selection():
    from stackga.followers import Battery

    from stackga import Game, LeaderOutcome
    from stackga.checkpoint import differences, identity

    def game(cap, rule):
        return Game("g", lb=np.zeros(24), ub=np.ones(24), selection=rule,
                    followers={"b": Battery(capacity=cap, p_max=5.0, soc_min=0.1, soc_max=0.9,
                                                    soc0=0.5, eta_c=0.95, eta_d=0.95)},
                    leader=lambda X, p, r: LeaderOutcome(np.zeros(len(X)), np.zeros(len(X))))
    base = identity(game(10.0, "optimistic"))
    assert differences(base, identity(game(10.0, "optimistic"))) == []
    assert any("followers" in d for d in differences(base, identity(game(99.0, "optimistic"))))
    assert any("selection" in d for d in differences(base, identity(game(10.0, "pessimistic"))))


def test_games_from_matrices_and_cvxpy_have_a_stable_identity():
    """Followers that are not dataclasses (a game from matrices, CVXPY followers) state
    their data (``identity_data``): the same game built twice is the same game (so its
    checkpoint resumes), other data another one (a checkpoint of it is refused)."""
    from stackga.bilevel import to_game
    from stackga.bilevel.problems.pricing import tolls
    from stackga.bilevel.problems.retailer_cvxpy import retailer_cvxpy
    from stackga.checkpoint import differences, identity

    assert differences(identity(to_game(tolls(seed=2))), identity(to_game(tolls(seed=2)))) == []
    bl = tolls(seed=2)
    other = tolls(seed=2)
    other.followers[0].b[0] += 1.0                    # one demand changed, bounds the same
    assert any("followers" in d for d in differences(identity(to_game(bl)), identity(to_game(other))))
    a, b = retailer_cvxpy(6, 2, seed=0), retailer_cvxpy(6, 2, seed=0)
    assert differences(identity(a), identity(b)) == []
    c = retailer_cvxpy(6, 2, seed=0, price_hi=1.4)
    assert differences(identity(a), identity(c)) != []


def test_a_cvxpy_followers_identity_is_its_data_and_its_maps_values():
    """Unnamed CVXPY parameters are named by a counter of the process (CVXPY objects made
    before change it): the identity does not depend on it, and two leader maps that give
    other values (P and 2P) are two games."""
    import cvxpy as cp
    from stackga.followers import CvxpyFollower

    from stackga import Game, LeaderOutcome
    from stackga.checkpoint import differences, identity

    def game(scale):
        p, y = cp.Parameter(2), cp.Variable(2)
        f = CvxpyFollower(cp.Problem(cp.Minimize(p @ y), [y >= 0, cp.sum(y) == 1]),
                          {p: lambda P: scale * P})
        return Game("g", lb=np.zeros(2), ub=np.ones(2), followers={"f": f},
                    leader=lambda X, P, r: LeaderOutcome(np.zeros(len(X)), np.zeros(len(X))))
    first = identity(game(1.0))
    _ = [cp.Variable(3) for _ in range(4)] + [cp.Parameter(2) for _ in range(3)]
    assert differences(first, identity(game(1.0))) == []
    assert any("followers" in d for d in differences(first, identity(game(2.0))))
