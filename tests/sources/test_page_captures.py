"""Every real capture of a pricing page (and of Oracle's price list) yields quotes, dated by the page itself.

Archived pages (`pricing-pages/`, Wayback excerpts) are found through the archives their sources declare,
so a new page source's captures are checked here without listing them; a current page
(`provider-pages-2026/`) states no time of its own, so it is observed when it was fetched.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from pipeline.config import realdata_dir
from pipeline.methodology import load_register
from pipeline.sources import REGISTRY
from pipeline.sources.pages.checked import shown
from pipeline.sources.pages.document import table_dom
from tests.helpers import FETCHED, RealCapture, run

ARCHIVED = "pricing-pages/"
CURRENT = {
    "provider-pages-2026/coreweave.html": "coreweave-page",
    "provider-pages-2026/crusoe.html": "crusoe-page",
    "provider-pages-2026/gcp.html": "gcp-page",
    "provider-pages-2026/hyperstack.html": "hyperstack-page",
    "provider-pages-2026/nebius.html": "nebius-page",
    "provider-pages-2026/oracle.json": "oracle",
}
NOT_PAGES = {"provider-pages-2026/vast.json"}  # Vast's offer list, in the `vast` API's shape: test_vast.py
# Pages that price the GPU alone and bill its host apart ("Max vCPUs per GPU ($0.01/hr)"): every figure is refused as
# a component's (parser v4, `pages.components`; test_fluidstack_page.py reads what it says).
PRICED_WITHOUT_HOST = {"pricing-pages/fluidstack_20230930024119.html"}


def refused_as_components(rejections: pl.DataFrame) -> bool:
    return rejections.height > 0 and rejections["reason"].str.contains("bills the host apart", literal=True).all()


def archived_pages(root: Path) -> list[tuple[str, str]]:
    return sorted(
        (source.name, str(path.relative_to(root)))
        for source in REGISTRY.values()
        for archive in source.archives
        if archive.pattern.startswith(ARCHIVED)
        for path in root.glob(archive.pattern)
    )


def gpu_class(provider: str) -> str | None:
    firm = load_register().firm_of(provider)
    return firm.class_for("gpu_hour") if firm is not None else None


CAPTURES = archived_pages(realdata_dir()) + sorted((source, relative) for relative, source in CURRENT.items())


def test_every_page_capture_is_read_by_a_source(realdata: Path) -> None:
    on_disk = {
        str(p.relative_to(realdata))
        for folder in (ARCHIVED, "provider-pages-2026/")
        for p in (realdata / folder).iterdir()
        if p.name != "README.md"
    }
    assert on_disk - NOT_PAGES == {relative for _, relative in CAPTURES}


@pytest.mark.parametrize(("source", "relative"), CAPTURES)
def test_each_capture_yields_quotes_at_the_page_time(real_capture: RealCapture, source: str, relative: str) -> None:
    parsed, quotes, rejections = run(real_capture(source, relative))
    assert REGISTRY[source].product == "gpu_hour"
    if relative in PRICED_WITHOUT_HOST:
        assert quotes.is_empty() and refused_as_components(rejections)
    else:
        assert quotes.height >= 1
    assert set(parsed["provider"]) == set(REGISTRY[source].providers)
    # The class is the register's for the firm: a hyperscaler (GCP, Oracle) or a neocloud.
    assert set(parsed["provider_class"]) == {gpu_class(p) for p in REGISTRY[source].providers}
    # Every figure on these pages is shown with "$" (a cell that is no amount has no currency), and a
    # machine's price is offered only with the machine's GPU count.
    assert set(parsed["currency"].drop_nulls()) == {"USD"}
    offered = parsed.filter(pl.col("reject_reason").is_null())
    assert offered.filter(pl.col("currency").is_null()).is_empty()
    machines = offered.filter(pl.col("price_per") == "instance_hour")
    assert machines.filter(pl.col("gpu_count").is_null() | (pl.col("gpu_count") < 1)).is_empty()
    # A Wayback excerpt: its header comment's capture time, which the file name repeats; a current
    # page says no time of its own: when it was fetched.
    expected = FETCHED
    if relative.startswith(ARCHIVED):
        expected = datetime.strptime(Path(relative).stem.rsplit("_", 1)[-1], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    assert set(parsed["observed_at"]) == {expected}
    assert set(quotes["observed_at"]) <= {expected}
    assert rejections.filter(pl.col("reason").is_null()).height == 0


@pytest.mark.parametrize(("source", "relative"), [(s, r) for s, r in CAPTURES if r.endswith(".html")])
def test_the_checks_after_a_reader_leave_the_page_they_share_as_shown(
    real_capture: RealCapture, source: str, relative: str
) -> None:
    """The checks read one shown tree per capture between them (`pages.checked`): one that changed it would change
    what the checks after it read."""
    capture = real_capture(source, relative)
    REGISTRY[source].parse(capture)
    assert shown(capture).tree.html == table_dom(capture).html
