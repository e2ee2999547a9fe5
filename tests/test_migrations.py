"""Migrations build the schema the models describe, and tear it down again, on both engines."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from clearance import db
from clearance.migrations import alembic_config

BEFORE_AUDIT = "0004"
PG_GUARDS = (
    "SELECT count(*) FROM pg_trigger WHERE tgname = 'trg_audit_record_append_only'"
    " UNION ALL SELECT count(*) FROM pg_proc WHERE proname = 'audit_record_append_only'"
)
SQLITE_GUARDS = "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"


@pytest.fixture(params=["postgresql", "sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
    else:
        yield request.getfixturevalue("empty_db")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    made = db.make_engine(database_url)
    yield made
    made.dispose()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def _guards(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            return list(connection.execute(text(SQLITE_GUARDS)).scalars())
        return [n for n in connection.execute(text(PG_GUARDS)).scalars() if n]


def test_head_matches_the_models(database_url: str) -> None:
    config = alembic_config(database_url)
    command.upgrade(config, "head")

    command.check(config)  # raises when autogenerate would find anything to do


def test_audit_migration_goes_up_and_down_with_its_guards(
    database_url: str, engine: Engine
) -> None:
    config = alembic_config(database_url)
    command.upgrade(config, "head")
    assert "audit_record" in _tables(engine)
    guarded = _guards(engine)
    assert len(guarded) == 2  # PostgreSQL: trigger and function; SQLite: update and delete

    command.downgrade(config, BEFORE_AUDIT)
    assert "audit_record" not in _tables(engine)
    assert _guards(engine) == []

    command.upgrade(config, "head")
    assert _guards(engine) == guarded


def test_every_migration_goes_down_to_nothing_and_up_again(
    database_url: str, engine: Engine
) -> None:
    config = alembic_config(database_url)
    command.upgrade(config, "head")
    tables = _tables(engine)

    command.downgrade(config, "base")
    assert _tables(engine) == set()
    command.upgrade(config, "head")
    assert _tables(engine) == tables
    command.check(config)


def test_the_chapter_rows_of_quarantine_papers_go_and_a_supervisors_version_stays(
    database_url: str, engine: Engine
) -> None:
    """Databases migrated before the procedures drove the papers kept asking for a
    phytosanitary certificate for every line of chapters 06-14; 0012 removes those rows."""
    config = alembic_config(database_url)
    command.upgrade(config, "0011")
    insert = text(
        "INSERT INTO required_document"
        " (regime, hs_prefix, preference, document_kind, required, reason, effective_from)"
        " VALUES ('any', :prefix, '', :kind, true, :reason, '2026-01-01')"
    )
    rows = [
        ("08", "phytosanitary", "phytosanitary certificate: fruit and nuts (HS chapter 08)"),
        ("02", "quarantine", "quarantine certificate: meat and edible offal (HS chapter 02)"),
        ("09", "phytosanitary", "a supervisor's own reason for tea and spices"),
    ]
    with engine.begin() as connection:
        for prefix, kind, reason in rows:
            connection.execute(insert, {"prefix": prefix, "kind": kind, "reason": reason})

    command.upgrade(config, "head")

    with engine.connect() as connection:
        left = connection.execute(
            text("SELECT hs_prefix FROM required_document WHERE hs_prefix != ''")
        ).scalars()
        kept = {prefix for prefix in left if prefix in {"02", "08", "09"}}
    assert kept == {"09"}


FIREWORKS = (
    "Decree 69/2018/ND-CP Annex I (import ban): fireworks of all kinds; Decree 137/2020/ND-CP"
)
INVOICE = "commercial invoice: every consignment (Customs Law 2014 art. 24)"
PLANTS = ("01/2024/TT-BNNPTNT M9", "Kiểm dịch thực vật", "plant quarantine certificate")


def test_reference_rows_seeded_before_their_vietnamese_get_it_and_a_supervisors_stay(
    database_url: str, engine: Engine
) -> None:
    """0013 added the Vietnamese columns empty; 0014 fills them from the shipped files where
    the row is the shipped one and its Vietnamese is still empty."""
    config = alembic_config(database_url)
    command.upgrade(config, "0013")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO prohibited_good (hs_prefix, kind, regime, reason, effective_from)"
                " VALUES ('360410', 'prohibited', 'import', :shipped, '2026-01-01'),"
                " ('6309', 'prohibited', 'import', 'a supervisor''s own words', '2026-01-01')"
            ),
            {"shipped": FIREWORKS},
        )
        connection.execute(
            text(
                "INSERT INTO procedure_paper (basis, procedure, regime, document_kind, paper)"
                " VALUES (:basis, :procedure, 'any', 'phytosanitary', :paper)"
            ),
            dict(zip(("basis", "procedure", "paper"), PLANTS, strict=True)),
        )
        connection.execute(
            text(
                "INSERT INTO required_document (regime, hs_prefix, preference, document_kind,"
                " required, reason, reason_vi, effective_from) VALUES"
                " ('any', '', '', 'invoice', true, :reason, 'hóa đơn (lãnh đạo đã sửa)',"
                " '2026-01-01')"
            ),
            {"reason": INVOICE},
        )

    command.upgrade(config, "head")

    with engine.connect() as connection:
        rows = connection.execute(text("SELECT hs_prefix, reason_vi FROM prohibited_good"))
        prohibited: dict[str, str] = {prefix: vi for prefix, vi in rows}
        paper = connection.execute(text("SELECT paper_vi FROM procedure_paper")).scalar_one()
        invoice = connection.execute(text("SELECT reason_vi FROM required_document")).scalar_one()
    assert prohibited["360410"].startswith("Nghị định 69/2018/NĐ-CP Phụ lục I (cấm nhập khẩu)")
    assert prohibited["6309"] == ""  # the supervisor's English: no Vietnamese is known for it
    assert paper == "giấy chứng nhận kiểm dịch thực vật"
    assert invoice == "hóa đơn (lãnh đạo đã sửa)"  # the supervisor's Vietnamese stays
