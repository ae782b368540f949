"""LiteLLM parser v2 (columnar: the map's raw JSON tokens, whole polars columns, each distinct odd token read once)
against v1 (a Python walk with a `Decimal` per number): the same frame on every real map and on real entries bent
every way a value can be written; where they part (hostile bodies only) it is said; quotes stored under v1 are
re-derived by v1."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from pipeline.audit import verify
from pipeline.capture import CaptureStore
from pipeline.domain.records import RawCapture
from pipeline.flow.daily import fix
from pipeline.flow.ingest import gate_and_load_all
from pipeline.flow.parse import parse_capture
from pipeline.methodology import load
from pipeline.sources import REGISTRY, SchemaDrift, SourceError
from tests.helpers import FETCHED, RealCapture

LITELLM = REGISTRY["litellm"]
V1, V2 = LITELLM.parser("1"), LITELLM.parser("2")
CURRENT = "litellm/model_prices_and_context_window.json"
ENTRIES = ("gpt-4o", "groq/llama-3.3-70b-versatile", "text-embedding-3-small")  # chat, host, embedding (0.0 prices)


def real_maps(realdata: Path) -> list[str]:
    return sorted(str(p.relative_to(realdata)) for p in realdata.glob("litellm*/*.json"))


def capture_of(body: str | bytes) -> RawCapture:
    raw = body.encode() if isinstance(body, str) else body
    return RawCapture("litellm", "https://raw.githubusercontent.com/x.json", FETCHED, raw)


@pytest.fixture(scope="module")
def real_entries(realdata: Path) -> dict[str, Any]:
    """Three real entries as JSON text each, to bend one value at a time."""
    doc = json.loads((realdata / CURRENT).read_bytes())
    return {key: doc[key] for key in ENTRIES}


def test_every_real_map_is_found(realdata: Path) -> None:
    maps = real_maps(realdata)
    assert CURRENT in maps and len(maps) >= 19 and sum(m.startswith("litellm-history/") for m in maps) >= 18


def test_v2_gives_v1s_frame_on_every_real_map(real_capture: RealCapture, realdata: Path) -> None:
    for relative in real_maps(realdata):
        capture = real_capture("litellm", relative)
        assert_frame_equal(V2(capture), V1(capture))


def test_the_current_parser_is_v2_and_v1_stays_reachable() -> None:
    assert LITELLM.parser_version == "2" and set(LITELLM.legacy_parsers) == {"1"}


# One value of one real entry written another way: what v1 and v2 must read alike (a price, a rejection, a skip).
BENT_VALUES: list[tuple[str, str, str]] = [
    ("gpt-4o", "input_cost_per_token", '"0.0000025"'),  # a number as text
    ("gpt-4o", "input_cost_per_token", '" 2.5e-6 "'),  # text with an exponent and spaces
    ("gpt-4o", "input_cost_per_token", "2.50E-06"),  # upper-case exponent, trailing zero
    ("gpt-4o", "input_cost_per_token", "0.0000025000"),  # plain, trailing zeros kept as written
    ("gpt-4o", "input_cost_per_token", "-0.0000025"),  # negative: normalisation's to refuse
    ("gpt-4o", "input_cost_per_token", "0"),
    ("gpt-4o", "input_cost_per_token", "-0.0"),
    ("gpt-4o", "input_cost_per_token", "0e-7"),
    ("gpt-4o", "input_cost_per_token", '"n/a"'),
    ("gpt-4o", "input_cost_per_token", '"NaN"'),
    ("gpt-4o", "input_cost_per_token", '"Infinity"'),
    ("gpt-4o", "input_cost_per_token", "true"),
    ("gpt-4o", "input_cost_per_token", "[1e-06, 2]"),
    ("gpt-4o", "input_cost_per_token", '{"a": 1.5e-06}'),
    ("gpt-4o", "input_cost_per_token", "null"),  # skipped, as v1 skips a null
    ("gpt-4o", "input_cost_per_token", "12345678901234567890123456789012345678901"),  # 41 digits: v1's slow path
    ("gpt-4o", "output_cost_per_token", '"\\u0031e-5"'),  # an escaped digit inside text
    ("gpt-4o", "litellm_provider", '""'),  # empty: "unknown"
    ("gpt-4o", "litellm_provider", "null"),
    ("gpt-4o", "litellm_provider", "7"),
    ("gpt-4o", "litellm_provider", "true"),
    ("gpt-4o", "litellm_provider", '"open\\"ai\\u00e9"'),  # escapes decoded
    ("gpt-4o", "mode", "null"),
    ("gpt-4o", "mode", '"Chat"'),
    ("gpt-4o", "mode", '["chat"]'),
    ("gpt-4o", "mode", '"it\'s \\"chat\\""'),  # Python's repr picks its quotes
    ("text-embedding-3-small", "output_cost_per_token", "0.00"),
    ("groq/llama-3.3-70b-versatile", "input_cost_per_token_flex", "3e-07"),  # an unknown price field: rejected
    ("groq/llama-3.3-70b-versatile", "input_cost_per_audio_token", "1e-06"),
]


def body_with(entries: dict[str, Any], key: str, field: str, token: str | None) -> str:
    """The real entries as a map, `field` of entry `key` written as `token` (None: the field removed)."""
    parts = []
    for name, entry in entries.items():
        members = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in entry.items() if not (name == key and k == field)]
        if name == key and token is not None:
            members.insert(1, f"{json.dumps(field)}: {token}")
        parts.append(f"{json.dumps(name)}: {{{', '.join(members)}}}")
    return "{" + ", ".join(parts) + "}"


@pytest.mark.parametrize(("key", "field", "token"), BENT_VALUES)
def test_v2_reads_a_bent_value_as_v1(real_entries: dict[str, Any], key: str, field: str, token: str) -> None:
    capture = capture_of(body_with(real_entries, key, field, token))
    assert_frame_equal(V2(capture), V1(capture))


@pytest.mark.parametrize("field", ["litellm_provider", "mode", "input_cost_per_token"])
def test_v2_reads_an_entry_without_a_field_as_v1(real_entries: dict[str, Any], field: str) -> None:
    capture = capture_of(body_with(real_entries, "gpt-4o", field, None))
    assert_frame_equal(V2(capture), V1(capture))


@pytest.mark.parametrize(
    "extra",
    [
        '"sample_spec": {"input_cost_per_token": 1e-06, "mode": "chat"}',  # the map's own template: never a model
        '"last_updated": "2026-07-24T18:23:43+00:00"',
        '"odd-list": [1, 2]',  # an entry that is not an object: skipped
        '"odd-number": 5',
        '"empty": {}',
        # a repeated key: json and msgspec both keep the first place and the last value
        '"gpt-4o": {"input_cost_per_token": 9e-06, "litellm_provider": "openai", "mode": "chat"}',
        '"dup-field": {"input_cost_per_token": 1e-06, "mode": "chat", "input_cost_per_token": 2e-06}',
        '"\\u006c\\u006c\\u0061\\u006d\\u0061": {"input_cost_per_token": 1e-06, "mode": "completion"}',
    ],
)
def test_v2_reads_the_maps_other_members_as_v1(real_entries: dict[str, Any], extra: str) -> None:
    body = body_with(real_entries, "gpt-4o", "mode", '"chat"')
    for capture in (capture_of(body[:-1] + ", " + extra + "}"), capture_of("{" + extra + ", " + body[1:])):
        assert_frame_equal(V2(capture), V1(capture))


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"[1, 2]", "unexpected structure"),
        (b'{"only": {"input_cost_per_token": 1e-06}}', "expected an object of model entries"),
        (b'{"a": {"mode": "chat"}, "b": {"max_tokens": 5}}', "no per-token prices found"),
        (b'{"a": {"input_cost_per_token": null}, "b": 1}', "no per-token prices found"),
        (b'{"a": {"input_cost_per_token": 1e-06}, ', "not JSON"),
        (b'{"a": {"input_cost_per_token": 1e-06}, "b": {"input_cost_per_token": 1e-999}}', "exponent beyond"),
    ],
)
def test_a_body_v2_cannot_read_is_schema_drift_naming_why(body: bytes, why: str) -> None:
    with pytest.raises(SchemaDrift, match=why):
        V2(capture_of(body))
    with pytest.raises(SourceError):  # v1 refuses it too (in json's words where the body is not JSON)
        V1(capture_of(body))


def test_a_map_not_in_utf8_is_drift_under_v2(real_entries: dict[str, Any]) -> None:
    """A documented difference: JSON between systems is UTF-8 (RFC 8259); v1 let `json` guess UTF-16."""
    capture = capture_of(body_with(real_entries, "gpt-4o", "mode", '"chat"').encode("utf-16"))
    with pytest.raises(SchemaDrift, match="not UTF-8"):
        V2(capture)
    assert V1(capture).height > 0


def test_a_number_out_of_bounds_outside_a_price_field_drifts_under_v1_only(real_entries: dict[str, Any]) -> None:
    """A documented difference: v2 reads only what it needs, so a hostile figure it never reads is not drift."""
    capture = capture_of(body_with(real_entries, "gpt-4o", "max_tokens", "1" + "0" * 80))
    with pytest.raises(SchemaDrift, match="characters"):
        V1(capture)
    assert_frame_equal(V2(capture), V1(capture_of(body_with(real_entries, "gpt-4o", "max_tokens", "5"))))


def test_quotes_stored_under_v1_are_rederived_by_v1_and_verify(real_capture: RealCapture, tmp_path: Path) -> None:
    from pipeline.store import Warehouse

    m = load()
    capture = real_capture("litellm", CURRENT)
    store = CaptureStore(tmp_path / "captures")
    with Warehouse(tmp_path / "lake.sqlite") as w:
        w.record_captures([(capture, store.put(capture))], None)
        quotes, rejections = parse_capture(capture, m.bounds, {}, parser_version="1")
        failed, refused = gate_and_load_all([(capture, quotes, rejections)], w, m, ingested_at=FETCHED)
        assert failed == [] and refused == {}
        fix(FETCHED.date(), w, m, recorded_at=datetime(2026, 8, 3, 16, 5, tzinfo=UTC))
        assert set(w.quotes_of_captures([capture.capture_id])["parser_version"]) == {"1"}
        report = verify(w, store)
    assert report.ok, report.problems
    assert report.checked_captures == 1 and report.checked_fixings > 0


# Any JSON value where a map has values: numbers of every writing (within the bounds: a number out of bounds is
# the documented difference, tested above), text, nested values, Unicode.
_NUMBER_TEXT = st.from_regex(r"-?(0|[1-9][0-9]{0,3})(\.[0-9]{1,12})?([eE][-+]?[0-2]?[0-9])?", fullmatch=True)
_LEAF = st.one_of(
    st.sampled_from(["null", "true", "false", '""']), _NUMBER_TEXT, _NUMBER_TEXT.map(json.dumps),
    st.text(max_size=6).map(json.dumps),
)  # fmt: skip
_VALUE = st.recursive(
    _LEAF, lambda inner: st.lists(inner, max_size=2).map(lambda xs: f"[{', '.join(xs)}]"), max_leaves=3
)
_FIELDS = st.sampled_from(
    ["input_cost_per_token", "output_cost_per_token", "cache_read_input_token_cost", "output_cost_per_token_batches",
     "input_cost_per_audio_token", "litellm_provider", "mode", "max_tokens", "supports_vision"]
)  # fmt: skip


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(bends=st.lists(st.tuples(st.sampled_from(ENTRIES), _FIELDS, _VALUE), min_size=1, max_size=4))
def test_v2_reads_any_bent_values_as_v1(real_entries: dict[str, Any], bends: list[tuple[str, str, str]]) -> None:
    tokens = {key: {f: json.dumps(v) for f, v in entry.items()} for key, entry in real_entries.items()}
    for key, field, token in bends:
        tokens[key][field] = token
    members = (", ".join(f"{json.dumps(f)}: {t}" for f, t in fields.items()) for fields in tokens.values())
    body = "{" + ", ".join(f"{json.dumps(k)}: {{{m}}}" for k, m in zip(tokens, members, strict=True)) + "}"
    try:
        old = V1(capture_of(body))
    except SourceError:
        with pytest.raises(SourceError):
            V2(capture_of(body))
        return
    assert_frame_equal(V2(capture_of(body)), old)
