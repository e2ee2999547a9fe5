"""The CIDD converter: the public Korean set arrives as valid, labelled history."""

import csv
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from clearance.reference.seed import DATA_DIR
from clearance.risk.history import read_jsonl
from tests.needs import need
from tests.risk.cidd import SPLITS, Conversion, convert, load_cidd, read_cidd, split_path


@pytest.fixture(autouse=True, scope="module")
def cidd_files() -> None:
    """../shared/data/cidd beside the clone (as on every machine and in CI), or
    CLEARANCE_CIDD_DIR."""
    found = all(split_path(split).exists() for split in SPLITS)
    need(found, f"the CIDD files in {split_path('train').parent}", "set CLEARANCE_CIDD_DIR")


def test_the_cidd_files_are_where_the_project_expects_them() -> None:
    assert split_path("train").exists(), f"CIDD not found at {split_path('train')}"


# From the dataset's README: rows, first and last date.
DOCUMENTED = {
    "train": (37_385, "2020-01-01", "2020-12-31"),
    "valid": (8_134, "2021-01-01", "2021-03-31"),
    "test": (8_481, "2021-04-01", "2021-06-30"),
}
HEADER = (
    "Declaration ID,Date,Office ID,Process Type,Import Type,Import Use,Payment Type,"
    "Mode of Transport,Declarant ID,Importer ID,Seller ID,Courier ID,HS6 Code,"
    "Country of Departure,Country of Origin,Tax Rate,Tax Type,Country of Origin Indicator,"
    "Net Mass,Item Price,Fraud,Critical Fraud"
)


@pytest.fixture(scope="module")
def converted() -> dict[str, Conversion]:
    return {split: read_cidd(split_path(split)) for split in SPLITS}


def _day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize("split", SPLITS)
def test_every_documented_row_is_read_and_kept_unless_it_lacks_mass_or_price(
    split: str, converted: dict[str, Conversion]
) -> None:
    conversion = converted[split]
    rows, _, _ = DOCUMENTED[split]
    assert conversion.rows == rows
    assert 0 < conversion.skipped < 0.02 * rows
    lines = sum(len(record.lines) for record in conversion.records)
    assert lines == rows - conversion.skipped
    assert len({record.ucr for record in conversion.records}) == len(conversion.records)


@pytest.mark.parametrize("split", SPLITS)
def test_fraud_rate_is_about_a_fifth_and_revenue_is_not_available(
    split: str, converted: dict[str, Conversion]
) -> None:
    outcomes = [record.outcome for record in converted[split].records]
    assert all(o is not None and o.inspected and o.revenue_recovered is None for o in outcomes)
    rate = sum(1 for o in outcomes if o and o.fraud_found) / len(outcomes)
    assert 0.20 <= rate <= 0.23


@pytest.mark.parametrize("split", SPLITS)
def test_dates_lie_in_the_documented_ranges(split: str, converted: dict[str, Conversion]) -> None:
    _, first, last = DOCUMENTED[split]
    stamps = [record.lodged_at for record in converted[split].records]
    assert min(stamps) == _day(first) and max(stamps) == _day(last)
    assert all(stamp.hour == 0 and stamp.minute == 0 for stamp in stamps)


def test_countries_are_iso_alpha_2_or_unknown(converted: dict[str, Conversion]) -> None:
    with (DATA_DIR / "countries.csv").open(encoding="utf-8") as handle:
        iso = {row["code"] for row in csv.DictReader(handle)}
    seen = {
        country
        for conversion in converted.values()
        for record in conversion.records
        for country in (record.counterparty.country, *(line.origin for line in record.lines))
    }
    assert seen - iso == {"ZZ"}


def test_critical_fraud_is_a_prohibited_finding_on_a_fraudulent_record(
    converted: dict[str, Conversion],
) -> None:
    flagged = [r for r in converted["train"].records if r.outcome and r.outcome.findings]
    assert 300 < len(flagged) < 500
    assert all(r.outcome and r.outcome.fraud_found for r in flagged)
    assert {f.code for r in flagged if r.outcome for f in r.outcome.findings} == {"prohibited"}


def test_the_converted_test_split_round_trips_through_json_lines(tmp_path: Path) -> None:
    out = tmp_path / "cidd.jsonl"
    result = convert([split_path("test")], out)
    assert list(read_jsonl(out)) == result.records


def test_rows_of_one_declaration_become_one_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        "11111111,2020-03-02,30,B,11,21,11,10,DECL001,IMP0001,SELL001,,10190,CN,CN,8.0,A,Y,"
        "100.0,250000.0,0,0",
        "11111111,2020-03-02,30,B,11,21,11,10,DECL001,IMP0001,SELL001,,851713,CN,VN,8.0,A,Y,"
        "2.5,900000.00000000001,1,2",
        "22222222,2020-03-03,30,B,11,21,11,10,DECL002,IMP0002,,,090230,LK,LK,8.0,A,Y,0.0,0.0,1,1",
    ]
    (tmp_path / "df_syn_train_eng.csv").write_text("\n".join([HEADER, *rows]) + "\n")
    monkeypatch.setenv("CLEARANCE_CIDD_DIR", str(tmp_path))

    [record] = load_cidd("train")
    assert read_cidd(split_path("train")).skipped == 1
    assert record.ucr == "CIDD-11111111"
    assert record.lodged_at == _day("2020-03-02")
    assert (record.declarant.tax_code, record.trader.tax_code) == ("DECL001", "IMP0001")
    assert (record.counterparty.name, record.counterparty.country) == ("SELL001", "CN")
    assert [line.hs_code for line in record.lines] == ["010190", "851713"]
    assert [line.origin for line in record.lines] == ["CN", "VN"]
    second = record.lines[1]
    assert (second.net_kg, second.quantity, second.unit) == (Decimal("2.5"), Decimal("2.5"), "kg")
    assert (second.customs_value, second.currency) == (Decimal("900000.00"), "KRW")
    assert record.outcome is not None and record.outcome.fraud_found
    assert [(f.code, f.line) for f in record.outcome.findings] == [("prohibited", 2)]


def test_an_unknown_split_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown CIDD split"):
        split_path("2022")
