"""Paperspace's pricing page (`paperspace-page`) on the real archived capture; values read from the HTML by eye."""

from __future__ import annotations

from decimal import Decimal

from tests.helpers import RealCapture, absent, row, run
from tests.sources.page_meaning import by_meaning


def test_paperspace_starred_prices_are_3_year_commitments(real_capture: RealCapture) -> None:
    _, quotes, rejections = run(real_capture("paperspace-page", "pricing-pages/paperspace_20240123092147.html"))
    # "2.24*": "*$2.24/hour pricing is for a 3-year commitment"; the card says "NVIDIA HGX H100 GPU".
    h100 = row(quotes, sku="H100", pricing_type="reserved_3y")
    assert (h100["good"], h100["price_usd"]) == ("H100-SXM-80GB", Decimal("2.24"))
    # The same footnote: "On-demand pricing for H100 is $6.00/hour".
    assert row(quotes, sku="H100", pricing_type="on_demand")["price_usd"] == Decimal("6.00")
    # The hidden "3.09" block is not shown on the page and is not read.
    assert absent(quotes, price_usd=Decimal("3.09"))
    # "A100-80G" with "NVIDIA A100 GPU": 80GB but no form factor -> ambiguous.
    assert row(rejections, sku="A100-80G")["rule"] == "identity_ambiguous"
    assert row(quotes, sku="V100")["price_usd"] == Decimal("2.30")
    assert row(quotes, sku="M4000")["price_usd"] == Decimal("0.45")


def test_paperspace_capture_read_by_meaning(real_capture: RealCapture) -> None:
    offered, refused = by_meaning(real_capture, "paperspace-page", "pricing-pages/paperspace_20240123092147.html")
    assert refused == set()
    assert offered == {
        # "2.24*" / "1.15**": the footnotes say 3-year commitment; the hidden "$3.09" block is not shown
        ("NVIDIA HGX H100 (SXM)", "reserved_3y", "gpu_hour", 1, "2.24"),
        # the same footnote: "On-demand pricing for H100 is $6.00/hour ($8.96) under our special promo price"
        ("NVIDIA HGX H100 (SXM)", "on_demand", "gpu_hour", 1, "6.00"),
        ("NVIDIA A100 80GB", "reserved_3y", "gpu_hour", 1, "1.15"),
    } | {
        (gpu, "on_demand", "gpu_hour", 1, price)
        for gpu, price in {
            "NVIDIA A4000": "0.76",
            "NVIDIA A6000": "1.89",
            "V100": "2.30",
            "NVIDIA A5000": "1.38",
            "P6000": "1.10",
            "NVIDIA RTX5000": "0.82",
            "P5000": "0.78",
            "NVIDIA RTX4000": "0.56",
            "P4000": "0.51",
            "M4000": "0.45",
        }.items()
    }
