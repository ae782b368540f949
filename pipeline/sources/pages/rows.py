"""The parsed row a pricing page yields: a GPU-hour rate card, with the fields every page fills alike."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from pipeline.domain.records import RawCapture
from pipeline.sources.pages.money import amounts, figure_at, money, not_the_price
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


UNTYPED_REASON = (
    "a figure under a title that names no pricing type this layout reads ({title!r}): which price it is, unsaid"
)
UNTIED_REASON = "a row of {cells} cells under {titles} column titles: its figures cannot be tied to their columns"


def refused_row(
    capture: RawCapture, provider: str, provider_class: str, figure: tuple[str, str], reason: str, **fields: Any
) -> dict[str, Any]:
    """A priced row a layout reader refuses as a whole, with its (first) figure and the reason (`fields`: its sku,
    label, attributes ...): a row passed over would leave its prices nowhere."""
    return page_row(
        capture,
        provider,
        provider_class,
        pricing_type="on_demand",
        price_per="instance_hour",
        price_native=figure[0],
        currency=figure[1],
        reject_reason=reason,
        **fields,
    )


def untied_row(
    capture: RawCapture, provider: str, provider_class: str, titles: list[str], cells: list[str]
) -> dict[str, Any] | None:
    """A table row whose cells do not line up with its column titles (a status cell the header lacks, a merged
    cell), refused with its first figure: a layout reader that reads cells by position cannot tell which price is
    which. None for a row without a figure."""
    figure = first_figure(cells)
    if figure is None:
        return None
    reason = UNTIED_REASON.format(cells=len(cells), titles=len(titles))
    name = cells[0] if cells else ""
    attributes = json.dumps({"cells": cells, "titles": titles})
    return refused_row(capture, provider, provider_class, figure, reason, sku=name, label=name, attributes=attributes)


def first_figure(cells: list[str]) -> tuple[str, str] | None:
    """The first price (amount, currency) `money` reads in a row's cells, or None."""
    return next(filter(None, map(money, cells)), None)


def row_amount(text: str | None) -> Decimal | None:
    """A parsed row's price as a number; None for one that is not (a refused cell's text is kept as its price)."""
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def cell_figure(text: str) -> tuple[tuple[str, str], str | None] | None:
    """A price cell's figure as ((amount, currency), why it is refused): the price `money` reads (None: not refused
    here), or, when the cell's words pass over every figure in it ("Was $3.50", "$3.59 incl. 20% VAT", "Minimum spend
    $5,000"), the first of them with the reason, so the cell is refused, never passed over in silence. None for a
    cell without a figure ("Contact sales")."""
    if (found := money(text)) is not None:
        return found, None
    for start, amount, currency in amounts(text):
        if (why := not_the_price(text[:start], text[figure_at(text, start) :])) is not None:
            return (amount, currency), why
    return None
