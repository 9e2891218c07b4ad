"""A sweep design as a sweep's manifest records it: which parameters vary over which ranges.

It is part of the output contract (a reader checks a sweep folder's ``design`` against it, and a resumed
sweep must match it), so it lives with the results; ``experiments.design`` parses and samples it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from powershift.model.files import MAX_SEED


class Param(BaseModel):
    """One swept parameter: a dotted path (as for ``run --set``) and its range."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    low: float
    high: float
    steps: int | None = Field(default=None, ge=2, le=1000)

    def text(self) -> str:
        return f"{self.path}={self.low:g}:{self.high:g}" + (f":{self.steps}" if self.steps else "")


class SweepDesign(BaseModel):
    """Everything that determines a sweep's runs (and so must match when a sweep is resumed)."""

    model_config = ConfigDict(extra="forbid")

    scenario: str
    params: list[Param] = Field(min_length=1)
    sampler: Literal["grid", "lhs", "sobol", "morris"] = "lhs"
    samples: int | None = Field(None, strict=True)
    replicates: int = Field(default=5, ge=1, le=100_000, strict=True)
    seed: int = Field(default=0, ge=0, le=MAX_SEED, strict=True)
    years: float | None = None
    set: list[str] = []
    trajectories: bool = False
