"""Bank notices and guarantees: idempotent, and release follows in the same request."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from clearance.clock import FrozenClock
from tests.conftest import START, auth
from tests.factories import declaration
from tests.helpers import arrive, duties, lodge, pay, read

OWED = 21_397_680  # a truck of urea: see test_assessment


def _notice(declaration_id: str | None, **overrides: Any) -> dict[str, Any]:
    return {
        "bank_reference": "VCB-20261130-000123",
        "declaration_id": declaration_id,
        "amount_vnd": OWED,
        "paid_at": START.isoformat(),
        **overrides,
    }


def _notify(client: TestClient, key: str, notice: dict[str, Any]) -> Any:
    return client.post("/v1/payments/notifications", json=notice, headers=auth(key))


def _waiting_for_duty(client: TestClient, keys: dict[str, str], work: Callable[[], int]) -> str:
    """A green declaration, decided, its truck at the gate: only the duty holds it."""
    declaration_id = lodge(client, keys["trader"])
    work()
    detail = arrive(client, keys["gate"], declaration_id)
    assert (detail["state"], detail["missing"]) == ("decided", [f"duty of {OWED:,} VND unpaid"])
    return declaration_id


def test_the_bank_notice_releases_the_goods_in_the_same_request(
    client: TestClient, keys: dict[str, str], work: Callable[[], int], established: None
) -> None:
    declaration_id = _waiting_for_duty(client, keys, work)

    response = _notify(client, keys["bank"], _notice(declaration_id))

    assert response.status_code == 201, response.text
    assert response.json()["amount_vnd"] == OWED
    detail = read(client, keys["trader"], declaration_id)
    assert (detail["state"], detail["missing"]) == ("released", [])
    assert detail["events"][-1]["action"] == "release"
    assert duties(client, keys["trader"], declaration_id)["outstanding_vnd"] == 0


def test_a_part_payment_leaves_the_rest_outstanding(
    client: TestClient, keys: dict[str, str], work: Callable[[], int], established: None
) -> None:
    declaration_id = _waiting_for_duty(client, keys, work)

    pay(client, keys["bank"], declaration_id, amount_vnd=20_000_000)

    detail = read(client, keys["trader"], declaration_id)
    assert (detail["state"], detail["missing"]) == ("decided", ["duty of 1,397,680 VND unpaid"])


def test_the_same_notice_twice_is_recorded_once_and_answered_alike(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    declaration_id = lodge(client, keys["trader"])
    work()

    first = _notify(client, keys["bank"], _notice(declaration_id))
    again = _notify(client, keys["bank"], _notice(declaration_id))

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert again.json() == first.json()
    assert duties(client, keys["trader"], declaration_id)["paid_vnd"] == OWED


def test_a_reference_reused_with_other_details_is_a_conflict(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    declaration_id = lodge(client, keys["trader"])
    work()
    assert _notify(client, keys["bank"], _notice(declaration_id)).status_code == 201

    response = _notify(client, keys["bank"], _notice(declaration_id, amount_vnd=OWED + 1))

    assert response.status_code == 409
    assert response.json()["code"] == "bank_reference_reused"
    assert duties(client, keys["trader"], declaration_id)["paid_vnd"] == OWED


def test_a_notice_may_name_the_declaration_by_ucr_and_declarant(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    body = declaration()
    declaration_id = lodge(client, keys["trader"], body)
    work()
    by_ucr = _notice(None, ucr=body["ucr"], declarant_tax_code=body["declarant"]["tax_code"])

    response = _notify(client, keys["bank"], by_ucr)

    assert response.status_code == 201, response.text
    assert response.json()["declaration_id"] == declaration_id


def test_a_notice_for_no_known_declaration_is_a_404_problem(
    client: TestClient, keys: dict[str, str]
) -> None:
    unknown = _notice("00000000-0000-4000-8000-000000000000")
    by_ucr = _notice(None, ucr="MLT-NOWHERE-1", declarant_tax_code="0100000001")

    for notice in (unknown, by_ucr):
        response = _notify(client, keys["bank"], notice)
        assert response.status_code == 404, response.text
        assert response.headers["content-type"].startswith("application/problem+json")


def test_only_the_bank_sends_payment_notices(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    declaration_id = lodge(client, keys["trader"])
    work()

    for role in ("trader", "officer", "supervisor", "gate"):
        response = _notify(client, keys[role], _notice(declaration_id))
        assert response.status_code == 403, role
    assert duties(client, keys["trader"], declaration_id)["paid_vnd"] == 0


def test_a_notice_must_name_the_declaration_one_way_and_be_paid_already(
    client: TestClient, keys: dict[str, str], clock: FrozenClock
) -> None:
    both = _notice("00000000-0000-4000-8000-000000000000", ucr="MLT-X-0001")
    future = _notice(
        "00000000-0000-4000-8000-000000000000",
        paid_at=(clock.now() + timedelta(hours=1)).isoformat(),
    )

    assert _notify(client, keys["bank"], both).status_code == 422
    response = _notify(client, keys["bank"], future)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "paid_at"


def test_a_guarantee_opens_the_gate_until_it_expires(
    client: TestClient, keys: dict[str, str], work: Callable[[], int], established: None
) -> None:
    declaration_id = _waiting_for_duty(client, keys, work)
    guarantee = {"amount_vnd": OWED, "reference": "BL-VCB-2026-0042", "expires_on": "2026-12-31"}

    refused = client.post(
        f"/v1/declarations/{declaration_id}/guarantees",
        json=guarantee,
        headers=auth(keys["trader"]),
    )
    response = client.post(
        f"/v1/declarations/{declaration_id}/guarantees",
        json=guarantee,
        headers=auth(keys["supervisor"]),
    )

    assert refused.status_code == 403
    assert response.status_code == 201, response.text
    assert response.json()["registered_by"].startswith("supervisor:")
    assert read(client, keys["trader"], declaration_id)["state"] == "released"
    owed = duties(client, keys["trader"], declaration_id)
    assert (owed["guaranteed_vnd"], owed["outstanding_vnd"]) == (OWED, 0)


def test_an_expired_or_short_guarantee_does_not_open_the_gate(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    established: None,
    clock: FrozenClock,
) -> None:
    declaration_id = _waiting_for_duty(client, keys, work)
    path, supervisor = f"/v1/declarations/{declaration_id}/guarantees", auth(keys["supervisor"])
    expired = {"amount_vnd": OWED, "reference": "BL-OLD-0001", "expires_on": "2026-11-29"}
    short = {"amount_vnd": OWED - 1, "reference": "BL-SHORT-0001", "expires_on": "2026-12-31"}

    assert client.post(path, json=expired, headers=supervisor).status_code == 422
    assert client.post(path, json=short, headers=supervisor).status_code == 201

    detail = read(client, keys["trader"], declaration_id)
    assert (detail["state"], detail["missing"]) == ("decided", ["duty of 1 VND unpaid"])
    clock.advance(timedelta(days=40))  # past its expiry: it covers nothing any more
    assert read(client, keys["trader"], declaration_id)["missing"] == [
        f"duty of {OWED:,} VND unpaid"
    ]


def test_six_distinct_notices_are_recorded_but_the_overpayment_is_flagged(
    client: TestClient, keys: dict[str, str], work: Callable[[], int], established: None
) -> None:
    declaration_id = _waiting_for_duty(client, keys, work)
    for n in range(6):
        notice = _notice(declaration_id, bank_reference=f"VCB-20261130-00060{n}")
        assert _notify(client, keys["bank"], notice).status_code == 201

    owed = duties(client, keys["officer"], declaration_id)
    assert (owed["paid_vnd"], owed["overpaid_vnd"]) == (6 * OWED, 5 * OWED)
    flags = [
        e
        for e in read(client, keys["officer"], declaration_id)["events"]
        if e["action"] == "overpayment"
    ]
    assert len(flags) == 5  # from the second notice on, each one goes further past the duty
    assert f"{5 * OWED:,} VND to refund" in flags[-1]["reason"]
    trader_flags = [e["text"] for e in read(client, keys["trader"], declaration_id)["events"]]
    assert "paid beyond the duty owed: a refund is due" in trader_flags


def test_a_payment_dated_before_the_lodgement_is_refused(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    clock: FrozenClock,
    established: None,
) -> None:
    clock.advance(timedelta(hours=2))
    declaration_id = _waiting_for_duty(client, keys, work)
    early = _notify(client, keys["bank"], _notice(declaration_id, paid_at=START.isoformat()))
    assert early.status_code == 422, early.text
    assert early.json()["errors"] == [
        {
            "field": "paid_at",
            "message": "is before the declaration was lodged",
            "code": "field.before_lodgement",
            "params": {},
        }
    ]
    assert duties(client, keys["officer"], declaration_id)["paid_vnd"] == 0


def test_a_bank_clock_a_little_behind_ours_is_not_an_early_payment(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    clock: FrozenClock,
    established: None,
) -> None:
    """The bank stamps whole seconds on its own clock: a notice a moment before the lodgement
    (the demo pays seconds after lodging) is the payment of this declaration."""
    clock.advance(timedelta(hours=2))
    declaration_id = _waiting_for_duty(client, keys, work)
    lodged = START + timedelta(hours=2)
    for paid_at, status in (
        (lodged - timedelta(minutes=6), 422),
        (lodged - timedelta(seconds=1), 201),
    ):
        notice = _notice(declaration_id, paid_at=paid_at.isoformat())
        assert _notify(client, keys["bank"], notice).status_code == status
