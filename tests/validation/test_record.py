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

from powershift.analysis.validation.record import RECORD, YearlyRecord, load_record
from powershift.model.files import InputError

CODES = ["PAK", "RUS", "IND", "USA", "CHN"]
YEARS = list(range(2010, 2025))
REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
# indicator: (reference file, reference indicator, power of ten of the unit change)
EXPECTED = {
    "gdp_bn": ("facts.csv", "GDP_current_USD", -9),
    "gdp_ppp_bn": ("macro.csv", "gdp_ppp_IMF_WEO_Oct2025", 0),
    "real_growth": ("macro.csv", "real_gdp_growth_IMF_WEO_Oct2025", -2),
    "milex_constant_bn": ("macro.csv", "milex_SIPRI_constant2023USD", -9),
    "population_m": ("facts.csv", "population", -6),
    "un_ideal_point": ("facts.csv", "UNGA_idealpoint_finalpassage", 0),
    "un_ideal_point_all": ("facts.csv", "UNGA_idealpoint_allvotes", 0),
    "nmc_milex": ("facts.csv", "COW_NMC_milex", -6),
    "nmc_milper_k": ("facts.csv", "COW_NMC_milper", 0),
    "nmc_iron_steel_mt": ("facts.csv", "COW_NMC_irst", -3),
    "nmc_energy_mtce": ("facts.csv", "COW_NMC_pec", -3),
    "nmc_population_m": ("facts.csv", "COW_NMC_tpop", -3),
    "nmc_urban_population_m": ("facts.csv", "COW_NMC_upop", -3),
    "nmc_cinc": ("facts.csv", "COW_NMC_cinc", 0),
}
NMC = [name for name in EXPECTED if name.startswith("nmc_")]
PAIRS = [f"{a}-{b}" for i, a in enumerate(sorted(CODES)) for b in sorted(CODES)[i + 1 :]]


@pytest.fixture(scope="module")
def record() -> YearlyRecord:
    return load_record()


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return yaml.safe_load(RECORD.read_text(encoding="utf-8"))


def all_reference_rows(file: str, indicator: str) -> list[dict[str, str]]:
    if not REFERENCE.is_dir():
        pytest.skip(f"reference data folder {REFERENCE} is missing, so the record cannot be checked against it")
    with open(REFERENCE / file, newline="", encoding="utf-8") as handle:
        return [r for r in csv.DictReader(handle) if r["indicator"] == indicator]


def reference_rows(file: str, indicator: str) -> list[dict[str, str]]:
    rows = all_reference_rows(file, indicator)
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
    # missing: gdp_bn 2024, un_ideal_point_all 2024, every NMC component in 2023 and 2024
    assert len(frame) == 5 * len(EXPECTED) * 15 - 5 - 5 - 5 * len(NMC) * 2


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "record.yaml"
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's: the same text, four times faster
    path.write_text(yaml.dump(data, Dumper=dumper, sort_keys=False), encoding="utf-8")
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


# ---- UN ideal points and COW NMC ------------------------------------------------------------------


def test_nmc_ends_in_2022_and_all_votes_in_2023(record: YearlyRecord) -> None:
    for name in NMC:
        for code in CODES:
            assert record.has(name, code, 2022)
            for year in (2023, 2024):
                assert not record.has(name, code, year)
                gap = record.gap(name, code, year)
                assert gap is not None and "2022" in gap.note
    for code in CODES:
        assert record.has("un_ideal_point", code, 2024) and record.has("un_ideal_point_all", code, 2023)
        with pytest.raises(KeyError, match="not found"):
            record.value("un_ideal_point_all", code, 2024)


def test_nmc_v6_rows_are_left_out(record: YearlyRecord) -> None:
    # v6.0 is an older release of the same seven components: one vintage per indicator
    assert not any(i.reference.indicator.endswith("_v6") for i in record.indicators.values())
    assert all_reference_rows("facts.csv", "COW_NMC_pec_v6")  # the rows exist; the record says why it skips them
    assert any("COW_NMC_*_v6" in c for c in record.caveats)
    assert record.value("nmc_energy_mtce", "USA", 2016) == 3320.843  # v7.0, not v6.0's 3293.117


@pytest.mark.parametrize(("indicator", "reference"), [("un_ideal_point", "fp"), ("un_ideal_point_all", "all")])
def test_un_distance_equals_the_reference_distances(record: YearlyRecord, indicator: str, reference: str) -> None:
    rows = all_reference_rows("facts.csv", f"UNGA_idealpoint_distance_{reference}")
    assert len(rows) == 10 * (5 if reference == "fp" else 4)
    exact = 0
    for row in rows:
        dyad, year, value = row["country_or_pair"], int(row["year"]), float(row["value"])
        distance = record.un_distance(dyad, year, indicator)
        a, b = dyad.split("-")
        assert distance == record.un_distance(f"{b}-{a}", year, indicator)
        # facts.csv computed its distances from unrounded ideal points, the record holds 3 decimals
        assert abs(round(distance, 3) - value) <= 0.001 + 1e-9, (dyad, year, distance, value)
        exact += round(distance, 3) == value
    assert exact >= len(rows) // 2


def test_un_distance_reading(record: YearlyRecord) -> None:
    assert record.un_distance("PAK-RUS", 2014) == pytest.approx(0.928)  # |-0.915 - 0.013|
    assert record.un_distance("IND-PAK", 2019) < record.un_distance("PAK-RUS", 2019)  # India and Pakistan close
    with pytest.raises(ValueError, match="PAKRUS"):
        record.un_distance("PAKRUS", 2014)
    with pytest.raises(ValueError, match="different"):
        record.un_distance("PAK-PAK", 2014)
    with pytest.raises(KeyError, match="FRA"):
        record.un_distance("PAK-FRA", 2014)
    with pytest.raises(ValueError, match="ideal-point"):
        record.un_distance("PAK-RUS", 2014, "gdp_bn")
    with pytest.raises(KeyError, match="2024"):
        record.un_distance("PAK-RUS", 2024, "un_ideal_point_all")


# ---- bilateral trade (dyads) -----------------------------------------------------------------------


def trade_rows() -> list[dict[str, str]]:
    rows = all_reference_rows("facts.csv", "bilateral_goods_trade_total")
    return [r for r in rows if r["country_or_pair"] in PAIRS]


def test_every_trade_row_is_a_figure_or_left_out_with_a_reason(record: YearlyRecord) -> None:
    rows = trade_rows()
    assert len(rows) == len(all_reference_rows("facts.csv", "bilateral_goods_trade_total"))  # keys as in facts.csv
    sources = record.dyad_sources["trade_bn"]
    left_out = [(o.dyad, o.period, o.value, o.source) for o in sources.left_out]
    assert all(o.why.strip() for o in sources.left_out)
    assert len(set(left_out)) == len(left_out)
    used = set()
    for row in rows:
        dyad, period, text = row["country_or_pair"], row["year"], row["value"]
        if (dyad, period, text, row["source"]) in left_out:
            continue
        # a figure: a calendar year, a plain number in current USD, x 1e-9, its source text exact
        assert period.isdigit() and row["unit"] == "current USD", row
        year, value = int(period), number(text)
        assert value is not None
        assert record.trade(dyad, year) == float(value.scaleb(-9)), (dyad, year)
        assert record.dyad_source("trade_bn", dyad, year) == row["source"], (dyad, year)
        assert (dyad, year) not in used, "two figures for one pair and year"
        used.add((dyad, year))
    assert len(used) + len(left_out) == len(rows)
    figures = record.dyad_frame()
    assert set(zip(figures.dyad, figures.year, strict=True)) == used
    assert {(d, y) for d, y in used if y == 2014} == {(d, 2014) for d in PAIRS}


def test_trade_conflicts_keep_cow_for_2014_and_left_out_rules(record: YearlyRecord) -> None:
    for dyad in PAIRS:
        assert record.dyad_source("trade_bn", dyad, 2014).startswith("COW Dyadic Trade v4.0")
    reasons = {(o.dyad, o.period): o.why for o in record.dyad_sources["trade_bn"].left_out}
    assert "COW" in reasons[("CHN-RUS", "2014")] and "COW" in reasons[("CHN-IND", "2014")]
    assert record.trade("IND-USA", 2024) == 129.2 and ("IND-USA", "2024") in reasons
    for o in record.dyad_sources["trade_bn"].left_out:  # fiscal years, part-years, "not found", ">"
        if not o.period.isdigit() or number(o.value) is None:
            assert any(w in o.why for w in ("fiscal year", "part of a year", "not found", "lower bound", "approximate"))


def test_trade_reading(record: YearlyRecord) -> None:
    assert record.dyad_keys == PAIRS
    assert record.trade("PAK-RUS", 2014) == record.trade("RUS-PAK", 2014) == 0.473
    assert record.has_dyad("trade_bn", "USA-CHN", 2024) and not record.has_dyad("trade_bn", "PAK-RUS", 2024)
    with pytest.raises(KeyError, match=r"COW Dyadic Trade v4\.0 ends in 2014"):
        record.trade("IND-RUS", 2019)
    with pytest.raises(KeyError, match="Sputnik"):
        record.trade("RUS-IND", 2023)
    with pytest.raises(KeyError, match="FRA"):
        record.trade("FRA-PAK", 2014)
    for dyad in PAIRS:
        for year in YEARS:
            assert record.has_dyad("trade_bn", dyad, year) or record.dyad_gap("trade_bn", dyad, year) is not None


@pytest.mark.slow
def test_a_bad_dyad_key_is_rejected_naming_it(tmp_path: Path, raw: dict[str, Any]) -> None:
    for bad in ["RUS-PAK", "PAK-FRA", "PAK_RUS", "PAK-PAK", "CHN-IND-PAK"]:
        data = copy.deepcopy(raw)
        data["dyads"][bad] = data["dyads"].pop("PAK-RUS")
        error = rejected(tmp_path, data)
        assert error.field == f"dyads.{bad}", bad
        assert "alphabetical" in error.expected
    data = copy.deepcopy(raw)
    data["dyads"]["RUS-PAK"] = data["dyads"].pop("PAK-RUS")
    assert "(PAK-RUS)" in rejected(tmp_path, data).expected
    data = copy.deepcopy(raw)
    data["dyad_gaps"][0]["dyads"][0] = "IND-CHN"
    assert rejected(tmp_path, data).field == "dyad_gaps.0.dyads"
    data = copy.deepcopy(raw)
    data["dyad_sources"]["trade_bn"]["left_out"][0]["dyad"] = "RUS-PAK"
    assert rejected(tmp_path, data).field == "dyad_sources.trade_bn.left_out.0.dyad"


def test_bad_new_figures_are_rejected_naming_the_field(tmp_path: Path, raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["dyads"]["CHN-RUS"]["trade_bn"][2014] = "93.942"
    assert rejected(tmp_path, data).field == "dyads.CHN-RUS.trade_bn.2014"
    data = copy.deepcopy(raw)
    data["dyads"]["CHN-RUS"]["trade_bn"][2014] = -1.0
    assert rejected(tmp_path, data).field == "dyads.CHN-RUS.trade_bn.2014"
    data = copy.deepcopy(raw)
    data["values"]["PAK"]["un_ideal_point"][2014] = "not found"
    assert rejected(tmp_path, data).field == "values.PAK.un_ideal_point.2014"
    data = copy.deepcopy(raw)
    data["values"]["PAK"]["nmc_cinc"][2014] = True
    assert rejected(tmp_path, data).field == "values.PAK.nmc_cinc.2014"
    data = copy.deepcopy(raw)
    data["dyads"]["CHN-RUS"]["exports_bn"] = {2014: 1.0}
    assert rejected(tmp_path, data).field == "dyads.CHN-RUS.exports_bn"


@pytest.mark.slow(seconds=6)
def test_unexplained_holes_in_new_fields_are_rejected(tmp_path: Path, raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    del data["dyads"]["CHN-RUS"]["trade_bn"][2023]
    other = data["dyad_sources"]["trade_bn"]["other"]
    i = next(i for i, o in enumerate(other) if o["figures"] == {"CHN-RUS": [2023]})
    error = rejected(tmp_path, data)
    assert error.field == f"dyad_sources.trade_bn.other.{i}.figures.CHN-RUS"  # its source now names no figure
    del other[i]
    error = rejected(tmp_path, data)
    assert error.field == "dyads.CHN-RUS.trade_bn" and "2023" in error.expected
    data = copy.deepcopy(raw)
    del data["values"]["IND"]["un_ideal_point"][2016]
    error = rejected(tmp_path, data)
    assert error.field == "values.IND.un_ideal_point" and "2016" in error.expected
    data = copy.deepcopy(raw)
    data["gaps"] = [g for g in data["gaps"] if g["indicator"] != "nmc_cinc"]
    error = rejected(tmp_path, data)
    assert error.field == "values.PAK.nmc_cinc" and "2023" in error.expected
    data = copy.deepcopy(raw)
    data["dyad_gaps"] = data["dyad_gaps"][1:]  # 2010-2013
    error = rejected(tmp_path, data)
    assert error.field == "dyads.CHN-IND.trade_bn" and "2010" in error.expected
    data = copy.deepcopy(raw)
    data["dyad_gaps"][0]["years"].append(2014)  # a gap that is not one
    assert rejected(tmp_path, data).field == "dyad_gaps.0"
    data = copy.deepcopy(raw)
    data["dyad_sources"]["trade_bn"]["other"].pop(0)  # a figure without a source
    error = rejected(tmp_path, data)
    assert error.field == "dyad_sources.trade_bn.other" and "CHN-IND 2014" in error.expected
