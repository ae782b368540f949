"""Which FX rate converts a price (`normalize.fx.rates_for`), on ECB reference rates, and its use in normalisation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pipeline.domain.records import RawCapture, parsed_frame
from pipeline.normalize.fx import rates_for
from pipeline.sources.reference.ecb_fx import parse_ecb_rates
from tests.helpers import FETCHED, SAMPLE_FX, gpu_row, normalise


def test_rates_for_a_weekend_uses_the_friday_fixing() -> None:
    rates = parse_ecb_rates(SAMPLE_FX.read_bytes())  # published Friday 2026-07-31
    friday = rates_for(rates, date(2026, 7, 31))
    assert rates_for(rates, date(2026, 8, 2)) == friday  # Sunday
    assert rates_for(rates, date(2026, 8, 1)) == friday  # Saturday
    assert friday["EUR"] == Decimal("1.1702")
    assert rates_for(rates, date(2026, 7, 30)) == {}  # nothing published yet
    assert rates_for(rates, date(2026, 8, 6)) == {}  # older than max_age_days
    assert rates_for(rates, date(2026, 8, 6), max_age_days=6)["EUR"] == Decimal("1.1702")


def test_rates_for_takes_the_latest_day_per_currency_from_a_history_document() -> None:
    body = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<gesmes:subject>Reference rates</gesmes:subject>
<Cube>
<Cube time="2026-07-31"><Cube currency="USD" rate="1.2"/><Cube currency="GBP" rate="0.8"/></Cube>
<Cube time="2026-07-30">
<Cube currency="USD" rate="1.1"/><Cube currency="GBP" rate="0.88"/><Cube currency="XXX" rate="2"/>
</Cube>
</Cube>
</gesmes:Envelope>"""
    rates = parse_ecb_rates(body)
    assert [r.day for r in rates] == sorted(r.day for r in rates)
    chosen = rates_for(rates, date(2026, 8, 2))
    assert chosen["EUR"] == Decimal("1.2") and chosen["GBP"] == Decimal("1.5")
    assert chosen["XXX"] == Decimal("0.55")  # absent on the 31st: its latest rate within the age limit
    assert rates_for(rates, date(2026, 7, 30))["GBP"] == Decimal("1.25")


def test_fx_feeds_normalisation_and_missing_currency_is_rejected() -> None:
    rates = rates_for(parse_ecb_rates(SAMPLE_FX.read_bytes()), date(2026, 8, 2))
    row = gpu_row("H100 SXM", "2.00", price_per="gpu_hour")
    capture = RawCapture(source="t", url="https://x", fetched_at=FETCHED, body=b"{}")
    quotes, rejections = normalise(
        parsed_frame([{**row, "currency": "EUR"}, {**row, "currency": "GBP"}, {**row, "currency": "RUB"}]),
        capture,
        fx_rates=rates,
    )
    by = {r["currency"]: r["price_usd"] for r in quotes.iter_rows(named=True)}
    assert by == {"EUR": Decimal("2.3404"), "GBP": Decimal("2.704882981798")}
    assert rejections["rule"].to_list() == ["no_fx_rate"]
