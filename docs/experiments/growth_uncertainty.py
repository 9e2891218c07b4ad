"""Recompute each actor's ``growth_uncertainty`` in model/data/five-2014.yaml, five-2019.yaml and five-2024.yaml.

    python docs/experiments/growth_uncertainty.py [--reference PATH] [--year 2014 --year 2019 --year 2024]

The figure is the standard deviation (a yearly fraction) of a persistent per-world offset to an
actor's average growth. It is estimated from the IMF's own record, using only forecasts whose
outturns fall before the set's start year Y:

- for every April WEO vintage V in weo-vintages.csv (``real_gdp_growth_proj_IMF_WEO_AprV``) take
  the target years V .. min(V + 4, Y - 1) for which both the forecast and the outturn
  (``real_gdp_growth_outturn_IMF_WEO_hist``, the October release of the following year) exist;
  a vintage needs at least two such years;
- its error is mean(forecast) - mean(outturn) over those years (percent -> fraction);
- the figure is the root mean square of these errors over the eligible vintages, per country.

Everything is read from the reference CSVs (``--reference``, default ../shared/reference next to
the repository root); the YAML files hold the numbers printed here. The start years are the
actor sets' (five-2014, five-2019, five-2024); the rule is the same for each, so the 2019 figure
uses only outturns for 2010-2018 (the last of them, for 2018, is the October 2019 release).
"""

from __future__ import annotations

import argparse
import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_REFERENCE = ROOT.parent / "shared" / "reference"
VINTAGE = re.compile(r"^real_gdp_growth_proj_IMF_WEO_Apr(\d{4})$")
OUTTURN = "real_gdp_growth_outturn_IMF_WEO_hist"
HORIZON = 4  # target years V .. V + 4: the current year and four ahead
MIN_YEARS = 2
START_YEARS = (2014, 2019, 2024)  # five-2014, five-2019, five-2024


@dataclass(frozen=True)
class Uncertainty:
    """One country's growth uncertainty for a start year, with the errors it is built from."""

    country: str
    start_year: int
    errors: dict[int, float]  # April vintage -> mean forecast - mean outturn, yearly fraction
    years: dict[int, tuple[int, ...]]  # April vintage -> target years used

    @property
    def value(self) -> float:
        return math.sqrt(sum(e * e for e in self.errors.values()) / len(self.errors))


def read_vintages(reference: Path) -> tuple[dict[tuple[int, str], dict[int, float]], dict[str, dict[int, float]]]:
    """April forecasts keyed by (vintage, country) -> {target year: %}, and outturns country -> {year: %}."""
    forecasts: dict[tuple[int, str], dict[int, float]] = {}
    outturns: dict[str, dict[int, float]] = {}
    with open(reference / "weo-vintages.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            country, year, value = row["country_or_pair"], int(row["year"]), float(row["value"])
            if row["indicator"] == OUTTURN:
                outturns.setdefault(country, {})[year] = value
            elif match := VINTAGE.match(row["indicator"]):
                forecasts.setdefault((int(match.group(1)), country), {})[year] = value
    return forecasts, outturns


def growth_uncertainty(reference: Path, start_year: int) -> dict[str, Uncertainty]:
    """Per country: the RMS over eligible April vintages of (mean forecast - mean outturn), as a fraction."""
    forecasts, outturns = read_vintages(reference)
    errors: dict[str, dict[int, float]] = {}
    used: dict[str, dict[int, tuple[int, ...]]] = {}
    for (vintage, country), path in sorted(forecasts.items()):
        last = min(vintage + HORIZON, start_year - 1)
        years = tuple(y for y in range(vintage, last + 1) if y in path and y in outturns.get(country, {}))
        if len(years) < MIN_YEARS:
            continue
        forecast = sum(path[y] for y in years) / len(years)
        outturn = sum(outturns[country][y] for y in years) / len(years)
        errors.setdefault(country, {})[vintage] = (forecast - outturn) / 100
        used.setdefault(country, {})[vintage] = years
    return {c: Uncertainty(c, start_year, errors[c], used[c]) for c in sorted(errors)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--year", type=int, action="append", help="start year(s); default 2014, 2019 and 2024")
    args = parser.parse_args()
    for year in args.year or START_YEARS:
        result = growth_uncertainty(args.reference, year)
        print(f"start year {year}")
        for country, u in result.items():
            vintages = sorted(u.errors)
            spans = ", ".join(f"Apr{v}:{u.years[v][0]}-{u.years[v][-1]}" for v in vintages)
            low, high = min(u.errors.values()), max(u.errors.values())
            print(
                f"  {country}: growth_uncertainty {u.value:.4f}  ({len(vintages)} vintages; "
                f"errors {low:+.4f} .. {high:+.4f})"
            )
            print(f"       {spans}")
            print("       errors " + " ".join(f"{v}:{u.errors[v]:+.4f}" for v in vintages))


if __name__ == "__main__":
    main()
