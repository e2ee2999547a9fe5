"""The FastAPI application."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from prometheus_client.registry import Collector
from sqlalchemy import text
from starlette.types import Lifespan

from clearance import db, metrics, tracing, wiring
from clearance.audit.router import router as audit_router
from clearance.auth.router import router as keys_router
from clearance.deadletters.router import router as deadletters_router
from clearance.declarations.lifecycle import Lifecycle
from clearance.declarations.router import router as declarations_router
from clearance.documents.router import UPLOAD_PATH_PATTERN
from clearance.documents.router import router as documents_router
from clearance.duties.router import router as duties_router
from clearance.errors import ServiceUnavailable, install_handlers
from clearance.lodge_asgi import LodgeAsgiMiddleware
from clearance.mandates.router import router as mandates_router
from clearance.messages import Message
from clearance.metrics.router import build_router as metrics_router
from clearance.metrics.router import serve_internal
from clearance.middleware import (
    BodyLimitMiddleware,
    MetricsMiddleware,
    RateLimitMiddleware,
    RequestIdMiddleware,
    UrlControlCharacterMiddleware,
)
from clearance.migrations import at_head
from clearance.notifications.metrics import UndeliveredNotifications
from clearance.notifications.router import router as notifications_router
from clearance.planning.router import router as what_if_router
from clearance.queues import get_redis
from clearance.reports.router import router as reports_router
from clearance.reports.service import CHANNELS, release_target
from clearance.review.metrics import ReviewLanes
from clearance.review.router import router as review_router
from clearance.risk.metrics import QueueDepths
from clearance.risk.router import router as risk_router
from clearance.settings import Settings, get_settings
from clearance.web import apidocs
from clearance.web import errors as page_errors
from clearance.web.review import router as page_work_router
from clearance.web.router import router as pages_router
from clearance.web.templating import STATIC_DIR, STATIC_PATH

DESCRIPTION = """Customs clearance for the Ma Lù Thàng border gate (Lai Châu, Vietnam).

Authenticate with `Authorization: Bearer <API key>`. Errors are RFC 9457 problem details."""


API_ROUTERS = (
    declarations_router,
    documents_router,
    duties_router,
    review_router,
    risk_router,
    reports_router,
    what_if_router,
    audit_router,
    mandates_router,
    keys_router,
    deadletters_router,
    notifications_router,
)


def create_app(lifecycle: Lifecycle | None = None) -> FastAPI:
    """The app, with the declaration lifecycle its requests run (`wiring.lifecycle()` unless
    one is handed in)."""
    settings = get_settings()
    tracing.start_api()
    target = release_target()
    metrics.export_target(
        baseline_seconds={c: s for c in CHANNELS if (s := target.baseline_seconds(c)) is not None},
        target_seconds={c: s for c in CHANNELS if (s := target.target_seconds(c)) is not None},
    )
    # Each domain's gauges read at scrape time, beside the counters every process keeps.
    live_gauges = (QueueDepths(), ReviewLanes(), UndeliveredNotifications())
    app = FastAPI(
        title="clearance",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=_lifespan(settings, live_gauges),
        docs_url=None,
        redoc_url=None,
        telemetry=tracing.fastapi_telemetry(),
    )
    app.state.lifecycle = lifecycle if lifecycle is not None else wiring.lifecycle()
    apidocs.install(app)
    install_handlers(app)
    for router in API_ROUTERS:
        app.include_router(router)
    if settings.metrics_port is None:  # else on its own port only, started with the app
        app.include_router(metrics_router(live_gauges))
    # Pages for people (officers, supervisors): HTML, outside the OpenAPI schema.
    app.include_router(pages_router)
    app.include_router(page_work_router)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="officer_static")
    page_errors.install(app)
    _add_middleware(app, settings)
    app.include_router(probes)
    return app


def _lifespan(settings: Settings, live_gauges: Sequence[Collector]) -> Lifespan[FastAPI]:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The threads that run `def` routes, as many as there are connections for them.
        to_thread.current_default_thread_limiter().total_tokens = db.api_threads(
            settings.database_url
        )
        internal = None
        if settings.metrics_port is not None:
            internal = serve_internal(
                host=settings.metrics_host, port=settings.metrics_port, live=live_gauges
            )
        try:
            yield
        finally:
            if internal is not None:
                internal.shutdown()
                internal.server_close()

    return lifespan


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    """Added innermost first: the last one added sees the request first."""
    # Lodgements are answered here, after every other layer, without FastAPI's routing.
    app.add_middleware(LodgeAsgiMiddleware)
    # Uploads stream to storage under their own limits; every other body is read whole.
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=settings.max_body_bytes, exempt=UPLOAD_PATH_PATTERN
    )
    # Over its limit, a request is refused before its body is read or its key looked up.
    app.add_middleware(RateLimitMiddleware)
    app.add_middleware(UrlControlCharacterMiddleware)
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(RequestIdMiddleware)  # outermost: everything below logs the id


probes = APIRouter(tags=["operations"], include_in_schema=False)


@probes.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@probes.get("/readyz")
def readyz() -> dict[str, str]:
    """Database and Redis reachable, and the schema migrated to what this code expects."""
    with db.new_session(writes=False) as session:
        connection = session.connection()
        connection.execute(text("SELECT 1"))
        if not at_head(connection):
            raise ServiceUnavailable(Message("error.schema_not_at_head"))
    get_redis().ping()
    return {"status": "ready"}
