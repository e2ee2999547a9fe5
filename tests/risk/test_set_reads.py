"""What screening reads for a set comes from the trader's own rows, and no more of them than a
rule needs: the new-trader count stops at the rule's threshold, and the live activity counts
only the trader's and the declarant's declarations."""

import uuid
from dataclasses import replace
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from clearance.clock import FrozenClock
from clearance.declarations.models import Declaration
from clearance.declarations.schemas import DeclarationIn
from clearance.declarations.service import body
from clearance.reference import service as reference_service
from clearance.risk import config, live_reads, set_reads
from clearance.settings import get_settings
from tests.conftest import OTHER_TAX_CODE, TRADER_TAX_CODE
from tests.factories import declaration
from tests.helpers import lodge


def _lodged(client: TestClient, key: str, tax_code: str, count: int, clock: FrozenClock) -> None:
    for _ in range(count):
        lodge(client, key, declaration(tax_code))
        clock.advance(timedelta(minutes=1))


def _rows(session: Session, tax_code: str) -> list[Declaration]:
    return list(
        session.exec(
            select(Declaration)
            .where(Declaration.trader_tax_code == tax_code)
            .order_by(col(Declaration.lodged_at))
        ).all()
    )


def test_prior_counts_stop_at_the_new_trader_threshold_and_read_the_traders_own_rows(
    client: TestClient, keys: dict[str, str], session: Session, clock: FrozenClock
) -> None:
    _lodged(client, keys["trader"], TRADER_TAX_CODE, 5, clock)
    _lodged(client, keys["other_trader"], OTHER_TAX_CODE, 2, clock)
    ours, theirs = _rows(session, TRADER_TAX_CODE), _rows(session, OTHER_TAX_CODE)
    configs = config.rule_configs(session=session, settings=get_settings())
    below = int(configs["R-NEW-TRADER"].params["below"])
    assert below < len(ours)
    wanted = [*ours, *theirs]
    bodies: dict[uuid.UUID, DeclarationIn] = {
        d.id: body(session=session, declaration=d) for d in wanted
    }

    reads = set_reads.read(
        session=session,
        clock=clock,
        declarations=wanted,
        bodies=bodies,
        configs=configs,
        reference=reference_service.snapshot(session=session, today=clock.now().date()),
    )

    assert [reads.priors[d.id] for d in ours] == [min(n, below) for n in range(len(ours))]
    assert [reads.priors[d.id] for d in theirs] == [0, 1]
    # Each counts the earlier ones of its own trader and declarant, none of the other's.
    live = live_reads.live_activities(session, wanted, bodies, None)
    assert [live[d.id].importer_declarations for d in ours] == list(range(len(ours)))
    assert [live[d.id].declarant_declarations for d in theirs] == [0, 1]
    last = live[ours[-1].id]
    assert last.importer_7d == last.importer_30d == last.importer_hs6_declarations == len(ours) - 1
    # From the model's history end on: what came before it the model counted itself.
    since = ours[2].lodged_at
    assert live_reads.live_activity(session, ours[-1], bodies[ours[-1].id], since) == replace(
        last,
        importer_declarations=2,
        importer_7d=2,
        importer_30d=2,
        importer_hs6_declarations=2,
        declarant_declarations=2,
    )
