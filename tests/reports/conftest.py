"""The reports router mounted on the app, with a release target the test chooses."""

from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from redis import Redis
from sqlmodel import Session

from clearance.clock import FrozenClock
from clearance.main import create_app
from clearance.reports.router import router as reports_router
from clearance.reports.schemas import ReleaseTarget
from clearance.reports.service import release_target

# Green's target is 15 minutes, every other channel's 30.
TARGET = ReleaseTarget(baseline_hours={"all": 1.0, "green": 0.5}, reduction=0.5)


@pytest.fixture
def reports_client(session: Session, redis: Redis, clock: FrozenClock) -> Iterator[TestClient]:
    app = create_app()
    paths = {route.path for route in app.routes if isinstance(route, APIRoute)}
    if "/v1/reports/release-time" not in paths:  # until create_app includes it
        app.include_router(reports_router)
    app.dependency_overrides[release_target] = lambda: TARGET
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
