"""Oracle Cloud's price list API (`oracle`) on the real capture: GPU-hour parts, and parts that are not."""

from __future__ import annotations

from decimal import Decimal

from tests.helpers import RealCapture, row, run


def test_oracle_gpu_hour_parts(real_capture: RealCapture) -> None:
    _, quotes, rejections = run(real_capture("oracle", "provider-pages-2026/oracle.json"))
    h200 = row(quotes, sku="B110519")
    assert (h200["good"], h200["price_usd"]) == ("H200-SXM-141GB", Decimal("10"))
    assert row(quotes, sku="B110978")["good"] == "B200-SXM-180GB"
    assert row(quotes, sku="B110978")["price_usd"] == Decimal("14")
    assert row(quotes, sku="B109479")["good"] == "L40S-48GB"
    assert row(quotes, sku="B109485")["price_usd"] == Decimal("6")
    # "GPU - H100" does not say SXM or PCIe.
    assert row(rejections, sku="B98415")["rule"] == "identity_ambiguous"
    # Cloud@Customer and VMware node-hour / per-day parts are not public GPU-hour prices.
    assert "Cloud@Customer" in row(rejections, sku="B111455")["reason"]
    assert "Node Per Hour" in row(rejections, sku="B108807")["reason"]
    assert "Per Day" in row(rejections, sku="B109493")["reason"]
    assert set(quotes["provider"]) == {"oracle"}


def test_a_software_licence_metered_per_gpu_hour_is_no_gpu_price(real_capture: RealCapture) -> None:
    """Oracle's list also prices NVIDIA AI Enterprise per GPU-hour ("OCI - NVIDIA AI Enterprise - H200", $2.50; seen
    in a later reply of the same API, held out): parser v1 published it as the H200's on-demand GPU-hour beside the
    compute part's $10. The real reply with such a part added beside each GPU part: v2 refuses every added part and
    reads every real one as v1 does."""
    import json

    from pipeline.domain.records import RawCapture
    from pipeline.sources import REGISTRY
    from pipeline.sources.oracle import SOFTWARE_REASON

    capture = real_capture("oracle", "provider-pages-2026/oracle.json")
    doc = json.loads(capture.body)
    licences = [
        {**item, "partNumber": f"L{item['partNumber']}", "displayName": f"OCI - NVIDIA AI Enterprise - {name}"}
        for item in doc["items"]
        if (name := item["displayName"].removeprefix("OCI - Compute - GPU - ")) != item["displayName"]
    ]
    assert len(licences) >= 5
    added = RawCapture(
        "oracle", capture.url, capture.fetched_at, json.dumps({**doc, "items": doc["items"] + licences}).encode()
    )
    v2, v1 = REGISTRY["oracle"].parse(added), REGISTRY["oracle"].parser("1")(added)
    mine = v2.filter(v2["sku"].str.starts_with("L"))
    assert set(mine["reject_reason"]) == {SOFTWARE_REASON.format(said="AI Enterprise")}
    assert v1.filter(v1["sku"].str.starts_with("L"))["reject_reason"].null_count() > 0  # what v1 read as GPU prices
    assert v2.filter(~v2["sku"].str.starts_with("L")).equals(REGISTRY["oracle"].parser("1")(capture))
