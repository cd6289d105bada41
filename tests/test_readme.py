"""The README's 'Your own game' example runs as written (docs stay true)."""
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.skipif(not README.exists(), reason="README.md not beside the tests")
def test_own_game_example_runs():
    block = README.read_text().split("## Your own game")[1].split("```python")[1].split("```")[0]
    scope: dict = {}
    exec(compile(block, "README.md", "exec"), scope)
    result = scope["result"]
    assert result.report["feasible"]
    assert result.x.mean() <= 0.7 + 1e-9
    assert len(result.log["gen"]) == 50
