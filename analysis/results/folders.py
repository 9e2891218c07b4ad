"""Results folders as input and as output: nothing lost, nothing trusted blindly.

**As input.** Every folder run.py wrote (a run, a sweep, a comparison, an explanation) is validated
before anything uses it: its ``manifest.json`` against a versioned schema (``format_version``,
:data:`FORMAT_VERSION`), every table path confined to the folder, every table present with the
columns and column types of its kind (:data:`SCHEMAS`, checked in Parquet and CSV alike) and with
the number of rows the manifest implies (replicates × steps × actors, and the recorded row count of
every table). Any problem is an :class:`~model.files.InputError`: one line naming the folder, the
file and what was expected.

**As output.** :func:`check_output` refuses unusable targets before any work (a parent that is a
file or read-only, /proc or /sys, a name longer than 255 bytes, an existing file or folder, a
dangling symlink, too little free space). Everything is first written to a hidden staging folder
``.NAME.partial-PID`` that holds an :data:`INCOMPLETE` marker, which every reader refuses; the
marker is removed and the folder renamed into place only when everything is written
(:func:`staging_folder`, :func:`publish`). A later run removes the staging folders of processes that
are gone (:func:`sweep_stale`). A full disk while writing becomes one line, and the staging folder
is removed (:func:`disk_error`).

**Concurrent writers.** A lock file ``.NAME.lock`` beside the folder, created with ``O_EXCL`` and
holding the owner's pid and host (:func:`lock`), makes a second writer to the same folder stop at
once with one line; a lock whose process is gone is taken over. :func:`default_folder` takes the
next free name (``-2``, ``-3``, ...) instead, so runs without ``--out`` never collide.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import json
import os
import re
import shutil
import socket
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from powershift.analysis.results.design_schema import SweepDesign
from powershift.model.files import InputError, first_error

FORMAT_VERSION = 1
"""The version of the results-folder format this powershift writes and reads. Bump it whenever a
manifest field or a table column that readers rely on changes meaning, appears or disappears."""

MANIFEST = "manifest.json"
INCOMPLETE = "INCOMPLETE"
MAX_MANIFEST_BYTES = 16 * 1024**2
NAME_MAX_BYTES = 255
PATH_MAX_BYTES = 4096
SPACE_MARGIN_BYTES = 16 * 1024**2
CHART_BYTES = 2 * 1024**2  # a generous size for one chart file
SYSTEM_TREES = (Path("/proc"), Path("/sys"))
STAGING = re.compile(r"^\.(?P<name>.+)\.partial-(?P<pid>\d+)$")
UNOWNED_LOCK_SECONDS = 60  # a lock file still empty after this long was left by a writer killed at birth

# ---------------------------------------------------------------------------------------------
# Output paths


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


def size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


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


# ---------------------------------------------------------------------------------------------
# Locks

_held: dict[Path, tuple[Path, int]] = {}  # folder -> (lock file, pid of the process that holds it)
_made: dict[Path, list[Path]] = {}  # folder -> parent folders created for it (removed again if left empty)


def _key(folder: Path) -> Path:
    folder = Path(os.path.abspath(folder))
    return folder.parent.resolve() / folder.name


def lock_path(folder: Path) -> Path:
    key = _key(folder)
    return key.parent / f".{key.name}.lock"


def _owner(path: Path) -> dict[str, Any] | None:
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
    owner = _owner(path)
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
                owner = {"pid": os.getpid(), "host": socket.gethostname(), "since": _now()}
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
    owner = _owner(lock_path(folder)) or {}
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
        owner = _owner(held[0]) or {}
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


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------------------------
# Staging


def staging_name(out: Path) -> Path:
    return out.parent / f".{out.name}.partial-{os.getpid()}"


def write_marker(folder: Path, note: str = "") -> None:
    """Mark ``folder`` as incomplete: every reader refuses it until the marker is gone. ``note`` (what to
    do about it) is added to the readers' refusal."""
    text = "this folder is still being written, or its writer was interrupted; powershift will not read it"
    owner = {"incomplete": text, "note": note, "pid": os.getpid(), "host": socket.gethostname(), "since": _now()}
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
    _made.pop(_key(folder), None)  # the parent folders made for it now hold it


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
        owner = _owner(marker) or {}
        if pid == os.getpid() or alive(pid, owner.get("host")):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
    return removed


SPACE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
ACCESS_ERRORS = {errno.EROFS, errno.EACCES, errno.EPERM}


def disk_error(out: Path, exc: OSError, flag: str = "(writing)", kept: str = "nothing was kept") -> Exception:
    """An OSError met while writing ``out`` as one line (a full disk, a read-only one), or the error itself
    if it is something else (a bug should show as one)."""
    reason = exc.strerror or type(exc).__name__
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno in SPACE_ERRORS:
        return InputError(out, flag, f"room on the disk to write the results: {reason}{where}; {kept}")
    if exc.errno in ACCESS_ERRORS:
        return InputError(out, flag, f"a writable place for the results: {reason}{where}; {kept}")
    if exc.errno == errno.EIO:
        return InputError(out, flag, f"a working disk: {reason}{where}; {kept}")
    if exc.errno == errno.ENAMETOOLONG:
        return InputError(out, flag, f"a shorter path: {reason}{where}; {kept}")
    return exc


# ---------------------------------------------------------------------------------------------
# Manifests


class _Manifest(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True, populate_by_name=True)

    format_version: int
    kind: str
    version: str


class _WithTables(_Manifest):
    tables: dict[str, str]
    rows: dict[str, Annotated[int, Field(ge=0)]]


class ParameterSet(BaseModel):
    """Which parameters an ensemble's worlds ran with (``parameter_set``): the defaults, or a posterior's draws.

    Optional in format 1: folders written before posteriors existed have none and ran with the defaults
    (``{"set": "defaults"}``), so readers take a missing one as that, and no version bump is needed.
    """

    model_config = ConfigDict(extra="allow", strict=True)

    set: Literal["defaults", "posterior"]
    name: str | None = Field(None, min_length=1)
    file: str | None = Field(None, min_length=1)
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    draws: int | None = Field(None, ge=1)
    paths: list[str] = []

    @model_validator(mode="after")
    def _posterior_named(self) -> ParameterSet:
        if self.set == "posterior":
            for name in ("name", "file", "sha256", "draws"):
                if getattr(self, name) is None:
                    raise ValueError(f"a posterior's {name} (a posterior parameter set names its file, hash and draws)")
        return self


class EnsembleManifest(_WithTables):
    kind: Literal["ensemble"]
    scenario: str
    title: str
    seed: int
    replicates: int = Field(ge=1)
    overrides: list[str]
    parameter_set: ParameterSet | None = None
    parameters: dict[str, Any]
    actors: list[str] = Field(min_length=2)
    steps: int = Field(ge=1)
    steps_per_year: int = Field(ge=1)
    format: Literal["parquet", "csv"]
    started: str
    seconds: float


class SweepManifest(_Manifest):
    kind: Literal["sweep"]
    design: dict[str, Any]
    scenario: str
    scenario_sha256: str
    actors: list[str] = Field(min_length=2)
    steps: int = Field(ge=1)
    steps_per_year: int = Field(ge=1)
    points: int = Field(ge=1)
    runs: int = Field(ge=1)
    chunk: int = Field(ge=1)
    status: Literal["running", "complete"]
    seconds: float


class ComparisonManifest(_WithTables):
    kind: Literal["comparison"]
    scenarios: list[str] = Field(min_length=2)
    members: list[dict[str, Any]]
    paired: bool
    seed: int
    replicates: int = Field(ge=1)


class ExplanationManifest(_WithTables):
    kind: Literal["explanation"]
    dyad: str = Field(pattern=r"^[^-]+-[^-]+$")
    start: str = Field(alias="from", pattern=r"^\d{4}-\d{2}-\d{2}$")
    end: str = Field(alias="to", pattern=r"^\d{4}-\d{2}-\d{2}$")
    source: dict[str, Any]
    counterfactual: bool = False


MANIFESTS: dict[str, type[_Manifest]] = {
    "ensemble": EnsembleManifest,
    "sweep": SweepManifest,
    "comparison": ComparisonManifest,
    "explanation": ExplanationManifest,
}
WRITERS = {
    "ensemble": "run.py run",
    "sweep": "run.py sweep",
    "comparison": "run.py compare",
    "explanation": "run.py explain",
}

# ---------------------------------------------------------------------------------------------
# Tables

INT, FLOAT, TEXT, TIME, BOOL = pa.int64(), pa.float64(), pa.string(), pa.timestamp("ns"), pa.bool_()
KEYS = [("replicate", INT), ("step", INT), ("date", TIME)]
ACTOR_FLOATS = (
    "capability",
    "power_share",
    "gdp",
    "gdp_ppp",
    "population",
    "milex",
    "military_stock",
    "p_bloc1",
    "flip_cost",
    "stability",
    "tilt",
    "allied_power",
    "gdp_mer_share",
    "gdp_ppp_share",
    "military_share",
    "personnel_share",
    "industry_share",
    "energy_share",
    "population_share",
    "urban_population_share",
)
CONTRIBUTION_COLUMNS = tuple(
    f"contrib_{m}"
    for m in ("threat", "economic", "balance", "rival", "hedging", "ties", "relaxation", "noise", "events")
)
RUN_FLOATS = ("bloc_power_0", "polarity", "first_bloc_switch")
METRIC_FLOATS = ("polarity", "balance_index", "landscape_energy", "bloc_gap", "bloc_power_0", "bloc_power_1", "parity")

SCHEMAS: dict[str, pa.Schema] = {
    "trajectories": pa.schema([*KEYS, ("actor", TEXT), *((c, FLOAT) for c in ACTOR_FLOATS), ("bloc", INT)]),
    "alignment": pa.schema(
        [*KEYS, ("actor_a", TEXT), ("actor_b", TEXT), ("alignment", FLOAT), ("trade", FLOAT)]
        + [(c, FLOAT) for c in CONTRIBUTION_COLUMNS]
    ),
    "metrics": pa.schema([*KEYS, *((c, FLOAT) for c in METRIC_FLOATS)]),
    "events": pa.schema([*KEYS, ("event", TEXT), ("type", TEXT), ("actors", TEXT), ("hypothetical", BOOL)]),
    "event_contributions": pa.schema(
        [*KEYS, ("actor_a", TEXT), ("actor_b", TEXT), ("event", TEXT), ("contribution", FLOAT)]
    ),
    "points": pa.schema([("point", INT)]),
    "runs": pa.schema([("point", INT), ("replicate", INT), ("seed", INT), *((c, FLOAT) for c in RUN_FLOATS)]),
    "series": pa.schema([("scenario", TEXT), ("replicate", INT), ("date", TIME), ("outcome", TEXT), ("value", FLOAT)]),
    "parts": pa.schema([("replicate", INT), ("kind", TEXT), ("name", TEXT), ("value", FLOAT), ("what", TEXT)]),
    "sensitivity": pa.schema(
        [("outcome", TEXT), ("parameter", TEXT), ("index", TEXT), ("value", FLOAT), ("conf", FLOAT)]
    ),
}
"""The columns (and their types) every table of each kind must have in format 1; tables may hold more."""

ENSEMBLE_TABLES = ("trajectories", "alignment", "metrics", "events", "event_contributions")
KEY_COLUMNS = {"replicate", "step", "date", "actor", "actor_a", "actor_b", "point", "seed", "event", "scenario"}
TYPE_NAMES = {"int64": "whole numbers (int64)", "double": "numbers (float64)", "string": "text"}
TYPE_NAMES.update({"timestamp[ns]": "dates", "bool": "true/false values (bool)"})


def sweep_schema(name: str, meta: dict[str, Any]) -> pa.Schema:
    """The schema of a sweep's points, runs or per-step parts: the swept parameters and outcomes are
    named by the manifest."""
    params = [p["path"] for p in meta["design"]["params"]]
    if name == "points":
        return pa.schema([("point", INT), *((p, FLOAT) for p in params)])
    if name == "runs":
        fields = list(SCHEMAS["runs"])
        fields += [pa.field(p, FLOAT) for p in params]
        fields += [pa.field(f"share_{a}", FLOAT) for a in meta["actors"]]
        fields += [pa.field(f"bloc_{a}", INT) for a in meta["actors"]]
        return pa.schema(fields)
    return pa.schema([pa.field("point", INT), *SCHEMAS[name]])


def _compatible(expected: pa.DataType, actual: pa.DataType) -> bool:
    if pa.types.is_integer(expected):
        return pa.types.is_integer(actual)
    if pa.types.is_floating(expected):
        return pa.types.is_floating(actual)
    if pa.types.is_string(expected):
        return pa.types.is_string(actual) or pa.types.is_large_string(actual)
    if pa.types.is_timestamp(expected):
        return pa.types.is_timestamp(actual) or pa.types.is_date(actual)
    if pa.types.is_boolean(expected):
        return pa.types.is_boolean(actual)
    return actual.equals(expected)  # pragma: no cover


def type_name(t: pa.DataType) -> str:
    return TYPE_NAMES.get(str(t), str(t))


def found_name(t: pa.DataType) -> str:
    """A column type as found, in the words of :data:`TYPE_NAMES`."""
    for test, name in (
        (lambda t: pa.types.is_string(t) or pa.types.is_large_string(t), "text"),
        (pa.types.is_boolean, "true/false values"),
        (pa.types.is_integer, "whole numbers"),
        (pa.types.is_floating, "numbers"),
        (pa.types.is_timestamp, "dates"),
    ):
        if test(t):
            return f"{name} ({t})"
    return str(t)


def check_schema(path: Path, schema: pa.Schema, found: pa.Schema, rows: int) -> None:
    """Every column of ``schema`` present in ``found`` with a compatible type (an all-empty column of an
    empty table may have no type); ``alignment_*`` outcome columns of a runs table are numbers."""
    for field in schema:
        if field.name not in found.names:
            raise InputError(path, field.name, f"a column of {type_name(field.type)}: the table has no such column")
        actual = found.field(field.name).type
        if pa.types.is_null(actual) and rows == 0:
            continue
        if not _compatible(field.type, actual):
            raise InputError(path, field.name, f"a column of {type_name(field.type)}, got {found_name(actual)}")


def check_column_values(path: Path, table: pa.Table, schema: pa.Schema, bounds: dict[str, tuple[int, int]]) -> None:
    for field in schema:
        column = table.column(field.name)
        if field.name in KEY_COLUMNS and column.null_count:
            raise InputError(path, field.name, "a value in every row (some are missing)")
        if field.name in bounds and len(column) and not pa.types.is_null(column.type):
            low, high = bounds[field.name]
            found = pc.min_max(column).as_py()
            if found["min"] < low or found["max"] > high:
                raise InputError(path, field.name, f"values from {low} to {high}, got {found['min']} to {found['max']}")


def confined(folder: Path, relative: str, source: Path, field: str) -> Path:
    """``folder/relative``, if that is a regular file inside ``folder`` (no absolute path, no '..',
    no symlink out of it)."""
    rel = Path(relative)
    if not relative or rel.is_absolute() or ".." in rel.parts or relative.startswith("~"):
        raise InputError(source, field, f"a file inside the results folder, got {relative!r}")
    path = folder / rel
    try:
        real, root = path.resolve(), folder.resolve()
    except (OSError, RuntimeError):
        raise InputError(source, field, f"a file inside the results folder, got {relative!r}") from None
    if root not in real.parents:
        raise InputError(source, field, f"a file inside the results folder, got {relative!r} (it leads outside)")
    try:
        mode = real.stat().st_mode
    except FileNotFoundError:
        raise InputError(
            path, "(file)", f"the {field.split('.')[-1]} table the manifest lists (it is missing)"
        ) from None
    if not stat.S_ISREG(mode):
        raise InputError(path, "(file)", "a regular file")
    return path


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 160 else text[:157] + "..."


def parquet_schema(path: Path) -> tuple[pa.Schema, int]:
    """A Parquet file's schema and row count from its footer, or one line saying it is damaged."""
    try:
        meta = pq.ParquetFile(path).metadata
        return meta.schema.to_arrow_schema(), meta.num_rows
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(path, "(file)", f"a whole Parquet file (it is truncated or damaged: {_short(exc)})") from None


def read_table(
    path: Path,
    schema: pa.Schema,
    rows: int | None = None,
    why: str = "",
    bounds: dict[str, tuple[int, int]] | None = None,
    columns: list[str] | None = None,
) -> pd.DataFrame:
    """A Parquet or CSV table, after checking its columns and types against ``schema``, its row count
    against ``rows`` (``why`` says where the count comes from) and key columns against ``bounds``."""
    if path.suffix == ".parquet":
        found, count = parquet_schema(path)
        check_schema(path, schema, found, count)
        _check_rows(path, rows, count, why)
        try:
            table = pq.read_table(path, columns=columns)
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise InputError(path, "(file)", f"a whole Parquet file (it is damaged: {_short(exc)})") from None
    elif path.suffix == ".csv":
        table = read_csv(path, schema)
        check_schema(path, schema, table.schema, table.num_rows)
        _check_rows(path, rows, table.num_rows, why)
        if columns is not None:
            table = table.select(columns)
    else:
        raise InputError(path, "(file)", "a .parquet or .csv table")
    check_column_values(path, table, pa.schema([f for f in schema if f.name in table.column_names]), bounds or {})
    frame = table.to_pandas()
    if "date" in frame and frame["date"].dtype.kind != "M":
        frame["date"] = pd.to_datetime(frame["date"])
    return frame


def _check_rows(path: Path, rows: int | None, count: int, why: str) -> None:
    if rows is not None and count != rows:
        because = f" ({why})" if why else ""
        raise InputError(path, "(rows)", f"{rows:,} rows{because}, found {count:,} (the table is truncated or damaged)")


def read_csv(path: Path, schema: pa.Schema) -> pa.Table:
    """A CSV table read whole, with the schema's columns converted to their types: a file cut short
    (no line end at its end, a short last line), or a value of the wrong type, is refused."""
    try:
        with path.open("rb") as file:
            file.seek(0, os.SEEK_END)
            if file.tell() == 0:
                raise InputError(path, "(file)", "a CSV table with a header line (the file is empty)")
            file.seek(-1, os.SEEK_END)
            if file.read(1) != b"\n":
                raise InputError(path, "(file)", "a whole CSV table (it does not end with a line end: truncated)")
            file.seek(0)
            header = file.readline().decode("utf-8", "replace").rstrip("\r\n").split(",")
    except OSError as exc:
        raise InputError(path, "(file)", f"a readable file ({exc.strerror})") from None
    types = {f.name: f.type for f in schema}
    options = pacsv.ConvertOptions(column_types=types, strings_can_be_null=False)
    try:
        return pacsv.read_csv(path, convert_options=options)
    except pa.ArrowInvalid as exc:
        text = str(exc)
        cell = re.search(r"CSV column #(\d+): CSV conversion error to (\w+): invalid value '([^']*)'", text)
        if cell:
            index, value = int(cell[1]), cell[3]
            name = header[index] if index < len(header) else f"column {index}"
            expected = type_name(types.get(name, pa.string()))
            raise InputError(path, name, f"a column of {expected}, got the value {value!r}") from None
        short = re.search(r"Expected (\d+) columns, got (\d+)", text)
        if short:
            raise InputError(
                path,
                "(file)",
                f"a whole CSV table: a line has {short[2]} of the {short[1]} columns (truncated or damaged)",
            ) from None
        raise InputError(path, "(file)", f"a readable CSV table ({_short(exc)})") from None


# ---------------------------------------------------------------------------------------------
# Folders


def check_complete(folder: Path) -> None:
    """Refuse a staging folder, or a folder still marked incomplete (saying what to do, if its marker says)."""
    if STAGING.match(folder.name):
        raise InputError(
            folder, "(folder)", "a finished results folder, not the staging folder of an unfinished or interrupted run"
        )
    if os.path.lexists(folder / INCOMPLETE):
        note = (_owner(folder / INCOMPLETE) or {}).get("note")
        hint = f" ({note})" if isinstance(note, str) and note else ""
        raise InputError(
            folder / INCOMPLETE,
            "(folder)",
            "a finished folder: this one is still being written, or its writer was interrupted" + hint,
        )


def read_manifest(folder: Path, kind: str | None = None, complete: bool = True) -> dict[str, Any]:
    """A folder's manifest, validated against the schema of its kind and format version."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, "RESULTS", "an existing results folder")
    path = folder / MANIFEST
    writer = WRITERS.get(kind or "", "run.py (run, sweep, compare or explain)")
    if complete:
        check_complete(folder)
    if not path.is_file():
        raise InputError(folder, MANIFEST, f"a folder written by {writer}")
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise InputError(path, "(file)", f"a manifest smaller than {size(MAX_MANIFEST_BYTES)}")
    try:
        meta = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(path, "(file)", f"valid JSON, as run.py writes it ({_short(exc)})") from None
    if not isinstance(meta, dict):
        raise InputError(path, "(top level)", f"a JSON object, got {type(meta).__name__}")
    found = meta.get("format_version")
    if found is None:
        raise InputError(
            path,
            "format_version",
            f"a folder written by powershift format {FORMAT_VERSION}; this one has no format_version "
            "(written by an older powershift: run it again)",
        )
    if found != FORMAT_VERSION:
        newer = isinstance(found, int) and not isinstance(found, bool) and found > FORMAT_VERSION
        advice = "upgrade powershift to read it" if newer else "run it again with this powershift"
        raise InputError(
            path,
            "format_version",
            f"written by powershift format {found!r}, this is format {FORMAT_VERSION} ({advice})",
        )
    found_kind = meta.get("kind")
    if found_kind not in MANIFESTS:
        raise InputError(path, "kind", f"one of {', '.join(MANIFESTS)}, got {found_kind!r}")
    if kind is not None and found_kind != kind:
        raise InputError(path, "kind", f"a folder written by {writer}, not a {found_kind} folder")
    try:
        MANIFESTS[found_kind].model_validate(meta)
    except ValidationError as exc:
        raise first_error(exc, path) from None
    if found_kind == "sweep":
        _check_sweep_manifest(path, meta)
    return meta


RESUME_HINT = " (finish it with the same 'run.py sweep' command and --resume --out {folder})"


def _check_sweep_manifest(path: Path, meta: dict[str, Any]) -> None:
    try:
        design = SweepDesign.model_validate(meta["design"])
    except ValidationError as exc:
        raise first_error(exc, path, "design") from None
    if meta["runs"] != meta["points"] * design.replicates:
        raise InputError(
            path, "runs", f"points × replicates = {meta['points'] * design.replicates:,}, got {meta['runs']:,}"
        )


def folder_kind(folder: Path) -> str:
    return read_manifest(folder, complete=True)["kind"]


def table_files(folder: Path, meta: dict[str, Any], required: tuple[str, ...], suffix: str) -> dict[str, Path]:
    """The manifest's table paths, each confined to the folder; exactly the ``required`` tables."""
    source = folder / MANIFEST
    tables = meta["tables"]
    for name in required:
        if name not in tables:
            raise InputError(source, f"tables.{name}", f"the {name} table (every {meta['kind']} folder has one)")
    for name in tables:
        if name not in required:
            raise InputError(source, f"tables.{name}", f"one of the tables {', '.join(required)}")
    for name in required:
        if name not in meta["rows"]:
            raise InputError(source, f"rows.{name}", f"the row count of the {name} table")
    paths = {}
    for name in required:
        path = confined(folder, tables[name], source, f"tables.{name}")
        if path.suffix != suffix:
            raise InputError(source, f"tables.{name}", f"a {suffix} file (format {meta.get('format')})")
        paths[name] = path
    return paths


def structural_rows(meta: dict[str, Any]) -> dict[str, tuple[int, str]]:
    """Rows the fixed-size tables of an ensemble must have, with how the count arises."""
    r, s, n = meta["replicates"], meta["steps"] + 1, len(meta["actors"])
    base = f"{r} replicates × {s} steps"
    return {
        "trajectories": (r * s * n, f"{base} × {n} actors"),
        "alignment": (r * s * n * (n - 1) // 2, f"{base} × {n * (n - 1) // 2} dyads"),
        "metrics": (r * s, base),
    }


def read_ensemble(folder: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """A results folder written by ``run.py run``: its manifest and its five tables, all validated."""
    folder = Path(folder)
    meta = read_manifest(folder, "ensemble")
    source = folder / MANIFEST
    if len(set(meta["actors"])) != len(meta["actors"]):
        raise InputError(source, "actors", "different actor codes (one is repeated)")
    paths = table_files(folder, meta, ENSEMBLE_TABLES, f".{meta['format']}")
    fixed = structural_rows(meta)
    for name, (rows, why) in fixed.items():
        if meta["rows"][name] != rows:
            raise InputError(source, f"rows.{name}", f"{rows:,} ({why}), got {meta['rows'][name]:,}")
    bounds = {"replicate": (0, meta["replicates"] - 1), "step": (0, meta["steps"])}
    tables = {}
    for name in ENSEMBLE_TABLES:
        why = fixed[name][1] + ", as manifest.json says" if name in fixed else "as manifest.json says"
        tables[name] = read_table(paths[name], SCHEMAS[name], meta["rows"][name], why, bounds)
    actors = set(meta["actors"])
    for name, column in (("trajectories", "actor"), ("alignment", "actor_a"), ("alignment", "actor_b")):
        unknown = set(pd.unique(tables[name][column])) - actors
        if unknown:
            raise InputError(
                paths[name], column, f"actors of the manifest ({', '.join(meta['actors'])}), got {sorted(unknown)[0]!r}"
            )
    return meta, tables


def read_comparison(folder: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    folder = Path(folder)
    meta = read_manifest(folder, "comparison")
    path = table_files(folder, meta, ("series",), ".parquet")["series"]
    series = read_table(path, SCHEMAS["series"], meta["rows"]["series"], "as manifest.json says")
    return meta, {"series": series}


def read_explanation(folder: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    folder = Path(folder)
    meta = read_manifest(folder, "explanation")
    path = table_files(folder, meta, ("parts",), ".parquet")["parts"]
    parts = read_table(path, SCHEMAS["parts"], meta["rows"]["parts"], "as manifest.json says")
    return meta, {"parts": parts}


# sweeps -------------------------------------------------------------------------------------

PART = re.compile(r"^part-(\d{5,})\.parquet$")


def chunk_count(meta: dict[str, Any]) -> int:
    return -(-meta["runs"] // meta["chunk"])


def chunk_rows(meta: dict[str, Any], index: int) -> int:
    return min(meta["chunk"], meta["runs"] - index * meta["chunk"])


def sweep_parts(folder: Path, meta: dict[str, Any], table: str = "runs") -> dict[int, Path]:
    """The finished parts of one sweep table by chunk index; a part named outside the sweep's chunks is refused."""
    parts = {}
    for path in sorted((folder / table).glob("part-*.parquet")):
        match = PART.match(path.name)
        index = int(match[1]) if match else -1
        if not 0 <= index < chunk_count(meta):
            raise InputError(path, "(file)", f"a part of chunks 0 to {chunk_count(meta) - 1} of this sweep")
        parts[index] = path
    return parts


def check_sweep_part(path: Path, meta: dict[str, Any], table: str, index: int) -> None:
    """A part's footer: columns, types and (for the fixed-size tables) its row count."""
    found, count = parquet_schema(path)
    check_schema(path, sweep_schema(table, meta), found, count)
    runs = chunk_rows(meta, index)
    s, n = meta["steps"] + 1, len(meta["actors"])
    expected = {
        "runs": (runs, f"chunk {index}: {runs} runs"),
        "trajectories": (runs * s * n, f"chunk {index}: {runs} runs × {s} steps × {n} actors"),
        "alignment": (
            runs * s * n * (n - 1) // 2,
            f"chunk {index}: {runs} runs × {s} steps × {n * (n - 1) // 2} dyads",
        ),
        "metrics": (runs * s, f"chunk {index}: {runs} runs × {s} steps"),
    }
    if table in expected:
        _check_rows(path, *expected[table][:1], count, expected[table][1])


def read_points(folder: Path, meta: dict[str, Any]) -> pd.DataFrame:
    path = folder / "points.parquet"
    if not path.is_file():
        raise InputError(path, "(file)", "the sweep's design points (the file is missing)")
    bounds = {"point": (0, meta["points"] - 1)}
    return read_table(path, sweep_schema("points", meta), meta["points"], "points, as manifest.json says", bounds)


def read_runs(
    folder: Path, meta: dict[str, Any], columns: list[str] | None = None, whole: bool = False
) -> pd.DataFrame:
    """The runs table of a sweep, every part checked (columns, types, row count, and that it holds
    the runs of its chunk); with ``whole``, every chunk must be there."""
    parts = sweep_parts(folder, meta)
    if not parts:
        raise InputError(folder, "runs", "a sweep folder with finished runs")
    if whole:
        missing = [k for k in range(chunk_count(meta)) if k not in parts]
        if missing:
            raise InputError(
                folder / "runs" / f"part-{missing[0]:05d}.parquet",
                "(file)",
                "every chunk of the sweep (this one is missing)",
            )
    reps, schema = meta["design"]["replicates"], sweep_schema("runs", meta)
    frames = []
    for index, path in sorted(parts.items()):
        check_sweep_part(path, meta, "runs", index)
        bounds = {"point": (0, meta["points"] - 1), "replicate": (0, reps - 1)}
        frame = read_table(path, schema, chunk_rows(meta, index), f"chunk {index}", bounds)
        check_runs_of_chunk(path, meta, index, frame)
        frames.append(frame if columns is None else frame[columns])
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)


def check_runs_of_chunk(path: Path, meta: dict[str, Any], index: int, frame: pd.DataFrame) -> None:
    """A runs part holds exactly the runs of its chunk (run k = point k // R, replicate k % R)."""
    reps, first = meta["design"]["replicates"], index * meta["chunk"]
    run = np.sort(frame["point"].to_numpy() * reps + frame["replicate"].to_numpy())
    if not np.array_equal(run, np.arange(first, first + chunk_rows(meta, index))):
        last = first + chunk_rows(meta, index) - 1
        raise InputError(path, "point", f"the runs {first} to {last} of chunk {index} (its rows are of other runs)")


def check_sweep_chunks(folder: Path, meta: dict[str, Any]) -> set[int]:
    """The chunks of a sweep that are done (their runs part is there), each part checked before it is
    trusted; with trajectories, a done chunk's per-step parts must be there and whole too."""
    done = sweep_parts(folder, meta)
    reps = meta["design"]["replicates"]
    bounds = {"point": (0, meta["points"] - 1), "replicate": (0, reps - 1)}
    keys = pa.schema([("point", INT), ("replicate", INT)])
    for index, path in done.items():
        try:
            check_sweep_part(path, meta, "runs", index)
            frame = read_table(path, keys, None, "", bounds, ["point", "replicate"])
            check_runs_of_chunk(path, meta, index, frame)
            if meta["design"].get("trajectories"):
                for table in ENSEMBLE_TABLES:
                    part = folder / table / path.name
                    if not part.is_file():
                        raise InputError(part, "(file)", f"the {table} part of finished chunk {index} (it is missing)")
                    check_sweep_part(part, meta, table, index)
        except InputError as exc:
            redo = f"delete {path.relative_to(folder)} and --resume runs chunk {index} again"
            raise InputError(exc.source, exc.field, f"{exc.expected}; {redo}") from None
    return set(done)


def read_sweep(folder: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """A finished sweep folder: its manifest, every run, and its sensitivity indices if it has them."""
    folder = Path(folder)
    meta = read_manifest(folder, "sweep")
    if meta["status"] != "complete":
        raise InputError(folder / MANIFEST, "status", "a finished sweep" + RESUME_HINT.format(folder=folder))
    read_points(folder, meta)
    tables = {"runs": read_runs(folder, meta, whole=True)}
    sensitivity = folder / "sensitivity.csv"
    if sensitivity.is_file():
        rows = (meta.get("rows") or {}).get("sensitivity")
        tables["sensitivity"] = read_table(sensitivity, SCHEMAS["sensitivity"], rows, "as manifest.json says")
    return meta, tables


READERS = {
    "ensemble": read_ensemble,
    "sweep": read_sweep,
    "comparison": read_comparison,
    "explanation": read_explanation,
}


def read_folder(folder: str | Path) -> tuple[str, dict[str, Any], dict[str, pd.DataFrame]]:
    """Any folder run.py wrote: its kind, validated manifest and tables."""
    kind = folder_kind(Path(folder))
    meta, tables = READERS[kind](Path(folder))
    return kind, meta, tables
