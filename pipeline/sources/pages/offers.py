"""An offer: a price a page states for a GPU, with what it means (`meaning.offers_of` reads them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Offer:
    """A price the page states for a GPU, with what it means."""

    label: str
    model: str
    count: int | None  # GPUs in the machine the row names (None: not stated)
    memory: float | None
    amount: str
    currency: str
    pricing_type: str
    price_per: str  # gpu_hour | instance_hour
    reject_reason: str | None
    attributes: dict[str, Any] = field(default_factory=dict)
    region: str | None = None  # the region or cloud the page prices it in, when it names one
    cell: int = -1  # the page cell the figure is printed in

    def good(self) -> tuple[Any, ...]:
        """What the figure is a price of: figures alike in GPU, region, pricing type, unit and machine are one good's
        (a repeat, a list price and its replacement, a volume tier, the same price in another currency)."""
        return (self.label, self.region, self.pricing_type, self.price_per, self.count)
