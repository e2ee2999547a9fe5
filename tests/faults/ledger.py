"""Declarations counted in (202s at the API) and out (rows in the database), for fault tests."""

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlmodel import Session

from clearance import db
from clearance.auth.models import Role
from clearance.auth.service import create_key
from clearance.clock import SystemClock
from clearance.settings import get_settings
from tests.documents.helpers import pdf
from tests.helpers import required_documents

# What a client may be told while a backing service is down: accepted, or "come back later".
ACCEPTABLE = frozenset({202, 503})


def issue_keys(database_url: str, roles: dict[Role, str | None]) -> dict[Role, str]:
    """One API key per role (tax code for traders), written straight to the test's database."""
    engine = db.make_engine(database_url)
    try:
        with Session(engine) as session:
            keys = {
                role: create_key(
                    session=session,
                    clock=SystemClock(),
                    secret_key=get_settings().secret_key,
                    role=role,
                    tax_code=tax_code,
                )[1]
                for role, tax_code in roles.items()
            }
            session.commit()
        return keys
    finally:
        engine.dispose()


@dataclass
class Answer:
    """A non-202 answer to a lodgement, as the client saw it."""

    status: int
    retry_after: str | None
    content_type: str
    at: float


@dataclass
class Intake:
    """A trader's client that lodges each body until accepted, as the API asks clients to."""

    # It retries with the same Idempotency-Key after a 503 or a dropped connection.

    url: str
    key: str
    accepted: dict[str, str] = field(default_factory=dict)  # UCR -> declaration id
    accepted_at: dict[str, float] = field(default_factory=dict)
    refused: list[Answer] = field(default_factory=list)
    transport_errors: int = 0
    failures: list[str] = field(default_factory=list)  # answers no fault excuses (a 500)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def lodge(self, body: dict[str, Any], timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        headers = {**self.headers, "Idempotency-Key": f"fault-{body['ucr']}"}
        with httpx.Client(base_url=self.url, timeout=10) as http:
            while time.monotonic() < deadline:
                try:
                    response = http.post("/v1/declarations", json=body, headers=headers)
                except httpx.TransportError:
                    with self.lock:
                        self.transport_errors += 1
                    time.sleep(0.2)
                    continue
                if response.status_code == 202:
                    with self.lock:
                        self.accepted[body["ucr"]] = response.json()["id"]
                        self.accepted_at[body["ucr"]] = time.monotonic()
                    return str(response.json()["id"])
                answer = Answer(
                    status=response.status_code,
                    retry_after=response.headers.get("Retry-After"),
                    content_type=response.headers.get("content-type", ""),
                    at=time.monotonic(),
                )
                with self.lock:
                    self.refused.append(answer)
                if response.status_code not in ACCEPTABLE:
                    return self._fail(f"lodgement answered {response.status_code}: {response.text}")
                time.sleep(0.2)
        return self._fail(f"{body['ucr']} was not accepted within {timeout:.0f} s")

    def first_accepted_after(self, moment: float) -> float | None:
        """When the first lodgement after `moment` was accepted (monotonic clock), if any."""
        with self.lock:
            return min((t for t in self.accepted_at.values() if t > moment), default=None)

    def _fail(self, problem: str) -> str:
        with self.lock:
            self.failures.append(problem)
        raise AssertionError(problem)

    def upload_documents(self, declaration_id: str, body: dict[str, Any]) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as http:
            for fields in required_documents(body):
                uploaded = http.post(
                    f"/v1/declarations/{declaration_id}/documents",
                    files={"file": ("scan.pdf", pdf(), "application/pdf")},
                    data={"fields": json.dumps(fields)},
                    headers=self.headers,
                )
                assert uploaded.status_code == 201, uploaded.text


@dataclass
class Row:
    """One declaration as the database holds it, with what its counts must be."""

    state: str
    assessments: int
    screened_events: int
    releases: int
    versions: int
    lines: int
    lodge_events: int


CENSUS = text("""
SELECT d.id::text, d.state,
  (SELECT count(*) FROM assessment a WHERE a.declaration_id = d.id AND a.version = d.version),
  (SELECT count(*) FROM declaration_event e WHERE e.declaration_id = d.id
      AND e.from_state = 'screening' AND e.to_state = 'assessed'),
  (SELECT count(*) FROM declaration_event e WHERE e.declaration_id = d.id
      AND e.to_state = 'released' AND e.from_state = 'decided'),
  (SELECT count(*) FROM declaration_version v WHERE v.declaration_id = d.id),
  (SELECT count(*) FROM declaration_line l WHERE l.declaration_id = d.id),
  (SELECT count(*) FROM declaration_event e WHERE e.declaration_id = d.id AND e.action = 'lodge')
FROM declaration d
""")


def census(database_url: str) -> dict[str, Row]:
    """Every declaration in the database, straight from PostgreSQL (not through any proxy)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return {row[0]: Row(*row[1:]) for row in connection.execute(CENSUS)}
    finally:
        engine.dispose()


def screened(database_url: str, ids: set[str]) -> bool:
    """Whether every one of `ids` has its assessment."""
    rows = census(database_url)
    return all(rows.get(i) is not None and rows[i].assessments >= 1 for i in ids)


def assert_each_screened_once(rows: dict[str, Row], accepted: set[str]) -> None:
    """None lost (every 202 is in the database, screened), none doubled, none half-written."""
    assert set(rows) == accepted, (
        f"lost {len(accepted - set(rows))}, unexpected {len(set(rows) - accepted)}"
    )
    for declaration_id, row in rows.items():
        assert (row.assessments, row.screened_events) == (1, 1), (declaration_id, row)
        assert row.versions == 1 and row.lines >= 1 and row.lodge_events == 1, (declaration_id, row)
        assert row.releases <= 1, (declaration_id, row)
