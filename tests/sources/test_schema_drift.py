"""A reply of another shape is schema drift: never an empty success, an exception or an invented quote.

Every registered source is fed the real captures of every other source (each shape they read) and
bodies that are no reply at all. A real reply of another source is a well-formed document a parser
could misread, so it must be refused as `SchemaDrift`; a body that is no reply at all may instead
yield nothing priced (an empty Azure item list is an Azure reply with no items).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.domain.records import RawCapture
from pipeline.sources import REGISTRY, SchemaDrift
from tests.helpers import FETCHED, HISTORY, SAMPLE_FX, normalise

# The real captures of each source, one of every shape it reads (relative to the real-data root);
# a new source adds its own here so that the others are tried on it too.
SHAPES: dict[str, tuple[str, ...]] = {
    "azure": ("azure/azure.json",),
    "azure-catalog": (f"{HISTORY}/azure/2026-05-20.csv",),
    "aws": ("aws-pricing-page/aws.json",),
    "aws-history": ("aws/gpu_prices.csv",),
    "gcp": ("skypilot-format/gcp/vms.csv", f"{HISTORY}/gcp/2026-05-20.csv"),
    "gcp-page": ("provider-pages-2026/gcp.html",),
    "oracle": ("provider-pages-2026/oracle.json",),
    "runpod": ("runpod/runpod.json", "runpod-graphql/getcomputable_gputypes_055204a.json"),
    "runpod-page": (
        "pricing-pages/runpod_20230929070808.html",
        "pricing-pages/runpod_20250909131230.html",
        "pricing-pages/runpod_20260810082317.html",
    ),
    "coreweave-page": ("provider-pages-2026/coreweave.html",),
    "lambda-catalog": (f"{HISTORY}/lambda/2026-05-20.csv",),
    "lambda-page": ("pricing-pages/lambda_20230909194011.html", "pricing-pages/lambda_20241103180910.html"),
    "crusoe-page": (
        "pricing-pages/crusoe_20250521220413.html",
        "pricing-pages/crusoe_20251215002446.html",
        "provider-pages-2026/crusoe.html",
    ),
    "datacrunch-page": ("pricing-pages/datacrunch_20250808081801.html",),
    "nebius-page": (
        "pricing-pages/nebius_20241115043809.html",
        "pricing-pages/nebius_20260712235400.html",
        "provider-pages-2026/nebius.html",
    ),
    "hyperstack-page": (
        "pricing-pages/hyperstack_20240822101707.html",
        "pricing-pages/hyperstack_20250724001416.html",
        "provider-pages-2026/hyperstack.html",
    ),
    "fluidstack-page": (
        "pricing-pages/fluidstack_20230930024119.html",
        "pricing-pages/fluidstack_20250109013724.html",
    ),
    "paperspace-page": ("pricing-pages/paperspace_20240123092147.html",),
    "digitalocean-page": ("pricing-pages/digitalocean_20250707231929.html",),
    "voltagepark-page": ("pricing-pages/voltagepark_20250712040631.html",),
    "vast": ("vast/getcomputable_b300_asc.json", "vast/ewyluda_vast.json", "provider-pages-2026/vast.json"),
    "vast-catalog": ("skypilot-format/vast/vms.csv", f"{HISTORY}/vast/2026-05-20.csv"),
    "primeintellect": ("primeintellect/H100_80GB_SXM5.jsonl", "gpu-price-tracker/GH200_96GB.jsonl"),
    "openrouter": ("openrouter/openrouter_models.json",),
    "litellm": ("litellm/model_prices_and_context_window.json",),
    "llm-prices": ("llm-prices/deepseek.json",),
}
NOT_REPLIES: dict[str, bytes] = {
    "empty": b"",
    "binary": b"\x00\x01 not a page",
    "json-object": b"{}",
    "json-list": b"[]",
    "json-null": b"null",
    "html-error": b"<html><body>Service unavailable</body></html>",
    "csv": b"a,b\n1,2\n",
}


@pytest.fixture(scope="module")
def replies(realdata: Path) -> dict[tuple[str, str], bytes]:
    """(source, where) -> body: every real capture in SHAPES, and the ECB's document (only the sample exists)."""
    bodies = {
        (source, relative): (realdata / relative).read_bytes() for source, rels in SHAPES.items() for relative in rels
    }
    bodies["ecb-fx", SAMPLE_FX.name] = SAMPLE_FX.read_bytes()
    return bodies


NOTHING_PRICED = "read without schema drift, nothing priced"


def outcome(name: str, body: bytes) -> str | None:
    """None when the source refuses the body as schema drift; else what it did with it."""
    source = REGISTRY[name]
    capture = RawCapture(source=name, url="https://example.invalid/", fetched_at=FETCHED, body=body)
    try:
        if source.read_rates is not None:
            rates = source.read_rates(capture)
            return f"read {len(rates)} rates" if rates else NOTHING_PRICED
        quotes, _ = normalise(source.parse(capture), capture)
    except SchemaDrift:
        return None
    except Exception as exc:
        return f"raised {exc!r}"
    return f"made {quotes.height} quotes" if quotes.height else NOTHING_PRICED


def test_the_shapes_are_registered_sources_real_captures(realdata: Path) -> None:
    assert set(SHAPES) <= set(REGISTRY)
    assert all((realdata / relative).is_file() for relatives in SHAPES.values() for relative in relatives)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_a_reply_of_another_source_is_schema_drift(name: str, replies: dict[tuple[str, str], bytes]) -> None:
    done = {where: outcome(name, body) for (owner, where), body in replies.items() if owner != name}
    assert {where: what for where, what in done.items() if what is not None} == {}


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_a_body_that_is_no_reply_is_refused_or_yields_nothing_priced(name: str) -> None:
    done = {label: outcome(name, body) for label, body in NOT_REPLIES.items()}
    assert {label: what for label, what in done.items() if what not in (None, NOTHING_PRICED)} == {}
