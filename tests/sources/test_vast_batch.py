"""Vast captures read together (`Source.parse_batch`: one polars query over many bodies' offers) give each capture
exactly the rows, or the error, that reading it alone gives: real captures, bent shapes, unreadable bodies and the
bench's thousand-offer bodies, mixed in one batch, at different fetch times."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from pipeline.domain.records import RawCapture
from pipeline.flow.parse import Unreadable, parse_capture, parse_many
from pipeline.sources import REGISTRY, SourceError, columnar
from tests.helpers import BOUNDS, FETCHED, RealCapture
from tests.sources.test_vast_columnar import ABSENT, offer, real_vast_captures, reply

VAST = REGISTRY["vast"]


def capture_at(body: str | bytes, minutes: int) -> RawCapture:
    data = body.encode() if isinstance(body, str) else body
    url = f"https://console.vast.ai/api/v0/bundles/?n={minutes}"
    return RawCapture("vast", url, FETCHED + timedelta(minutes=minutes), data)


def thousand_offers(realdata: Path) -> str:
    real = json.loads((realdata / "vast/getcomputable_h100_sxm_asc.json").read_bytes())["offers"]
    offers = []
    for k in range(1000):
        o = dict(real[k % len(real)])
        o["id"] = 10_000_000 + k
        o["dph_base"] = round(o["dph_base"] + (k % 97) / 100, 6)
        offers.append(o)
    return reply(*offers)


def mixed_batch(real_capture: RealCapture, realdata: Path) -> list[RawCapture]:
    """Every real Vast capture, the bench's body, and bodies that are read alone (a slow-path offer, a reduced list,
    no offers, not JSON, a missing field), in between one another."""
    real = [real_capture("vast", relative) for relative in real_vast_captures(realdata)]
    bodies = [
        thousand_offers(realdata),
        reply(offer(), offer(id=2, dph_base="abc"), offer(id=3, dph_base=None), offer(id=4, is_bid=True)),  # slow
        reply(offer(id=5, dph_base=ABSENT, search={"gpuCostPerHour": 2.125})),  # a slow-path offer
        reply(offer(id=6, num_gpus=2.0)),  # a count written "2.0": plain text, read together
        json.dumps([{"gpu_name": "H100 SXM", "gpu_ram": 81559, "num_gpus": 8, "dph_total": 20.5}]),  # reduced
        json.dumps({"offers": []}),
        reply(offer())[:-7],
        "<html>busy</html>",
        reply(offer(), offer(gpu_name=ABSENT)),
        reply(offer(id=7, gpu_name="H100 SXM\u00a0", geolocation='Qu\u00e9bec "QC", CA'), offer(id=8, hosting_type=0)),
    ]
    made = [capture_at(body, minutes=k) for k, body in enumerate(bodies)]
    mixed: list[RawCapture] = []
    for k in range(max(len(real), len(made))):
        mixed += real[k : k + 1] + made[k : k + 1]
    return mixed


def alone(capture: RawCapture) -> pl.DataFrame | SourceError:
    try:
        return VAST.parse(capture)
    except SourceError as exc:
        return exc


def test_captures_read_together_give_each_its_rows_or_error_as_alone(
    real_capture: RealCapture, realdata: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    captures = mixed_batch(real_capture, realdata)
    read_alone: list[RawCapture] = []
    by_itself = columnar._alone
    monkeypatch.setattr(columnar, "_alone", lambda parse, c: read_alone.append(c) or by_itself(parse, c))
    assert VAST.parse_batch is not None
    together = VAST.parse_batch(captures)
    assert len(together) == len(captures)
    errors = 0
    for capture, got in zip(captures, together, strict=True):
        expected = alone(capture)
        if isinstance(expected, SourceError):
            errors += 1
            assert isinstance(got, SourceError), capture.body[:80]
            assert (got.kind, got.reason) == (expected.kind, expected.reason)
        else:
            assert isinstance(got, pl.DataFrame), capture.body[:80]
            assert got.schema == expected.schema
            assert got.equals(expected), capture.body[:80]  # row numbers, fetch times, attributes: all of it
    assert errors == 4  # no offers, truncated, not JSON, a missing field
    # Read alone: those four, the two slow-path bodies ("abc" a price, one only in `search`) and the three reduced
    # lists (one made, two real); the rest together.
    assert len(read_alone) == 9, [c.url for c in read_alone]
    assert {c.url for c in read_alone} >= {c.url for c in captures if c.body.startswith(b"[")}


def test_parse_many_gives_each_capture_the_quotes_and_rejections_of_parse_capture(
    real_capture: RealCapture, realdata: Path
) -> None:
    captures = mixed_batch(real_capture, realdata)
    many = parse_many([(capture, BOUNDS, {}, None) for capture in captures])
    for capture, got in zip(captures, many, strict=True):
        try:
            quotes, rejections = parse_capture(capture, BOUNDS)
        except SourceError as exc:
            assert isinstance(got, Unreadable) and (got.kind, got.reason) == (exc.kind, exc.reason)
            continue
        assert not isinstance(got, Unreadable)
        assert got[0].equals(quotes) and got[1].equals(rejections)
        assert quotes.height + rejections.height > 0
