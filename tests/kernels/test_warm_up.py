"""The one warm-up compiles (or loads) every compiled kernel the followers call."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _entry_kernels() -> list[tuple[str, str]]:
    """(kernel module, function) of every kernel imported by code outside kernels/."""
    out = set()
    # followers/ and stackga/bilevel/ call kernels from Python (stackga/projection.py calls
    # qp_dual from inside its own compiled function: compiled with it, not an entry)
    for path in [*(ROOT / "followers").rglob("*.py"), *(ROOT / "stackga" / "bilevel").rglob("*.py")]:
        if "kernels" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and "kernels." in node.module:
                mod = node.module.split("kernels.")[1]
                out.update((mod, a.name) for a in node.names if a.name not in ("JIT",))
    return sorted(out)


def test_warm_up_compiles_every_entry_kernel():
    entries = _entry_kernels()
    assert ("microgrid_ipm", "solve_rows") in entries and ("storage_qp", "solve_rows") in entries
    assert ("lp_simplex", "solve_rows") in entries
    code = ("import importlib; from numba.core.registry import CPUDispatcher;"
            "from stackga.followers.warmup import warm_up; warm_up();"
            f"entries = {entries!r};"
            "cold = [f'{m}.{n}' for m, n in entries"
            " if isinstance(f := getattr(importlib.import_module('stackga.followers.kernels.' + m), n),"
            " CPUDispatcher) and not f.signatures];"
            "print(','.join(cold))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"not warmed: {out.stdout.strip()}"


def test_the_warm_up_parts_are_named_and_an_unknown_one_is_refused():
    """The parts (which the suite can compile in parallel processes before its workers
    start) are the whole warm-up; an unknown part is named in the error."""
    import pytest
    from stackga.followers.warmup import PARTS, warm_up
    assert set(PARTS) == {"storage", "fleet", "clusters", "units", "microgrid", "matrix"}
    with pytest.raises(ValueError, match="unknown part 'dispatch'"):
        warm_up(["dispatch"])
    conftest = (ROOT / "tests" / "conftest.py").read_text()      # the suite's split covers every part
    groups = ast.literal_eval(conftest.split("groups = ", 1)[1].split("\n", 1)[0])
    assert sorted(p for g in groups for p in g) == sorted(PARTS)
