"""Run from a source checkout without installing: find ``followers/`` and ``cases/``.

Installed, the repository's top-level ``followers/`` and ``cases/`` are the subpackages
``stackga.followers`` and ``stackga.cases`` (``pyproject.toml``'s ``package-dir``). Run from
the repository's root (``python -m stackga``, or a test's subprocess there), Python finds
this folder first, which has no such subfolders: they are loaded from beside it instead,
under the same names, so both ways run the same code.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent


def link_siblings() -> None:
    """Register ``stackga.followers`` and ``stackga.cases`` from the checkout's root
    when this package has no such folders (does nothing in an installed copy)."""
    root = _HERE.parent
    for name in ("followers", "cases"):
        full = f"{__package__}.{name}"
        init = root / name / "__init__.py"
        if full in sys.modules or (_HERE / name).is_dir() or not init.is_file():
            continue
        spec = importlib.util.spec_from_file_location(
            full, init, submodule_search_locations=[str(root / name)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[full] = module
        setattr(sys.modules[__package__], name, module)
        spec.loader.exec_module(module)
