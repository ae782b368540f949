"""ECB euro foreign exchange reference rates: the dated FX that turns non-USD prices into USD.

The ECB publishes, each TARGET business day around 16:00 CET, how many units of each
currency one euro buys (`eurofxref-daily.xml`; the last 90 days in
`eurofxref-hist-90d.xml`, everything since 1999 in `eurofxref-hist.xml`). Normalisation
needs USD per unit of each currency, which is a cross through the euro:

    USD per EUR = rate(USD);  USD per X = rate(USD) / rate(X)

computed exactly as a fraction and rounded once to 12 decimal places, half-even.

FX rates are not price quotes: this is a reference source (`read_rates`), whose rates are
stored by day and chosen for a date by `normalize.fx.rates_for`. A body that is not an ECB
reference-rate document is a recorded `SchemaDrift`.

The XML is parsed with expat configured to refuse any DTD, entity declaration or external
entity (no "billion laughs", no external fetches); bodies mentioning <!DOCTYPE / <!ENTITY
are refused before parsing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import NoReturn
from xml.parsers import expat

from pipeline.domain.records import FxRate, RawCapture
from pipeline.sources.base import Request, SchemaDrift, Source
from pipeline.sources.read import NumberOutOfBounds, bounded_decimal

NAME = "ecb-fx"
HOSTS = ("www.ecb.europa.eu",)
DAILY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
HIST_90D_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist-90d.xml"

GESMES_NS = "http://www.gesmes.org/xml/2002-08-01"
ECB_NS = "http://www.ecb.int/vocabulary/2002-08-01/eurofxref"
_SEP = "|"  # expat namespace separator: element names arrive as "<namespace>|<local name>"
DECIMALS = 12
_QUANTUM = 10**DECIMALS


def usd_per_unit(usd_per_eur: Decimal, units_per_eur: Decimal) -> Decimal:
    """rate(USD) / rate(X) exactly, rounded once to 12 decimal places, half-even."""
    exact = Fraction(usd_per_eur) / Fraction(units_per_eur)
    return Decimal(round(exact * _QUANTUM)).scaleb(-DECIMALS)


def _drift(source: str, what: str) -> NoReturn:
    raise SchemaDrift(source, f"not an ECB reference-rate document: {what}")


def _refuse(kind: str, source: str) -> Callable[..., NoReturn]:
    def handler(*_: object) -> NoReturn:
        _drift(source, f"{kind} refused (DTDs and entities are not allowed)")

    return handler


class _Reader:
    """expat callbacks collecting, per dated Cube, each currency Cube's published rate."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.days: dict[date, dict[str, Decimal]] = {}
        self.depth = 0
        self.day: date | None = None
        self.day_depth = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth == 1 and name != f"{GESMES_NS}{_SEP}Envelope":
            _drift(self.source, f"root element is {name!r}, not gesmes:Envelope")
        if name != f"{ECB_NS}{_SEP}Cube":
            return
        if "time" in attrs:
            try:
                self.day = date.fromisoformat(attrs["time"].strip())
            except ValueError:
                _drift(self.source, f"Cube time {attrs['time']!r} is not a date")
            self.day_depth = self.depth
            self.days.setdefault(self.day, {})
        elif "currency" in attrs:
            if self.day is None:
                _drift(self.source, "a currency Cube outside a dated Cube")
            try:
                rate = bounded_decimal(attrs.get("rate", "").strip())
            except (InvalidOperation, NumberOutOfBounds):
                return  # unreadable rate: the currency is absent that day
            if rate.is_finite() and rate > 0:
                self.days[self.day][attrs["currency"].strip().upper()] = rate

    def end(self, _name: str) -> None:
        if self.depth == self.day_depth:
            self.day = None  # leaving the dated Cube
        self.depth -= 1


def _read_document(body: bytes, source: str) -> dict[date, dict[str, Decimal]]:
    """Per day, the published units per EUR of each currency; unreadable or non-positive rates are left out."""
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        _drift(source, "body declares a DTD or entity")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        _drift(source, "body is not UTF-8")  # also keeps UTF-16 from hiding a DOCTYPE from the check above
    reader = _Reader(source)
    parser = expat.ParserCreate(encoding="utf-8", namespace_separator=_SEP)
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse("DOCTYPE", source)
    parser.EntityDeclHandler = _refuse("entity declaration", source)
    parser.ExternalEntityRefHandler = _refuse("external entity", source)
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        _drift(source, f"malformed XML ({exc})")
    if not reader.days:
        _drift(source, "no dated Cube elements")
    return reader.days


def parse_ecb_rates(body: bytes, source: str = NAME) -> list[FxRate]:
    """Every (day, currency) of an ECB daily / 90-day / full-history document as USD per unit.

    Includes EUR (USD per EUR = rate(USD)) and USD itself (exactly 1). A day without a
    USD rate cannot be crossed and yields nothing; a document with no USD rate at all is
    drift. Sorted by day, then currency.
    """
    rates: list[FxRate] = []
    for day, published in sorted(_read_document(body, source).items()):
        usd = published.get("USD")
        if usd is None:
            continue
        rates.append(FxRate(day, "EUR", usd_per_unit(usd, Decimal(1)), source, Decimal(1)))
        for currency, units in sorted(published.items()):
            rates.append(FxRate(day, currency, usd_per_unit(usd, units), source, units))
    if not rates:
        _drift(source, "no day carries a USD rate")
    return sorted(rates, key=lambda r: (r.day, r.currency))


def read_ecb_rates(capture: RawCapture) -> list[FxRate]:
    """The rates of one captured ECB document; anything else is a recorded schema drift."""
    return parse_ecb_rates(capture.body, capture.source)


SOURCE = Source(
    name=NAME,
    product="fx",
    hosts=HOSTS,
    requests=(Request(url=DAILY_URL), Request(url=HIST_90D_URL)),
    read_rates=read_ecb_rates,
    description="ECB euro foreign exchange reference rates (units per EUR), crossed to USD per unit",
    providers=("ecb",),
)
