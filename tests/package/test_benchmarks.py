"""The benchmarks of the leader's quality run to their end (a couple of generations)."""
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.mark.parametrize("script, args", [
    ("bench_pricing.py", ["--quick"]),
    ("bench_block_mutation.py", ["--probs", "0,0.5", "--seeds", "1", "--generations", "2"]),
    ("bench_v2g.py", ["--generations", "3", "--baseline-generations", "1"]),
])
def test_benchmark_runs(script, args):
    out = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "gap" in out.stdout or "stub" in out.stdout
