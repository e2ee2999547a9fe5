"""`GET /metrics`: this process's metrics, or every process's in multiprocess mode."""

import logging
import os
from collections.abc import Iterator, Sequence
from wsgiref.simple_server import WSGIServer

from fastapi import APIRouter, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import Metric
from prometheus_client.registry import REGISTRY, Collector

logger = logging.getLogger(__name__)


def scrape_registry(live: Sequence[Collector]) -> CollectorRegistry:
    """What a scrape reports: the processes' metrics and the gauges read at scrape time (each
    domain's, handed in by the app factory)."""
    registry = CollectorRegistry()
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_ProcessMetrics())
    for collector in live:
        registry.register(collector)
    return registry


class _ProcessMetrics(Collector):
    """The default registry's metrics, when one process holds them all."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def build_router(live: Sequence[Collector]) -> APIRouter:
    """`GET /metrics` on the app, reporting these live gauges beside the processes' metrics."""
    router = APIRouter(tags=["operations"])
    registry = scrape_registry(live)

    @router.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router


def serve_internal(*, host: str, port: int, live: Sequence[Collector]) -> WSGIServer | None:
    """Serve the scrape on its own address, off the public app; None if another API process
    of this host serves it already (in multiprocess mode any one of them reports them all)."""
    try:
        server, _thread = start_http_server(port, addr=host, registry=scrape_registry(live))
    except OSError as exc:
        logger.info("metrics not served by this process on %s:%d: %s", host, port, exc)
        return None
    logger.info("metrics on http://%s:%d/metrics", host, port)
    return server
