"""Registry of sources. Adding a provider = one module in `pipeline/sources/` + one line here.

Each listed module defines `SOURCE`. The contract test (tests/sources/test_registry.py) checks
that every provider module is listed, and that every listed source has a test reading a real
capture and a sample in the offline capture set (or says why not).
"""

from __future__ import annotations

from importlib import import_module

from pipeline.sources.base import Source

MODULES: tuple[str, ...] = (
    # GPU: hyperscalers
    "azure",
    "azure_catalog",
    "aws",
    "aws_history",
    "gcp",
    "gcp_page",
    "oracle",
    # GPU: neoclouds
    "runpod",
    "runpod_page",
    "coreweave_page",
    "lambda_catalog",
    "lambda_page",
    "crusoe_page",
    "datacrunch_page",
    "nebius_page",
    "hyperstack_page",
    "fluidstack_page",
    "paperspace_page",
    "digitalocean_page",
    "voltagepark_page",
    # GPU: marketplaces
    "vast",
    "vast_catalog",
    "primeintellect",
    # tokens
    "openrouter",
    "litellm",
    "llm_prices",
    "genai_prices",
    # reference FX rates (not prices: loaded into fx_rate)
    "reference.ecb_fx",
)


def _load() -> dict[str, Source]:
    sources = (import_module(f"pipeline.sources.{module}").SOURCE for module in MODULES)
    return {s.name: s for s in sources}


REGISTRY: dict[str, Source] = _load()


def get(name: str) -> Source:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(sorted(REGISTRY))}") from None
