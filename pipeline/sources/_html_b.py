"""Helpers for the pricing-page parsers (CoreWeave, GCP page, RunPod page, Fluidstack ...).

They sit beside `_html.py` (archive time, money text) and answer the questions those
parsers all ask of a page: when was it in force, is a cell a price or a "Contact sales",
what commitment term does a column name, and what form factor does "HGX" state.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from selectolax.parser import Node

from pipeline.models import RawCapture
from pipeline.sources._html import squash, wayback_time

# Cell texts that say "no price here" (not offered, ask sales): no row, because nothing is priced.
_NO_PRICE = re.compile(r"^(?:n/?a|-|–|—|none|not available|contact(?: sales| us)?|coming soon|sold out)?$", re.I)
_TERM = re.compile(r"\b(\d+)[\s-]*(month|mo|year|yr)s?\b", re.I)
_HGX = re.compile(r"\bHGX\b", re.I)
_FORM = re.compile(r"\b(SXM\d?|PCIE|NVL|NVLINK)\b", re.I)
_MEMORY = re.compile(r"\b(\d+(?:\.\d+)?)\s*(?:GB|GiB|G)\b", re.I)


def page_time(capture: RawCapture) -> datetime:
    """When the page's prices were in force: the Wayback capture time it names, else our fetch time."""
    return wayback_time(capture.body) or capture.fetched_at


def is_no_price(text: str) -> bool:
    """True for an empty, "N/A", "-" or "Contact sales" cell: a listing without a figure."""
    return _NO_PRICE.match(squash(text)) is not None


def reserved_term(text: str) -> str | None:
    """`reserved_<term>` for "6 Month", "1 Year", "12 months", "3-year commitment" (12 months is 1y)."""
    match = _TERM.search(text)
    if match is None:
        return None
    n = int(match.group(1))
    if match.group(2).lower().startswith(("y",)):
        return f"reserved_{n}y"
    return f"reserved_{n // 12}y" if n % 12 == 0 else f"reserved_{n}m"


def hgx_label(name: str) -> str:
    """Spell out the form factor that "HGX" states: NVIDIA's HGX baseboards carry SXM modules only.

    The identity rules look for "SXM"; a page that says "HGX H100" has said SXM, so the label
    says it too. A name that already states a form factor is left alone.
    """
    name = squash(name)
    if _HGX.search(name) and not _FORM.search(name):
        return f"{name} (SXM)"
    return name


def memory_gb(text: str) -> float | None:
    """GPU memory in GB from text such as "80GB", "141 GB VRAM", "A100-80G" (None if absent)."""
    match = _MEMORY.search(text)
    return float(match.group(1)) if match else None


def leading_int(text: str) -> int | None:
    """The whole number a cell starts with: "8" -> 8, "4^1" (footnoted) -> 4, "1/8" -> None (a fraction)."""
    match = re.match(r"\s*(\d+)(?![\d/.])", text)
    return int(match.group(1)) if match else None


def per_gpu_memory(total_text: str, gpu_count: int | None) -> float | None:
    """Memory per GPU from a machine's total ("640 GB" over 8 GPUs -> 80.0)."""
    match = re.search(r"(\d[\d,]*(?:\.\d+)?)\s*GB", total_text, re.I)
    if match is None or not gpu_count:
        return None
    return float(Decimal(match.group(1).replace(",", "")) / gpu_count)


def classes(node: Node) -> set[str]:
    """The node's CSS classes."""
    return set((node.attributes.get("class") or "").split())


def walk(root: Node, keep: Callable[[Node], bool]) -> Iterator[Node]:
    """Elements under root in document order that `keep` accepts (CSS selector groups lose that order)."""
    for node in root.traverse():
        if node.tag != "-text" and keep(node):
            yield node


def gpu_row(capture: RawCapture, provider: str, provider_class: str, **fields: Any) -> dict[str, Any]:
    """A parsed GPU-hour rate-card row with the columns every page parser fills the same way."""
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
