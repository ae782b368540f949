"""The network edge against a real HTTP server on 127.0.0.1: allow-list, redirects, caps, retries."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipeline.capture import ReplayEntry, replay_server
from pipeline.sources import REGISTRY, Request, SourceError
from pipeline.sources.fetch import Fetcher, retry_after_seconds

T0 = datetime(2026, 8, 3, 15, 30, tzinfo=UTC)
AZURE = REGISTRY["azure"]


def entry(tmp_path: Path, url: str, body: bytes = b"[]", status: int = 200, **kw: Any) -> ReplayEntry:
    f = tmp_path / f"body-{abs(hash((url, status)))}"
    f.write_bytes(body)
    return ReplayEntry(
        source="azure",
        method="GET",
        url=url,
        file=f,
        content_type="application/json",
        status=status,
        fetched_at=T0,
        **kw,
    )


def fetcher(base: str, client: httpx.Client, sleeps: list[float] | None = None, retries: int = 2) -> Fetcher:
    return Fetcher(
        client=client,
        replay_base=base,
        clock=lambda: T0,
        retries=retries,
        sleep=(sleeps.append if sleeps is not None else (lambda s: None)),
    )


def test_fetch_returns_the_body_unmodified_with_metadata(tmp_path: Path, realdata: Path) -> None:
    body = (realdata / "azure/azure.json").read_bytes()
    source = replace(AZURE, requests=(Request(url="https://prices.azure.com/api/retail/prices?x=1"),))
    with replay_server([entry(tmp_path, source.requests[0].url, body)]) as base, httpx.Client() as client:
        [capture] = fetcher(base, client).fetch(source)
    assert capture.body == body
    assert capture.url == "https://prices.azure.com/api/retail/prices?x=1"
    assert capture.fetched_at == T0 and capture.http_status == 200


def test_hosts_outside_the_allow_list_are_refused_before_any_request(tmp_path: Path) -> None:
    source = replace(AZURE, requests=(Request(url="https://evil.example.com/prices"),))
    with replay_server([]) as base, httpx.Client() as client, pytest.raises(SourceError, match="not allow-listed"):
        fetcher(base, client).fetch(source)


def test_redirect_off_host_is_refused(tmp_path: Path) -> None:
    url = "https://prices.azure.com/api/retail/prices"
    redirect = entry(tmp_path, url, b"", status=302, headers=(("Location", "https://attacker.example.net/x"),))
    source = replace(AZURE, requests=(Request(url=url),))
    with replay_server([redirect]) as base, httpx.Client() as client, pytest.raises(SourceError, match="off-host"):
        fetcher(base, client).fetch(source)


def test_body_over_the_cap_is_refused(tmp_path: Path) -> None:
    url = "https://prices.azure.com/big"
    source = replace(AZURE, requests=(Request(url=url),), max_bytes=1024)
    big = entry(tmp_path, url, b"[" + b" " * 4096 + b"]")
    with replay_server([big]) as base, httpx.Client() as client, pytest.raises(SourceError, match="exceeds cap"):
        fetcher(base, client).fetch(source)


def test_a_body_that_does_not_declare_its_length_is_cut_off_at_the_cap(tmp_path: Path) -> None:
    url = "https://prices.azure.com/endless"
    source = replace(AZURE, requests=(Request(url=url),), max_bytes=64 * 1024)
    endless = entry(tmp_path, url, b" " * (1024 * 1024), unsized=True)  # no Content-Length, ended by closing
    cut = pytest.raises(SourceError, match="body exceeds cap of 65536 bytes")  # read while streaming, not declared
    with replay_server([endless]) as base, httpx.Client() as client, cut:
        fetcher(base, client).fetch(source)


def test_a_live_fetch_refuses_plain_http_before_any_request() -> None:
    source = replace(AZURE, requests=(Request(url="http://prices.azure.com/api/retail/prices"),))
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(200))
    with httpx.Client(transport=transport) as client, pytest.raises(SourceError, match="refusing non-https URL"):
        Fetcher(client=client, clock=lambda: T0, sleep=lambda s: None).fetch(source)
    assert sent == []


def test_same_origin_redirects_are_followed_but_not_forever(tmp_path: Path) -> None:
    moved, final = "https://prices.azure.com/old", "https://prices.azure.com/api/retail/prices"
    hop = entry(tmp_path, moved, b"", status=301, headers=(("Location", "/api/retail/prices"),))
    body = entry(tmp_path, final, b'{"Items": [], "NextPageLink": null}')
    with replay_server([hop, body]) as base, httpx.Client() as client:
        [capture] = fetcher(base, client).fetch(replace(AZURE, requests=(Request(url=moved),)))
    assert (capture.url, capture.http_status) == (final, 200), "the capture names the document it holds"

    loop = entry(tmp_path, moved, b"", status=302, headers=(("Location", moved),))
    source = replace(AZURE, requests=(Request(url=moved),))
    with replay_server([loop]) as base, httpx.Client() as client, pytest.raises(SourceError, match="redirects from"):
        fetcher(base, client).fetch(source)


def test_server_errors_are_retried_then_reported(tmp_path: Path) -> None:
    url = "https://prices.azure.com/down"
    sleeps: list[float] = []
    source = replace(AZURE, requests=(Request(url=url),))
    down = entry(tmp_path, url, b"oops", status=500)
    with replay_server([down]) as base, httpx.Client() as client, pytest.raises(SourceError, match="HTTP 500"):
        fetcher(base, client, sleeps, retries=2).fetch(source)
    assert len(sleeps) == 2  # two retries with backoff, then the error


def test_429_waits_as_long_as_retry_after_says(tmp_path: Path) -> None:
    url = "https://prices.azure.com/busy"
    sleeps: list[float] = []
    source = replace(AZURE, requests=(Request(url=url),))
    busy = entry(tmp_path, url, b"slow down", status=429, headers=(("Retry-After", "7"),))
    with replay_server([busy]) as base, httpx.Client() as client, pytest.raises(SourceError, match="HTTP 429"):
        fetcher(base, client, sleeps, retries=1).fetch(source)
    assert sleeps == [7.0]


def test_retry_after_http_date() -> None:
    assert retry_after_seconds("Mon, 03 Aug 2026 15:30:30 GMT", T0) == 30.0
    assert retry_after_seconds("soon", T0) is None


def test_azure_pagination_follows_next_page_link_on_the_same_host(tmp_path: Path) -> None:
    first = "https://prices.azure.com/api/retail/prices?page=1"
    second = "https://prices.azure.com/api/retail/prices?page=2"
    p1 = entry(tmp_path, first, b'{"Items": [], "NextPageLink": "' + second.encode() + b'"}')
    p2 = entry(tmp_path, second, b'{"Items": [], "NextPageLink": null}')
    source = replace(AZURE, requests=(Request(url=first),))
    with replay_server([p1, p2]) as base, httpx.Client() as client:
        captures = fetcher(base, client).fetch(source)
    assert [c.url for c in captures] == [first, second]
