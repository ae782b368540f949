"""Prices a page keeps as data, not text: embedded JSON (Next.js `__NEXT_DATA__`, schema.org JSON-LD).

Read by meaning like the visible page: an object that names a GPU (a `name`, `displayName`, `id`
... value that is a GPU name) is a record; the numbers under keys that say "price" inside it (and
inside its nested objects that name no GPU of their own) are its prices, and the keys' words and
the nested objects' names ("communitySpotPrice", "Secure Cloud", "per-hour on-demand rate") say
what each is. A figure of 0 or one a sibling flag says is not offered ("communityCloud": false)
is a recorded refusal; a range bound ("lowPrice", "lowestPrice") is a floor, not a price. The
currency is the JSON's own (`priceCurrency`) or else the page's. Bounded: JSON nested deeper than
`MAX_JSON_DEPTH` is not parsed, and at most `MAX_JSON_NODES` values are visited per page.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from selectolax.parser import HTMLParser

from pipeline.sources.pages.money import ADD_ONS, ADDON_REASON
from pipeline.sources.pages.names import gpu_phrase, models
from pipeline.sources.pages.records import Price, Record
from pipeline.sources.pages.version import at_least
from pipeline.sources.pages.wording import pricing_type_of

MAX_JSON_DEPTH = 64
MAX_JSON_NODES = 200_000
ZERO_REASON = "a price of 0: not offered"
RANGE_REASON = "a bound of a price range (lowest / highest), not a price for a defined good"
_NAME_KEYS = ("displayName", "name", "gpuName", "gpu", "model", "title", "id")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_RANGE = re.compile(r"^(?:low|high|min|max|lowest|minimum|maximum)", re.IGNORECASE)
_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "six": "6", "twelve": "12", "eighteen": "18", "24": "24"}
_CURRENCIES = {"USD": "USD", "EUR": "EUR", "GBP": "GBP"}
_COUNT_KEY = re.compile(r"(?:num(?:ber of)? )?gpus?(?: count| quantity)?|gpu num|count of gpus")
_HOLDS_PRICES = re.compile(r"^(?:pric(?:e|es|ing)|rates?|hourly rates?|costs?)$")
_HOURLY = re.compile(r"\b(?:hourly|hour|hr|per hour)\b")
# Inside an object that holds prices: the keys of a bare figure ({"type": "spot", "amount": 1.25}), and the keys whose
# words say what it is.
_AMOUNT_KEYS = frozenset(("amount", "value", "usd", "rate"))
_SAYS_WHAT = ("type", "kind", "label", "plan", "tier", "term", "per", "unit", "interval")
_ADDON = re.compile(rf"\b(?:{ADD_ONS}|ingress|ipv?4?|network)\b")  # a key's words also name these
_PER = frozenset(("per", "unit", "interval"))  # {"per": "month"} says "per month": not an hourly price


def json_records(tree: HTMLParser, currency: str | None) -> list[Record]:
    """A record per JSON object naming a GPU with prices, from the page's JSON scripts."""
    records: list[Record] = []
    budget = [MAX_JSON_NODES]
    for script in tree.css("script"):
        kind = (script.attributes.get("type") or "").lower()
        if "json" not in kind:
            continue
        text = script.text(deep=True)
        if _json_depth(text) > MAX_JSON_DEPTH:
            continue
        try:
            doc = json.loads(text, parse_float=str, parse_int=str)  # figures kept exactly as printed
        except (ValueError, RecursionError):
            continue
        _walk(doc, currency, records, budget)
    return records


def _json_depth(text: str) -> int:
    """How deep the JSON nests (brackets outside strings), in one linear pass."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            escaped = not escaped and ch == "\\"
            if ch == '"' and not escaped:
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _walk(doc: Any, currency: str | None, records: list[Record], budget: list[int]) -> None:
    stack: list[tuple[Any, str | None]] = [(doc, currency)]
    while stack and budget[0] > 0:
        node, money = stack.pop()
        budget[0] -= 1
        if isinstance(node, list):
            stack.extend((item, money) for item in reversed(node))
            continue
        if not isinstance(node, dict):
            continue
        money = _currency(node) or money
        names = _names(node)
        if names:
            record = Record(names[0], -1, -1, -1, names=names, columns=_counts(node))
            record.prices = _prices(node, money, "", budget)
            if record.prices:
                records.append(record)
                continue
        stack.extend((value, money) for value in reversed(list(node.values())) if isinstance(value, dict | list))


def _names(node: dict[str, Any]) -> list[str]:
    """The GPU names the object gives itself (one model only: "RTX A6000/A40" is read where text is)."""
    out = []
    for key in _NAME_KEYS:
        value = node.get(key)
        if isinstance(value, str) and len(value) <= 80 and gpu_phrase(value) and len(models(value)) == 1:
            out.append(value)
    return out


def _counts(node: dict[str, Any]) -> dict[str, str]:
    """The object's GPU count ("gpuCount": 8) as a column the meaning reader sizes the machine by (a price beside it
    is then the whole machine's, unless its words say per GPU)."""
    found = [v for k, v in node.items() if _COUNT_KEY.fullmatch(_words(k)) and isinstance(v, str)]
    return {"gpu count": found[0]} if found else {}


def _currency(node: dict[str, Any]) -> str | None:
    value = node.get("priceCurrency") or node.get("currency") or node.get("currencyCode")
    return _CURRENCIES.get(value.upper()) if isinstance(value, str) else None


def _words(key: str) -> str:
    """ "communitySpotPrice" -> "community spot price"; "oneMonthPrice" -> "1 month price"; "reserved1Year" ->
    "reserved 1 year"."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[a-z])(?=[0-9])|[_-]+", " ", key).lower().split()
    return " ".join(_NUMBER_WORDS.get(w, w) for w in words)


def _in_units(value: str, words: str) -> str:
    """The figure in whole currency units: a key that says cents ("priceCents", "price_cents_per_hour": 2392) gives
    hundredths, shifted exactly ("23.92")."""
    if "cents" in words.split() or "cent" in words.split():
        return format(Decimal(value).scaleb(-2), "f")
    return value


def _priced(key: str, value: object, within: bool) -> bool:
    """A figure is a price when its key says so ("securePrice", "price_per_hour"), or, inside an object whose key says
    it holds prices ("pricing": {"onDemand": 2.49, "spot": 1.25}), when its key names a pricing type or an hourly
    rate (so a "gpuCount" there is no price)."""
    if not isinstance(value, str) or not _NUMBER.fullmatch(value):
        return False
    words = _words(key)
    said = pricing_type_of(words) is not None or _HOURLY.search(words) is not None or words in _AMOUNT_KEYS
    return "price" in words or (within and said)


def _prices(
    node: dict[str, Any], money: str | None, context: str, budget: list[int], within: bool = False
) -> list[Price]:
    """The prices in an object and in its nested objects that name no GPU, each with the words that say what it is
    (`within`: the object is held under a key that says prices, `_priced`)."""
    money = _currency(node) or money
    said = ("name", "description", *(_SAYS_WHAT if within else ()))
    named = _names(node)
    own = " ".join(
        f"per {node[k]}" if k in _PER else str(node[k]) for k in said if isinstance(node.get(k), str) and not named
    )
    if named and at_least(5):  # page parsers v5: what it says besides the GPU ("1x H100 SXM5 80GB spot", "Hourly ...")
        own = _besides_the_gpu(node, named[0])
    context = f"{context} {own}".strip()
    flags = {_words(k).split()[0]: (k, v) for k, v in node.items() if isinstance(v, bool)}
    out: list[Price] = []
    for key, value in node.items():
        budget[0] -= 1
        if budget[0] <= 0:
            break
        if isinstance(value, dict) and not _names(value):
            holds = _HOLDS_PRICES.search(_words(key)) is not None  # its own key only: {"rates": {"egress": {...}}}
            out += _prices(value, money, f"{context} {_words(key)}".strip(), budget, holds)
        elif isinstance(value, list):
            holds = _HOLDS_PRICES.search(_words(key)) is not None
            for item in value:
                if isinstance(item, dict) and not _names(item):
                    out += _prices(item, money, context, budget, holds)
        elif money and _priced(key, value, within):
            words = _words(key)
            flag = flags.get(words.split()[0])
            label = " ".join(p for p in (words, _words(flag[0]) if flag else "", context) if p)
            amount = _in_units(value, words)
            price = Price(-1, f"{value} {words}", amount, money, column=words, label=label)
            if _ADDON.search(label) is not None:  # "storagePrice", "pricing": {"egress": ...}: not the GPU's
                price.refused = ADDON_REASON
            elif float(value) == 0:
                price.refused = ZERO_REASON
            elif flag is not None and flag[1] is False:
                price.refused = f"not offered ({flag[0]} is false)"
            elif _RANGE.match(key) or "lowest" in context:
                price.refused = RANGE_REASON
            out.append(price)
    return out


def _besides_the_gpu(node: dict[str, Any], name: str) -> str:
    """What an object naming a GPU says of its prices besides the GPU: its name's other words ("1x H100 SXM5 80GB spot":
    "spot"; "... serverless continuous") and its description ("Hourly spot instance price"). Page parsers v4 read
    neither, and published a spot offer named so as an on-demand price."""
    rest = _MACHINE_SIZE.sub(" ", name.replace(gpu_phrase(name) or name, " "))
    description = node.get("description")
    return " ".join(f"{rest} {description if isinstance(description, str) else ''}".split())


_MACHINE_SIZE = re.compile(r"^\s*\d+\s*[x×]\s*", re.IGNORECASE)  # the name's machine size is read from the name
