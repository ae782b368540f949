"""The one place that touches the network: allow-listed, size-capped, redirect-safe fetches.

Every source gets the same guarantees: only its own hosts, no redirect off-host, a body cap,
timeouts, bounded retries on 429/5xx that honour Retry-After.
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

    def fetch(self, source: Source) -> list[RawCapture]:
        """Every response body of the source's requests (and pages). On failure the SourceError carries
        the bodies already received in `partial`, so they are stored all the same."""
        captures: list[RawCapture] = []
        try:
            for request in source.requests:
                capture = self._fetch_one(source, request)
                captures.append(capture)
                pages = 1
                while source.next_request is not None and pages < source.max_pages:
                    following = source.next_request(capture)
                    if following is None:
                        break
                    capture = self._fetch_one(source, following)
                    captures.append(capture)
                    pages += 1
        except SourceError as exc:
            exc.partial = captures
            raise
        return captures

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
        url = request.url
        for _ in range(MAX_REDIRECTS + 1):
            reply = self._send_with_retry(source, request, url)
            if reply.status in (301, 302, 303, 307, 308) and reply.location:
                url = self._redirect_target(source, url, reply.location)
                continue
            if reply.status >= 400:
                raise SourceError(source.name, f"HTTP {reply.status} from {url}")
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
        host = urlsplit(following).hostname
        if host not in source.hosts:
            raise SourceError(source.name, f"redirect off-host to {host!r} refused")
        return following

    def _send_with_retry(self, source: Source, request: Request, url: str) -> _Reply:
        attempt = 0
        while True:
            attempt += 1
            try:
                reply = self._send(source, request, url)
            except httpx.TimeoutException as exc:
                if attempt > self.retries:
                    raise SourceError(source.name, f"timed out ({attempt} attempts): {exc!r}") from exc
                self.sleep(min(2.0**attempt, self.max_retry_wait))
                continue
            except httpx.TransportError as exc:
                if attempt > self.retries:
                    raise SourceError(source.name, f"transport error ({attempt} attempts): {exc!r}") from exc
                self.sleep(min(2.0**attempt, self.max_retry_wait))
                continue
            if (reply.status == 429 or reply.status >= 500) and attempt <= self.retries:
                wait = retry_after_seconds(reply.retry_after, self.clock())
                self.sleep(min(wait if wait is not None else 2.0**attempt, self.max_retry_wait))
                continue
            return reply

    def _send(self, source: Source, request: Request, url: str) -> _Reply:
        target = self._target(source, url)
        headers = {"User-Agent": USER_AGENT, **dict(request.headers)}
        with self.client.stream(request.method, target, content=request.body, headers=headers) as response:
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > source.max_bytes:
                raise SourceError(source.name, f"body of {declared} bytes exceeds cap {source.max_bytes}")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > source.max_bytes:
                    raise SourceError(source.name, f"body exceeds cap of {source.max_bytes} bytes")
                chunks.append(chunk)
            return _Reply(
                status=response.status_code,
                content_type=response.headers.get("content-type", ""),
                body=b"".join(chunks),
                location=response.headers.get("location"),
                retry_after=response.headers.get("retry-after"),
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
