"""Officers for the demo: each claims the most urgent item, accepts its papers, sends a red one
to inspection, inspects a truck that is at the gate and releases, so that the queue is worked
and trucks leave. They find nothing: the demo shows the flow, not the judgement."""

from collections.abc import Sequence
from typing import Any

import httpx

from clearance.synthetic.http import Narration, bearer, post

ITEMS = "/v1/review/items"


def work_queue(client: httpx.Client, officer_keys: Sequence[str], log: Narration) -> None:
    """Each officer takes one item that can be worked now (its papers to check, or its truck
    at the gate to inspect), the most urgent first, and does what its lane asks."""
    for number, key in enumerate(officer_keys, start=1):
        item = _ready_item(client, key)
        if item is None:
            continue
        claimed = post(client, f"{ITEMS}/{item['declaration_id']}/claim", key, {}, log, "claim")
        if claimed is not None:
            _work(client, key, claimed.json()["item"], log, f"officer {number}")


def _ready_item(client: httpx.Client, key: str) -> dict[str, Any] | None:
    """The most urgent free item an officer can work through now, if any."""
    queue = client.get("/v1/review/queue", params={"limit": 50}, headers=bearer(key))
    if not queue.is_success:
        return None
    for item in queue.json():
        if item["leased_by"] is not None or item["lane"] == "held":
            continue
        if item["lane"] == "document_check":
            return dict(item)
        found = client.get(f"/v1/declarations/{item['declaration_id']}", headers=bearer(key))
        if found.is_success and found.json().get("arrived_at"):
            return dict(item)  # an inspection needs the truck at the gate
    return None


def _work(client: httpx.Client, key: str, item: dict[str, Any], log: Narration, who: str) -> bool:
    """One item worked through its lane; False when it has to wait for the truck."""
    path, version, ucr = f"{ITEMS}/{item['declaration_id']}", item["version"], item["ucr"]
    if item["state"] == "document_check":
        if not _accept_papers(client, key, item, log, who):
            return False
        red = item["channel"] == "red"
        decision = {"decision": "inspect" if red else "release", "version": version}
        what = f"{who} {'sent to inspection' if red else 'released'} {ucr}"
        return post(client, f"{path}/decision", key, decision, log, what, headline=True) is not None
    inspection = {"version": version, "seals_intact": True}
    if post(client, f"{path}/inspection", key, inspection, log, f"{who} inspected {ucr}") is None:
        return False
    release = {"decision": "release", "version": version, "inspected": True}
    what = f"{who} released {ucr} after inspection"
    return post(client, f"{path}/decision", key, release, log, what, headline=True) is not None


def _accept_papers(
    client: httpx.Client, key: str, item: dict[str, Any], log: Narration, who: str
) -> bool:
    """A document check accepting every paper of the dossier."""
    declaration_id = item["declaration_id"]
    listed = client.get(f"/v1/declarations/{declaration_id}/documents", headers=bearer(key))
    if not listed.is_success:
        log.failure(f"{who}: documents of {item['ucr']} -> {listed.status_code}")
        return False
    verdicts = [
        {"document_id": d["id"], "verdict": "accepted"}
        for d in listed.json()["documents"]
        if d["kind"] != "inspection_photo"
    ]
    check = {"version": item["version"], "documents": verdicts}
    what = f"{who} accepted the papers of {item['ucr']}"
    return (
        post(client, f"{ITEMS}/{declaration_id}/document-check", key, check, log, what) is not None
    )
