"""A run's result: best leader vector, everything recomputed at it, the log.

``save(dir)`` writes, through a staging folder renamed into place
(:mod:`stackga.rundir`), so the folder is complete or absent:

* ``log.csv``: one row per generation (GA runs only);
* the arrays at the best individual: 1-D arrays grouped by length into
  ``series.csv`` (length of x, e.g. 24 hours), ``states.csv`` (one longer) and
  ``arrays_<n>.csv`` (any other length); arrays of two or more dimensions in
  ``arrays/<name>.csv`` (one row per leading index);
* ``run.json`` last: scalars, x, config, report, statuses, versions, and a
  manifest of every file above (rows, columns, shapes, sha256). It is strict JSON:
  a non-finite number is written as null and listed under ``nonfinite``.

``Result.load(dir)`` restores it bit for bit, and refuses a folder whose files are
missing, altered or not listed in its ``run.json``, naming the file.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import platform
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from stackga.errors import InputError

from .rundir import check_out, staged

__all__ = ["Result", "ResultError", "package_versions"]

FORMAT = 2


class ResultError(InputError):
    """A run folder cannot be read; the message names the file."""


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version
    out = {"python": platform.python_version()}
    for name in ("stackga", "numpy", "scipy", "highspy", "pymoo", "deap", "matplotlib", "numba"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def _csv_text(cols: dict[str, np.ndarray]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(list(cols))
    for row in zip(*cols.values()):
        w.writerow([repr(float(v)) for v in row])
    return buf.getvalue()


def _read_csv(path: Path, text: str) -> dict[str, np.ndarray]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ResultError(f"{path}: empty file")
    header, body = rows[0], rows[1:]
    out = {}
    for j, k in enumerate(header):
        try:
            out[k] = np.array([float(r[j]) for r in body])
        except (ValueError, IndexError):
            raise ResultError(f"{path}: column {k!r} is unreadable") from None
    return out


def _strict(obj, path: list, nonfinite: list):
    """A JSON-ready copy of ``obj``: numpy to Python, non-finite floats to None, each
    recorded in ``nonfinite`` as [path (list of keys and indices), "nan"|"inf"|"-inf"]."""
    if isinstance(obj, dict):
        return {str(k): _strict(v, path + [str(k)], nonfinite) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [_strict(v, path + [i], nonfinite) for i, v in enumerate(list(obj))]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        nonfinite.append([path, repr(obj)])
        return None
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"run.json: {path} is a {type(obj).__name__}, not JSON serialisable")


def json_ready(obj) -> tuple:
    """(a JSON-ready copy of ``obj``, its non-finite values' [path, text]): the encoding of
    run.json."""
    nonfinite: list = []
    return _strict(obj, [], nonfinite), nonfinite


def _restore(doc: dict, nonfinite: list) -> None:
    """Put the non-finite floats recorded by ``_strict`` back in place."""
    for path, text in nonfinite:
        node = doc
        for k in path[:-1]:
            node = node[k]
        if node[path[-1]] is not None:
            raise InputError(f"nonfinite entry {path} is not null")
        node[path[-1]] = float(text)


@dataclass
class Result:
    """Attributes:
        game: game name; meta: the game's description (case, scenario, data...).
        x: (n_var,) best leader vector.
        leader: leader objective at x; followers: name -> objective at x (None where
            that follower is not OPTIMAL at x).
        arrays: "<follower>.<array>" or "leader.<array>" -> array at x (any shape).
        log: column -> (n_gen,) per-generation log (empty for single-level runs).
        config: GA configuration (dict) or None; report: case figures computed from x.
        statuses: follower -> status name -> count over every evaluation of the run.
        violations: leader constraint -> individuals that broke it, over the run.
        messages: follower -> first exception message of the run (rows that raised).
        status: "complete" or "interrupted" (Ctrl-C: the best so far).
        infeasibility: why no feasible individual was found (None if one was).
        versions: package versions; seconds: wall time of the run.
    """

    game: str
    x: np.ndarray
    leader: float
    followers: dict[str, float | None]
    arrays: dict[str, np.ndarray]
    log: dict[str, np.ndarray] = field(default_factory=dict)
    config: dict | None = None
    meta: dict = field(default_factory=dict)
    report: dict = field(default_factory=dict)
    statuses: dict = field(default_factory=dict)
    violations: dict = field(default_factory=dict)
    messages: dict = field(default_factory=dict)
    status: str = "complete"
    infeasibility: str | None = None
    versions: dict = field(default_factory=package_versions)
    seconds: float = 0.0

    _SCALARS = ("game", "leader", "followers", "config", "meta", "report", "statuses",
                "violations", "messages", "status", "infeasibility", "versions", "seconds")

    # -- writing -------------------------------------------------------------------
    def _files(self) -> tuple[dict[str, str], dict]:
        """{relative path: text} of every CSV file, and the arrays' manifest."""
        files, where = {}, {}
        if self.log:
            files["log.csv"] = _csv_text(self.log)
        horizon = int(self.meta.get("T", len(self.x)))
        groups: dict[str, dict] = {}
        for name, v in self.arrays.items():
            a = np.asarray(v, float)
            if a.ndim <= 1:
                a = a.reshape(-1)
                n = len(a)
                fname = ("series.csv" if n == horizon else "states.csv" if n == horizon + 1
                         else f"arrays_{n}.csv")
                groups.setdefault(fname, {})[name] = a
                where[name] = {"file": fname, "shape": list(np.shape(v))}
            else:
                fname = f"arrays/{name}.csv"
                flat = a.reshape(a.shape[0], int(np.prod(a.shape[1:])))
                files[fname] = _csv_text({f"c{j}": flat[:, j] for j in range(flat.shape[1])})
                where[name] = {"file": fname, "shape": list(a.shape)}
        for fname, cols in groups.items():
            files[fname] = _csv_text(cols)
        return files, where

    def write_files(self, folder) -> Path:
        """Write every file into ``folder`` (which must exist), run.json last.
        Prefer :meth:`save`, which makes the folder appear complete or not at all."""
        d = Path(folder)
        files, where = self._files()
        for rel, text in files.items():
            (d / rel).parent.mkdir(parents=True, exist_ok=True)
            (d / rel).write_text(text)
        doc = {"format": FORMAT, "x": self.x.tolist()}
        doc.update({k: getattr(self, k) for k in self._SCALARS})
        doc["arrays"] = where
        doc["files"] = {rel: hashlib.sha256(text.encode()).hexdigest() for rel, text in files.items()}
        nonfinite: list = []
        doc = _strict(doc, [], nonfinite)
        doc["nonfinite"] = nonfinite
        (d / "run.json").write_text(json.dumps(doc, indent=2, allow_nan=False))
        return d

    def save(self, directory, overwrite: bool = False) -> Path:
        """Save to ``directory`` atomically: it appears complete, or not at all.
        An existing non-empty folder is refused unless ``overwrite`` (then replaced whole)."""
        check_out(directory, overwrite, what="Result.save:")
        with staged(directory, overwrite) as tmp:
            self.write_files(tmp)
        return Path(directory)

    # -- reading -------------------------------------------------------------------
    @classmethod
    def load(cls, directory) -> "Result":
        """Read a run folder written by :meth:`save`; every error names the file."""
        d = Path(directory)
        path = d / "run.json"
        if not d.is_dir():
            raise ResultError(f"{d}: not a folder")
        if not path.is_file():
            raise ResultError(f"{path}: not found (not a run folder, or a run that never finished saving)")
        try:
            doc = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ResultError(f"{path}: not valid JSON ({e})") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ResultError(f"{path}: not a stackga run of format {FORMAT} "
                              f"(found format {doc.get('format') if isinstance(doc, dict) else None!r})")
        try:
            _restore(doc, doc["nonfinite"])
            texts = {}
            for rel, digest in doc["files"].items():
                f = d / rel
                if not f.is_file():
                    raise ResultError(f"{f}: missing (listed in {path})")
                texts[rel] = f.read_text()
                if hashlib.sha256(texts[rel].encode()).hexdigest() != digest:
                    raise ResultError(f"{f}: does not match {path} (altered, truncated or from another run)")
            stray = sorted(str(p.relative_to(d)) for p in d.rglob("*.csv")
                           if str(p.relative_to(d)) not in texts)
            if stray:
                raise ResultError(f"{d / stray[0]}: not part of the run in {path} (left from another run?)")
            tables = {rel: _read_csv(d / rel, t) for rel, t in texts.items()}
            arrays, used = {}, {"log.csv"}
            for name, w in doc["arrays"].items():
                t, shape = tables[w["file"]], tuple(w["shape"])
                a = t[name] if name in t else (np.column_stack(list(t.values())) if t
                                               else np.zeros(shape[:1] + (0,)))
                if a.size != int(np.prod(shape)):
                    raise ResultError(f"{d / w['file']}: array {name!r} has {a.size} values, "
                                      f"{path} says shape {list(shape)}")
                arrays[name] = a.reshape(shape)
                used.add(w["file"])
            unlisted = [rel for rel in tables if rel not in used] + \
                [f"{rel} column {k!r}" for rel, t in tables.items() if rel != "log.csv" and
                 not rel.startswith("arrays/") for k in t if k not in doc["arrays"]]
            if unlisted:
                raise ResultError(f"{d / unlisted[0]}: not described in {path}'s arrays")
            kwargs = {k: doc[k] for k in cls._SCALARS}
            x = np.array(doc["x"], float)
            saved = arrays.get("leader.x")
            if saved is not None and not (saved.shape == x.shape and np.allclose(
                    saved, x, rtol=1e-12, atol=0.0, equal_nan=True)):
                raise ResultError(f"{path}: x differs from the saved array leader.x "
                                  f"({d / doc['arrays']['leader.x']['file']}): edited by hand?")
            _check_leader(path, kwargs, tables.get("log.csv", {}))
        except ResultError:
            raise
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as e:
            raise ResultError(f"{path}: inconsistent or damaged ({type(e).__name__}: {e})") from None
        return cls(x=x, arrays=arrays, log=tables.get("log.csv", {}), **kwargs)


def _check_leader(path: Path, doc: dict, log: dict) -> None:
    """run.json's leader value against its log (whose file run.json's digest covers): the
    GA keeps its best, so a feasible answer the improvement step did not move has the log's
    best value; a moved one has at least that."""
    best = np.asarray(log.get("best", []), float)
    best = best[np.isfinite(best)]
    if not len(best) or not (doc.get("report") or {}).get("feasible"):
        return
    leader, top = float(doc["leader"]), float(best.max())
    moved = ((doc.get("report") or {}).get("improvement") or {}).get("how") == "improved"
    tol = 1e-9 * (1.0 + abs(top))
    if (leader < top - tol) if moved else (abs(leader - top) > tol):
        raise ResultError(f"{path}: leader {leader!r} disagrees with the log's best {top!r} "
                          f"(log.csv): edited by hand?")
