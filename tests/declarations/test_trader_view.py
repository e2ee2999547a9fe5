"""What a trader reads of its declaration's events: texts from a fixed set, never the detail."""

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from clearance.declarations import timeline
from clearance.declarations.models import DecisionKind
from clearance.declarations.timeline import TraderText
from tests.conftest import OTHER_TAX_CODE, auth
from tests.documents.helpers import invoice, pdf, uploaded
from tests.factories import declaration
from tests.helpers import (
    check_documents,
    claim,
    decide,
    inspect_goods,
    lodge,
    read,
    required_documents,
)

OFFICER_NOTE = "informant Nguyen says the bales hide cigarettes"
# What an officer reads and a trader must not: the other trader, rule ids, the tolerance, the
# officer's words and which officer's key acted.
SECRETS = (OTHER_TAX_CODE, "DOC-", "R-", "tolerance", "% off", OFFICER_NOTE, "officer:")


def _trader_routes(client: TestClient, key: str, declaration_id: str) -> list[Any]:
    """Every route a trader reads its declaration through, and one that refuses it."""
    headers = auth(key)
    url = f"/v1/declarations/{declaration_id}"
    return [
        client.get(url, headers=headers),
        client.get("/v1/declarations", headers=headers),
        client.get(f"{url}/documents", headers=headers),
        client.get(f"{url}/duties", headers=headers),
        client.get("/v1/notifications", headers=headers),
        client.post(f"{url}/cancel", json={"reason": "changed my mind"}, headers=headers),
    ]


def test_a_trader_reads_fixed_texts_on_every_route_while_officers_read_the_detail(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    configure: Callable[..., None],
) -> None:
    configure(new_trader_declarations=0, notification_allowlist='["127.0.0.1"]')
    subscription = {"url": "http://127.0.0.1:9/hooks"}
    assert client.post(
        "/v1/subscriptions", json=subscription, headers=auth(keys["trader"])
    ).is_success
    scan = pdf("one scan, two traders")
    theirs = lodge(client, keys["other_trader"], declaration(OTHER_TAX_CODE), documents=False)
    uploaded(client, keys["other_trader"], theirs, invoice(), content=scan)
    body = declaration()
    ours = lodge(client, keys["trader"], body, documents=False)
    work()  # held: documents missing
    for fields in required_documents(body):
        content = scan if fields["kind"] == "invoice" else None
        uploaded(client, keys["trader"], ours, fields, content=content)
    work()  # the papers re-checked: red
    claim(client, keys["officer"])
    assert check_documents(client, keys["officer"], ours).is_success
    assert decide(client, keys["officer"], ours, decision="inspect", reason=OFFICER_NOTE).is_success
    arrived = client.post(
        f"/v1/declarations/{ours}/arrival",
        json={"weighbridge_kg": "26000"},
        headers=auth(keys["gate"]),
    )
    assert arrived.status_code == 200, arrived.text  # rescored: the weighbridge disagrees
    claim(client, keys["officer"], lane="inspection")
    assert inspect_goods(client, keys["officer"], ours).is_success
    released = decide(client, keys["officer"], ours, decision="release", reason=OFFICER_NOTE)
    assert released.status_code == 200, released.text

    as_officer = read(client, keys["officer"], ours)
    detail_reasons = " ".join(e["reason"] for e in as_officer["events"])
    assert OTHER_TAX_CODE in detail_reasons and theirs in detail_reasons
    assert "tolerance" in detail_reasons and OFFICER_NOTE in detail_reasons
    actions = {e["action"] for e in as_officer["events"]}
    assert {"rescore", "decide_hold", "claim", "decide_inspect", "arrival"} <= actions

    for response in [*_trader_routes(client, keys["trader"], ours), arrived]:
        for secret in (*SECRETS, theirs):
            assert secret not in response.text, (response.request.url, secret)
    as_trader = read(client, keys["trader"], ours)
    assert [e["reason"] for e in as_trader["events"]] == [None] * len(as_trader["events"])
    assert {e["text"] for e in as_trader["events"]} <= set(TraderText)
    assert TraderText.selected_for_inspection in [e["text"] for e in as_trader["events"]]


def _called(call: ast.Call) -> str:
    return getattr(call.func, "attr", getattr(call.func, "id", ""))


def _written_actions() -> set[str]:
    """Every literal `action=` an event is written with anywhere in the service."""
    found = set()
    for path in Path(timeline.__file__).parents[1].rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            # An audit record (`audit.service.record`) and a command's option are no events.
            if isinstance(node, ast.Call) and _called(node) not in {"add_argument", "record"}:
                for keyword in node.keywords:
                    if keyword.arg == "action" and isinstance(keyword.value, ast.Constant):
                        found.add(str(keyword.value.value))
    return found


def test_every_event_kind_the_service_writes_has_its_own_trader_text() -> None:
    written = _written_actions()
    assert {"lodge", "rescore", "arrival", "payment", "claim"} <= written
    # decide_<kind> is written from a template: each decision kind is mapped on its own.
    written |= {f"decide_{kind.value}" for kind in DecisionKind}
    unmapped = written - set(timeline.KNOWN_ACTIONS)
    assert unmapped == set(), "give these events a trader-facing text in declarations.timeline"
