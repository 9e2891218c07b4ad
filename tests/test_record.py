"""The observed 2010-2024 record: it loads, matches the reference rows exactly, and refuses bad files."""

from __future__ import annotations

import copy
import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from model.files import InputError
from model.record import RECORD, YearlyRecord, load_record

CODES = ["PAK", "RUS", "IND", "USA", "CHN"]
YEARS = list(range(2010, 2025))
REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
# indicator: (reference file, reference indicator, power of ten of the unit change)
EXPECTED = {
    "gdp_bn": ("facts.csv", "GDP_current_USD", -9),
    "gdp_ppp_bn": ("macro.csv", "gdp_ppp_IMF_WEO_Oct2025", 0),
    "real_growth": ("macro.csv", "real_gdp_growth_IMF_WEO_Oct2025", -2),
    "milex_constant_bn": ("macro.csv", "milex_SIPRI_constant2023USD", -9),
    "population_m": ("facts.csv", "population", -6),
}


@pytest.fixture(scope="module")
def record() -> YearlyRecord:
    return load_record()


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return yaml.safe_load(RECORD.read_text(encoding="utf-8"))


def reference_rows(file: str, indicator: str) -> list[dict[str, str]]:
    if not REFERENCE.is_dir():
        pytest.skip(f"reference data folder {REFERENCE} is missing, so the record cannot be checked against it")
    with open(REFERENCE / file, newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["indicator"] == indicator]
    return [r for r in rows if r["country_or_pair"] in CODES and int(r["year"]) in YEARS]


def number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def test_record_loads_with_five_actors_and_every_figure_sourced(record: YearlyRecord) -> None:
    assert sorted(record.actors) == sorted(CODES)
    assert set(record.indicators) == set(EXPECTED)
    assert (record.first_year, record.last_year) == (2010, 2024)
    for name in record.indicators:
        assert record.source(name).strip(), name
    for row in record.frame().itertuples():
        assert record.source(row.indicator, row.actor, row.year).strip()


@pytest.mark.parametrize("name", list(EXPECTED))
def test_values_and_sources_equal_the_reference_rows(record: YearlyRecord, name: str) -> None:
    file, indicator, power = EXPECTED[name]
    reference = record.indicators[name].reference
    assert (reference.file, reference.indicator, reference.power_of_ten) == (file, indicator, power)
    rows = reference_rows(file, indicator)
    assert rows, f"no {indicator} rows in {file}"
    expected = set()
    for row in rows:
        code, year, value = row["country_or_pair"], int(row["year"]), number(row["value"])
        if value is None:  # a "not found" row: the record leaves the year out and lists it as a gap
            assert not record.has(name, code, year)
            assert record.gap(name, code, year) is not None, (code, year)
            continue
        expected.add((code, year))
        assert record.value(name, code, year) == float(value.scaleb(power)), (code, year)
        assert record.source(name, code, year) == row["source"], (code, year)
        assert record.is_estimate(name, code, year) == ("estimate" in row["source"].lower()), (code, year)
    figures = record.frame().query("indicator == @name")
    assert set(zip(figures.actor, figures.year, strict=True)) == expected


def test_sipri_estimates_are_flagged(record: YearlyRecord) -> None:
    flagged = {(c, y) for c in CODES for y in YEARS if record.is_estimate("milex_constant_bn", c, y)}
    assert {("CHN", y) for y in YEARS} <= flagged
    assert ("RUS", 2022) in flagged and ("RUS", 2016) not in flagged
    assert not any(c in ("USA", "IND") for c, _ in flagged)


def test_gdp_2024_is_a_documented_gap(record: YearlyRecord) -> None:
    for code in CODES:
        assert not record.has("gdp_bn", code, 2024)
    notes = " ".join(g.note for g in record.gaps if g.indicator == "gdp_bn")
    assert "GDP_current_USD_IMF_estimate" in notes


def test_series_shape_and_missing_figures(record: YearlyRecord) -> None:
    block = record.series("milex_constant_bn", ["USA", "CHN", "PAK"], [2014, 2015, 2016, 2017])
    assert block.shape == (4, 3)
    assert block[0, 1] == record.value("milex_constant_bn", "CHN", 2014)
    assert np.all(block > 0)
    with pytest.raises(KeyError, match="2024"):
        record.series("gdp_bn", CODES, [2023, 2024])
    with pytest.raises(KeyError, match="2009"):
        record.series("population_m", ["USA"], [2009])
    with pytest.raises(KeyError, match="FRA"):
        record.series("gdp_bn", ["FRA"], [2014])
    with pytest.raises(KeyError, match="cinc"):
        record.series("cinc", ["USA"], [2014])


def test_frame_has_one_row_per_figure(record: YearlyRecord) -> None:
    frame = record.frame()
    assert list(frame.columns) == ["actor", "year", "indicator", "value"]
    assert frame["year"].dtype.kind == "i"
    assert not frame.duplicated(["actor", "year", "indicator"]).any()
    assert len(frame) == 5 * 5 * 15 - 5  # only gdp_bn 2024 is missing


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "record.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def rejected(tmp_path: Path, data: dict[str, Any]) -> InputError:
    path = write(tmp_path, data)
    with pytest.raises(InputError) as caught:
        load_record(path)
    assert caught.value.source == str(path)
    return caught.value


def test_a_nan_is_rejected_naming_the_field(tmp_path: Path, raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["values"]["PAK"]["gdp_bn"][2014] = float("nan")
    assert rejected(tmp_path, data).field == "values.PAK.gdp_bn.2014"


def test_an_unknown_field_is_rejected_naming_it(tmp_path: Path, raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["indicators"]["gdp_bn"]["colour"] = "red"
    error = rejected(tmp_path, data)
    assert error.field == "indicators.gdp_bn.colour"
    assert "no such field" in error.expected
    data = copy.deepcopy(raw)
    data["vintage"] = 2025
    assert rejected(tmp_path, data).field == "vintage"


def test_holes_and_false_gaps_are_rejected(tmp_path: Path, raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    del data["values"]["IND"]["population_m"][2016]
    error = rejected(tmp_path, data)
    assert error.field == "values.IND.population_m" and "2016" in error.expected
    data = copy.deepcopy(raw)
    data["gaps"][0]["years"] = [2023]
    assert rejected(tmp_path, data).field == "gaps.0"
    data = copy.deepcopy(raw)
    data["values"]["USA"]["gdp_bn"][2014] = "17608.138"
    assert rejected(tmp_path, data).field == "values.USA.gdp_bn.2014"


def test_the_shipped_file_round_trips(tmp_path: Path, raw: dict[str, Any]) -> None:
    assert load_record(write(tmp_path, raw)) == load_record()
