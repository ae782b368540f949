"""Every real pricing page made bad three ways (its GPU names gone, cut off, its prices shown in euros) and every
real catalog cut off: what comes out is a recorded rejection with its reason or schema drift, never an invented price.
No quote without a GPU model, no quote a cut page did not show whole, no euro figure read as dollars."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipeline.domain.records import RawCapture
from pipeline.flow.parse import parse_capture
from pipeline.methodology import load
from pipeline.sources import REGISTRY, SchemaDrift, SourceError
from tests.conftest import realdata_dir
from tests.helpers import FETCHED
from tests.sources.test_page_captures import CAPTURES, PRICED_WITHOUT_HOST

PAGES = [(source, relative) for source, relative in CAPTURES if relative.endswith(".html")]
# Pages that print dollar amounts (RunPod's 2023 page holds bare numbers only: nothing on it to localise).
DOLLAR_PAGES = [(s, r) for s, r in PAGES if "$" in (realdata_dir() / r).read_bytes().decode("utf-8", "replace")]
# Pages that print an amount as "$" then digits in one text (some split the sign and figure across elements).
AMOUNT = re.compile(r"\$\s*\d+\.(?=\d)|\$\s*\d")
AMOUNT_PAGES = [
    (s, r) for s, r in DOLLAR_PAGES if AMOUNT.search((realdata_dir() / r).read_bytes().decode("utf-8", "replace"))
]
BOUNDS = load().bounds
USD_PER_EUR = {"EUR": Decimal("1.1")}  # any rate: a euro figure must arrive as euros

# GPU makers, families and model numbers as pages print them, in text, attributes and links alike (broader than the
# identity rules on purpose; never an HTML tag's own name such as "h3").
GPU_NAMES = re.compile(
    r"(?i)(?<!<)(?<!</)(NVIDIA|AMD|Tesla|Quadro|GeForce|Titan|Radeon|Instinct|Blackwell|Hopper|Ampere|Lovelace|\bAda\b"
    r"|RTX ?(?:PRO ?)?[A-Z]?\d{4}\w*|GTX ?\d{3,4}|\bG[HB]\d{3}\w*|\b[HBL]\d{1,3}[A-Z]*\b|\bA\d{1,4}[A-Z]?\b|\bT4\b"
    r"|\bV100\w*|\bP\d{1,4}\b|\bK\d{2}\b|\bM\d{2,4}\b|\bMI\d{3}X?)"
)


def outcome(source: str, body: str) -> pl.DataFrame | None:
    """The quotes of a page (FX for euros given), or None when the page is schema drift."""
    capture = RawCapture(source, "https://example.test/pricing", FETCHED, body.encode())
    try:
        return parse_capture(capture, BOUNDS, USD_PER_EUR)[0]
    except SourceError as exc:
        assert exc.kind == "schema_drift" and exc.reason
        return None


def page(realdata: Path, relative: str) -> str:
    return (realdata / relative).read_bytes().decode("utf-8", "replace")


@pytest.mark.parametrize(("source", "relative"), PAGES)
def test_a_page_without_gpu_names_gives_no_quote(realdata: Path, source: str, relative: str) -> None:
    text = page(realdata, relative)
    blanked = GPU_NAMES.sub("Widget", text)
    assert blanked != text
    quotes = outcome(source, blanked)
    assert quotes is None or quotes.height == 0, quotes["label"].to_list() if quotes is not None else None


@pytest.mark.parametrize(("source", "relative"), PAGES)
def test_a_truncated_page_gives_only_quotes_the_whole_page_gives(realdata: Path, source: str, relative: str) -> None:
    text = page(realdata, relative)
    whole, half = outcome(source, text), outcome(source, text[: len(text) // 2])
    assert whole is not None and (whole.height > 0 or relative in PRICED_WITHOUT_HOST)  # those: no quote, half or whole
    if half is not None:
        key = ["good", "pricing_type", "region", "price_usd"]
        assert set(half.select(key).rows()) <= set(whole.select(key).rows())


def test_most_pages_print_dollar_amounts() -> None:
    assert len(DOLLAR_PAGES) >= len(PAGES) - 2


@pytest.mark.parametrize(("source", "relative"), DOLLAR_PAGES)
def test_a_page_in_euros_never_gives_a_dollar_figure(realdata: Path, source: str, relative: str) -> None:
    text = page(realdata, relative)
    quotes = outcome(source, text.replace("US$", "€").replace("$", "€").replace("USD", "EUR"))
    assert quotes is None or set(quotes["currency"]) <= {"EUR"}, quotes.group_by("currency").len().rows()


def test_most_pages_print_their_amounts_whole() -> None:
    assert len(AMOUNT_PAGES) >= len(PAGES) - 4


@pytest.mark.parametrize(("source", "relative"), AMOUNT_PAGES)
def test_a_page_cut_inside_a_price_is_schema_drift(realdata: Path, source: str, relative: str) -> None:
    """Cut after the "$2." of its last "$2.49" (or the "$2" of a whole-dollar amount): read, the figure would be 2,
    a price the page never showed."""
    text = page(realdata, relative)
    last = list(AMOUNT.finditer(text))[-1]
    capture = RawCapture(source, "https://example.test/pricing", FETCHED, text[: last.end()].encode())
    with pytest.raises(SchemaDrift, match="cut off, not a whole page"):
        parse_capture(capture, BOUNDS, USD_PER_EUR)


def catalogs() -> list[tuple[str, str]]:
    """One real catalog CSV per source that reads them: the newest of each archive, and SkyPilot's GCP and Vast."""
    root = realdata_dir()
    found = [("gcp", "skypilot-format/gcp/vms.csv"), ("vast-catalog", "skypilot-format/vast/vms.csv")]
    for name in ("azure-catalog", "aws-history", "lambda-catalog", "vast-catalog"):
        for archive in REGISTRY[name].archives:
            found.append((name, str(sorted(root.glob(archive.pattern))[-1].relative_to(root))))
    return found


@pytest.mark.parametrize(("source", "relative"), catalogs())
def test_a_catalog_cut_inside_its_last_figure_is_schema_drift(realdata: Path, source: str, relative: str) -> None:
    body = (realdata / relative).read_bytes()
    whole = REGISTRY[source].parse(RawCapture(source, "https://example.test/c.csv", FETCHED, body))
    assert whole.height > 0
    cut = body[: body.rstrip().rfind(b".") + 2]  # "9.4" of the last "9.46006"
    with pytest.raises(SchemaDrift, match="cut off, not a whole file"):
        REGISTRY[source].parse(RawCapture(source, "https://example.test/c.csv", FETCHED, cut))
