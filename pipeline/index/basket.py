"""Methodology v3 for a rate-card basket (e.g. CIX-TOK-BASKET-FRONTIER): each maker lists a *different* good.

The outlier screen, the dispersion gate and the influence test judge firms quoting one good; applied to a
basket they would screen GPT-5 out for not costing what Gemini costs. So a basket takes one vote per maker at
equal weight, is withheld unless every member is present (a basket without a member is another basket), and
is never better than `indicative` (gate `rate_card_basket`): list prices of different goods are not a market
a contract can settle on. Pure and exact, like the central band.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any

from pipeline.domain.fixing import Constituent, Estimate, ProviderValue
from pipeline.index.central_band import CONTEXT_PRECISION, SETTLE_DECIMALS, venue_concentration
from pipeline.index.estimator import percentile
from pipeline.methodology.params import CentralBandParams


def estimate(values: list[ProviderValue], members: int, p: CentralBandParams) -> Estimate:
    """The equal-weight mean of the makers' rate cards; `members` is the number of goods in the basket."""
    with localcontext() as ctx:
        ctx.prec = CONTEXT_PRECISION
        ordered = sorted(values, key=lambda v: (v.value, v.provider))
        n = len(ordered)
        withheld = ["basket_incomplete"] if n < members else []
        weight = Decimal(1) / n if n else Decimal(0)
        value = unrounded = None
        if not withheld:
            unrounded = (sum((v.value for v in ordered), Decimal(0)) / n).quantize(
                Decimal(1).scaleb(-SETTLE_DECIMALS), rounding=ROUND_HALF_EVEN
            )
            value = unrounded.quantize(Decimal(1).scaleb(-p.decimals), rounding=ROUND_HALF_EVEN)
        gates: dict[str, Any] = {
            "basket": {"members": members, "observed": n},
            "failed": withheld,
            "indicative": [] if withheld else ["rate_card_basket"],
            "venue_concentration": venue_concentration(ordered),
        }
        flags = ["carried_forward_input"] if any(v.carried for v in ordered) else []
        if any(not v.in_window for v in ordered):
            flags.append("outside_window_input")
        kept = None if withheld else weight
        constituents = tuple(Constituent.of(v, weight, weight, trim_weight=kept) for v in ordered)
        prices = [v.value for v in ordered]
        return Estimate(
            status="withheld" if withheld else "indicative",
            value=value,
            gates=gates,
            flags=tuple(flags),
            constituents=constituents,
            n_providers=n,
            robust_cv=None,
            p25=percentile(prices, Decimal("0.25")) if prices else None,
            p75=percentile(prices, Decimal("0.75")) if prices else None,
            unrounded=unrounded,
        )
