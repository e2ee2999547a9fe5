"""The benchmark's history: prefilled declarations are whole (every table a declaration's
reads touch), consistent (their foreign keys hold) and what the API would have accepted."""

import psycopg
import sqlalchemy as sa
from psycopg import sql

from clearance import db
from clearance.declarations import activity
from clearance.declarations.models import ActivityDay
from clearance.declarations.schemas import DeclarationIn
from loadtests import prefill


def _connect(url: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))


def test_a_prefilled_history_is_whole_and_consistent(cloned_db: str) -> None:
    args = prefill.parse_args(["--database-url", cloned_db, "--count", "300", "--traders", "40"])

    done = prefill.prefill(args)

    assert done["declarations"] == 300
    with _connect(cloned_db) as connection:

        def count(query: str | sql.Composed) -> int:
            [value] = connection.execute(query).fetchall()[0]
            assert isinstance(value, int)
            return value

        assert count("SELECT count(*) FROM declaration WHERE ucr LIKE 'PF%'") == 300
        for table in ("declaration_version", "declaration_event", "assessment", "declaration_line"):
            orphans = count(
                sql.SQL(
                    "SELECT count(*) FROM {} t LEFT JOIN declaration d "
                    "ON d.id = t.declaration_id WHERE d.id IS NULL"
                ).format(sql.Identifier(table))
            )
            assert orphans == 0, table
        assert count("SELECT count(*) FROM declaration_event WHERE action = 'lodge'") >= 300
        assert count("SELECT count(DISTINCT trader_tax_code) FROM declaration") > 10
        red = count("SELECT count(*) FROM assessment WHERE channel = 'red'")
        assert count("SELECT count(*) FROM decision WHERE inspected") == red
        payloads = connection.execute(
            "SELECT v.payload, d.ucr, d.kind FROM declaration_version v "
            "JOIN declaration d ON d.id = v.declaration_id WHERE d.ucr LIKE 'PF%' LIMIT 50"
        ).fetchall()
    for payload, ucr, kind in payloads:
        body = DeclarationIn.model_validate(payload)
        assert (body.ucr, body.kind) == (ucr, kind)


def test_prefilled_and_pending_declarations_are_counted_in_their_parties_days(
    cloned_db: str,
) -> None:
    prefill.prefill(prefill.parse_args(["--database-url", cloned_db, "--count", "200"]))
    prefill.pending(cloned_db, 30, prefix="PD")

    engine = db.make_engine(cloned_db)
    with engine.connect() as connection:
        table = ActivityDay.__table__  # type: ignore[attr-defined]
        written = sorted(connection.execute(sa.select(table)).all())
        activity.rebuild(connection)
        assert sorted(connection.execute(sa.select(table)).all()) == written
        every = sa.select(sa.func.sum(table.c.declarations)).where(
            table.c.party == activity.TRADER, table.c.hs6 == activity.ALL_GOODS
        )
        assert connection.execute(every).scalar_one() == 230
        connection.rollback()
    engine.dispose()
