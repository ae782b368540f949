"""Read a real capture by meaning only (no layout reader), as sets to compare with what a person reads on the page."""

from __future__ import annotations

from pipeline.sources import REGISTRY
from pipeline.sources.pages.reader import read_by_meaning
from tests.helpers import RealCapture

Offer = tuple[str, str, str, int, str]  # (label, pricing type, per, GPUs priced, price as printed)


def by_meaning(real_capture: RealCapture, source: str, relative: str) -> tuple[set[Offer], set[tuple[str, str]]]:
    """(offered, refused): offered as (label, pricing type, price_per, gpu_count, price); refused as (label, price)."""
    capture = real_capture(source, relative)
    provider = REGISTRY[source].providers[0]
    frame = read_by_meaning(capture, provider)
    offered = {
        (r["label"], r["pricing_type"], r["price_per"], r["gpu_count"], r["price_native"])
        for r in frame.iter_rows(named=True)
        if r["reject_reason"] is None
    }
    refused = {(r["label"], r["price_native"]) for r in frame.iter_rows(named=True) if r["reject_reason"] is not None}
    assert set(frame["currency"]) == {"USD"}
    return offered, refused
