"""The model in the loop: trained from stored history, used by screening, relearning outcomes."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlmodel import Session, select

from clearance.clock import FrozenClock
from clearance.declarations.models import Assessment
from clearance.declarations.schemas import DeclarationIn
from clearance.reference import service as reference_service
from clearance.risk import learning
from clearance.risk.history import record_from_declaration
from clearance.risk.model import RiskModel, train
from clearance.synthetic.history import simulate
from tests.conftest import START, auth, sessions_on
from tests.factories import TEA_LINE, declaration, tea_export
from tests.helpers import claim, decide, lodge, read

# The year of history and the model trained on it are made once for the module: each test
# runs in a savepoint of the module's transaction (tests/conftest.py's `shared_app`).
pytestmark = [pytest.mark.usefixtures("shared_app"), pytest.mark.long]
HISTORY_COUNT = 3000


@pytest.fixture(scope="module")
def history(module_environment: None, module_connection: Connection) -> int:
    """A year of simulated Ma Lù Thàng traffic with its inspection outcomes, imported."""
    records = simulate(seed=5, count=HISTORY_COUNT, start=START - timedelta(days=365), days=360)
    with sessions_on(module_connection)() as session:
        reference = reference_service.snapshot(session=session, today=START.date())
        added, _skipped = learning.import_history(
            session=session,
            clock=FrozenClock(START),
            reference=reference,
            records=records,
            source="simulated",
        )
        session.commit()
    assert added == HISTORY_COUNT
    return added


@pytest.fixture(scope="module")
def trained(history: int, module_connection: Connection) -> RiskModel:
    """The model of the imported history, as a test's clock (START) would train it."""
    with sessions_on(module_connection)() as session:
        return train(learning.training_records(session=session), seed=3, trained_at=START)


def _activate(session: Session, clock: FrozenClock, model: RiskModel, trained_on: int) -> str:
    row = learning.store_model(
        session=session,
        clock=clock,
        model=model,
        trained_on=trained_on,
        actor="test",
        activate=True,
    )
    return row.version


def test_screening_uses_the_active_model_and_explains_only_what_officers_read(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    session: Session,
    clock: FrozenClock,
    history: int,
    trained: RiskModel,
) -> None:
    version = _activate(session, clock, trained, history)
    listed = client.get("/v1/risk/models", headers=auth(keys["operator"])).json()
    assert [(m["version"], m["active"], m["trained_on"]) for m in listed] == [
        (version, True, history)
    ]

    ids = [lodge(client, keys["trader"], declaration()) for _ in range(4)]
    work()
    rows = session.exec(select(Assessment)).all()
    assert {row.model_version for row in rows} == {version}
    assert all(row.model_score is not None and 0 <= row.model_score <= 1 for row in rows)
    for declaration_id in ids:
        detail = read(client, keys["officer"], declaration_id)
        model_reasons = [r for r in detail["risk"]["reasons"] if r["rule_id"] == "MODEL"]
        if detail["channel"] == "green":
            assert model_reasons == []
        else:
            assert model_reasons and all(r["reason"] for r in model_reasons)
            assert all(r["code"].startswith("model.") for r in model_reasons)


def _cheap_tea(**overrides: Any) -> dict[str, Any]:
    """Tea at a third of its price, phytosanitary certificate and all: the pattern to learn."""
    return tea_export(lines=[{**TEA_LINE, "customs_value": "5000.00"}], **overrides)


def test_a_model_retrained_on_officer_outcomes_ranks_their_pattern_higher(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    session: Session,
    clock: FrozenClock,
    trained: RiskModel,
    configure: Callable[..., None],
) -> None:
    # Without rules the officers' queue is the model's alone: the test is about what it learns.
    for rule_id in ("R-UNDERVALUATION", "R-NEW-TRADER"):
        response = client.put(
            f"/v1/risk/rules/{rule_id}",
            json={"enabled": False, "severity": "info"},
            headers=auth(keys["supervisor"]),
        )
        assert response.status_code == 200
    configure(random_red_share=1)  # every declaration goes to an officer
    before = trained  # the history alone, trained at this test's clock
    # Tea at its price from one trader: nothing in the goods says fraud, the seizures will.
    probe = record_from_declaration(
        DeclarationIn.model_validate(tea_export()), lodged_at=clock.now() + timedelta(days=1)
    )

    for _ in range(16):  # the retrained score moves from ~0.00 to ~0.95 after a dozen
        declaration_id = lodge(client, keys["trader"], tea_export())
        work()
        claim(client, keys["officer"])
        decide(client, keys["officer"], declaration_id, decision="inspect")
        claim(client, keys["officer"], lane="inspection")
        seized = decide(
            client,
            keys["officer"],
            declaration_id,
            decision="seize",
            reason="undeclared tea",
            inspected=True,
            fraud_found=True,
            revenue_recovered="500.00",
            revenue_currency="USD",
            findings=[{"code": "weight", "line": 1, "detail": "a tonne more than declared"}],
        )
        assert seized.status_code == 200, seized.text
        clock.advance(timedelta(hours=2))

    after = train(learning.training_records(session=session), seed=3, trained_at=clock.now())
    assert after.score(probe) > before.score(probe) + 0.2


def test_undervaluation_reads_the_price_bands_learned_from_history(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    session: Session,
    clock: FrozenClock,
    history: int,
    trained: RiskModel,
) -> None:
    _activate(session, clock, trained, history)
    declaration_id = lodge(client, keys["trader"], _cheap_tea())
    work()
    reasons = read(client, keys["officer"], declaration_id)["risk"]["reasons"]
    [reason] = [r["reason"] for r in reasons if r["rule_id"] == "R-UNDERVALUATION"]
    assert reason.endswith("learned from history)")
    assert "HS 09022010 x VN" in reason


def test_with_a_model_the_score_is_the_expected_value_of_inspecting(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    session: Session,
    clock: FrozenClock,
    history: int,
    trained: RiskModel,
) -> None:
    _activate(session, clock, trained, history)
    lodged = [
        lodge(client, keys["trader"], tea_export()),
        lodge(client, keys["trader"], _cheap_tea()),
    ]
    work()
    by_declaration = {str(row.declaration_id): row for row in session.exec(select(Assessment))}
    honest, cheap = (by_declaration[declaration_id] for declaration_id in lodged)
    for row in (honest, cheap):
        assert row.model_score is not None
        assert row.score == pytest.approx(row.model_score, abs=1e-4)
    assert cheap.score > honest.score


def test_the_model_rescores_a_weighed_truck_and_stops_a_green_declaration(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    session: Session,
    clock: FrozenClock,
    history: int,
    trained: RiskModel,
    configure: Callable[..., None],
) -> None:
    _activate(session, clock, trained, history)
    # The weight rule is off: what stops the truck is the model's reading of the weighbridge.
    response = client.put(
        "/v1/risk/rules/R-WEIGHT",
        json={"enabled": False, "severity": "info"},
        headers=auth(keys["supervisor"]),
    )
    assert response.status_code == 200
    configure(red_threshold=0.3, yellow_threshold=0.2)
    declaration_id = lodge(client, keys["trader"], tea_export())
    work()
    assert read(client, keys["trader"], declaration_id)["state"] == "decided"
    declared = sum(float(line["gross_kg"]) for line in tea_export()["lines"])
    arrived = client.post(
        f"/v1/declarations/{declaration_id}/arrival",
        json={"weighbridge_kg": str(round(declared * 1.25))},
        headers=auth(keys["gate"]),
    ).json()
    assert (arrived["state"], arrived["channel"]) == ("inspection", "red")
    reasons = read(client, keys["officer"], declaration_id)["risk"]["reasons"]
    [model] = [r for r in reasons if r["rule_id"] == "MODEL" and "arrival" in r["reason"]]
    assert model["reason"].startswith("re-scored at arrival (weighbridge ")
