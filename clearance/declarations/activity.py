"""Each party's declarations per UTC day (`ActivityDay`), written in the transaction that
writes the declarations, so that reading a trader's activity costs a few dozen rows however
many declarations the tables hold. The declarations are the source of truth: `rebuild`
recounts the days from them.

What is counted never shrinks: a cancelled declaration was lodged all the same, and an
amendment only adds the HS6 codes its version brings that no earlier version had."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from clearance import db
from clearance.declarations.models import ActivityDay, Declaration, DeclarationLine
from clearance.declarations.schemas import DeclarationIn

TRADER = "trader"
DECLARANT = "declarant"
ALL_GOODS = ""  # the `hs6` of a party's count of all its declarations

Key = tuple[str, str, str, date]  # party, tax code, HS6 (or ALL_GOODS), day


@dataclass(frozen=True)
class Counted:
    """A declaration as its counts see it: who, when, and the HS6 codes of its lines."""

    trader: str
    declarant: str
    at: datetime
    hs6: frozenset[str]


def hs6_codes(body: DeclarationIn) -> frozenset[str]:
    return frozenset(line.hs_code[:6] for line in body.lines)


def of_body(body: DeclarationIn, at: datetime) -> Counted:
    """A declaration lodged at `at` with this body."""
    return Counted(body.trader.tax_code, body.declarant.tax_code, at, hs6_codes(body))


def day_of(at: datetime) -> date:
    return at.astimezone(UTC).date()


def counts(lodged: Iterable[Counted]) -> Counter[Key]:
    """What the declarations add to each party's day."""
    added: Counter[Key] = Counter()
    for item in lodged:
        day = day_of(item.at)
        added[(TRADER, item.trader, ALL_GOODS, day)] += 1
        added[(DECLARANT, item.declarant, ALL_GOODS, day)] += 1
        for code in item.hs6:
            added[(TRADER, item.trader, code, day)] += 1
    return added


def lodged(session: Session, items: Iterable[Counted]) -> None:
    """New declarations: one statement for the lot."""
    add(session.connection(), counts(items))


def amended(session: Session, declaration: Declaration, body: DeclarationIn) -> None:
    """A new version (its lines written or about to be): the HS6 codes no earlier one had."""
    earlier = set(
        session.exec(
            select(hs6_of(col(DeclarationLine.hs_code)))
            .where(
                col(DeclarationLine.declaration_id) == declaration.id,
                col(DeclarationLine.version) < declaration.version,
            )
            .distinct()
        ).all()
    )
    day = day_of(declaration.lodged_at)
    trader = declaration.trader_tax_code
    added = Counter({(TRADER, trader, code, day): 1 for code in hs6_codes(body) - earlier})
    add(session.connection(), added)


def add(connection: Connection, added: Counter[Key]) -> None:
    """Add to the days' counts, creating the days not counted yet: one upsert, each day once
    (summed before). The rows are taken in one order by every writer, so two transactions
    adding to the same days never deadlock."""
    if not added:
        return
    db.insert_many(connection, upsert(connection.dialect.name), day_rows(added))


def day_rows(added: Counter[Key]) -> list[dict[str, Any]]:
    """The upsert's rows (`upsert`), in the one order every writer takes them."""
    return [
        {"party": party, "tax_code": code, "hs6": hs6, "day": day, "declarations": n}
        for (party, code, hs6, day), n in sorted(added.items())
    ]


@lru_cache(maxsize=4)
def upsert(dialect_name: str) -> sa.Insert:
    """The days' upsert, built once: SQLAlchemy builds `excluded` anew at each call."""
    table: sa.Table = ActivityDay.__table__  # type: ignore[attr-defined]
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(table)
    upsert: sa.Insert = statement.on_conflict_do_update(
        index_elements=["party", "tax_code", "hs6", "day"],
        set_={"declarations": table.c.declarations + statement.excluded.declarations},
    )
    return upsert


def hs6_of(hs_code: Any) -> Any:
    return sa.func.substr(hs_code, 1, 6)


def _day(connection: Connection, lodged_at: Any) -> Any:
    """The UTC day of a stored timestamp, in SQL."""
    if connection.dialect.name == "postgresql":
        return sa.cast(sa.func.timezone("UTC", lodged_at), sa.Date)
    return sa.func.date(lodged_at)


def rebuild(connection: Connection) -> int:
    """Recount every day from the declarations; returns how many days there are."""
    table: sa.Table = ActivityDay.__table__  # type: ignore[attr-defined]
    declaration: sa.Table = Declaration.__table__  # type: ignore[attr-defined]
    line: sa.Table = DeclarationLine.__table__  # type: ignore[attr-defined]
    connection.execute(sa.delete(table))
    day = _day(connection, declaration.c.lodged_at).label("day")
    columns = ["party", "tax_code", "hs6", "day", "declarations"]
    for party, code in (
        (TRADER, declaration.c.trader_tax_code),
        (DECLARANT, declaration.c.declarant_tax_code),
    ):
        every = sa.select(
            sa.literal(party), code, sa.literal(ALL_GOODS), day, sa.func.count()
        ).group_by(code, day)
        connection.execute(sa.insert(table).from_select(columns, every))
    hs6 = hs6_of(line.c.hs_code)
    code = declaration.c.trader_tax_code
    by_goods = (
        sa.select(sa.literal(TRADER), code, hs6, day, sa.func.count(sa.distinct(declaration.c.id)))
        .select_from(declaration.join(line, line.c.declaration_id == declaration.c.id))
        .group_by(code, hs6, day)
    )
    connection.execute(sa.insert(table).from_select(columns, by_goods))
    return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
