"""What statuses, flags, gates and units mean, in words, for people: one table each, shared by the web pages,
the report and the CLI.

A value missing from a table still shows: its name becomes the words ("screen_overload" -> "screen overload")
and an unknown status gets the neutral colour. A new methodology's flag therefore needs one line here to be
explained, and nothing else to be displayed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Status:
    colour: str  # for charts and badges; readable on white
    words: str


NEUTRAL = "#6b7280"
STATUSES: dict[str, Status] = {
    "published": Status("#15803d", "a fixing that contracts settle on"),
    "indicative": Status("#b45309", "a value shown for information only: a settlement gate did not hold"),
    "withheld": Status("#b91c1c", "no value: the market could not support one on this day"),
}

FLAGS: dict[str, str] = {
    "low_contribution": "fewer than 5 providers contributed a value",
    "no_executable_input": "every input is a list price or rate card; none is an executable offer",
    "venue_concentration": "one feed supplies more than half of the providers",
    "screen_overload": "the outlier screen judged more providers out of line than the methodology allows "
    "(more than a quarter in v1, which then excluded none; more than 30 % in v3, which withholds)",
    "outside_window_input": "a provider had nothing in the fixing window; "
    "its latest quote from the previous 24 hours was used",
    "carried_forward_input": "an archived price list still in force was carried forward",
    "rate_card_basket": "a basket of first-party rate cards, not a competitive market",
    "referred": "referred to the administrator for review",
    "multimodal": "provider values form separate clusters; the average may sit between them",
    "fetch_time_input": "an input's content states no time of its own: it is dated by when it was fetched",
    "unregistered_provider": "a provider the register does not know voted as a firm of its own",
}

NO_PROVIDER = "no provider quoted it: no eligible quote in the window or the look-back"
GATES: dict[str, str] = {
    "min_providers": "too few providers after the outlier screen",
    "dispersion": "provider values too far apart (robust CV above the limit)",
    "weight_cap_infeasible": "the weight cap cannot be met with this few providers",
    "screen_overload": "the outlier screen judged more than 30 % of providers out of line: not one market",
    "settlement_min_providers": "fewer than 5 independent providers: too few to settle on",
    "multimodal": "provider values form separate clusters: the average would sit between them",
    "influence": "a single provider could move the value by more than 2 %",
    "rate_card_basket": "a basket of list prices of different goods: never a settlement value",
    "basket_incomplete": "a member of the basket had no price",
    "leg_withheld": "a leg of this blend was withheld",
    "leg_indicative": "a leg of this blend is only indicative",
}

VERDICTS: dict[str, str] = {
    "counted": "counted in the fixing",
    "mad_screen": "excluded by the outlier screen",
    "stale": "excluded: latest quote too old",
}

UNITS: dict[str, str] = {
    "gpu_hour": "GPU-hour",
    "mtok_input": "million input tokens",
    "mtok_output": "million output tokens",
    "mtok_cached_input": "million cached input tokens",
    "mtok_blend": "million tokens (3:1 input:output)",
}


def _humane(name: str) -> str:
    return name.replace("_", " ")


def status(name: str | None) -> Status:
    return STATUSES.get(name or "", Status(NEUTRAL, _humane(name or "unknown")))


def flag(name: str) -> str:
    return FLAGS.get(name, _humane(name))


def gate(name: str, providers: int | None = None) -> str:
    """A gate's words; a blend's `leg_withheld:CODE` names its leg. With `providers` (those counted), a market no
    provider quoted at all says so rather than blaming the screen."""
    kind, _, leg = name.partition(":")
    words = NO_PROVIDER if kind == "min_providers" and providers == 0 else GATES.get(kind, _humane(kind))
    return f"{words} ({leg})" if leg else words


def influence(detail: Mapping[str, Any] | None) -> str | None:
    """What the influence test (methodology v3) found, in a sentence: the firm that alone could move the value
    furthest, how far and between which values, against the bound. None where no test ran (or no firm voted)."""
    if not detail or detail.get("worst_provider") is None or not detail.get("worst_fixing_range"):
        return None
    low, high = detail["worst_fixing_range"]
    lowest, highest = detail.get("range_tested") or ("?", "?")
    side = "within" if detail.get("holds") else "beyond"
    return (
        f"{detail['worst_provider']} alone, quoting anything from {lowest}x to {highest}x its price, could move the "
        f"value by up to {percent(detail['worst_relative_reach'])} % (between {low} and {high}): {side} the "
        f"{percent(detail['bound'])} % bound"
    )


def reach(detail: Mapping[str, Any] | None) -> str | None:
    """The influence finding in a few words, for one-line tables: "lambda alone: up to 40.04 %"."""
    if not detail or detail.get("worst_provider") is None:
        return None
    return f"{detail['worst_provider']} alone: up to {percent(detail['worst_relative_reach'])} %"


def percent(share: Any) -> str:
    """A share as a percentage with at most two decimals: 0.125 -> "12.5", 0.02 -> "2"."""
    text = format((Decimal(str(share)) * 100).quantize(Decimal("0.01")), "f")
    return text.rstrip("0").rstrip(".")


def verdict(name: str | None) -> str:
    return VERDICTS.get(name or "counted", _humane(name or "counted"))


def unit(name: str) -> str:
    return UNITS.get(name, _humane(name))


def per_unit(currency: str, unit_name: str) -> str:
    """An axis title or value suffix: "USD per GPU-hour"."""
    return f"{currency} per {unit(unit_name)}"


def status_domain(seen: list[str]) -> tuple[list[str], list[str]]:
    """Legend order (the known statuses first, then any others seen) and their colours."""
    names = [*STATUSES, *sorted(set(seen) - set(STATUSES))]
    return names, [status(n).colour for n in names]
