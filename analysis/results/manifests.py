"""Manifests: what a results folder is, checked before anything in it is used.

Every folder run.py writes (a run, a sweep, a comparison, an explanation) has a ``manifest.json``,
written by :func:`write_manifest` and validated by :func:`read_manifest` against a versioned schema
(``format_version``, :data:`FORMAT_VERSION`; one pydantic model per kind, :data:`MANIFESTS`). Any
problem is an :class:`~model.files.InputError`: one line naming the folder, the file and what was
expected.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from powershift.analysis.results.design_schema import SweepDesign
from powershift.analysis.results.disk import short_message, size
from powershift.analysis.results.staging import check_complete
from powershift.model.files import InputError, first_error

FORMAT_VERSION = 1
"""The version of the results-folder format this powershift writes and reads. Bump it whenever a
manifest field or a table column that readers rely on changes meaning, appears or disappears."""

MANIFEST = "manifest.json"

MAX_MANIFEST_BYTES = 16 * 1024**2


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


class ShareExplanationManifest(_WithTables):
    kind: Literal["share_explanation"]
    state: str = Field(min_length=1)
    end: str = Field(alias="to", pattern=r"^\d{4}-\d{2}-\d{2}$")
    index: str
    source: dict[str, Any]
    against: dict[str, Any]


MANIFESTS: dict[str, type[_Manifest]] = {
    "ensemble": EnsembleManifest,
    "sweep": SweepManifest,
    "comparison": ComparisonManifest,
    "explanation": ExplanationManifest,
    "share_explanation": ShareExplanationManifest,
}
WRITERS = {
    "ensemble": "run.py run",
    "sweep": "run.py sweep",
    "comparison": "run.py compare",
    "explanation": "run.py explain",
    "share_explanation": "run.py explain --state",
}


def write_manifest(folder: Path, meta: dict[str, Any]) -> None:
    """Write ``folder``'s manifest under a temporary name, then rename it over the old one: a sweep
    rewrites its manifest in a published folder, and a reader (or a crash) must find the old manifest
    or the new one, never half of one."""
    staging = folder / f".{MANIFEST}.tmp-{os.getpid()}"
    try:
        staging.write_text(json.dumps(meta, indent=2) + "\n")
        os.replace(staging, folder / MANIFEST)
    finally:
        staging.unlink(missing_ok=True)


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
        raise InputError(path, "(file)", f"valid JSON, as run.py writes it ({short_message(exc)})") from None
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
    """The kind of a finished folder (ensemble, sweep, comparison, explanation), from its validated manifest."""
    return read_manifest(folder, complete=True)["kind"]
