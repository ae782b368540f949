"""The API's documentation, served from packaged files: Swagger UI and ReDoc come from the `fastapi-offline`
distribution's static assets (no CDN: /docs works without a network), and the OpenAPI document states every
answer a route gives: the 200 body's model, 304, and problem details for each error status.
"""

from __future__ import annotations

import copy
from importlib import resources
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from pipeline.face.web.problems import PROBLEM_JSON

ASSETS = "/static/docs"
CACHE_HEADERS = {
    "ETag": {
        "description": 'Entity tag: "<data version>-<digest of the body>" (W/ for pages)',
        "schema": {"type": "string"},
    },
    "Cache-Control": {"description": "How long a cache may reuse the answer", "schema": {"type": "string"}},
}
NOT_MODIFIED = {
    "description": "Not Modified: the representation named by If-None-Match (or unchanged since If-Modified-Since) "
    "is current; no body",
    "headers": CACHE_HEADERS,
}


def install(app: FastAPI) -> None:
    static = resources.files("fastapi_offline").joinpath("static")
    app.mount(ASSETS, StaticFiles(directory=str(static)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title}: reference",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
            # No validator badge: it would be fetched from the validator's own site.
            swagger_ui_parameters={"validatorUrl": None, "defaultModelsExpandDepth": 0, "tryItOutEnabled": True},
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url="/openapi.json",
            title=f"{app.title}: reference",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url="/static/favicon.svg",
            with_google_fonts=False,
        )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            app.openapi_schema = complete(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


LAST_MODIFIED = {
    "description": "When the publication was made (its manifest's published_at)",
    "schema": {"type": "string"},
}


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """Errors as problem+json, cache headers and 304 on every GET, and a HEAD operation beside each GET."""
    for path, operations in schema.get("paths", {}).items():
        get = operations.get("get")
        if get is None:
            continue
        responses = get.setdefault("responses", {})
        for status, response in responses.items():
            content = response.get("content", {})
            if status[0] in "45" and content:  # FastAPI files a route's extra answers under its own media type
                response["content"] = {PROBLEM_JSON: next(iter(content.values()))}
            if status == "200":
                dated = {"Last-Modified": LAST_MODIFIED} if path.startswith("/publications/{day}") else {}
                response["headers"] = {**CACHE_HEADERS, **dated, **response.get("headers", {})}
        responses.setdefault("304", NOT_MODIFIED)
        head = copy.deepcopy(get)
        head["operationId"] = f"{get.get('operationId', 'get')}_head"
        head["summary"] = f"{get.get('summary', '')} (headers only)".strip()
        head["description"] = "The same as GET, without the body."
        for response in head["responses"].values():
            response.pop("content", None)
        operations["head"] = head
    return schema
