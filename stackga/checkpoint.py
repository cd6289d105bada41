"""Checkpoints of a GA run, so that a killed run can be resumed and end exactly where an
uninterrupted run with the same seed ends (the same x and log; only the seconds column
differs).

Every ``every`` generations the engine's whole state (the pymoo algorithm, or the DEAP
population and random state) and the log are written, atomically, to ``state.pkl`` in
the checkpoint folder. The game is not stored: it is rebuilt from its description on
resume, which is why followers keep no state that changes their answers. pymoo's
algorithm holds local functions that ``pickle`` refuses, so the state is serialised
with ``dill`` (as pymoo's own checkpoint documentation does).

**Checkpoints are not trusted code.** Unpickling runs whatever the file says, so a
checkpoint is loaded only when its HMAC-SHA256 signature verifies under this user's key
(``~/.config/stackga/checkpoint.key``, created with mode 0600 on first use; override
the folder with ``STACKGA_KEY_DIR``): a file written by anyone else, edited or damaged
is refused by name before anything is unpickled. A checkpoint also records what it is a
checkpoint of (:func:`identity`: the library version, the game's name, bounds and
constraints, its case, scenario and variant, and the sha256 of every data file), and
:func:`stackga.solve` refuses to continue it on anything else, naming what differs.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

import dill
import numpy as np

from stackga.errors import InputError

__all__ = ["Checkpoint", "identity", "differences"]

_MAGIC = b"stackga-checkpoint-v2\n"


def _key() -> bytes:
    """This user's checkpoint key (32 random bytes, created on first use in a 0700 folder,
    mode 0600). A key of another length, or one other users can read or write, or owned by
    someone else, is refused: it would not keep a checkpoint from being forged."""
    folder = Path(os.environ.get("STACKGA_KEY_DIR") or Path.home() / ".config" / "stackga")
    path = folder / "checkpoint.key"
    try:
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(prefix=".key.", dir=folder)   # mode 0600, O_EXCL
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
            try:
                os.link(tmp, path)              # the first writer wins; the others read its key
            except FileExistsError:
                pass
            finally:
                try:
                    os.unlink(tmp)
                except FileNotFoundError:
                    pass
        st = path.stat()
        key = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot create or read the checkpoint key ({e}); set "
                         f"STACKGA_KEY_DIR to a private, writable folder") from None
    if len(key) != 32 or st.st_mode & 0o077 or (hasattr(os, "getuid") and st.st_uid != os.getuid()):
        raise InputError(f"{path}: not a private 32-byte checkpoint key of this user (mode "
                         f"{oct(st.st_mode & 0o777)}, {len(key)} bytes); remove it to have a new "
                         f"one made")
    return key
def _digest(arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        if a is not None:
            a = np.ascontiguousarray(a, dtype=float)
            h.update(str(a.shape).encode())
            h.update(a.tobytes())
    return h.hexdigest()[:16]


def _follower_digest(f, probe: np.ndarray | None = None) -> str:
    """A digest of a follower's data: what its ``identity_data(probe)`` returns where it
    has one (followers that are not dataclasses: games from matrices, CVXPY followers;
    ``probe`` (k, m): prices at which a follower states its functions' values), else its
    dataclass fields (arrays by value, functions by module and name, sets sorted, other
    values by repr; nested dataclasses, dicts, lists and tuples recursively), or its
    type alone otherwise."""
    import dataclasses
    h = hashlib.sha256(type(f).__name__.encode())

    def add(v) -> None:
        data = getattr(v, "identity_data", None)
        if callable(data) and not isinstance(v, type):
            add(data(probe))
        elif dataclasses.is_dataclass(v) and not isinstance(v, type):
            for fl in dataclasses.fields(v):
                if fl.compare:
                    h.update(fl.name.encode())
                    add(getattr(v, fl.name))
        elif isinstance(v, np.ndarray):
            h.update(str((v.dtype, v.shape)).encode())
            h.update(np.ascontiguousarray(v).tobytes())
        elif isinstance(v, dict):
            for k in sorted(v, key=str):
                h.update(str(k).encode())
                add(v[k])
        elif isinstance(v, (list, tuple)):
            h.update(f"{type(v).__name__}{len(v)}".encode())
            for item in v:
                add(item)
        elif isinstance(v, (set, frozenset)):
            h.update(repr(sorted(map(repr, v))).encode())
        elif callable(v):                  # a function: by name (its repr holds an address)
            h.update(f"{getattr(v, '__module__', '')}.{getattr(v, '__qualname__', type(v).__name__)}".encode())
        else:
            h.update(repr(v).encode())
    add(f)
    return h.hexdigest()[:16]


def identity(game) -> dict:
    """What a checkpoint is a checkpoint of: the library version, the game's name, a
    digest of its bounds and linear constraints, its followers' names, types and data
    (:func:`_follower_digest`), its selection rules and stated views, and from its
    ``meta`` the case, scenario, variant and data files' sha256."""
    from stackga import __version__
    meta = game.meta or {}
    data = meta.get("data")
    # the prices at three leader vectors (the box's corners and middle): a follower that maps
    # the prices through a function states the function's values there (identity_data)
    probe = game.prices(np.vstack([game.lb, game.ub, 0.5 * (game.lb + game.ub)]))
    return {"stackga": __version__, "game": game.name,
            "bounds and constraints": _digest([game.lb, game.ub, game.A, game.b]),
            "followers": {k: f"{type(f).__name__} {_follower_digest(f, probe)}"
                          for k, f in game.followers.items()},
            "selection": dict(getattr(game, "_rules", {}) or {}),
            "stated views": sorted(game.views or {}) if getattr(game, "views", None) else [],
            **{k: meta[k] for k in ("case", "scenario", "variant") if k in meta},
            "data files": (data or {}).get("sha256") if isinstance(data, dict) else None}


def differences(saved: dict | None, now: dict) -> list[str]:
    """The fields of two identities that differ, as readable phrases."""
    if saved is None:
        return ["the checkpoint records no identity (written by an older stackga)"]
    out = []
    for k in sorted(set(saved) | set(now)):
        if saved.get(k) != now.get(k):
            if k == "data files" and isinstance(saved.get(k), dict) and isinstance(now.get(k), dict):
                changed = sorted(f for f in set(saved[k]) | set(now[k])
                                 if saved[k].get(f) != now[k].get(f))
                out.append(f"data files changed: {', '.join(changed)}")
            else:
                out.append(f"{k}: {saved.get(k)!r} in the checkpoint, {now.get(k)!r} now")
    return out


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
    identity: dict | None = None    # what the run is of (:func:`identity`); set by stackga.solve

    def save(self, engine: str, state, log, gen: int) -> None:
        """Write the engine's state and the log after generation ``gen`` (atomic)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".state.{os.getpid()}.tmp")
        body = dill.dumps({"engine": engine, "state": state, "log": log.state(), "gen": gen,
                           "config": self.config, "identity": self.identity})
        tmp.write_bytes(_MAGIC + hmac.new(_key(), body, hashlib.sha256).digest() + body)
        os.replace(tmp, self.path)

    def clear(self) -> None:
        """Forget any earlier state (a new run starts from generation 1)."""
        self.path.unlink(missing_ok=True)

    def load(self) -> dict | None:
        """The last checkpoint, or None if there is none. Refused, before anything is
        unpickled, unless its signature verifies under this user's key."""
        if not self.path.exists():
            return None
        raw = self.path.read_bytes()
        n = len(_MAGIC)
        if not raw.startswith(_MAGIC) or len(raw) < n + 32:
            raise InputError(f"{self.path}: not a stackga checkpoint of this version (no "
                             f"signature); refusing to load it (checkpoints run code when loaded)")
        sig, body = raw[n:n + 32], raw[n + 32:]
        if not hmac.compare_digest(sig, hmac.new(_key(), body, hashlib.sha256).digest()):
            raise InputError(f"{self.path}: the checkpoint's signature does not verify (written "
                             f"by another user or machine, edited, or damaged); refusing to load "
                             f"it (checkpoints run code when loaded)")
        try:
            state = dill.loads(body)
        except Exception as e:                    # noqa: BLE001 (a damaged file of any kind)
            raise InputError(f"{self.path}: unreadable checkpoint ({type(e).__name__}: {e})") from None
        if not isinstance(state, dict) or not {"engine", "state", "log", "gen"} <= set(state):
            raise InputError(f"{self.path}: not a stackga checkpoint (fields missing)")
        return state
