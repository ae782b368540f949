"""HTTP caching done as RFC 9110 says: entity tags (strong and weak), `If-None-Match` with lists and `*`,
`Last-Modified` / `If-Modified-Since`, and HEAD answered like GET without the body.

An `Answer` is a finished representation; `respond` turns it into a 200 or a 304 for this request.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_TAG = re.compile(r'\s*(W/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')


@dataclass(frozen=True)
class Answer:
    body: bytes
    media_type: str
    etag: str  # the header value: "..." (strong) or W/"..." (weak)
    cache_control: str
    last_modified: datetime | None = None

    @property
    def headers(self) -> dict[str, str]:
        out = {"ETag": self.etag, "Cache-Control": self.cache_control}
        if self.last_modified is not None:
            out["Last-Modified"] = http_date(self.last_modified)
        return out


def entity_tag(version: str, body: bytes, *, weak: bool = False) -> str:
    """The version the answer came from, then a digest of its bytes: equal tags mean equal bodies."""
    tag = f'"{version[:16]}-{hashlib.sha256(body).hexdigest()[:20]}"'
    return f"W/{tag}" if weak else tag


def opaque(tag: str) -> str:
    """The quoted part of an entity tag, for weak comparison (W/"x" and "x" compare equal)."""
    return tag[2:] if tag.startswith("W/") else tag


def parse_if_none_match(header: str) -> list[str] | None:
    """The opaque tags listed, ["*"] for a star, or None when the header does not parse (then it is ignored)."""
    value = header.strip()
    if value == "*":
        return ["*"]
    tags, position = [], 0
    while position < len(value):
        match = _TAG.match(value, position)
        if match is None or match.end() == position:
            return None
        tags.append(match.group(2))
        position = match.end()
    return tags or None


def none_match(header: str | None, etag: str) -> bool:
    """True when If-None-Match names the current representation (weak comparison), or is `*`."""
    if header is None:
        return False
    tags = parse_if_none_match(header)
    if tags is None:
        return False
    return tags == ["*"] or opaque(etag) in tags


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def not_modified_since(header: str | None, last_modified: datetime | None) -> bool:
    """True when the representation has not changed since the If-Modified-Since date (second precision)."""
    if header is None or last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return last_modified.astimezone(UTC).replace(microsecond=0) <= since


def respond(request: Request, answer: Answer) -> Response:
    """200 with the body, or 304 when the client's copy is current. If-None-Match, when sent, decides alone."""
    return respond_to(request.headers, request.method, answer)


def respond_to(headers: Mapping[str, str], method: str, answer: Answer) -> Response:
    """`respond` for a request known by its headers and method."""
    inm = headers.get("if-none-match")
    fresh = (
        none_match(inm, answer.etag)
        if inm is not None
        else not_modified_since(headers.get("if-modified-since"), answer.last_modified)
    )
    if fresh and method in ("GET", "HEAD"):
        return Response(status_code=304, headers=answer.headers)
    return Response(content=answer.body, media_type=answer.media_type, headers=answer.headers)


class HeadAsGet:
    """ASGI middleware: HEAD runs the GET route and sends its headers (Content-Length included) without the body,
    so every GET route answers HEAD."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
