"""What a reader can choose about a chart: the dates of snapshot charts, the outcome and parameters of sweep charts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from powershift.model.files import InputError


@dataclass(frozen=True)
class ChartOptions:
    dates: tuple[dt.date, ...] = ()
    outcome: str | None = None
    params: tuple[str, ...] = ()


def snapshot_dates(recorded: pd.Series, wanted: tuple[dt.date, ...]) -> list[pd.Timestamp]:
    """The recorded dates to draw: the last recorded at or before each wanted date, or start, middle and end.

    A wanted date outside the run is refused: a snapshot of a year the run never reached would
    silently show another year.
    """
    dates = pd.DatetimeIndex(sorted(pd.unique(recorded)))
    if not wanted:
        return list(dict.fromkeys([dates[0], dates[len(dates) // 2], dates[-1]]))
    chosen = []
    for day in wanted:
        stamp = pd.Timestamp(day)
        if not dates[0] <= stamp <= dates[-1]:
            raise InputError("--dates", str(day), f"a date within the run, {dates[0].date()} to {dates[-1].date()}")
        chosen.append(dates[dates.searchsorted(stamp, side="right") - 1])
    return list(dict.fromkeys(chosen))
