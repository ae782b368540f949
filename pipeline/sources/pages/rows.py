"""The parsed row a pricing page yields: a GPU-hour rate card, with the fields every page fills alike."""

from __future__ import annotations

from typing import Any

from pipeline.domain.records import RawCapture
from pipeline.sources.pages.when import page_time


def page_row(capture: RawCapture, provider: str, provider_class: str = "neocloud", **fields: Any) -> dict[str, Any]:
    """A parsed GPU-hour rate-card row from a provider's pricing page, observed when the page was in force."""
    row: dict[str, Any] = {
        "source": capture.source,
        "provider": provider,
        "provider_class": provider_class,
        "input_tier": "rate_card",
        "product": "gpu_hour",
        "unit": "gpu_hour",
        "observed_at": page_time(capture),
    }
    row.update(fields)
    return row
