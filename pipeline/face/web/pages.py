"""The index pages people open: `/` (every index) and `/index/{code}` (one index), served by the API's process.

Rendered on the server (Jinja2 templates, charts as inline SVG): no script, no CDN, nothing fetched from
another machine, so they work offline. They are cached like every answer, under the data version, with a weak
ETag (the same data always means the same page, but the markup is not a stable byte format).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from pipeline.face.web import views
from pipeline.face.web.conditional import Answer, entity_tag, respond
from pipeline.face.web.problems import documented
from pipeline.face.web.publications import Publications
from pipeline.face.web.readpath import ReadPath
from pipeline.methodology import CURRENT, load
from pipeline.store import Warehouse

PAGE_CACHE = "public, max-age=60"
HTML = "text/html; charset=utf-8"
CODE = r"^[A-Z0-9][A-Z0-9\-]{2,63}$"


def percent(value: str | None) -> str:
    """An exact weight ("0.333333333333333333") as people read it ("33.33 %"); the exact text stays in a tooltip."""
    if value is None:
        return "–"
    return f"{(Decimal(value) * 100).quantize(Decimal('0.01'))} %"


@cache
def templates() -> Environment:
    env = Environment(
        loader=PackageLoader("pipeline.face.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["percent"] = percent
    return env


def stylesheet() -> str:
    return resources.files("pipeline.face.web").joinpath("static", "cix.css").read_text()


def render(template: str, **context: Any) -> str:
    context.setdefault("methodology_version", CURRENT)
    context.setdefault("inline_css", None)
    context.setdefault("home_link", "/")
    return templates().get_template(template).render(**context)


def verification(publications: Publications, day: date, server: str) -> dict[str, Any]:
    """What a reader needs to check the day's signed files; why not, when there is no complete publication."""
    try:
        publication = publications.get(day)
    except HTTPException as exc:
        return {"available": False, "reason": str(exc.detail)}
    manifest = publication.manifest
    signature = manifest.get("signature", {})
    return {
        "available": True,
        "server": server,
        "fingerprint": signature.get("public_key_fingerprint"),
        "key_origin": signature.get("key_origin"),
        "published_at": manifest.get("published_at"),
        "files": [
            {"name": name, "href": f"/publications/{day}/files/{name}", **meta}
            for name, meta in sorted(manifest.get("files", {}).items())
        ],
    }


def _html(request: Request, body: str, version: str) -> Response:
    data = body.encode()
    return respond(request, Answer(data, HTML, entity_tag(version, data, weak=True), PAGE_CACHE))


def install(app: FastAPI, reads: ReadPath, publications: Publications) -> None:
    html_200: dict[int | str, dict[str, Any]] = {
        200: {"content": {"text/html": {"schema": {"type": "string"}}}, "description": "An HTML page"}
    }

    @app.get("/", response_class=HTMLResponse, responses={**html_200, **documented(503)}, tags=["pages"])
    def home(request: Request) -> Response:
        """The index list: status, latest value, change and a 90-day sparkline per index."""
        body, version = reads.cached("page:/", lambda w, v: render("index_list.html", **views.index_list(w)))
        return _html(request, body, version)

    @app.get(
        "/index/{code}",
        response_class=HTMLResponse,
        responses={**html_200, **documented(404, 422, 503)},
        tags=["pages"],
    )
    def index_page(
        request: Request,
        code: Annotated[str, PathParam(pattern=CODE)],
        day: Annotated[date | None, Query(alias="date", description="A fixing date (default: the latest)")] = None,
    ) -> Response:
        """One index: history with its dispersion band, the day's constituents, flags in words, how to verify."""
        try:
            load(CURRENT).index(code)
        except KeyError:
            raise HTTPException(404, f"unknown index {code}") from None

        def build(w: Warehouse, _: str) -> dict[str, Any] | str:
            try:
                return views.index_page(w, code, day) or f"{code} has no fixings yet"
            except KeyError as exc:
                return str(exc.args[0])

        data, version = reads.cached(f"view:{code}:{day}", build)
        if isinstance(data, str):
            raise HTTPException(404, data)
        # The publication is read per request (it may be completed after the fixings): it is part of the page.
        verify = verification(publications, date.fromisoformat(data["day"]), str(request.base_url).rstrip("/"))
        body = render("index_page.html", p=data, verify=verify)
        return _html(request, body, version)
