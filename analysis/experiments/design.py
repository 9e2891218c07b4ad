"""Sweep designs: which parameters vary over which ranges, and the points a sampler picks.

A design is written on the command line (``--param PATH=LOW:HIGH[:STEPS]``) or in a YAML file
(``--spec``); both become a :class:`SweepDesign`. Samplers: ``grid`` (every combination of STEPS
evenly spaced values), ``lhs`` (scipy.stats.qmc Latin hypercube), ``sobol`` (SALib's Saltelli
scheme, for Sobol indices) and ``morris`` (SALib's Morris trajectories, for elementary effects).
All are seeded by the sweep seed, so a design always gives the same points.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from powershift.analysis.results.design_schema import Param, SweepDesign
from powershift.model.files import InputError, first_error, read_mapping
from powershift.model.paths import split_assignment
from powershift.model.scenario import Scenario, load_scenario
from powershift.model.world import check_value_path

DEFAULT_SAMPLES = {"lhs": 100, "sobol": 64, "morris": 20}
DEFAULT_STEPS = 5
MORRIS_LEVELS = 4
MAX_RUNS = 50_000_000


def parse_param(text: str, source: str = "--param") -> Param:
    """``PATH=LOW:HIGH[:STEPS]`` as a Param, or one clear line saying what is wrong."""
    path, bounds = split_assignment(text) or ("", "")
    parts = bounds.split(":")
    if not path.strip() or len(parts) not in (2, 3):
        raise InputError(source, text, "PATH=LOW:HIGH or PATH=LOW:HIGH:STEPS")
    try:
        low, high = float(parts[0]), float(parts[1])
        steps = int(parts[2]) if len(parts) == 3 else None
    except ValueError:
        raise InputError(source, path.strip(), f"numbers LOW:HIGH[:STEPS], got {bounds!r}") from None
    try:
        return Param(path=path.strip(), low=low, high=high, steps=steps)
    except ValidationError as exc:
        raise first_error(exc, source, prefix=path.strip()) from None


def read_design(path: str | Path) -> dict[str, Any]:
    """A sweep spec file as design fields; ``params`` maps PATH to "LOW:HIGH[:STEPS]" or [LOW, HIGH(, STEPS)]."""
    raw = read_mapping(path)
    params = raw.get("params")
    if params is not None:
        if not isinstance(params, dict) or not params:
            raise InputError(path, "params", "a mapping PATH: LOW:HIGH[:STEPS] or PATH: [LOW, HIGH(, STEPS)]")
        items = []
        for name, bounds in params.items():
            text = ":".join(str(b) for b in bounds) if isinstance(bounds, list) else str(bounds)
            items.append(parse_param(f"{name}={text}", source=str(path)))
        raw["params"] = items
    return raw


def build_design(fields: dict[str, Any], source: str) -> SweepDesign:
    try:
        design = SweepDesign.model_validate(fields)
    except ValidationError as exc:
        raise first_error(exc, source) from None
    check_design(design, source)
    return design


def check_design(design: SweepDesign, source: str) -> None:
    """Problems pydantic cannot see: ranges, sampler-specific counts, total size."""
    seen = set()
    for param in design.params:
        if param.path in seen:
            raise InputError(source, param.path, "each parameter swept once (this one is given twice)")
        seen.add(param.path)
        if not param.low < param.high:
            raise InputError(source, param.path, f"LOW below HIGH, got {param.low:g}:{param.high:g}")
        if param.steps is not None and design.sampler != "grid":
            raise InputError(source, param.path, f"no STEPS with sampler {design.sampler} (STEPS is for grid)")
    if design.sampler == "grid":
        if design.samples is not None:
            raise InputError(source, "samples", "no sample count with sampler grid (give STEPS per parameter)")
    elif design.samples is not None and design.samples < 1:
        raise InputError(source, "samples", f"at least 1 sample, got {design.samples}")
    elif design.sampler == "sobol" and not is_power_of_two(samples(design)):
        raise InputError(source, "samples", f"a power of two for sampler sobol (Saltelli), got {samples(design)}")
    elif design.sampler == "morris" and samples(design) < 2:
        raise InputError(source, "samples", "at least 2 Morris trajectories")
    runs = point_count(design) * design.replicates
    if runs > MAX_RUNS:
        raise InputError(source, "samples", f"at most {MAX_RUNS:,} runs in one sweep, this design has {runs:,}")


def is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def samples(design: SweepDesign) -> int:
    return design.samples if design.samples is not None else DEFAULT_SAMPLES.get(design.sampler, 0)


def point_count(design: SweepDesign) -> int:
    d, n = len(design.params), samples(design)
    if design.sampler == "grid":
        return math.prod(p.steps or DEFAULT_STEPS for p in design.params)
    return {"lhs": n, "sobol": n * (d + 2), "morris": n * (d + 1)}[design.sampler]


def check_params(design: SweepDesign, scenario: Scenario) -> None:
    """Every swept path must be a per-world parameter the World varies, and both ends must be valid values."""
    for param in design.params:
        try:
            check_value_path(scenario, param.path)
        except InputError:
            raise InputError(
                "--param",
                param.path,
                "a numeric parameter path, actors.<code>.policy.<name>, actors.<code>.growth|stability|exchange_drift "
                "or events.<id>.magnitude of this scenario",
            ) from None
        for end in (param.low, param.high):
            try:
                load_scenario(design.scenario, (*design.set, f"{param.path}={end!r}"), design.years)
            except InputError as exc:
                raise InputError("--param", param.path, f"a valid range: at {end:g}, {exc.expected}") from None


def salib_problem(design: SweepDesign) -> dict[str, Any]:
    return {
        "num_vars": len(design.params),
        "names": [p.path for p in design.params],
        "bounds": [[p.low, p.high] for p in design.params],
    }


def sample_points(design: SweepDesign) -> np.ndarray:
    """The design's points, one row per point, one column per parameter (in ``params`` order)."""
    from scipy.stats import qmc

    params, n = design.params, samples(design)
    low = np.array([p.low for p in params])
    high = np.array([p.high for p in params])
    if design.sampler == "grid":
        axes = [np.linspace(p.low, p.high, p.steps or DEFAULT_STEPS) for p in params]
        return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(params))
    if design.sampler == "lhs":
        unit = qmc.LatinHypercube(d=len(params), rng=np.random.default_rng(design.seed)).random(n)
        return qmc.scale(unit, low, high)
    if design.sampler == "sobol":
        from SALib.sample import sobol

        return sobol.sample(salib_problem(design), n, calc_second_order=False, seed=design.seed)
    from SALib.sample import morris

    return morris.sample(salib_problem(design), n, num_levels=MORRIS_LEVELS, seed=design.seed)
