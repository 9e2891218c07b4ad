"""Recompute each actor's ``exchange_uncertainty`` in model/data/five-2014.yaml, five-2019.yaml and five-2024.yaml.

    python docs/experiments/exchange_uncertainty.py [--year 2014 --year 2019 --year 2024]

The figure is the yearly standard deviation of a random walk in the log real exchange rate
against the dollar (exchange rates are close to a random walk: Meese & Rogoff 1983, J. Int.
Econ. 14: 3-24). It is estimated from the yearly record, using only years before the set's
start year Y, as a forecaster standing at the origin could:

- the real price level against the USA is q_i(y) = log(GDP_mer,i(y) / GDP_ppp,i(y))
  - log(GDP_mer,USA(y) / GDP_ppp,USA(y)), with GDP at market rates the World Bank current-USD
  series (``gdp_bn``) and GDP at PPP the IMF WEO October 2025 vintage (``gdp_ppp_bn``) of
  model/data/record-2010-2024.yaml (facts.csv GDP_current_USD and macro.csv
  gdp_ppp_IMF_WEO_Oct2025, read through ``model.record``);
- its yearly changes q(y + 1) - q(y) for y = 2010 (the record's first year) .. Y - 2, i.e. the
  changes 2010->2011 .. (Y-2)->(Y-1);
- the figure is their root mean square (no mean removed: a drift seen before the origin counts
  as volatility, since the forecast holds it at zero). The USA is 0 by construction.

Caveats the data notes repeat: the PPP series is the October 2025 vintage, a later revision than
any start could know, and the World Bank copy is of October 2024 (earlier years revised since);
for 2014 the window holds only three changes. The YAML files hold the numbers printed here.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass

import numpy as np

from powershift.analysis.validation.record import load_record

CODES = ("PAK", "RUS", "IND", "USA", "CHN")  # the five actor sets' actors
NUMERAIRE = "USA"  # exchange rates are against the dollar
FIRST_YEAR = 2010  # the record's first year
START_YEARS = (2014, 2019, 2024)  # five-2014, five-2019, five-2024


@dataclass(frozen=True)
class Uncertainty:
    """One country's exchange-rate uncertainty for a start year, with the changes it is built from."""

    country: str
    start_year: int
    changes: dict[int, float]  # year y -> q(y + 1) - q(y), log points

    @property
    def value(self) -> float:
        return math.sqrt(sum(c * c for c in self.changes.values()) / len(self.changes))

    @property
    def span(self) -> str:
        years = sorted(self.changes)
        return f"{years[0]}->{years[0] + 1} .. {years[-1]}->{years[-1] + 1}"


def relative_price_levels(start_year: int, codes: tuple[str, ...] = CODES) -> tuple[list[int], np.ndarray]:
    """Years FIRST_YEAR .. start_year - 1 and q (years, codes): log price level relative to the USA's."""
    record = load_record()
    years = list(range(FIRST_YEAR, start_year))
    mer = record.series("gdp_bn", list(codes), years)
    ppp = record.series("gdp_ppp_bn", list(codes), years)
    level = np.log(mer / ppp)
    return years, level - level[:, [codes.index(NUMERAIRE)]]


def exchange_uncertainty(start_year: int, codes: tuple[str, ...] = CODES) -> dict[str, Uncertainty]:
    """Per country: the RMS of the yearly changes of q up to (start_year - 2) -> (start_year - 1)."""
    years, q = relative_price_levels(start_year, codes)
    if len(years) < 2:
        raise ValueError(f"start year {start_year}: the record gives no yearly change before it")
    change = np.diff(q, axis=0)
    return {
        code: Uncertainty(code, start_year, {y: float(change[k, j]) for k, y in enumerate(years[:-1])})
        for j, code in enumerate(codes)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, action="append", help="start year(s); default 2014, 2019 and 2024")
    args = parser.parse_args()
    for year in args.year or START_YEARS:
        result = exchange_uncertainty(year)
        print(f"start year {year}")
        for country, u in result.items():
            low, high = min(u.changes.values()), max(u.changes.values())
            print(
                f"  {country}: exchange_uncertainty {u.value:.4f}  ({len(u.changes)} changes {u.span}; "
                f"range {low:+.4f} .. {high:+.4f})"
            )
            print("       changes " + " ".join(f"{y}:{c:+.4f}" for y, c in sorted(u.changes.items())))


if __name__ == "__main__":
    main()
