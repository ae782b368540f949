"""The one place that touches the network: allow-listed, size-capped, redirect-safe fetches.

Every source gets the same guarantees: only its own hosts, redirects only within the same origin
(scheme, host and port, so a request's credentials never reach another server), a body cap, per-read
timeouts *and* one overall deadline per document (a server that drips a byte at a time cannot hold a
fetch), bounded retries on 429/5xx that honour Retry-After. Each of a source's documents is fetched on
its own: one failure does not stop its siblings, and an error reply's body is kept like any other.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import httpx

from pipeline.domain.records import RawCapture
from pipeline.sources.base import Request, Source, SourceError

MAX_REDIRECTS = 3
USER_AGENT = "compute-index/0.1 (+https://github.com/compute-index)"


def client(timeout: float) -> httpx.Client:
    """The HTTP client sources are fetched with: redirects are followed by `Fetcher`, never by httpx."""
    return httpx.Client(timeout=timeout, follow_redirects=False)


@dataclass
class Fetcher:
    """Runs a source's requests. `replay_base` points every request at a local replay server."""

    client: httpx.Client
    replay_base: str | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    retries: int = 3
    max_retry_wait: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    # Seconds one document may take in all (connect, redirects, retries, reading); None: no overall bound.
    deadline: float | None = 120.0
    monotonic: Callable[[], float] = time.monotonic

    def fetch(self, source: Source) -> list[RawCapture]:
        """Every response body of the source's requests (and pages), error replies included. Each request is
        tried on its own; if any failed, one SourceError naming every failure is raised at the end, carrying
        all the bodies received (`partial`), so they are stored all the same."""
        captures: list[RawCapture] = []
        failures: list[SourceError] = []
        for request in source.requests:
            pages = 0
            following: Request | None = request
            while following is not None and pages < source.max_pages:
                try:
                    capture = self._fetch_one(source, following)
                    captures.append(capture)
                    pages += 1
                    if capture.http_status >= 400:
                        raise SourceError(source.name, f"HTTP {capture.http_status} from {capture.url}")
                    following = self._next(source, capture)
                except SourceError as exc:
                    failures.append(exc)
                    break
        if failures:
            error = SourceError(source.name, "; ".join(f.reason for f in failures), kind=failures[0].kind)
            error.partial = captures
            raise error
        return captures

    def _next(self, source: Source, capture: RawCapture) -> Request | None:
        if source.next_request is None:
            return None
        try:
            return source.next_request(capture)
        except SourceError:
            raise
        except Exception as exc:  # a page the pager cannot read ends the paging, recorded, never fatal
            raise SourceError(source.name, f"cannot find the next page in {capture.url}: {exc!r}") from exc

    def _target(self, source: Source, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme != "https" and self.replay_base is None:
            raise SourceError(source.name, f"refusing non-https URL {url}")
        if parts.hostname not in source.hosts:
            raise SourceError(source.name, f"host {parts.hostname!r} is not allow-listed for this source")
        if self.replay_base is None:
            return url
        query = f"?{parts.query}" if parts.query else ""
        return f"{self.replay_base.rstrip('/')}/{parts.hostname}{parts.path}{query}"

    def _fetch_one(self, source: Source, request: Request) -> RawCapture:
        """One document, following same-origin redirects; an error status is returned (its body kept)."""
        url = request.url
        ends = None if self.deadline is None else self.monotonic() + self.deadline
        for _ in range(MAX_REDIRECTS + 1):
            reply = self._send_with_retry(source, request, url, ends)
            if reply.status in (301, 302, 303, 307, 308) and reply.location:
                url = self._redirect_target(source, url, reply.location)
                continue
            return RawCapture(
                source=source.name,
                url=url,
                fetched_at=self.clock(),
                body=reply.body,
                http_status=reply.status,
                content_type=reply.content_type,
                method=request.method,
            )
        raise SourceError(source.name, f"more than {MAX_REDIRECTS} redirects from {request.url}")

    def _redirect_target(self, source: Source, url: str, location: str) -> str:
        following = urljoin(url, location)
        if self.replay_base is not None and following.startswith(self.replay_base.rstrip("/") + "/"):
            # A replayed redirect names the host it stands for as the first path segment.
            following = "https://" + following[len(self.replay_base.rstrip("/")) + 1 :]
        if origin(following) != origin(url):
            raise SourceError(
                source.name, f"redirect off-host or off-origin refused: {origin(following)} from {origin(url)}"
            )
        return following

    def _left(self, ends: float | None) -> float | None:
        return None if ends is None else ends - self.monotonic()

    def _may_wait(self, wait: float, ends: float | None) -> bool:
        left = self._left(ends)
        return left is None or wait < left

    def _send_with_retry(self, source: Source, request: Request, url: str, ends: float | None) -> _Reply:
        attempt = 0
        while True:
            attempt += 1
            try:
                reply = self._send(source, request, url, ends)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                what = "timed out" if isinstance(exc, httpx.TimeoutException) else "transport error"
                wait = min(2.0**attempt, self.max_retry_wait)
                if attempt > self.retries or not self._may_wait(wait, ends):
                    raise SourceError(source.name, f"{what} ({attempt} attempts): {exc!r}") from exc
                self.sleep(wait)
                continue
            if (reply.status == 429 or reply.status >= 500) and attempt <= self.retries:
                told = retry_after_seconds(reply.retry_after, self.clock())
                wait = min(told if told is not None else 2.0**attempt, self.max_retry_wait)
                if self._may_wait(wait, ends):
                    self.sleep(wait)
                    continue
            return reply

    def _send(self, source: Source, request: Request, url: str, ends: float | None) -> _Reply:
        target = self._target(source, url)
        headers = {"User-Agent": USER_AGENT, **dict(request.headers)}
        left = self._left(ends)
        if left is not None and left <= 0:
            raise SourceError(source.name, f"deadline of {self.deadline}s passed before {url} was read")
        timeout = self.client.timeout if left is None else _capped(self.client.timeout, left)
        stream = self.client.stream(request.method, target, content=request.body, headers=headers, timeout=timeout)
        with stream as response:
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > source.max_bytes:
                raise SourceError(source.name, f"body of {declared} bytes exceeds cap {source.max_bytes}")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > source.max_bytes:
                    raise SourceError(source.name, f"body exceeds cap of {source.max_bytes} bytes")
                left = self._left(ends)
                if left is not None and left <= 0:
                    raise SourceError(source.name, f"deadline of {self.deadline}s passed while reading {url}")
                chunks.append(chunk)
            return _Reply(
                status=response.status_code,
                content_type=response.headers.get("content-type", ""),
                body=b"".join(chunks),
                location=response.headers.get("location"),
                retry_after=response.headers.get("retry-after"),
            )


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in: what must match for a redirect."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1  # an unparseable port matches nothing
    default = {"https": 443, "http": 80}.get(parts.scheme)
    return parts.scheme, (parts.hostname or ""), port if port is not None else default


def _capped(timeout: httpx.Timeout, left: float) -> httpx.Timeout:
    """The client's per-operation timeouts, none longer than the time left before the deadline."""

    def cap(value: float | None) -> float:
        return left if value is None else min(value, left)

    return httpx.Timeout(
        connect=cap(timeout.connect), read=cap(timeout.read), write=cap(timeout.write), pool=cap(timeout.pool)
    )


@dataclass(frozen=True)
class _Reply:
    status: int
    content_type: str
    body: bytes
    location: str | None
    retry_after: str | None


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
