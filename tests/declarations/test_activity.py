"""The parties' days are written with the declarations and always equal a recount of them;
screening's live activity read from them equals counting the declarations one by one."""

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from clearance.clock import FrozenClock
from clearance.declarations import activity
from clearance.declarations.models import ActivityDay, Declaration, DeclarationLine
from clearance.declarations.schemas import DeclarationIn
from clearance.declarations.service import body
from clearance.risk.features import Activity
from clearance.risk.live_reads import live_activities
from tests.conftest import OTHER_TAX_CODE, TRADER_TAX_CODE, auth
from tests.factories import TEA_LINE, UREA_LINE, USED_CLOTHING_LINE, declaration
from tests.helpers import lodge

Days = dict[tuple[str, str, str, date], int]


def _days(session: Session) -> Days:
    session.flush()
    return {
        (row.party, row.tax_code, row.hs6, row.day): row.declarations
        for row in session.exec(select(ActivityDay)).all()
    }


def _recounted(session: Session) -> Days:
    activity.rebuild(session.connection())
    return _days(session)


def test_days_follow_lodgements_amendments_and_cancellations(
    client: TestClient,
    keys: dict[str, str],
    session: Session,
    clock: FrozenClock,
    work: Callable[[], int],
) -> None:
    body = declaration(lines=[UREA_LINE])
    urea = lodge(client, keys["trader"], body, documents=False)
    lodge(client, keys["other_trader"], declaration(OTHER_TAX_CODE), documents=False)
    clock.advance(timedelta(hours=20))  # into the next day (UTC)
    later = declaration(lines=[UREA_LINE, TEA_LINE])
    cancelled = lodge(client, keys["trader"], later, documents=False)
    dropped = client.post(
        f"/v1/declarations/{cancelled}/cancel",
        json={"reason": "changed my mind"},
        headers=auth(keys["trader"]),
    )
    assert dropped.status_code == 200, dropped.text
    work()
    amended = client.post(
        f"/v1/declarations/{urea}/amendments",
        json={
            "declaration": {**body, "lines": [UREA_LINE, USED_CLOTHING_LINE]},
            "reason": "a second line",
        },
        headers=auth(keys["trader"]),
    )
    assert amended.status_code == 202, amended.text

    days = _days(session)
    first, second = date(2026, 11, 30), date(2026, 12, 1)
    ours = {key[2:]: n for key, n in days.items() if key[:2] == ("trader", TRADER_TAX_CODE)}
    # The cancelled one was lodged all the same; the amendment brought the clothing's code.
    assert ours == {
        ("", first): 1,
        ("310210", first): 1,
        ("630900", first): 1,
        ("", second): 1,
        ("310210", second): 1,
        ("090220", second): 1,
    }
    assert days[("declarant", OTHER_TAX_CODE, "", first)] == 1
    assert _recounted(session) == days


def test_an_amendment_counts_no_code_twice(
    client: TestClient,
    keys: dict[str, str],
    session: Session,
    work: Callable[[], int],
) -> None:
    body = declaration(lines=[UREA_LINE])
    urea = lodge(client, keys["trader"], body, documents=False)
    work()
    for lines in ([UREA_LINE, TEA_LINE], [TEA_LINE]):
        amended = client.post(
            f"/v1/declarations/{urea}/amendments",
            json={"declaration": {**body, "lines": lines}, "reason": "the goods corrected"},
            headers=auth(keys["trader"]),
        )
        assert amended.status_code == 202, amended.text
        work()

    days = _days(session)
    assert days[("trader", TRADER_TAX_CODE, "090220", date(2026, 11, 30))] == 1
    assert days[("trader", TRADER_TAX_CODE, "310210", date(2026, 11, 30))] == 1
    assert _recounted(session) == days


def _one_by_one(
    session: Session, wanted: Declaration, bodies: dict[uuid.UUID, DeclarationIn], since: datetime
) -> Activity:
    """What the activity is by definition: the declarations counted one at a time."""
    rows = session.exec(select(Declaration).where(col(Declaration.lodged_at) >= since)).all()
    codes: dict[uuid.UUID, set[str]] = {}
    for line in session.exec(select(DeclarationLine)).all():
        codes.setdefault(line.declaration_id, set()).add(line.hs_code[:6])
    at = wanted.lodged_at
    mine = [d for d in rows if d.trader_tax_code == wanted.trader_tax_code and d.lodged_at < at]
    theirs = [d for d in rows if d.declarant_tax_code == wanted.declarant_tax_code]
    hs6 = activity.hs6_codes(bodies[wanted.id])
    return Activity(
        importer_declarations=len(mine),
        importer_7d=sum(d.lodged_at >= at - timedelta(days=7) for d in mine),
        importer_30d=sum(d.lodged_at >= at - timedelta(days=30) for d in mine),
        importer_hs6_declarations=min(
            sum(code in codes.get(d.id, set()) for d in mine) for code in hs6
        ),
        declarant_declarations=sum(d.lodged_at < at for d in theirs),
    )


def test_live_activity_from_the_days_equals_counting_one_by_one(
    client: TestClient, keys: dict[str, str], session: Session, clock: FrozenClock
) -> None:
    for n in range(16):
        lines = [UREA_LINE] if n % 3 else [UREA_LINE, TEA_LINE]
        lodge(client, keys["trader"], declaration(lines=lines), documents=False)
        if n % 4 == 0:
            lodge(client, keys["other_trader"], declaration(OTHER_TAX_CODE), documents=False)
        clock.advance(timedelta(days=2, hours=7, minutes=n))
    rows = list(session.exec(select(Declaration).order_by(col(Declaration.lodged_at))).all())
    bodies = {d.id: body(session=session, declaration=d) for d in rows}

    # The model's history ending at midnight, inside a day, or before anything was lodged.
    for since in (
        datetime(2026, 12, 5, tzinfo=UTC),
        rows[5].lodged_at + timedelta(hours=3),
        datetime(2026, 1, 1, tzinfo=UTC),
    ):
        live = live_activities(session, rows, bodies, since)
        expected = {d.id: _one_by_one(session, d, bodies, since) for d in rows}
        assert live == expected
        assert any(a.importer_7d != a.importer_30d for a in live.values())
