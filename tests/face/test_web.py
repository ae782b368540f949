"""The index pages in a real browser: headless Chromium (Debian's package, installed by `make test`) loads them
from a running `cix serve`, with every request off this machine blocked and recorded.

Each page must draw its charts (SVG marks, as many as there are data points), log no console error, fetch
nothing from another machine, and keep every label inside its chart. Screenshots are kept under
var/artifacts/browser/ (the path is printed) for a person to look at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from pipeline.methodology import load
from tests.face.conftest import DAY, Site
from tests.helpers import REPO, cix

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "var" / "artifacts" / "browser"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
DATED = re.compile(r"^(\d{1,2} )?(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}$")


@dataclass
class Watch:
    """What a page did: requests blocked (off the machine), console errors, failed loopback responses."""

    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)

    def clean(self) -> None:
        assert self.blocked == [], f"requests off the machine: {self.blocked}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"
        assert self.bad_responses == [], f"failed responses: {self.bad_responses}"


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport={"width": 1300, "height": 900},
        )
        yield context
        context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, Watch]]:
    watch = Watch()
    page = browser.new_page()

    def route(r: Any) -> None:
        url = urlparse(r.request.url)
        if url.scheme in ("data", "blob", "about", "file") or url.hostname in LOOPBACK:
            r.continue_()
        else:
            watch.blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: watch.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watch.console_errors.append(str(e)))
    page.on("response", lambda r: watch.bad_responses.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    yield page, watch
    page.close()


def shoot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def labels_outside(page: Any, selector: str) -> list[str]:
    """Text of the chart's labels whose box leaves the chart's box (a clipped label)."""
    return list(
        page.eval_on_selector(
            selector,
            """svg => { const box = svg.getBoundingClientRect(); const out = [];
              for (const t of svg.querySelectorAll('text')) { const r = t.getBoundingClientRect();
                if (!t.textContent.trim()) continue;
                if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5
                    || r.bottom > box.bottom + 0.5) out.push(t.textContent); }
              return out; }""",
        )
    )


def texts(page: Any, selector: str) -> list[str]:
    return [t.strip() for t in page.eval_on_selector_all(selector, "els => els.map(e => e.textContent)")]


def test_index_list_shows_every_index_with_status_value_and_sparkline(server: str, page: Any) -> None:
    tab, watch = page
    tab.goto(f"{server}/", wait_until="networkidle")
    rows = tab.locator("#indices tbody tr")
    codes = [d.code for d in load().indices]
    assert rows.count() == len(codes)
    assert texts(tab, "#indices tbody tr td:first-child strong") == codes
    statuses = set(texts(tab, "#indices tbody tr .badge"))
    assert statuses <= {"published", "indicative", "withheld"} and "withheld" in statuses
    # Indices withheld on their latest day still show their last published value.
    withheld_after_publishing = 0
    for code in codes:
        days = httpx.get(f"{server}/indices/{code}/fixings", params={"start": "2026-01-01", "end": "2026-12-31"})
        history = sorted(days.json()["fixings"], key=lambda f: f["fixing_date"])
        if history and history[-1]["status"] == "withheld" and any(f["status"] == "published" for f in history):
            withheld_after_publishing += 1
    published_before = tab.locator("#indices tbody tr:has-text('last published')").count()
    assert published_before == withheld_after_publishing >= 1
    sparks = tab.locator("#indices td.spark svg")
    assert sparks.count() >= 5
    assert tab.locator("#indices td.spark svg .mark-symbol.role-mark path").count() >= sparks.count()
    gates_in_words = "text=/too few providers after the outlier screen|no provider quoted it/"
    assert tab.locator(gates_in_words).count() >= 1
    shoot(tab, "index-list")
    watch.clean()


def test_index_page_history_marks_every_day_and_reads_at_a_glance(server: str, page: Any) -> None:
    code = "CIX-TOK-BASKET-FRONTIER"
    series = httpx.get(f"{server}/indices/{code}/fixings", params={"start": "2026-01-01", "end": "2026-12-31"}).json()
    days = series["fixings"]
    valued = [f for f in days if f["value"] is not None]
    empty = [f for f in days if f["value"] is None]
    assert valued and empty, "the fixture should give both published and withheld days"
    tab, watch = page
    tab.goto(f"{server}/index/{code}", wait_until="networkidle")
    history = "#history svg"
    assert tab.locator(f"{history} .mark-symbol.role-mark path").count() == len(valued)  # one point per valued day
    assert tab.locator(f"{history} .mark-rule.role-mark line").count() >= len(empty)  # withheld days marked
    ticks = texts(tab, f"{history} .role-axis-label text")
    dated = [t for t in ticks if DATED.match(t)]
    assert len(dated) >= 3, ticks  # dates carry month and year
    titles = texts(tab, f"{history} .role-axis-title text")
    assert "USD per million tokens (3:1 input:output)" in titles and "fixing date (UTC)" in titles
    assert set(texts(tab, f"{history} .role-legend-label text")) >= {"published", "indicative", "withheld"}
    assert labels_outside(tab, history) == []
    assert tab.locator("text=a basket of first-party rate cards, not a competitive market").count() >= 1
    shoot(tab, "index-page-basket")
    watch.clean()


def test_index_page_constituents_weights_and_verification(server: str, site: Site, page: Any) -> None:
    code = "CIX-H100-OD"  # settles on the bundled captures (five firms and more)
    explained = json.loads(cix("explain", code, DAY, "--format", "json", env=site.env).stdout)
    tab, watch = page
    tab.goto(f"{server}/index/{code}?date={DAY}", wait_until="networkidle")
    assert Decimal(tab.locator("#value").inner_text()) == Decimal(explained["value"])
    providers = [p["provider"] for p in explained["providers"]]
    assert texts(tab, "#constituents tbody tr td:first-child") == providers
    bars = tab.locator("#providers svg .mark-rect.role-mark path")
    assert bars.count() == len([p for p in explained["providers"] if p["value"] is not None])
    assert labels_outside(tab, "#providers svg") == []
    assert set(texts(tab, "#providers svg .role-axis-label text")) >= set(providers)  # names in full
    manifest = json.loads((site.publish / DAY / "manifest.json").read_text())
    fingerprint = manifest["signature"]["public_key_fingerprint"]
    assert tab.locator(f"code:has-text('{fingerprint}')").count() == 1
    assert tab.locator("pre:has-text('openssl pkeyutl -verify')").count() == 1
    for name in manifest["files"]:
        link = tab.locator(f"#verify ~ table a:has-text('{name}')").first.get_attribute("href")
        assert httpx.get(f"{server}{link}").content == (site.publish / DAY / name).read_bytes()
    shoot(tab, "index-page-constituents")
    watch.clean()


def test_api_reference_renders_offline_and_links_to_the_pages(server: str, page: Any) -> None:
    tab, watch = page
    tab.goto(f"{server}/docs", wait_until="networkidle")
    tab.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert tab.locator(".swagger-ui .opblock").count() >= 10
    assert tab.locator(".swagger-ui .info a[href='/']").count() == 1  # the docs link to the index pages
    shoot(tab, "api-reference")
    watch.clean()


def test_offline_report_has_the_same_charts(site: Site, page: Any, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    made = cix("report", "--out", str(out), "--index", "CIX-TOK-BASKET-FRONTIER", env=site.env)
    assert made.returncode == 0, made.stderr
    tab, watch = page
    tab.goto(out.as_uri(), wait_until="networkidle")
    assert tab.locator("#history svg .mark-symbol.role-mark path").count() >= 1
    assert tab.locator("#indices td.spark svg").count() >= 5
    assert tab.locator("#rejections svg .mark-rect.role-mark path").count() >= 1
    for chart in ("#history svg", "#rejections svg"):
        assert labels_outside(tab, chart) == []
    assert "<script" not in out.read_text()
    shoot(tab, "report")
    watch.clean()
