"""/docs (Swagger UI) and /redoc served whole by the service: a border gate's network is not the
internet. The scripts are the ones `fastapi-offline` packages; a policy keeps the pages from
reaching any other host (ReDoc would fetch its logo from a CDN)."""

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
ASSETS_PATH = "/docs-assets"
# Swagger UI starts itself from an inline script; ReDoc runs its search in a blob worker.
DOCS_POLICY = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline';"
        " img-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'"
    )
}


def install(app: FastAPI) -> None:
    """Serve the two documentation pages and their assets; the app is made with them off."""
    assert app.openapi_url is not None
    spec = app.openapi_url
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS_DIR), name="docs_assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=spec,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
        )
        page.headers.update(DOCS_POLICY)
        return page

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=spec,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )
        page.headers.update(DOCS_POLICY)
        return page
