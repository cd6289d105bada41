"""Run directories that are complete or absent.

``check_out`` validates an output folder before any work (not a file, writable,
empty unless ``overwrite``, and ``overwrite`` replaces only a folder stackga wrote);
``fresh`` reserves a new empty folder under ``runs/``; ``staged`` yields a
temporary folder beside the target and, on success, renames it into place in one
step, so a killed run leaves no half-written folder and two runs to the same
folder never mix their files: the second is refused (its files kept in the
staging folder it names), or with ``overwrite`` replaces the first whole.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from stackga.errors import InputError

__all__ = ["RunDirError", "MARKER", "check_out", "check_writable", "fresh", "mark", "staged",
           "writer_lock"]

#: every folder ``staged`` commits holds this file; ``overwrite`` replaces only such folders
MARKER = ".stackga"


class RunDirError(InputError):
    """An output folder cannot be used; the message names it and why."""


def _short(name: str) -> str:
    """A folder's name for the files stackga keeps beside it (staging, probe, lock): itself
    when short, else its first 100 characters and a digest, so that a name of up to 255
    characters still leaves room for the suffixes."""
    if len(name) <= 100:
        return name
    import hashlib
    return f"{name[:100]}~{hashlib.sha256(name.encode()).hexdigest()[:12]}"


def _nonempty(p: Path) -> bool:
    return p.is_dir() and any(p.iterdir())


def _replaceable(p: Path, what: str) -> None:
    """Refuse to replace anything but a folder stackga wrote, and never the working
    directory or a folder above it."""
    if Path.cwd().resolve().is_relative_to(p):
        raise RunDirError(f"{what} {p}: is the working directory or above it; refusing to replace it")
    if not (p / MARKER).is_file():
        raise RunDirError(f"{what} {p}: exists, is not empty and was not written by stackga "
                          f"(no {MARKER} file); --overwrite replaces only stackga's output folders")


def check_writable(path, what: str = "--out") -> Path:
    """``path`` can hold files: not a file, and its parent writable; returns it resolved."""
    p = Path(path).resolve()
    if p.exists() and not p.is_dir():
        raise RunDirError(f"{what} {p}: exists and is not a folder")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        os.rmdir(tempfile.mkdtemp(prefix=f".{_short(p.name)}.probe-", dir=p.parent))
    except OSError as e:
        raise RunDirError(f"{what} {p}: cannot write there ({e.strerror or e})") from None
    return p


def check_out(path, overwrite: bool = False, what: str = "--out") -> Path:
    """Validate ``path`` as an output folder now, before any work is done; returns it resolved."""
    p = Path(path).resolve()
    if p.exists() and not p.is_dir():
        raise RunDirError(f"{what} {p}: exists and is not a folder")
    if _nonempty(p):
        if not overwrite:
            raise RunDirError(f"{what} {p}: exists and is not empty; choose another folder or pass --overwrite")
        _replaceable(p, what)
    return check_writable(p, what)


def fresh(stem: str, root="runs") -> Path:
    """Reserve a new empty folder ``root/stem-YYYYmmdd-HHMMSS[-k]`` and return it."""
    root = Path(root)
    check_out(root / stem, overwrite=True, what="run folder")
    base = f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    for k in range(1, 10_000):
        p = root.resolve() / (base if k == 1 else f"{base}-{k}")
        try:
            p.mkdir()
            return p
        except FileExistsError:
            continue
    raise RunDirError(f"{root}: no free run folder named {base}-k")


def mark(folder: Path) -> None:
    """Write the :data:`MARKER` that lets ``--overwrite`` replace ``folder``."""
    (Path(folder) / MARKER).write_text("written by stackga; --overwrite may replace this folder\n")


def _commit(tmp: Path, p: Path, overwrite: bool) -> None:
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)                 # mkdtemp made it private
    mark(tmp)
    try:
        os.rename(tmp, p)                         # atomic; replaces an absent or empty folder
        return
    except OSError:
        if p.is_file() or not overwrite:
            reason = "is a file" if p.is_file() else "was filled by another run meanwhile"
            raise RunDirError(f"{p}: {reason}; this run's files are kept in {tmp}") from None
        try:
            _replaceable(p, "output folder")
        except RunDirError as e:
            raise RunDirError(f"{e}; this run's files are kept in {tmp}") from None
    old = p.with_name(f".{_short(p.name)}.old-{os.getpid()}")
    os.rename(p, old)
    os.rename(tmp, p)
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def staged(path, overwrite: bool = False):
    """Yield a temporary folder beside ``path``; rename it to ``path`` when the block ends
    without error (an error or Ctrl-C removes it and leaves ``path`` as it was). Check the
    target with :func:`check_out` before the work; a target filled meanwhile is refused
    here, and this run's files are kept in the staging folder the error names."""
    p = Path(path).resolve()
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{_short(p.name)}.partial-", dir=p.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _commit(tmp, p, overwrite)


@contextmanager
def writer_lock(path, what: str = "--out"):
    """Hold the one-writer lock of the output folder ``path`` for the block: an exclusive
    ``flock`` on a lock file named by the folder's path in this user's lock folder under
    the temporary directory (the output folder itself is replaced on commit). A
    second writer is refused at once, naming the folder and the holder's pid; the kernel
    drops the lock when its holder exits, however it exits (kill -9 included). The lock
    file is left in place (empty) when the block ends: unlinking a locked file would let a
    writer that opened it meanwhile and one that creates a new one hold the lock at once."""
    p = Path(path).resolve()
    p.parent.mkdir(parents=True, exist_ok=True)
    import hashlib
    uid = os.getuid() if hasattr(os, "getuid") else 0
    locks = Path(tempfile.gettempdir()) / f"stackga-locks-{uid}"
    locks.mkdir(mode=0o700, exist_ok=True)
    lock = locks / f"{hashlib.sha256(str(p).encode()).hexdigest()[:32]}.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise RunDirError(f"{what} {p}: another stackga run is writing it (pid {holder}); wait "
                          f"for it to end or choose another folder") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    try:
        yield p
    finally:
        os.ftruncate(fd, 0)     # the file stays: removing a locked file lets two writers in
        os.close(fd)
