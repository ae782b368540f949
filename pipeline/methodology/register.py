"""The provider register: which firm (legal entity) each feed's provider name belongs to, and its class.

Feeds name one firm several ways (`bedrock_converse` and `bedrock_mantle` are both AWS; Paperspace
is a DigitalOcean company); the register maps every alias to one firm, so a methodology can count
one vote per firm. It is data (`register.json`), versioned like a methodology: a methodology names
the register version it uses, and its digest covers it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

AGGREGATOR = "aggregator"


@dataclass(frozen=True)
class Firm:
    id: str
    legal_entity: str
    classes: Mapping[str, str]  # product -> class (hyperscaler, neocloud, marketplace, aggregator, ...)
    aliases: tuple[str, ...]

    def class_for(self, product: str) -> str | None:
        return self.classes.get(product)


@dataclass(frozen=True)
class Register:
    version: str
    digest: str
    firms: Mapping[str, Firm]
    by_alias: Mapping[str, Firm]
    raw: Mapping[str, Any]

    def firm_of(self, provider: str) -> Firm | None:
        """The firm a provider name belongs to; None for a name the register does not know."""
        return self.by_alias.get(provider)

    def firm_id(self, provider: str) -> str:
        """The firm's id, or the provider name itself when unregistered (its own firm, flagged by the caller)."""
        firm = self.by_alias.get(provider)
        return firm.id if firm is not None else provider


def _document(version: str) -> dict[str, Any]:
    raw = json.loads(resources.files("pipeline.methodology").joinpath("register.json").read_bytes())
    if str(raw["version"]) != version:
        raise KeyError(f"provider register version {version!r} not found (have {raw['version']!r})")
    return dict(raw)


@cache
def load_register(version: str = "1") -> Register:
    raw = _document(version)
    firms = {
        fid: Firm(fid, f["legal_entity"], dict(f["class"]), tuple(f["aliases"])) for fid, f in raw["firms"].items()
    }
    by_alias: dict[str, Firm] = {}
    for firm in firms.values():
        for alias in firm.aliases:
            if alias in by_alias:
                raise ValueError(f"register alias {alias!r} names both {by_alias[alias].id} and {firm.id}")
            by_alias[alias] = firm
    digest = hashlib.sha256(json.dumps(raw, indent=1).encode()).hexdigest()
    return Register(str(raw["version"]), digest, firms, by_alias, raw)
