"""Every error the server answers has one shape: RFC 9457 problem details (`application/problem+json`).

FastAPI's own validation errors, unknown routes, wrong methods and the warehouse being unavailable all come
out through these handlers, so a client parses one body for 400, 404, 405, 422 and 503 alike.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("cix.api")


class FieldError(BaseModel):
    """One invalid part of a request."""

    location: str = Field(description="Where: path.day, query.start, header.if-none-match ...")
    message: str
    input: Any = None


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field("about:blank", description="A URI for the kind of problem; about:blank means see `title`.")
    title: str = Field(description="The HTTP status phrase.")
    status: int = Field(description="The HTTP status code, repeated.")
    detail: str | None = Field(None, description="What went wrong with this request, in words.")
    instance: str | None = Field(None, description="The request path.")
    errors: list[FieldError] | None = Field(None, description="For 422: each invalid field.")


class Unavailable(StarletteHTTPException):
    """503 with Retry-After: no warehouse yet, or a writer holds it and nothing is cached for this answer."""

    def __init__(self, detail: str, retry_after: int = 5) -> None:
        super().__init__(503, detail, headers={"Retry-After": str(retry_after)})


def problem(
    status: int,
    detail: str | None,
    instance: str | None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    doc = Problem(
        type="about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=instance,
        errors=[FieldError(**e) for e in errors] if errors is not None else None,
    ).model_dump(exclude_none=True)
    body = (json.dumps(doc, sort_keys=True, default=str) + "\n").encode()
    return Response(
        body, status_code=status, media_type=PROBLEM_JSON, headers={"Cache-Control": "no-store", **(headers or {})}
    )


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for e in exc.errors():
        where = ".".join(str(p) for p in e.get("loc", ()))
        value = e.get("input")
        out.append(
            {
                "location": where,
                "message": str(e.get("msg", "invalid")),
                "input": value if isinstance(value, (str, int, float)) else None,
            }
        )
    return out


def install(app: FastAPI) -> None:
    """Route every error through `problem()`."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else None
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no resource at {request.url.path}"
        if exc.status_code == 405 and detail == "Method Not Allowed":
            detail = f"{request.method} is not allowed on {request.url.path}; this API is read-only (GET and HEAD)"
        return problem(exc.status_code, detail, request.url.path, headers=dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = _field_errors(exc)
        detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors) or "invalid request"
        return problem(422, detail, request.url.path, errors)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        return problem(500, "internal error; it has been logged", request.url.path)


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry documenting problem answers for these statuses."""
    return {s: {"model": Problem, "description": HTTPStatus(s).phrase} for s in statuses}
