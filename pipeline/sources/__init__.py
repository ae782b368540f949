"""Registry of sources. Adding a provider = one module + one line here."""

from __future__ import annotations

from pipeline.sources import aws, azure, gcp, litellm, openrouter, runpod, vast_catalog
from pipeline.sources.base import Fetcher, Request, SchemaDrift, Source, SourceError

REGISTRY: dict[str, Source] = {
    s.name: s
    for s in (
        azure.SOURCE,
        runpod.SOURCE,
        aws.SOURCE,
        gcp.SOURCE,
        vast_catalog.SOURCE,
        openrouter.SOURCE,
        litellm.SOURCE,
    )
}


def get(name: str) -> Source:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(sorted(REGISTRY))}") from None


__all__ = ["REGISTRY", "Fetcher", "Request", "SchemaDrift", "Source", "SourceError", "get"]
