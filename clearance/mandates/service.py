"""Who may declare for whom: a live mandate from the importer or exporter to its broker."""

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from sqlalchemy import or_, tuple_
from sqlmodel import Session, col, select

from clearance.auth.models import Role
from clearance.auth.service import Caller
from clearance.clock import Clock
from clearance.errors import FieldError, Forbidden, NotFound, invalid_field
from clearance.mandates.models import Mandate
from clearance.mandates.schemas import MandateIn
from clearance.messages import Message
from clearance.reference.calendar import local_date


class MandateRequired(Forbidden):
    code = "mandate_required"


class MandateNotFound(NotFound):
    code = "mandate_not_found"


def check(
    *, session: Session, clock: Clock, broker: str, client: str, kind: str, field: str
) -> None:
    """Refuse a broker acting for a client without a live mandate covering this kind."""
    if broker == client:
        return
    held = unrevoked(session=session, pairs=[(broker, client)]).get((broker, client), [])
    today = local_date(clock.now())  # mandates run by the date at the gate
    if (
        refused := refusal(held, broker=broker, client=client, kind=kind, field=field, today=today)
    ) is not None:
        raise refused


def unrevoked(
    *, session: Session, pairs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], list[Mandate]]:
    """The mandates not revoked of each (broker, client) pair, in one query for them all."""
    wanted = set(pairs)
    if not wanted:
        return {}
    found: dict[tuple[str, str], list[Mandate]] = {}
    table = Mandate.__table__  # type: ignore[attr-defined]
    # Core rows, read only: lodging asks for every set, and the ORM's loading cost more.
    rows = session.connection().execute(
        sa.select(table).where(
            tuple_(table.c.broker_tax_code, table.c.client_tax_code).in_(wanted),
            table.c.revoked_at.is_(None),
        )
    )
    for row in rows.mappings():
        mandate = Mandate.model_construct(**row)
        found.setdefault((mandate.broker_tax_code, mandate.client_tax_code), []).append(mandate)
    return found


def refusal(
    held: Iterable[Mandate], *, broker: str, client: str, kind: str, field: str, today: date
) -> MandateRequired | None:
    """Why `held` (the pair's unrevoked mandates) does not let the broker act today, or None."""
    if broker == client:
        return None
    covering = [m for m in held if kind in m.scope]
    if any(m.valid_from <= today <= m.valid_to for m in covering):
        return None
    if covering:
        latest = max(covering, key=lambda m: m.valid_to)
        expired = latest.valid_to < today
        detail = Message(
            "error.mandate_expired" if expired else "error.mandate_not_yet",
            {
                "mandate_id": latest.id,
                "client": client,
                "broker": broker,
                "kind": Message(f"flow.{kind}"),
                "on": (latest.valid_to if expired else latest.valid_from).isoformat(),
            },
        )
    else:
        detail = Message(
            "error.mandate_missing",
            {"client": client, "broker": broker, "kind": Message(f"flow.{kind}")},
        )
    return MandateRequired(detail, errors=[FieldError(field, detail)])


def grant(*, session: Session, clock: Clock, caller: Caller, mandate_in: MandateIn) -> Mandate:
    """A client authorises a broker; a supervisor may record a client's paper mandate."""
    client = mandate_in.client_tax_code
    if caller.role is Role.trader:
        if client not in {None, caller.tax_code}:
            raise invalid_field("client_tax_code", Message("field.mandate_self_only"))
        client = caller.tax_code
    if client is None:
        raise invalid_field("client_tax_code", Message("field.mandate_client_required"))
    if client == mandate_in.broker_tax_code:
        raise invalid_field("broker_tax_code", Message("field.mandate_not_needed"))
    mandate = Mandate(
        broker_tax_code=mandate_in.broker_tax_code,
        client_tax_code=client,
        scope=list(mandate_in.scope),
        valid_from=mandate_in.valid_from,
        valid_to=mandate_in.valid_to,
        granted_by=caller.actor,
        granted_at=clock.now(),
    )
    session.add(mandate)
    session.flush()
    return mandate


def list_for(*, session: Session, caller: Caller) -> list[Mandate]:
    """A trader's mandates as client or broker; everything for a supervisor."""
    statement = select(Mandate).order_by(col(Mandate.id))
    if caller.role is Role.trader:
        statement = statement.where(
            or_(
                col(Mandate.client_tax_code) == caller.tax_code,
                col(Mandate.broker_tax_code) == caller.tax_code,
            )
        )
    return list(session.exec(statement).all())


def revoke(*, session: Session, clock: Clock, caller: Caller, mandate_id: int) -> Mandate:
    """The client (or a supervisor) ends a mandate; the row stays, as every record does."""
    mandate = session.get(Mandate, mandate_id, with_for_update=True)
    if mandate is None or (
        caller.role is Role.trader and caller.tax_code != mandate.client_tax_code
    ):
        raise MandateNotFound(Message("error.mandate_not_found", {"mandate_id": mandate_id}))
    if mandate.revoked_at is None:
        mandate.revoked_at = clock.now()
        session.add(mandate)
    return mandate
