"""The island case: data validation, invariants, scenarios, engines, CLI."""
import re
import shutil

import numpy as np
import pytest
import stackga.cases as cases
import stackga.cases.island as island
from stackga.cases.island import data_io

import stackga
from stackga import GAConfig
from stackga.cli import main


@pytest.fixture
def data_copy(tmp_path):
    d = tmp_path / "data"
    shutil.copytree(data_io.DATA_DIR, d)
    return d


def test_data_ships_with_the_package():
    data = island.load()
    assert len(data.hourly["wind_kw"]) == 24 and len(data.ev["arrival_h"]) == 60
    assert data.params["users_a"] == 1.5 and data.params["users_b"] == 0.0009
    assert data.params["re_mean_max"] == pytest.approx(data.hourly["tou_price"].mean())


@pytest.mark.parametrize("kw,text", [({"scenario": 5}, "unknown scenario 5"),
                                     ({"variant": "wind-2"}, "unknown variant 'wind-2'")])
def test_unknown_choice_named(kw, text):
    with pytest.raises(ValueError, match=text):
        island.build(**kw)
    with pytest.raises(ValueError, match="unknown case 'mars'"):
        cases.get("mars")


@pytest.mark.parametrize("scenario", [3, 4])
def test_power_balance_and_leader_objective(scenario):
    g = island.build(scenario=scenario)
    X = g.project(np.random.default_rng(scenario).uniform(0.3, 1.2, (40, 24)))
    ev = g.evaluate(X)
    so, load = ev.responses["so"].arrays, ev.responses["users"].arrays["load"]
    wind = ev.arrays["wind"]
    used = wind - ev.arrays["curtail"]
    residual = used + ev.arrays["grid"] + so["bt_dis"] - so["bt_ch"] + so["p_virtual"] - load
    assert np.abs(residual).max() < 1e-8
    assert np.all(ev.arrays["curtail"] >= 0) and np.all(ev.arrays["curtail"] <= wind + 1e-9)
    data = island.load()
    buy, sell = data.hourly["grid_buy"], data.hourly["grid_sell"]
    g_ = ev.arrays["grid"]
    profit = (X * load).sum(1) - (np.where(g_ > 0, g_ * buy, g_ * sell)).sum(1)
    np.testing.assert_allclose(ev.leader[ev.feasible], profit[ev.feasible], rtol=1e-12)
    assert np.all(ev.arrays["grid"] >= -data.params["grid_export_max_kw"] - 1e-9)
    if scenario == 3:
        assert np.all(so["p_virtual"] == 0)


def test_scenario1_is_the_mgo_optimum():
    s1 = stackga.solve(island.build(scenario=1))
    s2 = stackga.solve(island.build(scenario=2))
    relaxed = stackga.solve(island.build(scenario=1, integer_battery=False))
    # scenario 2's plan is feasible for the MGO's central problem: it cannot be better
    assert s1.report["f_ier"] >= s2.report["f_ier"] - 1e-6
    # the LP relaxation bounds the MILP from above
    assert relaxed.report["f_ier"] >= s1.report["f_ier"] - 1e-6
    assert not s1.log and s1.report["feasible"] and s1.config is None
    np.testing.assert_array_equal(s1.x, island.load().hourly["tou_price"])
    # scenario 2 = users at their own optimum: nobody can give them more at the TOU price
    assert s2.report["f_user"] >= s1.report["f_user"] - 1e-6


def test_scenario2_users_are_at_their_best_response():
    g = island.build(scenario=2)
    res = stackga.solve(g)
    tou = island.load().hourly["tou_price"][None]
    best = g.followers["users"].respond(tou)
    assert res.report["f_user"] == pytest.approx(best.objective[0])


@pytest.mark.parametrize("engine,scenario", [("pymoo", 4), ("deap", 4), ("pymoo", 3), ("deap", 3)])
def test_short_game_run_deterministic_and_feasible(engine, scenario):
    cfg = GAConfig(pop_size=12, generations=6, seed=5, engine=engine)
    a = stackga.solve(island.build(scenario=scenario), cfg)
    b = stackga.solve(island.build(scenario=scenario), cfg)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.log["best"], b.log["best"])
    assert a.report["feasible"]
    assert a.x.sum() <= 24 * island.load().params["re_mean_max"] + 1e-9
    assert np.all(np.diff(a.log["best"]) >= -1e-9)
    # the reported figures are recomputed from x, not read from the log
    assert a.report["f_ier"] == pytest.approx(a.log["best"][-1])
    again = stackga.result_at(island.build(scenario=scenario), a.x)
    assert again.report["f_ier"] == a.report["f_ier"]


@pytest.mark.parametrize("variant", ["wind-0.8", "load-1.2", "load-0.8", "battery-2mw"])
def test_variants_scale_the_data(variant):
    base = island.build(scenario=4)
    g = island.build(scenario=4, variant=variant)
    x = island.load().hourly["tou_price"][None]
    ev, ev0 = g.evaluate(x), base.evaluate(x)
    if variant.startswith("wind"):
        np.testing.assert_allclose(ev.arrays["wind"], 0.8 * ev0.arrays["wind"])
    elif variant.startswith("load"):
        k = float(variant.split("-")[1])
        np.testing.assert_allclose(g.followers["users"].rigid, k * base.followers["users"].rigid)
        so, so0 = ev.responses["so"].arrays, ev0.responses["so"].arrays
        for part in ("ac_p_virtual", "ev_p_virtual"):           # the virtual storage scales too
            np.testing.assert_allclose(so[part], k * so0[part], rtol=1e-9, atol=1e-9)
    else:
        assert g.followers["so"].battery.p_max == 2000 and base.followers["so"].battery.p_max == 500


def test_scenario2_battery_tie_break():
    grid = stackga.solve(island.build(scenario=2))
    operator = stackga.solve(island.build(scenario=2, s2_battery="operator"))
    assert grid.arrays["so.bt_ch"].max() == 0 and grid.arrays["so.bt_dis"].max() == 0
    assert grid.report["f_ser"] == 0 and operator.report["f_ser"] > 0
    assert grid.report["f_user"] == operator.report["f_user"]            # a tie for the users
    with pytest.raises(ValueError, match="unknown s2_battery 'both'"):
        island.build(scenario=2, s2_battery="both")


def test_ev_session_shorter_than_an_hour_is_named(data_copy):
    path = data_copy / "ev_fleet.csv"
    lines = path.read_text().splitlines()
    cells = lines[3].split(",")
    cells[1], cells[2] = "8.3", "8.9"
    lines[3] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(island.DataError, match=r"ev_fleet.csv: row 4: arrival_h = 8.3, departure_h = 8.9"):
        island.build(data_dir=data_copy)


def test_saved_run_carries_per_ev_plans(tmp_path):
    res = stackga.solve(island.build(scenario=4, variant="load-1.2"), GAConfig(pop_size=6, generations=2))
    res.save(tmp_path / "r")
    a = stackga.Result.load(tmp_path / "r").arrays
    w = a["so.ev_car_weight"][:, None]
    assert a["so.ev_car_ch"].shape == (60, 24) and np.all(w == 1.2)
    np.testing.assert_allclose((w * a["so.ev_car_ch"]).sum(0), a["so.ev_ch"], atol=1e-9)


def test_parallel_compare_stops_on_ctrl_c():
    import os
    import signal

    from stackga.cases.island.compare import jobs_for, run_all

    from stackga import interrupt
    done = []

    def first_done(name):
        done.append(name)
        if len(done) == 1:
            os.kill(os.getpid(), signal.SIGINT)          # Ctrl-C in the parent
    with interrupt.graceful():
        out = run_all(GAConfig(pop_size=4, generations=2), [1, 2], jobs=2, on_run=first_done)
    assert 1 <= len(out) <= 3 < len(jobs_for([1, 2]))   # no run started after the stop
    assert list(out) == [j[0] for j in jobs_for([1, 2]) if j[0] in out]


def test_cli_run_writes_results(tmp_path, capsys):
    out = tmp_path / "s2"
    assert main(["run", "island", "--scenario", "2", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "f_ier" in text and "paper" in text
    res = stackga.Result.load(out)
    assert res.meta["scenario"] == 2 and (out / "balance_s2.png").exists()


def test_cli_errors_are_clear(capsys):
    assert main(["run", "mars"]) == 2
    assert "unknown case 'mars'" in capsys.readouterr().err
    assert main(["run", "island", "--mutation-prob", "1.5", "--generations", "2"]) == 2
    assert "mutation_prob" in capsys.readouterr().err


def test_game_copies_and_followers_pickle():
    """pymoo's history and process pools copy the problem: no solver handle may be held."""
    import copy
    import pickle
    g = island.build(scenario=4)
    g.evaluate(island.load().hourly["tou_price"][None])      # warm every cache
    pickle.loads(pickle.dumps(g.followers))
    h = copy.deepcopy(g)
    x = island.load().hourly["tou_price"][None]
    assert h.evaluate(x).leader[0] == g.evaluate(x).leader[0]


def test_compare_tables_and_claims_over_seeds():
    from stackga.cases.island.claims import claims
    from stackga.cases.island.compare import by_seed, median_run, run_all, summary
    seeds = [1, 2, 3]
    results = run_all(GAConfig(pop_size=4, generations=2, seed=1), seeds)
    per_seed = by_seed(results, seeds)
    rows = [claims(scen, var) for scen, var in per_seed]
    assert all(len(r) == 15 for r in rows)
    # each claim is computed from the results: the verdict follows the figures
    for (scen, _), r in zip(per_seed, rows):
        assert r[0].holds == (scen[4].report["f_ier"] > scen[3].report["f_ier"])
        assert r[0].figures == [("f_ier s3", scen[3].report["f_ier"]), ("f_ier s4", scen[4].report["f_ier"])]
    text = summary(results, seeds)
    assert "Table 2" in text and "Table 3" in text and "27120" in text
    assert len(re.findall(r"^  holds \d/3  ", text, re.M)) == 15     # "holds k/3" per claim
    held = sum(r[0].holds for r in rows)
    assert f"holds {held}/3  scenario 4 improves the MGO over scenario 3" in text
    # eq. 16 + 22: f_ier + f_user <= 24 a^2 / (2 b) - grid cost, whatever the prices
    a, b = results["scenario1"].meta["users_a"], results["scenario1"].meta["users_b"]
    for r in results.values():
        g = r.arrays["leader.grid"]
        cost = (np.maximum(g, 0) * r.meta["grid_buy"] + np.minimum(g, 0) * r.meta["grid_sell"]).sum()
        assert r.report["f_ier"] + r.report["f_user"] <= 24 * a ** 2 / (2 * b) - cost + 1e-6
    assert "Bound (eq. 16 + 22" in text
    # tables show the median-seed run
    s3 = [scen[3] for scen, _ in per_seed]
    assert f"{median_run(s3).report['f_ier']:>10.1f}" in text.split("Table 3")[0]
    assert sorted(r.report["f_ier"] for r in s3)[1] == median_run(s3).report["f_ier"]


def test_parallel_compare_equals_one_by_one():
    from stackga.cases.island.compare import run_all
    cfg = GAConfig(pop_size=4, generations=3, seed=5)
    one = run_all(cfg, [5, 6], jobs=1)
    two = run_all(cfg, [5, 6], jobs=2)
    assert list(one) == list(two) and len(one) == 3 + 2 * 7
    for k in one:
        np.testing.assert_array_equal(one[k].x, two[k].x)
        assert one[k].report["f_ier"] == two[k].report["f_ier"]


def test_cli_compare_writes_every_run(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", "island", "--pop-size", "10", "--generations", "3", "--seeds", "2",
                 "--jobs", "1", "--out", str(out)]) == 0
    assert "Qualitative claims" in capsys.readouterr().out
    names = sorted(p.name for p in out.iterdir() if p.is_dir())
    variants = ["battery-2mw", "load-0.8", "load-1.2", "wind-0.8", "wind-1.2"]
    assert names == sorted(["scenario1", "scenario2", "scenario2-operator"] +
                           [f"scenario{sc}-seed{s}" for sc in (3, 4) for s in (1, 2)] +
                           [f"scenario4-{v}-seed{s}" for v in variants for s in (1, 2)])
    assert (out / "summary.txt").exists() and (out / "prices.png").exists()
    assert (out / "convergence_seeds.png").exists()


def test_cli_compare_resume_runs_only_what_is_missing(tmp_path, capsys, monkeypatch):
    """A comparison whose folder lost runs (killed before they ended, or torn) is finished
    by --resume: only those run again, and the summary equals the uninterrupted one."""
    import shutil

    import stackga.experiments.runner as runner
    out = tmp_path / "cmp"
    args = ["compare", "island", "--pop-size", "10", "--generations", "2", "--seeds", "2",
            "--jobs", "1", "--out", str(out)]
    assert main(args) == 0
    full = (out / "summary.txt").read_text()
    shutil.rmtree(out / "scenario3-seed2")
    shutil.rmtree(out / "scenario4-wind-0.8-seed1")
    (out / "scenario1" / "run.json").write_text("{torn")
    (out / "summary.txt").unlink()
    ran = []
    execute = runner.execute
    monkeypatch.setattr(runner, "execute", lambda spec: ran.append(spec.name) or execute(spec))
    capsys.readouterr()
    kept = {d.name: (d / "run.json").stat().st_mtime_ns for d in out.iterdir() if (d / "run.json").is_file()
            and d.name != "scenario1"}
    assert main(args + ["--resume"]) == 0
    assert sorted(ran) == ["scenario1", "scenario3-seed2", "scenario4-wind-0.8-seed1"]
    assert (out / "summary.txt").read_text() == full
    # the runs kept are not written again (their reports did not change)
    assert {k: (out / k / "run.json").stat().st_mtime_ns for k in kept} == kept
    # without --resume the folder is refused; --overwrite starts it afresh (every run again)
    assert main(args) == 2
    assert "--overwrite" in capsys.readouterr().err
    (out / "stale").mkdir()
    ran.clear()
    assert main(args + ["--overwrite"]) == 0
    assert len(ran) == 17 and not (out / "stale").exists()
    assert (out / "summary.txt").read_text() == full
    # --resume repeats the settings; it needs --out and a comparison there
    assert main([*args[:-2], "--generations", "3", "--out", str(out), "--resume"]) == 2
    assert "generations" in capsys.readouterr().err
    assert main(["compare", "island", "--resume"]) == 2
    assert "--resume needs --out" in capsys.readouterr().err
    assert main(["compare", "island", "--out", str(tmp_path / "empty"), "--resume"]) == 2
    assert "holds no comparison" in capsys.readouterr().err
