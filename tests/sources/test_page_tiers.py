"""Volume tiers (`pages.tiers`): the price for renting many GPUs is not one GPU's on-demand price."""

from __future__ import annotations

import pytest

from pipeline.sources.pages.tiers import tier_start
from tests.sources.test_pages_meaning import offers

HEAD = "<h1>Lambda GPU cloud pricing</h1>"


@pytest.mark.parametrize(
    "page",
    [
        # One cell: the 50+ price was read as the price now and $2.99 refused as the list price it replaced.
        "<table><tr><th>GPU</th><th>Price</th></tr>"
        "<tr><td>NVIDIA H100 SXM</td><td>1-49 GPUs: $2.99/hr; 50+ GPUs: $2.49/hr</td></tr></table>",
        # Two columns, and a card with a second line: both prices were refused as figures nothing told apart.
        "<table><tr><th>GPU</th><th>1-49 GPUs</th><th>50+ GPUs</th></tr>"
        "<tr><td>NVIDIA H100 SXM</td><td>$2.99/hr</td><td>$2.49/hr</td></tr></table>",
        "<div><h3>NVIDIA H100 SXM</h3><p>$2.99/hr</p><p>$2.49/hr for 50+ GPUs</p></div>"
        "<div><h3>NVIDIA A100 SXM 80GB</h3><p>$1.79/hr</p></div>",
    ],
)
def test_a_cheaper_price_for_more_gpus_is_a_volume_tier(page: str) -> None:
    found = {(label, price): reason for label, _, _, _, price, reason in offers(HEAD + page)}
    assert found[("NVIDIA H100 SXM", "2.99")] is None
    assert (found[("NVIDIA H100 SXM", "2.49")] or "").startswith("a volume tier's price (from 50 GPUs)")


def test_a_larger_minimum_at_a_higher_price_is_another_product() -> None:
    """Voltage Park: single Ethernet GPUs at $1.99, InfiniBand clusters of 8 or more at $2.49: no discount."""
    page = (
        "<table><tr><th>GPU</th><th>1-1016 GPUs, Ethernet</th><th>8-1016 GPUs, InfiniBand</th></tr>"
        "<tr><td>NVIDIA H100 SXM</td><td>$1.99/hr</td><td>$2.49/hr</td></tr></table>"
    )
    assert not any((reason or "").startswith("a volume tier") for *_, reason in offers(HEAD + page))


@pytest.mark.parametrize(
    ("words", "start"),
    [
        ("50+ GPUs", 50),
        ("1-49 GPUs", 1),
        ("8-1016 HGX H100 GPUs", 8),
        ("$2.49/hr for 64+ GPUs", 64),
        ("from 100 GPUs", 100),
        ("64 or more GPUs", 64),
        ("8x NVIDIA H100 SXM", None),  # a machine's size, not a tier
        ("8 GPUs per node", None),
        ("$2.99/GPU/hr", None),
    ],
)
def test_where_a_tier_starts(words: str, start: int | None) -> None:
    assert tier_start([words]) == start
