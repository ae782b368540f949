"""Registry of sources. Adding a provider = one module + one line here."""

from __future__ import annotations

from pipeline.sources import (
    aws,
    aws_history,
    azure,
    azure_catalog,
    coreweave_page,
    crusoe_page,
    datacrunch_page,
    digitalocean_page,
    ecb_fx,
    fluidstack_page,
    gcp,
    gcp_page,
    hyperstack_page,
    lambda_catalog,
    lambda_page,
    litellm,
    llm_prices,
    nebius_page,
    openrouter,
    oracle,
    paperspace_page,
    primeintellect,
    runpod,
    runpod_page,
    vast,
    vast_catalog,
    voltagepark_page,
)
from pipeline.sources.base import Fetcher, Request, SchemaDrift, Source, SourceError

REGISTRY: dict[str, Source] = {
    s.name: s
    for s in (
        # GPU: hyperscalers
        azure.SOURCE,
        azure_catalog.SOURCE,
        aws.SOURCE,
        aws_history.SOURCE,
        gcp.SOURCE,
        gcp_page.SOURCE,
        oracle.SOURCE,
        # GPU: neoclouds
        runpod.SOURCE,
        runpod_page.SOURCE,
        coreweave_page.SOURCE,
        lambda_catalog.SOURCE,
        lambda_page.SOURCE,
        crusoe_page.SOURCE,
        datacrunch_page.SOURCE,
        nebius_page.SOURCE,
        hyperstack_page.SOURCE,
        fluidstack_page.SOURCE,
        paperspace_page.SOURCE,
        digitalocean_page.SOURCE,
        voltagepark_page.SOURCE,
        # GPU: marketplaces
        vast.SOURCE,
        vast_catalog.SOURCE,
        primeintellect.SOURCE,
        # tokens
        openrouter.SOURCE,
        litellm.SOURCE,
        llm_prices.SOURCE,
        # reference FX rates (not prices: loaded into fx_rate)
        ecb_fx.SOURCE,
    )
}


def get(name: str) -> Source:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(sorted(REGISTRY))}") from None


__all__ = ["REGISTRY", "Fetcher", "Request", "SchemaDrift", "Source", "SourceError", "get"]
