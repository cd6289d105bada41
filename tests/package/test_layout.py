"""The package's layout: one installed namespace, every package installed, followers grouped
by kind with no import cycle and no private name imported from another module."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: repository folder -> installed package
MAPPED = {"stackga": "stackga", "followers": "stackga.followers", "cases": "stackga.cases"}


def _modules() -> dict[str, Path]:
    """Installed dotted name -> source file, for every module of the three folders."""
    out = {}
    for folder, package in MAPPED.items():
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT / folder).with_suffix("").parts
            if rel[-1] == "__init__":
                rel = rel[:-1]
            out[".".join((package, *rel))] = path
    return out


def _imports(name: str, path: Path) -> list[tuple[str, list[str]]]:
    """(imported module, names) of every import in a module, relative ones resolved."""
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((target, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((a.name, []) for a in node.names)
    return found


def test_every_package_is_installed():
    tomllib = pytest.importorskip("tomllib")
    with open(ROOT / "pyproject.toml", "rb") as f:
        tool = tomllib.load(f)["tool"]["setuptools"]
    packages = {m for m, p in _modules().items() if p.name == "__init__.py"}
    assert sorted(tool["packages"]) == sorted(packages)
    assert tool["package-dir"] == {v: k for k, v in MAPPED.items()}


def test_no_generic_top_level_names():
    """Nothing in the code imports the old top-level ``followers`` or ``cases``."""
    for name, path in _modules().items():
        for target, _ in _imports(name, path):
            assert target.split(".")[0] not in ("followers", "cases"), f"{path}: imports {target}"


def test_followers_have_no_import_cycle():
    mods = {n: p for n, p in _modules().items() if n.startswith("stackga.followers")}
    graph = {n: set() for n in mods}
    for n, p in mods.items():
        for target, names in _imports(n, p):
            for cand in [target] + [f"{target}.{x}" for x in names]:
                if cand in mods and cand != n:
                    graph[n].add(cand)
    # a package's __init__ re-exports its modules: only module -> module edges form cycles
    for n in [m for m, p in mods.items() if p.name == "__init__.py"]:
        graph[n] = set()
    state: dict[str, int] = {}

    def visit(n, trail):
        state[n] = 1
        for m in graph[n]:
            assert state.get(m) != 1, "import cycle: " + " -> ".join(trail + [n, m])
            if m not in state:
                visit(m, trail + [n])
        state[n] = 2

    for n in graph:
        if n not in state:
            visit(n, [])


def test_kernels_import_no_model():
    """Compiled kernels import only numpy, numba and each other."""
    for name, path in _modules().items():
        if name.startswith("stackga.followers.kernels."):
            for target, _ in _imports(name, path):
                if target.startswith("stackga"):
                    assert target.startswith("stackga.followers.kernels"), f"{name} imports {target}"


def test_no_private_name_crosses_a_folder():
    """``from x import _name`` only between modules of the same folder."""
    for name, path in _modules().items():
        for target, names in _imports(name, path):
            if not target.startswith("stackga"):
                continue
            for x in names:
                if x.startswith("_") and not x.startswith("__"):
                    assert target.rpartition(".")[0] == name.rpartition(".")[0], \
                        f"{name} imports private {x} from {target}"


def test_installed_names_are_the_sources():
    """``stackga.followers`` and ``stackga.cases`` are the repository's folders' code."""
    import stackga.cases
    import stackga.followers

    assert Path(stackga.followers.Battery.__module__.replace(".", "/")).name == "battery"
    assert "followers" not in sys.modules and "cases" not in sys.modules
    assert stackga.cases.get("island").__name__ == "stackga.cases.island"


def test_cli_names_no_case():
    """The command line learns the cases through stackga.cases.base only."""
    for path in (ROOT / "stackga" / "cli").glob("*.py"):
        text = path.read_text()
        for case in ("island", "v2g", "eva"):
            assert f'"{case}"' not in text and f"'{case}'" not in text, f"{path.name} names {case}"


def test_every_case_follows_the_protocol():
    import stackga.cases as cases
    from stackga.cases.base import HOOKS, check

    for name in cases.CASES:
        module = cases.get(name)
        check(module)
        assert all(hasattr(module, h) for h in HOOKS)
        files = {p.name for p in (ROOT / "cases" / name).iterdir()}
        assert {"case.py", "data", "README.md", "data_io.py", "compare.py", "claims.py",
                "summary.py", "plots.py", "report.py", "make_data.py", "__init__.py"} <= files, (name, files)


def test_a_case_missing_a_hook_is_named():
    import types

    from stackga.cases.base import check

    from stackga.errors import InputError

    with pytest.raises(InputError, match="lacks .*FIGURES_DIR"):
        check(types.SimpleNamespace(__name__="mine", SCENARIOS=(1,), DEFAULT_SCENARIO=1))
