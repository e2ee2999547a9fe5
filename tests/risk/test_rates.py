"""Exchange rates have one source each: the database's rows for the service, a supervisor's
edits included; the shipped file, read by one loader, for the paths without a database."""

from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session

from clearance.clock import FrozenClock
from clearance.reference.models import ExchangeRate
from clearance.reference.seed import shipped_reference
from clearance.risk import learning
from clearance.risk.bands import load_rates
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
