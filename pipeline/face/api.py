"""Read-only HTTP API and index pages over the warehouse and the signed publications (FastAPI).

Nothing here writes. Answers come from the read path (`web.readpath`): cached under the data version they
came from, which also begins their ETag. HEAD works on every GET route, `If-None-Match` (strong, weak, lists,
`*`) and, for publications, `If-Modified-Since` give 304s, and every error is RFC 9457 problem details.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from pipeline.face.web import docs, models, pages, problems
from pipeline.face.web.answers import SHORT_CACHE, DayAnswers, day_answers, json_answer
from pipeline.face.web.conditional import Answer, HeadAsGet, entity_tag, respond
from pipeline.face.web.problems import Unavailable, documented
from pipeline.face.web.publications import MANIFEST, SIGNATURE, Publications
from pipeline.face.web.readpath import ReadPath, ServeCached, request_key
from pipeline.methodology import CURRENT, load
from pipeline.publish import fixing_records
from pipeline.store import Lake, Warehouse, WarehouseBusy

LONG_CACHE = "public, max-age=3600"
CODE = r"^[A-Z0-9][A-Z0-9\-]{2,63}$"
Contract = Annotated[str, PathParam(pattern=CODE)]
Period = Annotated[str, PathParam(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
DESCRIPTION = (
    "Daily fixings of AI compute price indices, contract settlements and signed publications. Read-only.\n\n"
    "**[The index pages](/)** show each index's history, constituents and how to verify a publication. "
    "Every GET also answers HEAD; answers carry an ETag (`If-None-Match` with strong or weak tags, lists or `*` "
    "gives 304) and publications a Last-Modified (`If-Modified-Since`). Errors are RFC 9457 problem details "
    "(`application/problem+json`). Values are exact decimal strings."
)
T = TypeVar("T")
MEDIA = {".json": "application/json", ".csv": "text/csv; charset=utf-8", ".sig": "text/plain; charset=utf-8"}


def definition(code: str) -> Any:
    try:
        return load(CURRENT).index(code)
    except KeyError:
        raise HTTPException(404, f"unknown index {code}") from None


def definition_doc(d: Any) -> dict[str, Any]:
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


def create_app(db: Path | Lake, publish_root: Path) -> FastAPI:
    reads = ReadPath(db)
    publications = Publications(publish_root)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        reads.close()

    app = FastAPI(
        title="Compute Index API",
        version="1",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.add_middleware(ServeCached, reads=reads)
    app.add_middleware(HeadAsGet)  # the outer one: a HEAD is a GET to everything inside
    problems.install(app)
    docs.install(app)
    app.mount("/static", StaticFiles(packages=[("pipeline.face.web", "static")]), name="static")
    app.state.reads, app.state.publications = reads, publications

    async def cached(key: str, build: Callable[[Warehouse, str], T]) -> tuple[T, str]:
        """What `build` makes at the lake's current version, built once in the thread pool, with that version."""
        return await run_in_threadpool(reads.cached, key, build)

    async def served(request: Request, build: Callable[[Warehouse, str], Answer]) -> Response:
        """The answer for this path and query at the lake's current version; kept under `request_key`, so the
        next asker is answered by `ServeCached` before routing."""
        answer, _ = await cached(request_key(request.scope), build)
        return respond(request, answer)

    def kept(request: Request, answer: Answer, version: str) -> Response:
        """An answer taken from a larger cached one (a day's), kept under this request's key for `ServeCached`."""
        reads.keep(request_key(request.scope), version, answer)
        return respond(request, answer)

    @app.get("/health", response_model=models.Health, tags=["service"])
    def health() -> Response:
        """Whether the warehouse exists and its data version; never cached."""
        version, status, latest = None, "no_warehouse", None
        try:
            if reads.version() is not None:
                latest, version = reads.cached("health:latest", lambda w, v: w.latest_fixing_date())
                status = "ok"
        except (WarehouseBusy, Unavailable):
            status = "busy"
        doc = {
            "status": status,
            "latest_fixing_date": latest.isoformat() if latest else None,
            "methodology_version": CURRENT,
            "data_version": version,
        }
        return Response(
            json.dumps(doc, sort_keys=True) + "\n", media_type="application/json", headers={"Cache-Control": "no-store"}
        )

    @app.get("/indices", response_model=models.IndexList, tags=["indices"])
    def indices(request: Request) -> Response:
        """Every index the current methodology defines."""
        m = load(CURRENT)
        payload = {"methodology_version": m.version, "indices": [definition_doc(d) for d in m.indices]}
        return respond(request, json_answer(payload, f"m{m.version}", LONG_CACHE))

    @app.get("/indices/{code}", response_model=models.IndexDocument, responses=documented(404, 422), tags=["indices"])
    def index(request: Request, code: Annotated[str, PathParam(pattern=CODE)]) -> Response:
        """One index's definition."""
        payload = {"methodology_version": CURRENT, **definition_doc(definition(code))}
        return respond(request, json_answer(payload, f"m{CURRENT}", LONG_CACHE))

    @app.get(
        "/indices/{code}/fixings",
        response_model=models.IndexFixings,
        responses=documented(404, 422, 503),
        tags=["fixings"],
    )
    async def index_fixings(
        request: Request,
        code: Annotated[str, PathParam(pattern=CODE)],
        start: Annotated[date, Query(description="First fixing date, YYYY-MM-DD")],
        end: Annotated[date, Query(description="Last fixing date, YYYY-MM-DD")],
    ) -> Response:
        """An index's fixings in force over a date range (at most ten years)."""
        definition(code)
        if end < start:
            raise HTTPException(422, "end is before start")
        if (end - start).days > 3660:
            raise HTTPException(422, "range longer than ten years")

        def build(w: Warehouse, version: str) -> Answer:
            rows = w.fixings(version=CURRENT, code=code, start=start, end=end)
            payload = {"index_code": code, "start": start, "end": end, "fixings": fixing_records(rows)}
            return json_answer(payload, version)

        return await served(request, build)

    async def of_day(day: date) -> tuple[DayAnswers, str]:
        return await cached(f"fixings-of-day:{day}", lambda w, version: day_answers(w, version, day))

    @app.get("/fixings/{day}", response_model=models.DayFixings, responses=documented(404, 422, 503), tags=["fixings"])
    async def day_fixings(request: Request, day: date) -> Response:
        """Every index's fixing in force for a day."""
        answers, version = await of_day(day)
        if answers.listing is None:
            raise HTTPException(404, f"no fixings for {day}")
        return kept(request, answers.listing, version)

    @app.get(
        "/fixings/{day}/{code}",
        response_model=models.FixingWithRevisions,
        responses=documented(404, 422, 503),
        tags=["fixings"],
    )
    async def one_fixing(request: Request, day: date, code: Annotated[str, PathParam(pattern=CODE)]) -> Response:
        """One fixing in force, with every revision of it (when and why each was recorded)."""
        definition(code)
        answers, version = await of_day(day)
        if code not in answers.fixings:
            raise HTTPException(404, f"no fixing for {code} on {day}")
        return kept(request, answers.fixings[code], version)

    async def settled(request: Request, contract: str, period: str, latest_only: bool) -> Response:
        from pipeline.settle import contracts, stored_document

        if contract not in contracts():
            raise HTTPException(404, f"unknown contract {contract}")

        def build(w: Warehouse, version: str) -> Answer:
            rows = w.settlement_revisions(contract, period)
            if not rows:
                raise HTTPException(404, f"{contract} {period} has not been settled")
            if latest_only:
                return json_answer(stored_document(rows[-1]), version)
            revisions = [stored_document(r) for r in rows]
            return json_answer({"contract": contract, "period": period, "revisions": revisions}, version)

        return await served(request, build)

    @app.get(
        "/contracts/{contract}/settlements/{period}",
        response_model=models.Settlement,
        responses=documented(404, 422, 503),
        tags=["settlements"],
    )
    async def settlement(request: Request, contract: Contract, period: Period) -> Response:
        """The settlement of a monthly contract in force (its latest revision), with its evidence."""
        return await settled(request, contract, period, latest_only=True)

    @app.get(
        "/contracts/{contract}/settlements/{period}/revisions",
        response_model=models.SettlementRevisions,
        responses=documented(404, 422, 503),
        tags=["settlements"],
    )
    async def settlement_revisions(request: Request, contract: Contract, period: Period) -> Response:
        """Every revision of a monthly contract's settlement, the first first: the preliminary ones, then the final
        one (`final`), each with its evidence and when it was computed."""
        return await settled(request, contract, period, latest_only=False)

    @app.get("/publications", response_model=models.PublicationList, tags=["publications"])
    def publication_list() -> Response:
        """The days with a signed publication, newest first."""
        days = publications.days()
        doc = {
            "publications": [{"fixing_date": d.isoformat(), "manifest": f"/publications/{d}/manifest"} for d in days]
        }
        return Response(json.dumps(doc) + "\n", media_type="application/json", headers={"Cache-Control": SHORT_CACHE})

    def publication_file(request: Request, day: date, name: str) -> Response:
        publication = publications.get(day)
        if name not in publication.files:
            raise HTTPException(404, f"the publication for {day} has no file {name}")
        body = publication.files[name]
        media = MEDIA.get(Path(name).suffix, "application/octet-stream")
        answer = Answer(body, media, entity_tag(publication.version, body), LONG_CACHE, publication.published_at)
        return respond(request, answer)

    @app.get(
        "/publications/{day}/manifest",
        response_model=models.Manifest,
        responses=documented(404, 422, 503),
        tags=["publications"],
    )
    def manifest(request: Request, day: date) -> Response:
        """The signed manifest: every file's sha256, the inputs' digest and the key's fingerprint."""
        return publication_file(request, day, MANIFEST)

    @app.get(
        "/publications/{day}/signature",
        response_class=Response,
        responses={
            200: {
                "content": {"text/plain": {"schema": {"type": "string"}}},
                "description": "Base64 Ed25519 signature of the manifest's bytes",
            },
            **documented(404, 422, 503),
        },
        tags=["publications"],
    )
    def signature(request: Request, day: date) -> Response:
        """The Ed25519 signature (base64) over the manifest's exact bytes."""
        return publication_file(request, day, SIGNATURE)

    @app.get(
        "/publications/{day}/files/{name}",
        response_class=Response,
        responses={
            200: {
                "content": {m: {"schema": {"type": "string"}} for m in ("application/json", "text/csv")},
                "description": "A file listed in the manifest, byte for byte",
            },
            **documented(404, 422, 503),
        },
        tags=["publications"],
    )
    def publication_listed_file(
        request: Request, day: date, name: Annotated[str, PathParam(pattern=r"^[a-z0-9][a-z0-9_.\-]{0,63}$")]
    ) -> Response:
        """A file of the publication (fixings.json, fixings.csv, restatements.json), as the manifest lists it."""
        if name in (MANIFEST, SIGNATURE):
            raise HTTPException(
                404, f"{name} is served at /publications/{day}/{'manifest' if name == MANIFEST else 'signature'}"
            )
        return publication_file(request, day, name)

    pages.install(app, reads, publications)
    return app
