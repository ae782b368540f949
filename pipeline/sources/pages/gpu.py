"""How much memory a GPU named on a page has."""

from __future__ import annotations

import re
from decimal import Decimal

from pipeline.sources.pages.document import squash

_MEMORY = re.compile(r"\b(\d+(?:\.\d+)?)\s*(?:GB|GiB|G)\b", re.I)
_TOTAL = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*GI?B", re.I)


def memory_gb(text: str) -> float | None:
    """GPU memory in GB from text such as "80GB", "141 GB VRAM", "A100-80G" (None if absent)."""
    match = _MEMORY.search(squash(text))
    return float(match.group(1)) if match else None


def per_gpu_memory(total_text: str, gpu_count: int | None) -> float | None:
    """Memory per GPU from a machine's total ("640 GB" over 8 GPUs -> 80.0)."""
    match = _TOTAL.search(total_text)
    if match is None or not gpu_count:
        return None
    return float(Decimal(match.group(1).replace(",", "")) / gpu_count)
