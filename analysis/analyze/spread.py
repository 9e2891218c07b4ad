"""The spread of an outcome across worlds: the quantiles every band, interval and table reports."""

from __future__ import annotations

import pandas as pd

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)  # 90 % and 50 % of worlds around the median


def quantiles(frame: pd.DataFrame, by: list[str], column: str) -> pd.DataFrame:
    grouped = frame.groupby(by)[column]
    return pd.DataFrame({q: grouped.quantile(q) for q in QUANTILES}).reset_index()
