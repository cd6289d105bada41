"""Run directories that are complete or absent.

``check_out`` validates an output folder before any work (not a file, writable,
empty unless ``overwrite``); ``fresh`` reserves a new folder under ``runs/``;
``staged`` yields a temporary folder beside the target, and on success renames
it into place in one step, so a killed run leaves no half-written directory and
two runs to the same folder never mix their files (the second is refused, or,
with ``overwrite``, replaces the first whole).
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

__all__ = ["RunDirError", "check_out", "fresh", "staged"]


class RunDirError(ValueError):
    """An output folder cannot be used; the message names it and why."""


def _nonempty(p: Path) -> bool:
    return p.is_dir() and any(p.iterdir())


def check_out(path, overwrite: bool = False, what: str = "--out") -> Path:
    """Validate ``path`` as an output folder now, before any work is done."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise RunDirError(f"{what} {p}: exists and is not a folder")
    if _nonempty(p) and not overwrite:
        raise RunDirError(f"{what} {p}: exists and is not empty; choose another folder or pass --overwrite")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        probe = tempfile.mkdtemp(prefix=f".{p.name}.probe-", dir=p.parent)
        os.rmdir(probe)
    except OSError as e:
        raise RunDirError(f"{what} {p}: cannot write there ({e.strerror or e})") from None
    return p


def fresh(stem: str, root="runs") -> Path:
    """Reserve a new empty folder ``root/stem-YYYYmmdd-HHMMSS[-k]`` and return it."""
    root = Path(root)
    check_out(root / stem, overwrite=True, what="run folder")
    base = f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    for k in range(1, 10_000):
        p = root / (base if k == 1 else f"{base}-{k}")
        try:
            p.mkdir()
            return p
        except FileExistsError:
            continue
    raise RunDirError(f"{root}: no free run folder named {base}-k")


def _commit(tmp: Path, p: Path, overwrite: bool) -> None:
    try:
        os.rename(tmp, p)                         # atomic; replaces an absent or empty folder
        return
    except OSError:
        if not p.exists() or p.is_file() or not overwrite:
            reason = "is a file" if p.is_file() else "was filled by another run meanwhile"
            raise RunDirError(f"{p}: {reason}; this run's files are kept in {tmp}") from None
    old = p.with_name(f".{p.name}.old-{os.getpid()}")
    os.rename(p, old)
    os.rename(tmp, p)
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def staged(path, overwrite: bool = False):
    """Yield a temporary folder beside ``path``; rename it to ``path`` when the block ends
    without error (an error or Ctrl-C removes it and leaves ``path`` as it was)."""
    p = Path(path)
    if _nonempty(p) and not overwrite:
        raise RunDirError(f"{p}: exists and is not empty; choose another folder or pass --overwrite")
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{p.name}.partial-", dir=p.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _commit(tmp, p, overwrite)
