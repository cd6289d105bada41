"""Every benchmark in benchmarks/ runs to its end (a couple of generations each)."""
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.mark.parametrize("script, args", [
    ("bench_pricing.py", ["--quick"]),
    ("bench_block_mutation.py", ["--probs", "0,0.5", "--seeds", "1", "--generations", "2"]),
    ("bench_v2g.py", ["--generations", "3", "--baseline-generations", "1"]),
    ("bench_island.py", ["--generations", "2", "--pop-size", "10", "--skip-baseline", "--skip-compile"]),
    ("bench_eva.py", ["--generations", "2", "--pop-size", "4", "--baseline-generations", "1"]),
    ("bench_bilevel.py", ["--seeds", "1", "--generations", "2", "--pop-size", "10"]),
    ("bench_v2g_plan_step.py", ["--seeds", "1", "--generations", "2", "--pop-size", "10"]),
    ("bench_matrix_followers.py", ["--generations", "2", "--pop-size", "6", "--baseline-generations", "1",
                                   "--prosumers", "2", "--only", "matrices"]),
    ("bench_experiments.py", ["--generations", "2", "--pop-size", "6", "--seeds", "1", "--trials", "2",
                              "--tune-seeds", "2"]),
])
def test_benchmark_runs(script, args):
    out = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert any(w in out.stdout for w in ("gap", "stub", "floor", "missed", "tune", "per LP row"))
