"""The mandates the demo's brokers hold, recorded as a supervisor records paper ones."""

from collections.abc import Iterable
from datetime import timedelta

from sqlmodel import Session, select

from clearance.clock import Clock
from clearance.mandates.models import Mandate
from clearance.synthetic.parties import demo_clients

MANDATE_DAYS = 365


def grant_demo_mandates(*, session: Session, clock: Clock, brokers: Iterable[str]) -> int:
    """Record the mandates the demo's brokers hold; returns how many were new."""
    today = clock.now().date()
    granted = 0
    for broker in brokers:
        held = set(
            session.exec(
                select(Mandate.client_tax_code).where(Mandate.broker_tax_code == broker)
            ).all()
        )
        for client in demo_clients(broker):
            if client in held:
                continue
            session.add(
                Mandate(
                    broker_tax_code=broker,
                    client_tax_code=client,
                    scope=["import", "export", "transit"],
                    valid_from=today - timedelta(days=1),
                    valid_to=today + timedelta(days=MANDATE_DAYS),
                    granted_by="demo",
                    granted_at=clock.now(),
                )
            )
            granted += 1
    session.flush()
    return granted
