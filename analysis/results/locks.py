"""Folder locks: one writer per results folder, and none left behind.

A lock file ``.NAME.lock`` beside the folder, created with ``O_EXCL`` and holding the owner's pid and
host (:func:`lock`), makes a second writer to the same folder stop at once with one line; a lock
whose process is gone is taken over. Parent folders created for a folder are remembered and removed
again if nothing was written (:func:`make_parents`, :func:`release`); every lock this process holds
is released at exit (:func:`release_all`).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import socket
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from powershift.analysis.results.disk import disk_error
from powershift.model.files import InputError

UNOWNED_LOCK_SECONDS = 60  # a lock file still empty after this long was left by a writer killed at birth

_held: dict[Path, tuple[Path, int]] = {}  # folder -> (lock file, pid of the process that holds it)
_made: dict[Path, list[Path]] = {}  # folder -> parent folders created for it (removed again if left empty)


def _key(folder: Path) -> Path:
    folder = Path(os.path.abspath(folder))
    return folder.parent.resolve() / folder.name


def lock_path(folder: Path) -> Path:
    """The lock file of ``folder``: beside it (not inside, so the folder itself can be renamed into place),
    named after it, hidden."""
    key = _key(folder)
    return key.parent / f".{key.name}.lock"


def read_owner(path: Path) -> dict[str, Any] | None:
    """The owner (pid, host, since) a lock file or an incomplete marker records, or None if it records
    none: a file being written this instant, or damaged, must not be taken for a live owner's."""
    try:
        owner = json.loads(path.read_text())
        return owner if isinstance(owner, dict) and isinstance(owner.get("pid"), int) else None
    except (OSError, ValueError):
        return None


def alive(pid: int, host: str | None = None) -> bool:
    """Whether process ``pid`` (on ``host``, default this one) may still be running. Processes on other
    hosts are assumed alive: they cannot be asked."""
    if host not in (None, socket.gethostname()):
        return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OverflowError:
        return False
    return True


def _stale(path: Path) -> bool:
    owner = read_owner(path)
    if owner is None:  # being written this instant, or its writer was killed at birth
        try:
            return time.time() - path.stat().st_mtime > UNOWNED_LOCK_SECONDS
        except FileNotFoundError:
            return False
    if owner["pid"] == os.getpid() and owner.get("host") == socket.gethostname():
        return _key_of_lock(path) not in _held  # a lock this process left (an earlier command in it)
    return not alive(owner["pid"], owner.get("host"))


def _key_of_lock(path: Path) -> Path:
    return path.parent / path.name[1 : -len(".lock")]


def try_lock(folder: Path) -> bool:
    """Take the lock of ``folder`` for this process; False if another live process holds it."""
    key = _key(folder)
    if key in _held and _held[key][1] == os.getpid():
        return True
    path = lock_path(key)
    for _ in range(5):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileNotFoundError as exc:  # its parent is gone (or never was): not a lock contest
            raise disk_error(folder, exc, "--out") from None
        except FileExistsError:
            if not _stale(path):
                return False
            grave = path.with_name(f"{path.name}.stale-{os.getpid()}")
            try:
                os.rename(path, grave)
            except FileNotFoundError:
                continue
            if not _stale(grave):  # another process took it over meanwhile: give it back
                with contextlib.suppress(FileExistsError):
                    os.link(grave, path)
                grave.unlink(missing_ok=True)
                return False
            grave.unlink(missing_ok=True)
            continue
        _held[key] = (path, os.getpid())
        try:
            with os.fdopen(fd, "w") as file:
                owner = {"pid": os.getpid(), "host": socket.gethostname(), "since": timestamp()}
                file.write(json.dumps(owner) + "\n")
        except OSError as exc:
            del _held[key]
            path.unlink(missing_ok=True)
            raise disk_error(folder, exc, "--out") from None
        return True
    return False


def lock(folder: str | Path, flag: str = "--out") -> bool:
    """Take the lock of ``folder`` (a lock file beside it), or refuse at once if another process holds it.

    True if taken now, False if this process already held it.
    """
    folder = Path(folder)
    key = _key(folder)
    if key in _held and _held[key][1] == os.getpid():
        return False
    make_parents(folder)
    if try_lock(folder):
        return True
    owner = read_owner(lock_path(folder)) or {}
    who = f"process {owner['pid']}" if "pid" in owner else "another process"
    if owner.get("host") and owner["host"] != socket.gethostname():
        who += f" on {owner['host']}"
    since = f" since {owner['since']}" if owner.get("since") else ""
    raise InputError(
        folder,
        flag,
        f"a folder no other run is writing: {who} is writing it{since} "
        f"(wait for it to finish; if that process is gone, delete {lock_path(folder)})",
    )


def release(folder: str | Path) -> None:
    """Give up the lock of ``folder`` (if this process holds it) and remove parent folders made for it
    that stayed empty."""
    key = _key(Path(folder))
    held = _held.get(key)
    if held is not None and held[1] == os.getpid():
        del _held[key]
        owner = read_owner(held[0]) or {}
        if owner.get("pid") == os.getpid():
            held[0].unlink(missing_ok=True)
    unmake(key)


def unmake(folder: Path) -> None:
    """Remove the parent folders made for ``folder`` (:func:`make_parents`) that are still empty."""
    for made in reversed(_made.pop(_key(folder), [])):
        with contextlib.suppress(OSError):
            made.rmdir()


def release_all() -> None:
    """Release every lock this process holds (run at exit, so an aborted command leaves none behind)."""
    for key, (_, pid) in list(_held.items()):
        if pid == os.getpid():
            release(key)
    for key in list(_made):
        release(key)


atexit.register(release_all)


def make_parents(folder: Path) -> None:
    """Create the missing parents of ``folder``, remembering them so :func:`release` can remove them
    again if nothing is written."""
    parent = Path(os.path.abspath(folder)).parent
    missing = [p for p in (parent, *parent.parents) if not os.path.lexists(p)]
    if not missing:
        return
    made = _made.setdefault(_key(folder), [])
    for path in reversed(missing):
        try:
            path.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            raise disk_error(folder, exc) from None
        made.append(path)


def keep_parents(folder: Path) -> None:
    """Forget the parent folders made for ``folder``: once it is written they hold it, and releasing its
    lock must not remove them."""
    _made.pop(_key(folder), None)


def timestamp() -> str:
    """Now, in UTC to the second: when an owner took a lock or began a folder, readable on any host."""
    return datetime.now(UTC).isoformat(timespec="seconds")
