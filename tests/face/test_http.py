"""HTTP as RFC 9110 and RFC 9457 say, checked against a running `cix serve`: HEAD on every GET route, entity
tags (strong, weak, lists, `*`), Last-Modified for publications, one problem-details body for every error,
and an OpenAPI document that validates and states every route's answers (and matches what is served)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel

from pipeline.face.web import models
from pipeline.face.web.problems import Problem
from tests.face.conftest import DAY

CODE = "CIX-H100-OD-HYP"
# One real request per GET route of the API (path parameters filled with values the fixture has).
ROUTES = {
    "/health": "/health",
    "/indices": "/indices",
    "/indices/{code}": f"/indices/{CODE}",
    "/indices/{code}/fixings": f"/indices/{CODE}/fixings?start={DAY}&end=2026-09-01",
    "/fixings/{day}": f"/fixings/{DAY}",
    "/fixings/{day}/{code}": f"/fixings/{DAY}/{CODE}",
    "/contracts/{contract}/settlements/{period}": "/contracts/CIXF-H100-OD-HYP/settlements/2026-08",
    "/contracts/{contract}/settlements/{period}/revisions": "/contracts/CIXF-H100-OD-HYP/settlements/2026-08/revisions",
    "/publications": "/publications",
    "/publications/{day}/manifest": f"/publications/{DAY}/manifest",
    "/publications/{day}/signature": f"/publications/{DAY}/signature",
    "/publications/{day}/files/{name}": f"/publications/{DAY}/files/fixings.csv",
    "/": "/",
    "/index/{code}": f"/index/{CODE}",
}
MODELS: dict[str, type[BaseModel]] = {
    "/health": models.Health,
    "/indices": models.IndexList,
    "/indices/{code}": models.IndexDocument,
    "/indices/{code}/fixings": models.IndexFixings,
    "/fixings/{day}": models.DayFixings,
    "/fixings/{day}/{code}": models.FixingWithRevisions,
    "/publications": models.PublicationList,
    "/publications/{day}/manifest": models.Manifest,
}


@pytest.fixture(scope="module")
def client(server: str) -> httpx.Client:
    return httpx.Client(base_url=server, timeout=60)


@pytest.fixture(scope="module")
def spec(client: httpx.Client) -> dict[str, Any]:
    return dict(client.get("/openapi.json").json())


def test_every_get_route_is_exercised(spec: dict[str, Any]) -> None:
    assert {p for p, ops in spec["paths"].items() if "get" in ops} == set(ROUTES)


@pytest.mark.parametrize("template", sorted(ROUTES))
def test_head_answers_like_get_without_a_body(client: httpx.Client, template: str) -> None:
    got = client.get(ROUTES[template])
    head = client.head(ROUTES[template])
    assert head.status_code == got.status_code != 405
    assert head.content == b""
    assert head.headers.get("etag") == got.headers.get("etag")
    assert head.headers["content-type"] == got.headers["content-type"]
    assert int(head.headers["content-length"]) == len(got.content)


@pytest.mark.parametrize("template", sorted(MODELS))
def test_bodies_are_what_the_openapi_models_say(client: httpx.Client, template: str) -> None:
    body = client.get(ROUTES[template]).json()
    model = MODELS[template]
    model.model_validate(body)  # nested records too: the models forbid fields they do not document
    if model.model_config.get("extra") == "forbid":
        assert set(body) == set(model.model_fields), template


def test_openapi_validates_and_documents_every_answer(spec: dict[str, Any]) -> None:
    validate(spec)
    for path, operations in spec["paths"].items():
        get = operations["get"]
        assert "head" in operations, path
        responses = get["responses"]
        ok = responses["200"]["content"]
        assert all(media.get("schema") not in (None, {}) for media in ok.values()), path
        assert "304" in responses and "ETag" in responses["200"]["headers"], path
        for status, answer in responses.items():
            if status[0] in "45":
                assert list(answer["content"]) == ["application/problem+json"], (path, status)
                assert answer["content"]["application/problem+json"]["schema"]["$ref"].endswith("/Problem")
        parameters = get.get("parameters", [])
        if parameters:
            assert "422" in responses, path  # validated parameters can fail: documented as a problem
        if path.startswith("/publications/{day}"):
            assert "Last-Modified" in responses["200"]["headers"]


def test_etag_strong_weak_list_and_star(client: httpx.Client) -> None:
    url = f"/fixings/{DAY}"
    first = client.get(url)
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{16}-[0-9a-f]{20}"', etag)  # strong: <data version>-<body digest>
    assert etag.strip('"').split("-")[0] == client.get("/health").json()["data_version"]
    for header in (etag, f"W/{etag}", f'"nope", W/"other", {etag}', "*", f'W/"x",{etag}'):
        again = client.get(url, headers={"If-None-Match": header})
        assert again.status_code == 304, header
        assert again.content == b"" and again.headers["etag"] == etag
    for header in ('"nope"', 'W/"nope", "also-not"', "not-a-tag", etag.replace('"', "")):
        assert client.get(url, headers={"If-None-Match": header}).status_code == 200, header
    assert client.head(url, headers={"If-None-Match": etag}).status_code == 304
    # `*` only matches a representation that exists
    assert client.get("/fixings/1999-01-01", headers={"If-None-Match": "*"}).status_code == 404


def test_pages_carry_weak_etags_compared_weakly(client: httpx.Client) -> None:
    page = client.get(f"/index/{CODE}")
    assert page.headers["content-type"].startswith("text/html")
    etag = page.headers["etag"]
    assert etag.startswith('W/"')
    assert client.get(f"/index/{CODE}", headers={"If-None-Match": etag[2:]}).status_code == 304
    assert client.get(f"/index/{CODE}", headers={"If-None-Match": etag}).status_code == 304


def test_publications_last_modified_and_if_modified_since(client: httpx.Client) -> None:
    url = f"/publications/{DAY}/manifest"
    first = client.get(url)
    modified = first.headers["last-modified"]
    assert re.fullmatch(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT", modified)
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": "Sun, 06 Nov 1994 08:49:37 GMT"}).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": "garbage"}).status_code == 200
    # If-None-Match, when present, decides alone (RFC 9110 13.2.2)
    assert client.get(url, headers={"If-None-Match": '"other"', "If-Modified-Since": modified}).status_code == 200
    signature = client.get(f"/publications/{DAY}/signature")
    assert signature.headers["last-modified"] == modified and signature.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    ("method", "url", "status", "detail"),
    [
        ("GET", "/no/such/route", 404, "no resource at /no/such/route"),
        ("GET", "/indices/CIX-NOPE-OD", 404, "unknown index CIX-NOPE-OD"),
        ("GET", "/fixings/1999-01-01", 404, "no fixings for 1999-01-01"),
        ("GET", "/publications/1999-01-01/manifest", 404, "no publication for 1999-01-01"),
        ("GET", f"/publications/{DAY}/files/nothing.txt", 404, f"the publication for {DAY} has no file nothing.txt"),
        ("GET", "/fixings/2026-13-45", 422, "path.day"),
        ("GET", f"/indices/{CODE}/fixings?start=yesterday&end={DAY}", 422, "query.start"),
        ("GET", f"/indices/{CODE}/fixings?start={DAY}", 422, "query.end"),
        ("GET", f"/indices/{CODE}/fixings?start={DAY}&end=2026-08-01", 422, "end is before start"),
        ("GET", "/contracts/CIXF-H100-OD-HYP/settlements/2026-13", 422, "path.period"),
        ("GET", "/contracts/CIXF-NOPE/settlements/2026-08", 404, "unknown contract CIXF-NOPE"),
        ("GET", "/index/CIX-NOPE", 404, "unknown index CIX-NOPE"),
        ("GET", f"/index/{CODE}?date=1999-01-01", 404, f"no fixing for {CODE} on 1999-01-01"),
        ("POST", f"/fixings/{DAY}", 405, "read-only"),
        ("DELETE", "/indices", 405, "read-only"),
    ],
)
def test_every_error_is_problem_details(client: httpx.Client, method: str, url: str, status: int, detail: str) -> None:
    answer = client.request(method, url)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    assert body["status"] == status and body["type"] == "about:blank" and body["instance"] == url.split("?")[0]
    assert detail in body["detail"]
    if status == 422 and "." in detail:
        assert body["errors"] and all({"location", "message"} <= set(e) for e in body["errors"])
    Problem.model_validate(body)
