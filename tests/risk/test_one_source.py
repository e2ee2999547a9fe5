"""A fact has one source for each kind of path: the database's rows for the service (a
supervisor's edits included), the shipped files through one loader for the paths without a
database. Exchange rates and the origins an FTA preference covers, here."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session

from clearance.clock import FrozenClock
from clearance.reference.models import ExchangeRate
from clearance.reference.seed import shipped_reference
from clearance.risk import learning
from clearance.risk.bands import load_rates
from clearance.risk.features import outside_area
from clearance.risk.history import HistoryLine
from clearance.risk.model import train
from clearance.synthetic.catalogue import rate_per_usd
from clearance.synthetic.history import simulate
from tests.conftest import START


def test_training_the_simulator_and_the_catalogue_read_the_same_shipped_rates() -> None:
    shipped = shipped_reference().rates_vnd
    rates = load_rates()

    assert rates == {currency: float(rate) for currency, rate in shipped.items()}
    assert rate_per_usd("CNY") == shipped["USD"] / shipped["CNY"]


def test_the_model_at_screening_reads_a_supervisors_edit_of_the_rates(
    session: Session, clock: FrozenClock
) -> None:
    records = simulate(seed=5, count=300, start=START - timedelta(days=90), days=60)
    model = train(records, seed=3, trained_at=clock.now())
    assert model.state.rates["CNY"] == load_rates()["CNY"]
    learning.store_model(
        session=session, clock=clock, model=model, trained_on=300, actor="test", activate=True
    )
    session.add(
        ExchangeRate(currency="CNY", rate_vnd=Decimal("4000"), effective_from=date(2026, 6, 1))
    )
    session.flush()

    loaded = learning.active_model(session=session)

    assert loaded is not None
    assert loaded.model.state.rates["CNY"] == 4000.0
    assert loaded.model.state.rates["USD"] == load_rates()["USD"]


def test_training_in_the_service_reads_the_rates_in_force(
    session: Session, clock: FrozenClock
) -> None:
    session.add(
        ExchangeRate(currency="CNY", rate_vnd=Decimal("4000"), effective_from=date(2026, 6, 1))
    )
    session.flush()
    records = simulate(seed=5, count=300, start=START - timedelta(days=90), days=60)

    model = train(records, seed=3, goods=learning.goods_table(session), trained_at=clock.now())

    assert model.state.rates["CNY"] == 4000.0
    assert model.state.rates["USD"] == load_rates()["USD"]


def _claim(origin: str, preference: str | None = "ACFTA_FORM_E") -> HistoryLine:
    return HistoryLine.model_validate(
        {
            "hs_code": "09022010",
            "origin": origin,
            "preference": preference,
            "quantity": "1000",
            "net_kg": "1000",
            "customs_value": "3000",
            "currency": "USD",
        }
    )


def test_the_models_preference_feature_reads_the_agreements_the_rule_reads() -> None:
    reference = shipped_reference()
    assert outside_area(_claim("JP"), reference)
    assert not outside_area(_claim("TH"), reference)
    assert not outside_area(_claim("JP", preference=None), reference)
    # Narrowed to China alone, the reference data puts Thai goods outside the area too.
    narrowed = replace(
        reference,
        schedules=tuple(replace(s, members=frozenset({"CN"})) for s in reference.schedules),
    )
    assert outside_area(_claim("TH"), narrowed)
    assert narrowed.schedule_for("ACFTA_FORM_E", "TH") is None
