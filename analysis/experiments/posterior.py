"""A posterior sample of the model's free parameters, and drawing each world's values from it.

A posterior is two files side by side: ``NAME.csv``, one row per draw of an unweighted sample
(columns: parameter paths as ``--set`` takes them, e.g. ``alignment.rate``; columns named
``observation.*`` belong to the observation model and never reach the world), and ``NAME.yaml``,
its manifest (:class:`PosteriorManifest`: how, on what and by which command it was fitted, the
number of draws, the CSV's SHA-256). :func:`read_posterior` validates both (a bad path, field,
number, hash or column is one ``FILE: field: expected`` line, an :class:`~model.files.InputError`);
:func:`check_posterior` checks its paths and values against a scenario; :func:`write_posterior`
writes one (atomically, never over an existing file); :func:`world_values` gives every world its
parameter values.

World r of a run with seed s takes draw ``draw_indices(D, s, [r])``: replicates are dealt out in
cycles of D (the number of draws), each cycle a permutation of all draws seeded by (s, cycle) alone,
so the first D replicates use every draw once, and a world's draw never depends on the chunk size,
the workers or the executor. The world's own random streams (``model.randomness``) are untouched:
replicate r of a posterior run meets the same noise and event lotteries as replicate r of a run
with the defaults, and two scenarios compared with one seed give replicate r the same draw.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import hashlib
import io
import math
import os
import platform
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import Field, ValidationError, model_validator

from powershift.analysis.results.storage import DEFAULT_PARAMETERS
from powershift.model.files import (
    DATA_DIR,
    MAX_SEED,
    PROJECT_ROOT,
    InputError,
    field_error,
    first_error,
    plain,
    read_mapping,
)
from powershift.model.parameters import StrictModel
from powershift.model.paths import ParamPath, assigned_paths
from powershift.model.scenario import Scenario, ScenarioSpec, parse_event
from powershift.model.world import check_value_path

ROOT = PROJECT_ROOT
DEFAULT_POSTERIOR = DATA_DIR / "posterior-2014-2019.yaml"
"""The posterior ``run`` and ``compare`` use unless told otherwise (``--posterior``, ``--no-posterior``),
once it exists; until then they use the defaults."""

OBSERVATION = "observation."
DRAW_TAG = 0x706F_7374_6572_696F  # "posterio": keeps the draw stream apart from every other use of the seed
MAX_CSV_BYTES = 64 * 1024**2
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+$")
DEFAULTS = DEFAULT_PARAMETERS
NEW_FILE = "a file that does not exist yet (a posterior is never overwritten)"


class PosteriorManifest(StrictModel):
    """``NAME.yaml``: what the sample is, how it was made, and the hash of its draws."""

    name: str = Field(min_length=1, description="how results and charts name it, e.g. posterior-2014-2019")
    method: str = Field(min_length=1, description="e.g. 'pyabc ABC-SMC'")
    scenario: str = Field(min_length=1, description="the scenario it was fitted on")
    years: tuple[int, int] = Field(description="first and last year of the fit, e.g. [2014, 2019]")
    draws: int = Field(ge=1, strict=True, description="rows of the CSV")
    seed: int = Field(ge=0, le=MAX_SEED, strict=True, description="the fit's seed")
    command: str = Field(min_length=1, description="the command that produced it")
    libraries: dict[str, str] = Field(min_length=1, description="library versions, e.g. {pyabc: 0.12.13}")
    created: dt.datetime | dt.date
    data: str = Field(description="the CSV's file name, beside this manifest")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the CSV file")
    parameters: list[str] = Field(min_length=1, description="the CSV's columns, in order")
    details: dict[str, Any] = Field({}, description="anything method-specific: populations, epsilon, priors")

    @model_validator(mode="after")
    def _consistent(self) -> PosteriorManifest:
        if self.years[0] > self.years[1]:
            raise field_error("years", "a first year no later than the last", list(self.years))
        if Path(self.data).name != self.data or not self.data.endswith(".csv"):
            raise field_error("data", "a .csv file name beside the manifest (no folders)", self.data)
        for k, path in enumerate(self.parameters):
            if not PATH.match(path):
                raise field_error(("parameters", k), "a dotted parameter path such as alignment.rate", path)
        if len(set(self.parameters)) != len(self.parameters):
            twice = next(p for p in self.parameters if self.parameters.count(p) > 1)
            raise field_error("parameters", "each parameter once", twice)
        if not any(not p.startswith(OBSERVATION) for p in self.parameters):
            raise field_error("parameters", "at least one model parameter (not observation.*)", self.parameters[0])
        return self


@dataclass(frozen=True)
class Posterior:
    """A validated posterior: its manifest file, its draws (one row each) and its manifest."""

    name: str
    path: Path
    draws: pd.DataFrame
    manifest: dict[str, Any]

    @property
    def data_path(self) -> Path:
        return self.path.parent / self.manifest["data"]

    @property
    def size(self) -> int:
        return len(self.draws)

    @property
    def sha256(self) -> str:
        return str(self.manifest["sha256"])

    @property
    def model_parameters(self) -> list[str]:
        """The paths given to the world: every column not of the observation model."""
        return [p for p in self.draws.columns if not p.startswith(OBSERVATION)]

    def varied(self, fixed: Iterable[str] = ()) -> list[str]:
        """The model parameters drawn per world: those ``--set`` does not fix."""
        fixed = set(fixed)
        return [p for p in self.model_parameters if p not in fixed]

    def record(self, fixed: Iterable[str] = ()) -> dict[str, Any]:
        """What a results manifest keeps of it (``parameter_set``)."""
        return {
            "set": "posterior",
            "name": self.name,
            "file": shown(self.path),
            "sha256": self.sha256,
            "draws": self.size,
            "paths": self.varied(fixed),
        }


def shown(path: Path) -> str:
    """A path as a user would type it: relative to the project when inside it."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(ROOT))
    except ValueError:
        return str(path)


def manifest_path(path: str | Path) -> Path:
    """The manifest of a posterior given as its manifest, its CSV, or a folder holding one manifest."""
    path = Path(path)
    if path.is_dir():
        found = sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml"))
        if len(found) != 1:
            raise InputError(path, "(folder)", f"a folder with one posterior manifest (*.yaml), found {len(found)}")
        return found[0]
    if path.suffix == ".csv":
        return path.with_suffix(".yaml")
    return path


def read_posterior(path: str | Path) -> Posterior:
    """Read and validate a posterior (manifest and draws); any problem is one line naming file and field."""
    source = manifest_path(path)
    if source.suffix not in (".yaml", ".yml"):
        raise InputError(source, "(file)", "a posterior manifest (.yaml), its .csv or a folder holding them")
    try:
        spec = PosteriorManifest.model_validate(read_mapping(source))
    except ValidationError as exc:
        raise first_error(exc, source) from None
    data = source.parent / spec.data
    content = read_bytes(data)
    digest = hashlib.sha256(content).hexdigest()
    if digest != spec.sha256:
        raise InputError(
            source,
            "sha256",
            f"the SHA-256 of {data.name}, {spec.sha256[:12]}…, got {digest[:12]}… "
            "(the draws changed after the manifest was written; rewrite both)",
        )
    draws = parse_draws(content, data, spec)
    return Posterior(spec.name, source, draws, spec.model_dump(mode="json"))


def read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise InputError(path, "(file)", "an existing file (the draws the manifest names)")
    if path.stat().st_size > MAX_CSV_BYTES:
        raise InputError(path, "(file)", f"a file smaller than {MAX_CSV_BYTES // 1024**2} MiB")
    return path.read_bytes()


def parse_draws(content: bytes, source: Path, spec: PosteriorManifest) -> pd.DataFrame:
    """The CSV as a table of finite floats whose columns are the manifest's parameters and whose rows are its draws."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(source, "(file)", "UTF-8 text") from None
    rows = [row for row in csv.reader(io.StringIO(text)) if row]
    if not rows:
        raise InputError(source, "(header)", "a header row naming the parameters")
    header = [name.strip() for name in rows[0]]
    for name in spec.parameters:
        if name not in header:
            raise InputError(source, name, "a column (the manifest lists this parameter), the file has none")
    for name in header:
        if name not in spec.parameters:
            raise InputError(source, name or "(header)", f"a column the manifest lists ({', '.join(spec.parameters)})")
    if len(set(header)) != len(header):
        raise InputError(source, "(header)", "each column once")
    values = np.empty((len(rows) - 1, len(header)))
    for k, row in enumerate(rows[1:]):
        if len(row) != len(header):
            raise InputError(source, f"row {k + 1}", f"{len(header)} values, one per column, got {len(row)}")
        for j, cell in enumerate(row):
            cell = cell.strip()
            number = float(cell) if NUMBER.match(cell) else math.nan
            if not math.isfinite(number):
                raise InputError(source, header[j], f"a finite number in every row, got {plain(cell)} in row {k + 1}")
            values[k, j] = number
    if len(values) != spec.draws:
        raise InputError(source, "(rows)", f"{spec.draws} draws (the manifest's draws), got {len(values)}")
    return pd.DataFrame(values, columns=header)[spec.parameters]


def check_posterior(posterior: Posterior, scenario: Scenario, fixed: Iterable[str] = ()) -> None:
    """Every model parameter must be one the scenario's worlds can vary (``check_value_path``), and the
    smallest and largest draw of each (unless ``--set`` fixes it) a value the scenario accepts."""
    source = posterior.data_path
    fixed = set(fixed)
    for path in posterior.model_parameters:
        try:
            check_value_path(scenario, path)
        except InputError as exc:
            raise InputError(source, path, f"{exc.expected} of scenario {scenario.name}") from None
        if path in fixed:
            continue
        column = posterior.draws[path]
        for value in (float(column.min()), float(column.max())):
            try:
                check_value(scenario, path, value)
            except InputError as exc:
                expected = f"values scenario {scenario.name} accepts: at {value:g}, {exc.expected}"
                raise InputError(source, path, expected) from None


def check_value(scenario: Scenario, path: str, value: float) -> None:
    """Whether ``value`` at ``path`` passes the scenario schema's checks (as a ``--set`` of it would)."""
    raw = scenario.spec.model_dump(mode="json")
    parts = ParamPath.parse(path).parts
    if parts[0] == "events":
        position, node = next((k, e) for k, e in enumerate(raw["events"]) if e.get("id") == parts[1])
        node[parts[2]] = value
        parse_event(node, position, scenario.actors.codes, Path(scenario.path))
        return
    node: Any = raw
    for part in parts[:-1]:
        child = node.get(part)
        node[part] = child = child if isinstance(child, dict) else {}
        node = child
    node[parts[-1]] = value
    try:
        ScenarioSpec.model_validate(raw)
    except ValidationError as exc:
        raise first_error(exc, scenario.path) from None


def draw_indices(draws: int, seed: int, replicates: np.ndarray) -> np.ndarray:
    """Which draw each replicate takes: replicate r is position r mod D of the permutation of the D draws
    seeded by (seed, r // D); a function of (seed, replicate) alone."""
    replicates = np.asarray(replicates, dtype=np.int64)
    cycles = replicates // draws
    out = np.empty(len(replicates), dtype=np.int64)
    for cycle in np.unique(cycles):
        order = np.random.default_rng([DRAW_TAG, int(seed), int(cycle)]).permutation(draws)
        here = cycles == cycle
        out[here] = order[replicates[here] % draws]
    return out


def world_values(
    posterior: Posterior, seed: int, replicates: np.ndarray, fixed: Iterable[str] = ()
) -> dict[str, np.ndarray]:
    """Each world's parameter values, path -> one value per replicate, for ``World(values=...)``; the paths
    in ``fixed`` (given with ``--set``, which wins) and the observation model's are left out."""
    rows = draw_indices(posterior.size, seed, replicates)
    return {path: posterior.draws[path].to_numpy(dtype=float)[rows] for path in posterior.varied(fixed)}


def fixed_paths(overrides: Iterable[str]) -> set[str]:
    """The paths ``--set PATH=VALUE`` assignments fix."""
    return assigned_paths(overrides)


def describe(record: dict[str, Any] | None) -> str:
    """A parameter set as charts and the command line name it: 'posterior NAME (D draws)' or 'defaults'."""
    record = record or DEFAULTS
    if record.get("set") != "posterior":
        return "defaults"
    return f"posterior {record['name']} ({record['draws']:,} draws)"


# ---------------------------------------------------------------------------------------------
# Writing


def library_versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in ("powershift", "numpy", "pandas", "mesa"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:  # a source tree that was never installed
            found[name] = "unknown"
    return found


def posterior_files(path: str | Path) -> tuple[Path, Path]:
    """``NAME.yaml`` and ``NAME.csv`` for a path that is either of them or ``NAME``."""
    target = Path(path)
    stem = target.with_suffix("") if target.suffix in (".yaml", ".yml", ".csv") else target
    return stem.with_name(stem.name + ".yaml"), stem.with_name(stem.name + ".csv")


def check_new_posterior(path: str | Path) -> None:
    """Refuse a posterior path whose files exist or whose folder does not: checked before a fit, which takes
    minutes, as well as when writing."""
    yaml_path, csv_path = posterior_files(path)
    for existing in (yaml_path, csv_path):
        if os.path.lexists(existing):
            raise InputError(existing, "(file)", NEW_FILE)
    if not yaml_path.parent.is_dir():
        raise InputError(yaml_path.parent, "(folder)", "an existing folder")


def write_posterior(draws: pd.DataFrame, manifest: dict[str, Any], path: str | Path) -> Posterior:
    """Write ``draws`` as ``NAME.csv`` and ``manifest`` (completed) as ``NAME.yaml``, for ``path`` = either.

    ``manifest`` gives name (default NAME), method, scenario, years, seed, command and, optionally,
    libraries (merged over this process's python, powershift, numpy, pandas and mesa versions),
    created (default now) and details; ``draws``, ``data``, ``sha256`` and ``parameters`` are filled
    in. Both files are checked as :func:`read_posterior` checks them before either appears; they
    appear together (the manifest last, so a reader never sees a manifest without its draws) and
    never over an existing file. Returns the posterior as read back.
    """
    yaml_path, csv_path = posterior_files(path)
    check_new_posterior(path)
    stem = yaml_path.with_suffix("")
    table = pd.DataFrame(draws)
    table.columns = [str(c) for c in table.columns]
    content = table.to_csv(index=False, lineterminator="\n").encode("utf-8")
    fields = {
        "name": stem.name,
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        **manifest,
        "libraries": {**library_versions(), **dict(manifest.get("libraries") or {})},
        "draws": len(table),
        "data": csv_path.name,
        "sha256": hashlib.sha256(content).hexdigest(),
        "parameters": list(table.columns),
    }
    try:
        spec = PosteriorManifest.model_validate(fields)
    except ValidationError as exc:
        raise first_error(exc, yaml_path) from None
    parse_draws(content, csv_path, spec)
    text = yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
    placed: list[Path] = []
    try:
        for final, data in ((csv_path, content), (yaml_path, text.encode("utf-8"))):
            place(final, data)
            placed.append(final)
    except BaseException:
        for final in placed:
            final.unlink(missing_ok=True)
        raise
    return read_posterior(yaml_path)


def place(final: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``final``, then link it into place: ``final`` appears whole,
    and an existing ``final`` (created meanwhile by someone else) is never replaced."""
    staging = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    try:
        with open(staging, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(staging, final)
        except FileExistsError:
            raise InputError(final, "(file)", NEW_FILE) from None
        except OSError as exc:  # a file system without hard links
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            if os.path.lexists(final):
                raise InputError(final, "(file)", NEW_FILE) from None
            os.rename(staging, final)
    finally:
        staging.unlink(missing_ok=True)


def reopen(record: dict[str, Any] | None) -> Posterior | None:
    """The posterior a results manifest's ``parameter_set`` names (None for the defaults), refused if its
    file no longer holds the same draws: rebuilt runs must draw what the original runs drew."""
    if not record or record.get("set") != "posterior":
        return None
    path = Path(record["file"])
    posterior = read_posterior(path if path.is_absolute() else ROOT / path)
    if posterior.sha256 != record["sha256"]:
        raise InputError(
            posterior.path, "sha256", f"the posterior the results were made with ({record['sha256'][:12]}…)"
        )
    return posterior
