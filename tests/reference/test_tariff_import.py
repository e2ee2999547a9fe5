"""Editions of the tariff: the shipped one seeded, a newer one imported with its diff, and a
malformed file refused with its row named and nothing changed."""

import csv
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, col

from clearance.reference import nomenclature, tariff_files
from clearance.reference.models import TariffLine
from clearance.reference.tariff_files import MalformedEdition, read_edition

NEXT_YEAR = date(2027, 1, 1)


def _edition(tmp_path: Path, edit: dict[str, dict[str, str]], drop: str = "") -> Path:
    """A copy of the shipped edition with some rows' cells changed and one line dropped."""
    folder = tmp_path / "edition"
    shutil.copytree(tariff_files.SHIPPED_EDITION, folder)
    path = folder / "tariff.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    assert fields is not None
    kept = [{**row, **edit.get(row["code"], {})} for row in rows if row["code"] != drop]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(kept)
    procedures = folder / "procedures.csv"
    lines = procedures.read_text(encoding="utf-8").splitlines(keepends=True)
    procedures.write_text("".join(x for x in lines if f",{drop}," not in x or not drop), "utf-8")
    return folder


def test_the_shipped_edition_has_every_line_and_no_heading() -> None:
    edition = read_edition(tariff_files.SHIPPED_EDITION)

    assert len(edition) == 11_871
    assert "0902" not in edition and "090230" not in edition
    assert edition["09023090"].rates["acfta"] == "0 (-TH)"
    assert "cư dân biên giới" in edition["09023090"].procedures  # the border-resident list


def test_the_migration_seeds_the_shipped_edition(session: Session) -> None:
    count = session.execute(select(func.count()).select_from(TariffLine)).scalar_one()

    assert count == 11_871
    loaded = nomenclature.current(session=session)
    assert loaded.line("40012290", date(2026, 11, 30)) is not None


def test_a_newer_edition_is_imported_with_its_diff(session: Session, tmp_path: Path) -> None:
    folder = _edition(tmp_path, {"31021000": {"acfta": "0"}}, drop="26020000")

    diff = nomenclature.import_edition(
        session=session, directory=folder, effective_from=NEXT_YEAR, created_by="test"
    )
    session.commit()

    assert (diff.added, diff.removed) == ([], ["26020000"])
    assert diff.changed == {"31021000": {"acfta": ("5", "0")}}
    loaded = nomenclature.current(session=session)
    assert loaded.line("26020000", date(2026, 12, 31)) is not None
    assert loaded.line("26020000", NEXT_YEAR) is None
    urea = loaded.line("31021000", NEXT_YEAR)
    assert urea is not None and urea.rates["acfta"] == "0"
    stored = session.execute(
        select(col(TariffLine.code)).where(col(TariffLine.created_by) == "test")
    ).scalars()
    assert sorted(stored) == ["26020000", "31021000"]
    with pytest.raises(nomenclature.EditionInForce):
        nomenclature.import_edition(
            session=session, directory=folder, effective_from=NEXT_YEAR, created_by="test"
        )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"31021000": {"acfta": "5%"}}, r"tariff.csv line \d+, column acfta: '5%'"),
        ({"31021000": {"mfn": ""}}, r"tariff.csv line \d+: a tariff line needs a mfn rate"),
        ({"31021000": {"code": "3102100"}}, r"code '3102100' has 7 digits"),
        ({"31021000": {"code": "31021O00"}}, r"code '31021O00' is not digits"),
        ({"31021000": {"code": "31022100"}}, r"code 31022100 repeats line \d+"),
    ],
)
def test_a_malformed_edition_is_refused_naming_the_row_and_changes_nothing(
    session: Session, tmp_path: Path, edit: dict[str, dict[str, str]], message: str
) -> None:
    folder = _edition(tmp_path, edit)
    before = session.execute(select(func.count()).select_from(TariffLine)).scalar_one()

    with pytest.raises(MalformedEdition, match=message):
        nomenclature.import_edition(
            session=session, directory=folder, effective_from=NEXT_YEAR, created_by="test"
        )

    assert session.execute(select(func.count()).select_from(TariffLine)).scalar_one() == before


def test_procedures_of_a_line_not_in_the_tariff_are_refused(tmp_path: Path) -> None:
    folder = _edition(tmp_path, {})
    with (folder / "procedures.csv").open("a", encoding="utf-8") as handle:
        handle.write('2,99999999,x,y,"Kiểm dịch thực vật (01/2024/TT-BNNPTNT M9)"\n')

    with pytest.raises(MalformedEdition, match=r"procedures.csv line 7934: code '99999999'"):
        read_edition(folder)


def _import_tariff(sqlite_url: str, folder: Path, day: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "clearance",
            "reference",
            "import-tariff",
            str(folder),
            "--effective-from",
            day,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={"CLEARANCE_DATABASE_URL": sqlite_url, "CLEARANCE_ENVIRONMENT": "test"},
    )


def test_the_command_prints_the_diff_or_refuses(sqlite_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "empty"
    bad.mkdir()

    done = _import_tariff(sqlite_url, _edition(tmp_path, {"09023090": {"mfn": "35"}}), "2027-01-01")
    refused = _import_tariff(sqlite_url, bad, "2027-02-01")

    assert done.returncode == 0, done.stderr
    assert "lines whose rates changed: 1" in done.stdout
    assert "09023090: mfn '40' -> '35'" in done.stdout
    assert refused.returncode == 2
    assert "refused, nothing changed: tariff.csv: no such file" in refused.stderr
