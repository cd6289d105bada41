"""Runs saved as they finish and found again on resume: what lets ``stackga compare
--out DIR --resume`` finish a comparison that was stopped or killed without redoing the
runs it had finished.

Inside ``with storing(RunStore(folder, resume))``, :func:`~stackga.experiments.run_many`
saves every run into ``folder/NAME`` (atomically, :meth:`stackga.Result.save`) as soon as
it ends, and, with ``resume``, returns the complete runs found there instead of running
them again, provided they were made with the same GA configuration (seed included) and
on the same data files as their spec now reads (else it refuses, naming the run). A run
found interrupted, unreadable or absent is run again. Seeded runs give the same result
whenever they run, so a resumed comparison equals an uninterrupted one.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

from ..result import Result, ResultError, json_ready
from ..rundir import RunDirError

__all__ = ["RunStore", "current", "storing"]

_stack: list["RunStore"] = []


class RunStore:
    """The run folders of ``folder`` (name -> the complete runs found there when
    ``resume``)."""

    def __init__(self, folder, resume: bool = False) -> None:
        self.folder = Path(folder)
        self.found: dict[str, Result] = {}
        self._written: dict[str, str] = {}        # name -> its report as last written
        if not resume or not self.folder.is_dir():
            return
        for d in sorted(self.folder.iterdir()):
            if not (d / "run.json").is_file():
                continue
            try:
                r = Result.load(d)
            except ResultError:
                continue                              # torn or damaged: run again
            if r.status == "complete":
                self.found[d.name] = r
                self._written[d.name] = _snapshot(r)

    def reuse(self, specs: list) -> dict[str, Result]:
        """name -> the found run of each spec that has one (checked: the same GA
        configuration, the same data files); RunDirError naming a run made otherwise."""
        from .runner import check_same_data
        out = {}
        for spec in specs:
            r = self.found.get(spec.name)
            if r is None:
                continue
            want = json.loads(json.dumps(spec.config))
            got = {k: r.config.get(k) for k in want} if r.config else want  # None: no GA ran
            if got != want:
                raise RunDirError(f"--resume {self.folder}: the run {spec.name} was made with "
                                  f"other settings ({_diff(got, want)}); resume with the "
                                  f"settings it started with, or start afresh in another folder")
            out[spec.name] = r
        check_same_data(out, {s.name: s for s in specs}, f"--resume {self.folder}")
        return out

    def save(self, spec, res: Result) -> None:
        res.save(self.folder / spec.name, overwrite=True)
        self._written[spec.name] = _snapshot(res)

    def save_changed(self, results: dict[str, Result]) -> list[str]:
        """Save again the runs whose report changed since they were written (a case's
        ``compare`` adds keys to some reports after the runs end) or that were never
        written here; the names saved."""
        out = []
        for name, r in results.items():
            if self._written.get(name) != _snapshot(r):
                r.save(self.folder / name, overwrite=True)
                self._written[name] = _snapshot(r)
                out.append(name)
        return out


def _snapshot(r: Result) -> str:
    """A run's report and status as text, to tell whether it changed since written: the
    encoding run.json uses (every array entry, non-finite values named)."""
    return json.dumps(json_ready({"report": r.report, "status": r.status}), sort_keys=True)


def _diff(got: dict, want: dict) -> str:
    keys = [k for k in want if got.get(k) != want[k]]
    return ", ".join(f"{k}: {got.get(k)!r} then, {want[k]!r} now" for k in keys[:4])


def current() -> RunStore | None:
    """The store of the innermost ``storing`` block, or None."""
    return _stack[-1] if _stack else None


@contextmanager
def storing(store: RunStore):
    _stack.append(store)
    try:
        yield store
    finally:
        _stack.remove(store)
