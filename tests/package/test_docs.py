"""Every Python example of the README and the documentation pages runs as written (the
docs stay true); the 'your own game' example gives what its text says."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _blocks():
    for page in PAGES:
        if not page.exists():
            continue
        parts = page.read_text().split("```python\n")[1:]
        for k, part in enumerate(parts):
            yield pytest.param(page, part.split("```")[0], id=f"{page.relative_to(ROOT)}#{k + 1}")


@pytest.mark.parametrize("page, code", list(_blocks()))
def test_example_runs(page, code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                 # examples that write folders write here
    scope: dict = {}
    exec(compile(code, str(page), "exec"), scope)
    if page.name == "own-game.md" and "result" in scope:
        result = scope["result"]
        assert result.report["feasible"]
        assert result.x.mean() <= 0.7 + 1e-9
        assert len(result.log["gen"]) == 50
    if page.name == "own-game.md" and "step" in scope:       # the step from the GA's best
        assert scope["res"].leader >= scope["step"]["F_ga"]


def test_there_are_examples():
    assert len(list(_blocks())) >= 5
