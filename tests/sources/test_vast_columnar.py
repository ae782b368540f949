"""Vast parser v3 (columnar: schema-directed raw tokens, whole polars columns) against v2 (a dict and a Decimal
per value): the same prices, quotes and rejections on every real Vast capture and on bodies that bend the shape;
bad input a recorded rejection with its reason; quotes stored under v2 still re-derived by v2."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pipeline.audit import verify
from pipeline.capture import CaptureStore
from pipeline.domain.records import RawCapture
from pipeline.flow.daily import fix
from pipeline.flow.ingest import SourceOutcome, gate_and_load_all, ingest
from pipeline.flow.parse import parse_capture
from pipeline.methodology import load
from pipeline.sources import REGISTRY, SchemaDrift, SourceError
from tests.helpers import BOUNDS, FETCHED, RealCapture, normalise

VAST = REGISTRY["vast"]
V2, V3 = VAST.parser("2"), VAST.parser("3")


def real_vast_captures(realdata: Path) -> list[str]:
    """Every real Vast bundles reply under the real-data root (the SkyPilot CSVs are `vast-catalog`'s)."""
    found = {*realdata.glob("vast/*.json"), *realdata.glob("**/*vast*.json")}
    return sorted(str(p.relative_to(realdata)) for p in found)


def exact(text: str) -> Any:
    return json.loads(text, parse_float=Decimal, parse_int=Decimal)


def same_value(v2: Any, v3: Any) -> bool:
    """v2 wrote non-integral numbers as decimal text and integral ones as ints; v3 keeps the source's number."""
    if isinstance(v3, Decimal):
        return v2 is not None and not isinstance(v2, bool) and Decimal(str(v2)) == v3
    return bool(v2 == v3)


def value_free(reasons: pl.Series) -> list[str | None]:
    """Rejection reasons, those that quote a bad value blanked: v2 quotes it as Python (`None`, `'n/a'`,
    `Decimal('0')`), v3 as its JSON text (`null`, `"n/a"`, `0`)."""
    return [None if r is None else ("<value> is not a ..." if " is not a " in r else r) for r in reasons]


def assert_v3_reads_as_v2(capture: RawCapture, attributes_as_v2: bool = True) -> tuple[pl.DataFrame, pl.DataFrame]:
    old, new = V2(capture), V3(capture)
    assert new.schema == old.schema
    assert new.drop("attributes", "reject_reason").equals(old.drop("attributes", "reject_reason"))
    assert value_free(new["reject_reason"]) == value_free(old["reject_reason"])
    q2, r2 = normalise(old, capture)
    q3, r3 = normalise(new, capture)
    assert q3.height == q2.height and r3.height == r2.height
    # Prices exactly (Decimal equality), goods, counts, regions and segments: the quotes are v2's.
    assert q3.drop("attributes").equals(q2.drop("attributes"))
    assert q3["price_native"].to_list() == q2["price_native"].to_list()  # Decimals, compared exactly
    assert q3["price_usd"].to_list() == q2["price_usd"].to_list()
    assert r3.drop("reason").equals(r2.drop("reason")) and value_free(r3["reason"]) == value_free(r2["reason"])
    for a2, a3 in zip(old["attributes"], new["attributes"], strict=True) if attributes_as_v2 else ():
        was, now = json.loads(a2), exact(a3)
        assert set(was) <= set(now)
        assert all(same_value(was[k], now[k]) for k in was), (was, now)
        assert all(now[k] is None for k in set(now) - set(was))  # a kept field the offer lacks: null, not dropped
    return q3, r3


def test_every_real_vast_capture_is_found(realdata: Path) -> None:
    assert real_vast_captures(realdata) == [
        "provider-pages-2026/vast.json",
        "vast/ewyluda_vast.json",
        "vast/getcomputable_b300_asc.json",
        "vast/getcomputable_h100_sxm_asc.json",
    ]


def test_v3_gives_v2s_prices_quotes_and_rejections_on_every_real_capture(
    real_capture: RealCapture, realdata: Path
) -> None:
    for relative in real_vast_captures(realdata):
        capture = real_capture("vast", relative)
        quotes, _ = assert_v3_reads_as_v2(capture)
        assert V3(capture)["reject_reason"].equals(V2(capture)["reject_reason"])  # no bad value here: the same text
        doc = json.loads((realdata / relative).read_bytes(), parse_float=Decimal, parse_int=Decimal)
        offers = doc["offers"] if isinstance(doc, dict) else doc
        field = "dph_base" if isinstance(doc, dict) else "dph_total"
        # Each quote's price is the exact decimal of its offer's own number text.
        for q in quotes.iter_rows(named=True):
            assert q["price_native"] == offers[q["row_no"]][field]


def test_v3_attributes_are_the_offers_own_json_text(real_capture: RealCapture, realdata: Path) -> None:
    relative = "vast/getcomputable_h100_sxm_asc.json"
    raw = (realdata / relative).read_text()
    parsed = V3(real_capture("vast", relative))
    first = exact(parsed["attributes"][0])
    offer = exact(raw)["offers"][0]
    assert first["dph_total"] == offer["dph_total"] and first["offer_id"] == offer["id"]
    # The number as the source wrote it (v2 wrote decimal text of a Decimal: "0.00007407407407407407").
    assert (
        f'"storage_total_cost":{json.dumps(json.loads(raw)["offers"][0]["storage_total_cost"])}'
        in (parsed["attributes"][0])
    )


def offer(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": 101,
        "gpu_name": "H100 SXM",
        "num_gpus": 2,
        "gpu_ram": 81559,
        "dph_total": 4.5,
        "dph_base": 4.25,
        "geolocation": "Texas, US",
        "hosting_type": 1,
        "is_bid": False,
        "rentable": True,
        "rented": False,
        "machine_id": 7,
        "search": {"gpuCostPerHour": 4.25},
    }
    return {k: v for k, v in {**base, **fields}.items() if v is not ABSENT}


ABSENT = object()


def capture_of(body: bytes | str) -> RawCapture:
    data = body.encode() if isinstance(body, str) else body
    return RawCapture(source="vast", url="https://console.vast.ai/api/v0/bundles/", fetched_at=FETCHED, body=data)


def reply(*offers: dict[str, Any]) -> str:
    return json.dumps({"offers": list(offers)})


def test_v3_reads_bent_shapes_as_v2_does() -> None:
    """Numbers that are not plain text (exponents, strings, `2.0`), a price only in `search`, ids as text,
    community and unknown hosts, missing memory or region, bids and rented offers: v2's rows, on the slow path."""
    offers = [
        offer(),
        offer(id=102, dph_base=1e-05, num_gpus=2.0, hosting_type=1.0),
        offer(id=117, gpu_ram=1e20, dph_total=1.5e16),
        offer(id="abc-103", dph_base="3.75", gpu_ram=ABSENT, geolocation=ABSENT),
        offer(id=104, dph_base=ABSENT, search={"gpuCostPerHour": 2.125}),
        offer(id=105, dph_base=ABSENT, search=[1, 2]),
        offer(id=106, hosting_type=0, geolocation=", US"),
        offer(id=107, is_bid=True),
        offer(id=108, rented=True),
        offer(id=109, rentable=False),
        offer(id=110, num_gpus=0),
        offer(id=111, gpu_name="  "),
        offer(id=ABSENT, gpu_name="A100 SXM4", gpu_ram=40960, num_gpus=8, dph_base="1E-1"),
        offer(id=113, dph_base="n/a"),
        offer(id=114, dph_base=None),
        offer(id=115, gpu_name="H100 NVL", gpu_ram=95830, hosting_type="1"),
        offer(id=116.0, gpu_name="L40S", gpu_ram=46068.5, num_gpus="4", dph_base=" 2.5 "),
        offer(id=118, gpu_name="H100 SXM\u00a0", geolocation='Qu\u00e9bec "QC", CA'),
    ]
    full = capture_of(reply(*offers))
    assert_v3_reads_as_v2(full, attributes_as_v2=False)  # v2 wrote some values as it read them (`"4"` as 4)
    sent = exact(full.body.decode())["offers"]
    renamed = {"offer_id": "id", "gpu_ram_mib": "gpu_ram"}
    for o, attributes in zip(sent, V3(full)["attributes"], strict=True):
        kept = exact(attributes)
        assert kept.pop("price_field") == "dph_base"
        assert kept == {k: o.get(renamed.get(k, k)) for k in kept}, "each value as the offer has it, null if absent"
    assert_v3_reads_as_v2(capture_of(json.dumps({"offers": offers}, ensure_ascii=False)), attributes_as_v2=False)
    reduced = [{k: o[k] for k in ("gpu_name", "gpu_ram", "num_gpus", "dph_total") if k in o} for o in offers]
    assert_v3_reads_as_v2(capture_of(json.dumps(reduced)), attributes_as_v2=False)


def test_v3_reads_a_thousand_offers_scaled_from_the_real_capture_as_v2(realdata: Path) -> None:
    """The shape of `make bench`'s ingest row: each real offer repeated with its own id and a price a few cents
    away (the float text Python writes, as a server would), a thousand to the body."""
    real = json.loads((realdata / "vast/getcomputable_h100_sxm_asc.json").read_bytes())["offers"]
    offers = []
    for k in range(1000):
        o = dict(real[k % len(real)])
        o["id"] = o["ask_contract_id"] = 10_000_000 + k
        o["dph_base"] = round(o["dph_base"] + (k % 97) / 100, 6)
        offers.append(o)
    quotes, rejections = assert_v3_reads_as_v2(capture_of(reply(*offers)))
    assert quotes.height == 1000 and rejections.height == 0


@pytest.mark.parametrize(
    "body, kind, reason",
    [
        (reply(offer())[:-7], "schema_drift", "body is not JSON (Input data was truncated)"),
        ("<html>busy</html>", "schema_drift", "body is not JSON (JSON is malformed"),
        (reply(offer(num_gpus=ABSENT)), "schema_drift", "Object missing required field `num_gpus` - at `$.offers[0]`"),
        (
            reply(offer(), offer(gpu_name=ABSENT)),
            "schema_drift",
            "missing required field `gpu_name` - at `$.offers[1]`",
        ),
        (json.dumps({"data": [offer()]}), "schema_drift", "Object missing required field `offers`"),
        (json.dumps({"offers": []}), "schema_drift", "unexpected structure: no offers"),
        (json.dumps([offer(), 5]), "schema_drift", "Expected `object`, got `int` - at `$[1]`"),
        ('{"offers": [' + "[" * 5000 + "]" * 5000 + "]}", "schema_drift", "unexpected structure"),
        ('{"offers": [{"x": ' + "[" * 100000 + "]" * 100000 + "}]}", "schema_drift", "nests too deep"),
        (b'{"offers": [{"gpu_name": "\xff", "num_gpus": 1, "dph_total": 1}]}', "schema_drift", "not UTF-8"),
    ],
)
def test_an_unreadable_body_is_a_rejection_with_its_reason(body: str | bytes, kind: str, reason: str) -> None:
    capture = capture_of(body)
    with pytest.raises(SchemaDrift if kind == "schema_drift" else SourceError) as caught:
        parse_capture(capture, BOUNDS)
    assert caught.value.kind == kind and reason in caught.value.reason, caught.value.reason


def test_a_bad_offer_is_a_rejected_row_with_its_reason_and_the_others_quote() -> None:
    huge = "1E+999999"
    rows = [json.dumps(o) for o in (offer(), offer(id=2, dph_base="abc"), offer(id=3, dph_base=None))]
    rows += [json.dumps(offer(id=4, num_gpus=-1)), json.dumps(offer(id=5, dph_base=0)).replace(": 0,", f": {huge},")]
    # A number no price could be, in a field v3 does not read: no longer the whole reply's drift.
    rows.append(json.dumps(offer(id=6, is_bid=True, dlperf=0)).replace('"dlperf": 0', f'"dlperf": 9{"9" * 100000}'))
    quotes, rejections = parse_capture(capture_of('{"offers": [' + ", ".join(rows) + "]}"), BOUNDS)
    assert quotes["sku"].to_list() == ["101"]
    assert dict(zip(rejections["sku"], rejections["reason"], strict=True)) == {
        "2": 'dph_base "abc" is not a number',
        "3": "dph_base null is not a number",
        "4": "num_gpus -1 is not a positive whole number",
        "5": f"dph_base {huge} is not a number",  # beyond any price's bounds: never a Decimal of a million digits
        "6": "interruptible (bid) offer: the figure is a bid, not an on-demand ask",
    }
    assert set(rejections["rule"]) == {"parser"} and set(rejections["parser_version"]) == {"3"}


def test_an_unreadable_capture_is_recorded_as_its_sources_rejection(tmp_path: Path) -> None:
    from pipeline.store import Warehouse

    truncated = capture_of(reply(offer())[:-7])
    with Warehouse(tmp_path / "lake.sqlite") as w:
        outcome = ingest(SourceOutcome("vast", [truncated]), w, load(), ingested_at=FETCHED, gate=False)
        rows = w.query("SELECT rule, reason, row_no FROM rejection WHERE source = 'vast'").rows()
    assert len(rows) == 1 and rows[0][0] == "schema_drift" and rows[0][2] == -1
    assert rows[0][1].startswith('body is not JSON (Input data was truncated); starts \'{"offers": [{')
    assert outcome.error is not None and outcome.error.kind == "schema_drift"


def test_quotes_stored_under_v2_are_rederived_by_v2_and_verify(real_capture: RealCapture, tmp_path: Path) -> None:
    """A capture loaded before v3 keeps parser version 2 on its rows: `verify` re-derives them with v2 (whose
    attributes v3 no longer writes) and the day's fixings recompute."""
    from pipeline.store import Warehouse

    m = load()
    capture = real_capture("vast", "vast/getcomputable_b300_asc.json")
    store = CaptureStore(tmp_path / "captures")
    with Warehouse(tmp_path / "lake.sqlite") as w:
        w.record_captures([(capture, store.put(capture))], None)
        quotes, rejections = parse_capture(capture, m.bounds, {}, parser_version="2")
        failed, refused = gate_and_load_all([(capture, quotes, rejections)], w, m, ingested_at=FETCHED)
        assert failed == [] and refused == {}
        fix(FETCHED.date(), w, m, recorded_at=datetime(2026, 8, 3, 16, 5, tzinfo=UTC))
        stored = w.quotes_of_captures([capture.capture_id]).sort("row_no", "unit")
        assert set(stored["parser_version"]) == {"2"}
        assert stored["attributes"].to_list() == V2(capture)["attributes"].to_list()
        assert stored["attributes"].to_list() != V3(capture)["attributes"].to_list()
        report = verify(w, store)
    assert report.ok, report.problems
    assert report.checked_captures == 1 and report.checked_fixings > 0
