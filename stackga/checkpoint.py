"""Checkpoints of a GA run, so that a killed run can be resumed and end exactly where an
uninterrupted run with the same seed ends (the same x and log; only the seconds column
differs).

Every ``every`` generations the engine's whole state (the pymoo algorithm, or the DEAP
population and random state) and the log are written, atomically, to ``state.pkl`` in
the checkpoint folder. The game is not stored: it is rebuilt from its description on
resume, which is why followers keep no state that changes their answers. pymoo's
algorithm holds local functions that ``pickle`` refuses, so the state is serialised
with ``dill`` (as pymoo's own checkpoint documentation does).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import dill

from stackga.errors import InputError

__all__ = ["Checkpoint"]


@dataclass
class Checkpoint:
    """A checkpoint folder and how often to write it (in generations)."""

    folder: Path
    every: int = 10

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)
        if self.every < 1:
            raise InputError(f"Checkpoint.every must be >= 1 generation, got {self.every}")

    @property
    def path(self) -> Path:
        return self.folder / "state.pkl"

    config: dict | None = None      # the run's GA configuration; a checkpoint of another is refused

    def save(self, engine: str, state, log, gen: int) -> None:
        """Write the engine's state and the log after generation ``gen`` (atomic)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".state.{os.getpid()}.tmp")
        tmp.write_bytes(dill.dumps({"engine": engine, "state": state, "log": log.state(), "gen": gen,
                                    "config": self.config}))
        os.replace(tmp, self.path)

    def clear(self) -> None:
        """Forget any earlier state (a new run starts from generation 1)."""
        self.path.unlink(missing_ok=True)

    def load(self) -> dict | None:
        """The last checkpoint, or None if there is none."""
        if not self.path.exists():
            return None
        try:
            return dill.loads(self.path.read_bytes())
        except Exception as e:                    # noqa: BLE001 (a damaged file of any kind)
            raise InputError(f"{self.path}: unreadable checkpoint ({type(e).__name__}: {e})") from None
