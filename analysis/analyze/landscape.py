"""The ``landscape`` command: coalition minima for any actor set given as CSV files.

Sizes come as ``actor,size``; propensities either as a square matrix (actor names as header
row and first column, diagonal ignored) or as long rows ``actor_a,actor_b,propensity``. The
matrix must be symmetric: landscape theory has one propensity per pair.

Sizes lie in [0, MAX_SIZE] and propensities in [-MAX_PROPENSITY, MAX_PROPENSITY]: the energy is
a sum of s_i * s_j * p_ij over up to MAX_ACTORS^2 pairs, which these bounds keep far inside double
precision (at sizes of 1e308 it overflows to NaN). The search itself runs on sizes and
propensities scaled to a largest value of 1 (the minima do not change under a positive scale), so
its tolerance for ties is relative, and the energies are scaled back.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from powershift.model.blocs import local_minima
from powershift.model.dyads import Dyad
from powershift.model.files import InputError, plain

MAX_ACTORS = 200
MAX_SIZE = 1e12
MAX_PROPENSITY = 1e6


def read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(path, "(file)", "an existing CSV file")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(path, "(file)", f"a readable CSV ({str(exc).splitlines()[0]})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def number(value: Any, path: Path, field: str, low: float, high: float) -> float:
    """A finite number within [low, high] from a CSV cell, or one line naming the cell."""
    if isinstance(value, bool):
        raise InputError(path, field, f"a number, got {plain(value)}")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(path, field, f"a number, got {plain(value)}") from None
    if not math.isfinite(x):
        raise InputError(path, field, f"a finite number, got {plain(x)}")
    if not low <= x <= high:
        raise InputError(path, field, f"a number from {low:g} to {high:g}, got {plain(x)}")
    return x


def read_sizes(path: Path) -> dict[str, float]:
    frame = read_csv(path)
    if list(frame.columns[:2]) != ["actor", "size"]:
        raise InputError(path, "(header)", "columns actor,size")
    sizes: dict[str, float] = {}
    for k, row in frame.iterrows():
        actor = str(row["actor"]).strip()
        if actor in sizes:
            raise InputError(path, f"row {k + 2}.actor", f"each actor once ({actor!r} repeats)")
        sizes[actor] = number(row["size"], path, f"row {k + 2}.size", 0, MAX_SIZE)
    if not 2 <= len(sizes) <= MAX_ACTORS:
        raise InputError(path, "(rows)", f"between 2 and {MAX_ACTORS} actors, got {len(sizes)}")
    return sizes


def read_propensity(path: Path, codes: list[str]) -> np.ndarray:
    frame = read_csv(path)
    index = {c: k for k, c in enumerate(codes)}
    n = len(codes)
    matrix = np.full((n, n), np.nan)
    np.fill_diagonal(matrix, 0.0)
    if list(frame.columns[:3]) == ["actor_a", "actor_b", "propensity"]:
        for k, row in frame.iterrows():
            a, b = str(row["actor_a"]).strip(), str(row["actor_b"]).strip()
            for name, code in (("actor_a", a), ("actor_b", b)):
                if code not in index:
                    raise InputError(path, f"row {k + 2}.{name}", f"an actor of the sizes file, got {code!r}")
            value = number(row["propensity"], path, f"row {k + 2}.propensity", -MAX_PROPENSITY, MAX_PROPENSITY)
            i, j = index[a], index[b]
            for x, y in ((i, j), (j, i)):
                if not np.isnan(matrix[x, y]) and x != y and matrix[x, y] != value:
                    raise InputError(
                        path,
                        str(Dyad(a, b)),
                        "a symmetric propensity (the pair is given twice "
                        f"with different values: {plain(matrix[x, y])} and {plain(value)})",
                    )
            matrix[i, j] = matrix[j, i] = value
    else:
        names = [str(c).strip() for c in frame.columns[1:]]
        rows = [str(r).strip() for r in frame.iloc[:, 0]]
        if sorted(names) != sorted(codes) or sorted(rows) != sorted(codes):
            raise InputError(
                path,
                "(header)",
                "a square matrix whose header row and first column list exactly "
                "the actors of the sizes file, or long columns actor_a,actor_b,propensity",
            )
        for r, a in enumerate(rows):
            for c, b in enumerate(names):
                if a != b:
                    matrix[index[a], index[b]] = number(
                        frame.iloc[r, c + 1], path, f"{a}.{b}", -MAX_PROPENSITY, MAX_PROPENSITY
                    )
        asym = np.abs(matrix - matrix.T)
        if np.nanmax(asym) > 1e-9:
            i, j = np.unravel_index(np.nanargmax(asym), asym.shape)
            raise InputError(
                path,
                f"{codes[i]}.{codes[j]}",
                f"a symmetric matrix ({codes[i]}->{codes[j]} is "
                f"{plain(matrix[i, j])} but {codes[j]}->{codes[i]} is {plain(matrix[j, i])})",
            )
    missing = np.argwhere(np.isnan(matrix))
    if len(missing):
        i, j = missing[0]
        raise InputError(path, str(Dyad(codes[i], codes[j])), "a propensity for every pair of actors")
    return matrix


def read_landscape(sizes_path: Path, propensity_path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    sizes = read_sizes(sizes_path)
    codes = list(sizes)
    return codes, np.array([sizes[c] for c in codes]), read_propensity(propensity_path, codes)


def report(codes: list[str], sizes: np.ndarray, propensity: np.ndarray) -> list[dict[str, Any]]:
    """Every local minimum, lowest energy first, as {"energy": E, "coalitions": [[...], [...]]}.

    The search sees sizes and propensities divided by their largest magnitudes, so that ties are
    judged relative to the landscape's own scale; E scales by the size scale squared times the
    propensity scale, by which each energy is multiplied back.
    """
    size_scale = float(np.max(np.abs(sizes))) or 1.0
    propensity_scale = float(np.max(np.abs(propensity))) or 1.0
    minima = []
    for scaled, sides in local_minima(sizes / size_scale, propensity / propensity_scale):
        energy = scaled * size_scale**2 * propensity_scale
        left = [c for c, s in zip(codes, sides, strict=True) if s > 0]
        right = [c for c, s in zip(codes, sides, strict=True) if s < 0]
        minima.append({"energy": float(energy), "coalitions": [left, right]})
    return minima
