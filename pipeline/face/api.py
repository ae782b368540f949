"""Read-only HTTP API over the warehouse and the signed publications (FastAPI).

DuckDB is opened read-only for each request; nothing here writes. Responses carry an ETag
(sha256 of the body) and Cache-Control; every fixing in a response carries its status and
revision.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from pipeline.domain.serialise import revision_record
from pipeline.methodology import CURRENT, load
from pipeline.publish import fixing_records
from pipeline.store import Warehouse

SHORT_CACHE = "public, max-age=60"
LONG_CACHE = "public, max-age=3600"
CODE = r"^[A-Z0-9][A-Z0-9\-]{2,63}$"


def create_app(db: Path, publish_root: Path) -> FastAPI:
    app = FastAPI(
        title="Compute Index API",
        version="1",
        description="Daily fixings of AI compute price indices, contract settlements and signed publications. "
        "Read-only.",
    )

    @contextmanager
    def warehouse() -> Iterator[Warehouse]:
        if not db.exists():
            raise HTTPException(503, "the warehouse has not been created yet")
        w = Warehouse(db, read_only=True)
        try:
            yield w
        finally:
            w.close()

    def reply(
        request: Request,
        payload: Any,
        cache: str = SHORT_CACHE,
        media: str = "application/json",
        raw: bytes | None = None,
    ) -> Response:
        body = raw if raw is not None else (json.dumps(payload, sort_keys=True, default=str) + "\n").encode()
        etag = '"' + hashlib.sha256(body).hexdigest() + '"'
        headers = {"ETag": etag, "Cache-Control": cache}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(content=body, media_type=media, headers=headers)

    def definition(code: str) -> Any:
        try:
            return load(CURRENT).index(code)
        except KeyError:
            raise HTTPException(404, f"unknown index {code}") from None

    @app.get("/health")
    def health(request: Request) -> Response:
        latest = None
        if db.exists():
            with warehouse() as w:
                latest = w.latest_fixing_date()
        return reply(
            request,
            {
                "status": "ok" if db.exists() else "no_warehouse",
                "latest_fixing_date": latest,
                "methodology_version": CURRENT,
            },
            "no-store",
        )

    @app.get("/indices")
    def indices(request: Request) -> Response:
        m = load(CURRENT)
        return reply(
            request, {"methodology_version": m.version, "indices": [_definition_doc(d) for d in m.indices]}, LONG_CACHE
        )

    @app.get("/indices/{code}")
    def index(request: Request, code: Annotated[str, PathParam(pattern=CODE)]) -> Response:
        return reply(request, {"methodology_version": CURRENT, **_definition_doc(definition(code))}, LONG_CACHE)

    @app.get("/indices/{code}/fixings")
    def index_fixings(
        request: Request,
        code: Annotated[str, PathParam(pattern=CODE)],
        start: Annotated[date, Query(description="First fixing date, YYYY-MM-DD")],
        end: Annotated[date, Query(description="Last fixing date, YYYY-MM-DD")],
    ) -> Response:
        definition(code)
        if end < start:
            raise HTTPException(422, "end is before start")
        if (end - start).days > 3660:
            raise HTTPException(422, "range longer than ten years")
        with warehouse() as w:
            rows = w.fixings(version=CURRENT, code=code, start=start, end=end)
        return reply(request, {"index_code": code, "start": start, "end": end, "fixings": fixing_records(rows)})

    @app.get("/fixings/{day}")
    def day_fixings(request: Request, day: date) -> Response:
        with warehouse() as w:
            rows = w.fixings(day, version=CURRENT)
        if rows.height == 0:
            raise HTTPException(404, f"no fixings for {day}")
        return reply(request, {"fixing_date": day, "fixings": fixing_records(rows)})

    @app.get("/fixings/{day}/{code}")
    def one_fixing(request: Request, day: date, code: Annotated[str, PathParam(pattern=CODE)]) -> Response:
        definition(code)
        with warehouse() as w:
            rows = w.fixings(day, version=CURRENT, code=code)
            history = w.revisions(code, day, CURRENT)
        if rows.height == 0:
            raise HTTPException(404, f"no fixing for {code} on {day}")
        [record] = fixing_records(rows)
        record["revisions"] = [revision_record(r) for r in history.iter_rows(named=True)]
        return reply(request, record)

    @app.get("/contracts/{contract}/settlements/{period}")
    def settlement(
        request: Request,
        contract: Annotated[str, PathParam(pattern=CODE)],
        period: Annotated[str, PathParam(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")],
    ) -> Response:
        from pipeline.settle import contracts

        if contract not in contracts():
            raise HTTPException(404, f"unknown contract {contract}")
        with warehouse() as w:
            doc = w.latest_settlement(contract, period)
        if doc is None:
            raise HTTPException(404, f"{contract} {period} has not been settled")
        doc["price"] = None if doc["price"] is None else format(doc["price"].normalize(), "f")
        doc["flags"], doc["evidence"] = json.loads(doc["flags"]), json.loads(doc["evidence"])
        return reply(request, doc)

    @app.get("/publications/{day}/manifest")
    def manifest(request: Request, day: date) -> Response:
        return reply(
            request, None, LONG_CACHE, "application/json", _publication_file(publish_root, day, "manifest.json")
        )

    @app.get("/publications/{day}/signature")
    def signature(request: Request, day: date) -> Response:
        return reply(request, None, LONG_CACHE, "text/plain", _publication_file(publish_root, day, "manifest.sig"))

    return app


def _publication_file(root: Path, day: date, name: str) -> bytes:
    path = root / day.isoformat() / name
    if not path.exists():
        raise HTTPException(404, f"no publication {name} for {day}")
    return path.read_bytes()


def _definition_doc(d: Any) -> dict[str, Any]:
    return {
        "code": d.code,
        "good": d.good,
        "pricing_type": d.pricing_type,
        "provider_classes": list(d.provider_classes),
        "unit": d.unit,
        "currency": d.currency,
        "blend": dict(d.blend),
        "description": d.description,
    }
