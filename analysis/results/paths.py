"""Output paths: a target that cannot take the results is refused before any work.

:func:`check_output` refuses unusable targets (a parent that is a file or read-only, /proc or /sys,
a name longer than 255 bytes, an existing file or folder, a dangling symlink, too little free
space); :func:`reserve` checks and locks a command's ``--out``; :func:`default_folder` takes the next
free name (``-2``, ``-3``, ...) instead, so runs without ``--out`` never collide.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from powershift.analysis.results.disk import size
from powershift.analysis.results.locks import lock, make_parents, release, try_lock
from powershift.model.files import InputError

NAME_MAX_BYTES = 255
PATH_MAX_BYTES = 4096
SPACE_MARGIN_BYTES = 16 * 1024**2
CHART_BYTES = 2 * 1024**2  # a generous size for one chart file
SYSTEM_TREES = (Path("/proc"), Path("/sys"))


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return Path("/")


def check_path(path: Path, flag: str = "--out") -> Path:
    """The checks of a path's shape: names of at most 255 bytes, outside /proc and /sys, not a dangling symlink."""
    path = Path(path)
    if not str(path):
        raise InputError(flag, "(path)", "a folder name, got an empty one")
    for part in path.parts:
        length = len(os.fsencode(part))
        if length > NAME_MAX_BYTES:
            raise InputError(path, flag, f"names of at most {NAME_MAX_BYTES} bytes per folder, got one of {length}")
    absolute = Path(os.path.abspath(path))
    if len(os.fsencode(str(absolute))) > PATH_MAX_BYTES:
        raise InputError(path, flag, f"a path of at most {PATH_MAX_BYTES} bytes")
    for tree in SYSTEM_TREES:
        for form in (absolute, absolute.parent.resolve() / absolute.name):
            if form == tree or tree in form.parents:
                raise InputError(path, flag, f"a folder outside {tree} (a system tree, not storage)")
    if path.is_symlink() and not path.exists():
        raise InputError(path, flag, "a new folder, not a dangling symlink (remove it or choose another name)")
    return path


def check_output(
    path: str | Path,
    estimated_bytes: int = 0,
    flag: str = "--out",
    existing_folder: bool = False,
) -> Path:
    """Refuse an output path that cannot take the results, before any work is done.

    The path must pass :func:`check_path`, not be an existing file, not be an existing folder (unless
    ``existing_folder``, for charts added to a folder), have as nearest existing ancestor a writable
    folder, and that folder's disk must have ``estimated_bytes`` free plus a margin (10 %, at least
    16 MiB). Missing parent folders are allowed: they are created when the results are written.
    """
    path = check_path(Path(path), flag)
    if path.exists():
        if not path.is_dir():
            raise InputError(path, flag, "a folder, not an existing file")
        if not existing_folder:
            raise InputError(path, flag, "a folder that does not exist yet (results are never overwritten)")
    start = path if path.is_dir() else Path(os.path.abspath(path)).parent
    ancestor = _nearest_existing(start)
    if not ancestor.is_dir():
        raise InputError(path, flag, f"a path inside folders, but {ancestor} is a file")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise InputError(path, flag, f"a writable place: {ancestor} is read-only")
    free = shutil.disk_usage(ancestor).free
    need = int(estimated_bytes) + max(SPACE_MARGIN_BYTES, int(estimated_bytes) // 10)
    if free < need:
        raise InputError(
            path,
            flag,
            f"a disk with room for the results: about {size(estimated_bytes)} are needed "
            f"({size(need)} with a margin), {size(free)} are free on {ancestor}",
        )
    return path


def reserve(out: str | Path, estimated_bytes: int = 0, flag: str = "--out") -> Path:
    """For a command's ``--out`` before any work: check the target (:func:`check_output`) and lock it
    (:func:`lock`), so a second writer stops at once. The lock is released when the results are
    written (or when the process ends)."""
    out = check_output(out, estimated_bytes, flag)
    lock(out, flag)
    if out.exists() or out.is_symlink():  # appeared between the check and the lock
        release(out)
        raise InputError(out, flag, "a folder that does not exist yet (results are never overwritten)")
    return out


def default_folder(root: Path, name: str, flag: str = "--out") -> Path:
    """``root/name``, or ``root/name-2``, ``-3``, ... if taken or being written by another run: a new
    folder, never an old one, locked for this process (see :func:`lock`)."""
    root = Path(root)
    check_output(root, 0, flag, existing_folder=True)
    check_path(root / f"{name}-99999", flag)
    candidate, k = root / name, 2
    make_parents(candidate)
    while True:
        if not os.path.lexists(candidate) and try_lock(candidate):
            if not os.path.lexists(candidate):
                return candidate
            release(candidate)
        candidate, k = root / f"{name}-{k}", k + 1
