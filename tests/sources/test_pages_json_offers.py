"""schema.org offers in a page's JSON-LD, named with their pricing type (page parsers v5).

Verda (DataCrunch's new name) keeps every price of its pricing page in JSON-LD as Offers named "1x H100 SXM5 80GB
spot", described "Hourly spot instance price" (a held-out capture of mid-2026, not in `../shared`: the page's JSON-LD
alone, which the meaning reader reads). v4 read neither the name's other words nor the description: every spot and
serverless price was published as an on-demand one, the confidential-computing (CC) instances as the standard GPU,
and clusters of more than 128 GPUs as single GPUs (then refused as implausible, and taken as the page's 1-GPU machine
that every other cluster's price was refused against). The offers below are written in that page's shape.
"""

from __future__ import annotations

import json

import polars as pl

from pipeline.sources import REGISTRY
from pipeline.sources.pages.meaning import SERVICE_REASON
from pipeline.sources.pages.names import CONFIDENTIAL_REASON
from tests.sources.test_pages_meaning import page


def offer(n: int, name: str, description: str, price: float) -> dict[str, object]:
    return {
        "@id": f"https://verda.com/pricing#offer-{n}",
        "@type": "Offer",
        "name": name,
        "description": description,
        "url": "https://verda.com/pricing",
        "price": price,
        "priceCurrency": "USD",
        "priceSpecification": {
            "@type": "UnitPriceSpecification",
            "price": price,
            "priceCurrency": "USD",
            "unitText": "hour",
        },
    }


OFFERS = [
    ("1x H100 SXM5 80GB on-demand", "Hourly on-demand instance price", 3.25),
    ("1x H100 SXM5 80GB spot", "Hourly spot instance price", 1.625),
    ("1x B300 SXM6 268GB on-demand", "Hourly on-demand instance price", 7.5),
    ("1x B300 CC SXM6 268GB on-demand", "Hourly on-demand instance price", 7.65),
    ("16x B300 SXM6 268GB instant cluster", "Hourly instant cluster price", 120),
    ("144x B300 SXM6 268GB instant cluster", "Hourly instant cluster price", 1080),
    ("1x H100 SXM5 80GB serverless continuous", "Hourly serverless container price", 3.58),
    ("2x H100 SXM5 80GB serverless spot", "Hourly serverless spot container price", 3.58),
]


def verda(offers: list[tuple[str, str, float]] = OFFERS) -> str:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@id": "https://verda.com/#organization", "@type": "Organization", "name": "Verda"},
            {
                "@id": "https://verda.com/pricing#offer-catalog",
                "@type": "OfferCatalog",
                "name": "Verda cloud pricing catalog",
                "itemListElement": [offer(i + 1, *o) for i, o in enumerate(offers)],
            },
        ],
    }
    return f'<html><head><script type="application/ld+json">{json.dumps(graph)}</script></head><body></body></html>'


def parsed(version: str | None = None) -> pl.DataFrame:
    source = REGISTRY["datacrunch-page"]
    parse = source.parse if version is None else source.parser(version)
    return parse(page(verda(), "datacrunch-page", "https://verda.com/pricing"))


def read(frame: pl.DataFrame) -> dict[str, tuple[object, ...]]:
    """Each figure: (pricing type, GPUs priced, reason), by its figure."""
    return {
        r["price_native"]: (r["pricing_type"], r["gpu_count"], r["reject_reason"]) for r in frame.iter_rows(named=True)
    }


def test_each_offer_is_read_as_its_name_and_description_say() -> None:
    got = read(parsed())
    assert got["3.25"] == ("on_demand", 1, None)
    assert got["1.625"] == ("spot", 1, None)  # v4: on_demand
    assert got["7.5"] == ("on_demand", 1, None)
    assert got["120"] == ("on_demand", 16, None)  # a cluster's price: 7.5 per GPU
    assert got["1080"] == ("on_demand", 144, None)  # v4: one GPU's, refused as implausible
    assert got["7.65"][2] == CONFIDENTIAL_REASON.format(said="CC")  # v4: the standard B300
    assert got["3.58"][2] == SERVICE_REASON  # serverless containers: v4 read the spot one as on-demand


def test_page_parsers_v4_read_them_as_before() -> None:
    """Kept for the quotes stored with it: v4's reading, spot offers typed on-demand."""
    got = read(parsed("4"))
    assert got["1.625"] == ("on_demand", 1, None)
    assert got["7.65"] == ("on_demand", 1, None)


def test_a_table_row_naming_a_confidential_computing_gpu_is_refused() -> None:
    html = (
        "<html><body><h2>Verda GPU pricing</h2><table><tr><th>GPU</th><th>VRAM</th><th>Price /GPU/hr</th></tr>"
        "<tr><td>NVIDIA B200 SXM6</td><td>180 GB</td><td>$6.11</td></tr>"
        "<tr><td>NVIDIA B200 CC SXM6</td><td>180 GB</td><td>$6.23</td></tr>"
        "<tr><td>NVIDIA H200 (Confidential Computing)</td><td>141 GB</td><td>$4.20</td></tr></table></body></html>"
    )
    frame = REGISTRY["datacrunch-page"].parse(page(html, "datacrunch-page", "https://verda.com/pricing"))
    got = read(frame)
    assert got["6.11"] == ("on_demand", 1, None)
    assert got["6.23"][2] == CONFIDENTIAL_REASON.format(said="CC")
    assert got["4.20"][2] == CONFIDENTIAL_REASON.format(said="Confidential Computing")


def test_a_compute_capability_is_no_confidential_computing() -> None:
    from pipeline.sources.pages.names import confidential
    from pipeline.sources.pages.version import reading_as

    with reading_as(5):
        assert confidential("NVIDIA A100 (CC 8.0)") is None  # a spec table's compute capability
        assert confidential("1x B200 CC SXM6 180GB") == CONFIDENTIAL_REASON.format(said="CC")
    assert confidential("1x B200 CC SXM6 180GB") is None  # v4 read it as the standard B200
