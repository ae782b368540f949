"""Sources: one module per provider feed, the registry of them, and the one fetcher that reaches the network."""

from pipeline.sources.base import Request, SchemaDrift, Source, SourceError
from pipeline.sources.registry import REGISTRY, get

__all__ = ["REGISTRY", "Request", "SchemaDrift", "Source", "SourceError", "get"]
