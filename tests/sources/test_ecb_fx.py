"""ECB reference rates (`ecb-fx`): read into exact USD cross rates, never into prices; foreign bodies refused.

There is no real ECB capture under ../shared/realdata: these tests read the offline sample, a document in
the ECB's published eurofxref format, and check it against an independent reading of the same XML.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import pytest

from pipeline.domain.records import FxRate, RawCapture
from pipeline.sources.base import SchemaDrift
from pipeline.sources.reference import ecb_fx
from pipeline.sources.reference.ecb_fx import parse_ecb_rates, usd_per_unit
from tests.helpers import FETCHED, SAMPLE_FX


def sample_published() -> tuple[str, dict[str, Decimal]]:
    """The sample's day and published units-per-EUR, read independently of the module under test."""
    ns = {"e": "http://www.ecb.int/vocabulary/2002-08-01/eurofxref"}
    root = ET.fromstring(SAMPLE_FX.read_bytes())
    day_cube = root.find("e:Cube/e:Cube", ns)
    assert day_cube is not None
    return day_cube.attrib["time"], {c.attrib["currency"]: Decimal(c.attrib["rate"]) for c in day_cube}


def test_ecb_sample_usd_per_eur_is_the_published_usd_rate() -> None:
    day, published = sample_published()
    rates = parse_ecb_rates(SAMPLE_FX.read_bytes())
    by = {r.currency: r for r in rates}
    assert {r.day for r in rates} == {date.fromisoformat(day)}
    assert set(by) == set(published) | {"EUR"}
    assert by["EUR"].usd_per_unit == published["USD"] == Decimal("1.1702")
    assert by["EUR"].ecb_rate == 1
    assert by["USD"].usd_per_unit == 1
    assert by["GBP"].ecb_rate == published["GBP"]
    assert all(r.source == "ecb-fx" for r in rates)


def test_ecb_cross_rates_are_exact_to_12_decimals_half_even() -> None:
    _, published = sample_published()
    rates = {r.currency: r.usd_per_unit for r in parse_ecb_rates(SAMPLE_FX.read_bytes())}
    for currency, units in published.items():
        exact = Fraction(published["USD"]) / Fraction(units)
        assert rates[currency] == Decimal(round(exact * 10**12)) / 10**12, currency
        assert abs(Fraction(rates[currency]) - exact) <= Fraction(1, 2 * 10**12)
    # GBP: 1.1702 / 0.86525 = 1.35244149089858... -> 1.352441490899
    assert rates["GBP"] == Decimal("1.352441490899")
    assert (Decimal("1.1702") / Decimal("0.86525")).quantize(Decimal("1e-12"), ROUND_HALF_EVEN) == rates["GBP"]
    # Ties go to the even digit, not up.
    assert usd_per_unit(Decimal("1.0000000000005"), Decimal(1)) == Decimal("1.000000000000")
    assert usd_per_unit(Decimal("1.0000000000015"), Decimal(1)) == Decimal("1.000000000002")


@pytest.mark.parametrize(
    "body",
    [
        b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"><x>&lol2;</x></gesmes:Envelope>""",
        b"""<?xml version="1.0"?><!DOCTYPE e SYSTEM "file:///etc/passwd"><e/>""",
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE e [<!ENTITY x "y">]><e>&x;</e>'.encode("utf-16"),
        b"<html><body>Service unavailable</body></html>",
        b'{"rates": {"USD": 1.1}}',
        b"""<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"></gesmes:Envelope>""",
        b"""<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<Cube><Cube time="2026-07-31"><Cube currency="GBP" rate="0.8"/></Cube></Cube></gesmes:Envelope>""",
    ],
    ids=["entity-expansion", "external-dtd", "utf16-doctype", "html", "json", "no-cubes", "no-usd"],
)
def test_ecb_refuses_dtds_entities_and_foreign_bodies(body: bytes) -> None:
    with pytest.raises(SchemaDrift):
        parse_ecb_rates(body)
    assert ecb_fx.SOURCE.read_rates is not None
    with pytest.raises(SchemaDrift):
        ecb_fx.SOURCE.read_rates(RawCapture(source="ecb-fx", url=ecb_fx.DAILY_URL, fetched_at=FETCHED, body=body))


def test_ecb_is_a_reference_source_read_into_rates_not_price_rows() -> None:
    capture = RawCapture(source="ecb-fx", url=ecb_fx.DAILY_URL, fetched_at=FETCHED, body=SAMPLE_FX.read_bytes())
    assert ecb_fx.SOURCE.is_reference and ecb_fx.SOURCE.read_rates is not None
    assert ecb_fx.SOURCE.read_rates(capture) == parse_ecb_rates(capture.body)
    with pytest.raises(TypeError, match="reference rates, not prices"):
        ecb_fx.SOURCE.parse(capture)
    assert (ecb_fx.SOURCE.name, ecb_fx.SOURCE.product, ecb_fx.SOURCE.hosts) == ("ecb-fx", "fx", ("www.ecb.europa.eu",))
    assert {r.url for r in ecb_fx.SOURCE.requests} == {ecb_fx.DAILY_URL, ecb_fx.HIST_90D_URL}
    assert isinstance(parse_ecb_rates(capture.body)[0], FxRate)
