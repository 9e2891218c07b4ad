"""Staging: a results folder appears whole or not at all.

Everything is first written to a hidden staging folder ``.NAME.partial-PID`` that holds an
:data:`INCOMPLETE` marker, which every reader refuses (:func:`check_complete`); the marker is
removed and the folder renamed into place only when everything is written (:func:`staging_folder`,
:func:`publish`, :func:`staged_files`). A later run removes the staging folders of processes that
are gone (:func:`sweep_stale`). A full disk while writing becomes one line, and the staging folder
is removed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from powershift.analysis.results.disk import disk_error
from powershift.analysis.results.locks import alive, keep_parents, make_parents, read_owner, timestamp, unmake
from powershift.model.files import InputError

INCOMPLETE = "INCOMPLETE"

STAGING = re.compile(r"^\.(?P<name>.+)\.partial-(?P<pid>\d+)$")


def staging_name(out: Path) -> Path:
    """Where ``out`` is staged: hidden beside it, on the same disk (so publishing is one rename), and
    named by this process's pid (so a later run can tell a live writer's from a dead one's)."""
    return out.parent / f".{out.name}.partial-{os.getpid()}"


def write_marker(folder: Path, note: str = "") -> None:
    """Mark ``folder`` as incomplete: every reader refuses it until the marker is gone. ``note`` (what to
    do about it) is added to the readers' refusal."""
    text = "this folder is still being written, or its writer was interrupted; powershift will not read it"
    owner = {"incomplete": text, "note": note, "pid": os.getpid(), "host": socket.gethostname(), "since": timestamp()}
    (folder / INCOMPLETE).write_text(json.dumps(owner, indent=2) + "\n")


def new_staging(out: Path, note: str = "") -> Path:
    """A fresh hidden staging folder for ``out`` (``.NAME.partial-PID``) holding the incomplete marker;
    stale staging folders beside it are removed first."""
    make_parents(out)
    sweep_stale(out.parent)
    staging = staging_name(out)
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir()
        write_marker(staging, note)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise disk_error(out, exc) from None
    return staging


def publish(staging: Path, out: Path, keep_marker: bool = False) -> None:
    """Rename a finished staging folder into place, never over an existing folder."""
    if os.path.lexists(out):
        raise InputError(out, "--out", "a folder that does not exist yet (results are never overwritten)")
    if not keep_marker:
        (staging / INCOMPLETE).unlink(missing_ok=True)
    staging.rename(out)


@contextmanager
def staging_folder(out: Path, note: str = "", keep_marker: bool = False) -> Iterator[Path]:
    """A staging folder that becomes ``out`` only if everything inside is written (see module doc);
    on any error, or Ctrl-C, it is removed and nothing is left behind. ``keep_marker`` publishes it
    still marked incomplete (a sweep appears with its design in place, then fills in)."""
    staging = new_staging(out, note)
    try:
        yield staging
        publish(staging, out, keep_marker=keep_marker)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise disk_error(out, exc) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


@contextmanager
def staged_files(folder: Path, flag: str = "--out") -> Iterator[Path]:
    """Files written into the yielded staging folder all appear in ``folder`` when the block ends
    without error (a new ``folder`` is renamed into place whole; into an existing one each file is
    renamed, after all are written), and none does otherwise."""
    folder = Path(folder)
    existing = folder.is_dir()
    if existing:
        sweep_stale(folder)
        staging = folder / f".{folder.name}.partial-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            staging.mkdir()
            write_marker(staging)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise disk_error(folder, exc, flag) from None
    else:
        staging = new_staging(folder)
    try:
        yield staging
        (staging / INCOMPLETE).unlink(missing_ok=True)
        if existing or os.path.lexists(folder):
            folder.mkdir(exist_ok=True)
            for path in sorted(staging.iterdir()):
                os.replace(path, folder / path.name)
            staging.rmdir()
        else:
            staging.rename(folder)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        unmake(folder)
        raise disk_error(folder, exc, flag) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        unmake(folder)
        raise
    keep_parents(folder)  # the parent folders made for it now hold it


def sweep_stale(parent: Path) -> list[Path]:
    """Remove the staging folders in ``parent`` whose writing process is gone (pid in the name, host in
    the marker); a staging folder without a marker is not powershift's and is left alone."""
    removed = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        match = STAGING.match(entry.name)
        if not match or not entry.is_dir(follow_symlinks=False):
            continue
        marker = Path(entry.path) / INCOMPLETE
        if not marker.is_file():
            continue
        pid = int(match["pid"])
        owner = read_owner(marker) or {}
        if pid == os.getpid() or alive(pid, owner.get("host")):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
    return removed


def check_complete(folder: Path) -> None:
    """Refuse a staging folder, or a folder still marked incomplete (saying what to do, if its marker says)."""
    if STAGING.match(folder.name):
        raise InputError(
            folder, "(folder)", "a finished results folder, not the staging folder of an unfinished or interrupted run"
        )
    if os.path.lexists(folder / INCOMPLETE):
        note = (read_owner(folder / INCOMPLETE) or {}).get("note")
        hint = f" ({note})" if isinstance(note, str) and note else ""
        raise InputError(
            folder / INCOMPLETE,
            "(folder)",
            "a finished folder: this one is still being written, or its writer was interrupted" + hint,
        )
