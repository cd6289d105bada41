"""A run's result: best leader vector, everything recomputed at it, the log.

``save(dir)`` writes ``run.json`` (scalars, x, config, report, versions),
``log.csv`` (one row per generation) and ``series.csv`` / ``states.csv``
(hourly arrays of the best individual: length T, and T + 1 for states).
``Result.load(dir)`` restores it.
"""
from __future__ import annotations

import csv
import json
import platform
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["Result", "package_versions"]


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version
    out = {"python": platform.python_version()}
    for name in ("stackga", "numpy", "scipy", "highspy", "pymoo", "deap", "matplotlib"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def _write_columns(path: Path, cols: dict[str, np.ndarray]) -> None:
    if not cols:
        return
    names = list(cols)
    n = len(next(iter(cols.values())))
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names)
        for i in range(n):
            w.writerow([repr(float(cols[k][i])) for k in names])


def _read_columns(path: Path) -> dict[str, np.ndarray]:
    if not path.exists():
        return {}
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return {k: np.array([float(r[j]) for r in rows[1:]]) for j, k in enumerate(rows[0])}


@dataclass
class Result:
    """Attributes:
        game: game name; meta: the game's description (case, scenario...).
        x: (n_var,) best leader vector.
        leader: leader objective at x; followers: name -> objective at x.
        arrays: "<follower>.<array>" or "leader.<array>" -> hourly array at x.
        log: column -> (n_gen,) per-generation log (empty for single-level runs).
        config: GA configuration (dict) or None; report: case figures computed from x.
        statuses: follower -> status name -> count over every evaluation of the run.
        versions: package versions; seconds: wall time of the run.
    """

    game: str
    x: np.ndarray
    leader: float
    followers: dict[str, float]
    arrays: dict[str, np.ndarray]
    log: dict[str, np.ndarray] = field(default_factory=dict)
    config: dict | None = None
    meta: dict = field(default_factory=dict)
    report: dict = field(default_factory=dict)
    statuses: dict = field(default_factory=dict)
    versions: dict = field(default_factory=package_versions)
    seconds: float = 0.0

    def save(self, directory) -> Path:
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        doc = {"game": self.game, "x": self.x.tolist(), "leader": self.leader,
               "followers": self.followers, "config": self.config, "meta": self.meta,
               "report": self.report, "statuses": self.statuses, "versions": self.versions, "seconds": self.seconds}
        (d / "run.json").write_text(json.dumps(doc, indent=2, default=_jsonable))
        _write_columns(d / "log.csv", self.log)
        T = len(self.x)
        _write_columns(d / "series.csv", {k: v for k, v in self.arrays.items() if len(v) != T + 1})
        _write_columns(d / "states.csv", {k: v for k, v in self.arrays.items() if len(v) == T + 1})
        return d

    @classmethod
    def load(cls, directory) -> "Result":
        d = Path(directory)
        doc = json.loads((d / "run.json").read_text())
        arrays = _read_columns(d / "series.csv") | _read_columns(d / "states.csv")
        return cls(game=doc["game"], x=np.array(doc["x"]), leader=doc["leader"],
                   followers=doc["followers"], arrays=arrays, log=_read_columns(d / "log.csv"),
                   config=doc["config"], meta=doc["meta"], report=doc["report"],
                   statuses=doc.get("statuses", {}),
                   versions=doc["versions"], seconds=doc["seconds"])


def _jsonable(o):
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"not JSON serialisable: {type(o)}")
