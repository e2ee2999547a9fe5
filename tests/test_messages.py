"""Texts as codes with parameters: rendered in either language, stored and read back whole."""

import re
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

import clearance
from clearance.catalogue import TEMPLATES
from clearance.messages import Message, from_json, negotiate
from tests.conftest import auth
from tests.helpers import lodge

LITERAL_CODE = re.compile(r"""Message\(\s*["']([a-z_]+\.[a-z_.]+|bilingual)["']""")


def test_every_code_the_services_name_is_in_the_catalogue_in_both_languages() -> None:
    sources = Path(clearance.__file__).parent.rglob("*.py")
    named = {code for path in sources for code in LITERAL_CODE.findall(path.read_text("utf-8"))}
    assert len(named) > 40
    assert sorted(named - set(TEMPLATES["vi"])) == []
    assert set(TEMPLATES["vi"]) == set(TEMPLATES["en"])


def test_a_message_renders_nested_messages_and_lists_in_the_same_language() -> None:
    gate = Message(
        "gate.documents", {"missing": [Message("paper.invoice"), Message("paper.contract")]}
    )
    waiting = Message("readiness.waiting", {"missing": [gate, Message("gate.arrival")]})

    assert waiting.text == (
        "waiting: required documents: commercial invoice, contract; arrival recorded at the gate"
    )
    assert waiting.render("vi") == (
        "đang chờ: chứng từ bắt buộc: hóa đơn thương mại, hợp đồng; xe đến cửa khẩu được ghi nhận"
    )
    assert from_json(waiting.as_json()) == waiting  # as stored in JSON, and back


def test_the_language_is_the_one_accept_language_prefers_among_ours() -> None:
    assert negotiate(None) == "en"
    assert negotiate("vi-VN,vi;q=0.9,en;q=0.8") == "vi"
    assert negotiate("fr, en;q=0.5, vi;q=0.7") == "vi"
    assert negotiate("de") == "en"


def test_the_api_gives_codes_beside_its_texts_and_speaks_vietnamese_when_asked(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    declaration_id = lodge(client, keys["trader"])
    work()
    url = f"/v1/declarations/{declaration_id}"

    english = client.get(url, headers=auth(keys["officer"])).json()
    vietnamese = client.get(url, headers={**auth(keys["officer"]), "Accept-Language": "vi"}).json()

    assert "customs decision to release" in english["missing"]
    assert "quyết định thông quan của hải quan" in vietnamese["missing"]
    assert {m["code"] for m in vietnamese["missing_messages"]} >= {"gate.decision", "gate.arrival"}
    assessed = next(e for e in vietnamese["events"] if e["action"] == "assess")
    assert (assessed["code"], assessed["text"]) == ("trader.assessed", "đã phân luồng")
    assert assessed["reason_code"] == "event.channel" and assessed["reason"] == "luồng vàng"
    [new_trader] = [r for r in vietnamese["risk"]["reasons"] if r["rule_id"] == "R-NEW-TRADER"]
    assert new_trader["code"] == "risk.new_trader" and new_trader["reason"].startswith("Doanh")
    assert english["risk"]["reasons"][0]["reason"].startswith("trader ")
