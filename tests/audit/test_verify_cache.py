"""The parse cache behind `cix verify`: a hit gives what parsing gives; a damaged entry is discarded, reported and
re-parsed; other parsing code or another parser version is a miss, so a code change is always re-parsed."""

from __future__ import annotations

import json
import os
import shutil
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipeline.audit import verify
from pipeline.audit.recompute import _split
from pipeline.audit.verify import VerifyReport
from pipeline.capture import CaptureStore
from pipeline.config import paths
from pipeline.flow.helpers import balanced
from pipeline.flow.parse import parse_capture
from pipeline.flow.parse_cache import PACKAGE, ParseCache, _parquet, code_fingerprint, fingerprint_of, parse_cached
from pipeline.methodology import load
from pipeline.store import Warehouse
from pipeline.store.digests import NO_ROWS, parsed_digest, parsed_digests
from tests.helpers import BundledRun, RealCapture, cix, lake_sql

BIN = Path(sys.executable).parent


@pytest.fixture
def ran(cix_home: Path, bundled_run: BundledRun) -> Path:
    return bundled_run(cix_home, None)  # the daily run parsed every capture once and filled $CIX_HOME/parse-cache


def _verify(
    cache: ParseCache | None = None, *, reparse: bool = False, workers: int | None = None, prune_cache: bool = False
) -> VerifyReport:
    with Warehouse(paths().db, read_only=True) as w:
        store, cache = CaptureStore.of(), cache or ParseCache(paths().parse_cache)
        return verify(w, store, cache, reparse=reparse, workers=workers, prune_cache=prune_cache)


def _entries() -> list[Path]:
    return sorted(paths().parse_cache.rglob("*.parquet-pair"))


def _same(a: VerifyReport, b: VerifyReport) -> bool:
    return (a.checked_captures, a.checked_fixings, a.problems, a.code_changes) == (
        b.checked_captures,
        b.checked_fixings,
        b.problems,
        b.code_changes,
    )


def test_verify_reads_what_the_run_parsed_with_the_same_result_as_reparsing_everything(ran: Path) -> None:
    warm = _verify()
    cold = _verify(reparse=True, workers=2)  # the process pool's path, on both cores
    assert warm.ok and cold.ok, (warm.problems, cold.problems)
    assert warm.reparsed == 0 and warm.from_cache == len(_entries()) > 10
    assert cold.from_cache == 0 and cold.reparsed == warm.from_cache
    assert _same(warm, cold)
    out = cix("verify", "--format", "json")
    doc = json.loads(out.stdout)
    assert out.returncode == 0 and doc["from_cache"] == warm.from_cache and doc["reparsed"] == 0
    assert f"{warm.from_cache} parsed ones from the cache, 0 re-parsed" in cix("verify").stdout
    assert "0 parsed ones from the cache" in cix("verify", "--reparse").stdout


@pytest.mark.parametrize(
    ("source", "relative"),
    [
        ("litellm", "litellm/model_prices_and_context_window.json"),
        ("gcp", "skypilot-format/gcp/vms.csv"),
        ("coreweave-page", "provider-pages-2026/coreweave.html"),
    ],
)
def test_a_cache_hit_is_the_frames_parsing_gives(
    real_capture: RealCapture, tmp_path: Path, source: str, relative: str
) -> None:
    capture = real_capture(source, relative)
    bounds = load().bounds
    cache = ParseCache(tmp_path / "cache")
    quotes, rejections = parse_capture(capture, bounds, {})
    first = parse_cached(capture, bounds, {}, None, cache)
    hit = parse_cached(capture, bounds, {}, None, cache)
    assert (cache.misses, cache.hits) == (1, 1)
    assert quotes.height > 0
    for got in (first, hit):  # exact decimals, UTC times and nulls survive the Parquet round trip
        assert got[0].schema == quotes.schema and got[0].equals(quotes)
        assert got[1].schema == rejections.schema and got[1].equals(rejections)


def test_a_damaged_cache_entry_is_discarded_reported_and_reparsed(ran: Path) -> None:
    n = len(_entries())
    victim = _entries()[0]
    raw = bytearray(victim.read_bytes())
    raw[-10] ^= 0xFF
    victim.write_bytes(bytes(raw))
    out = cix("verify")
    assert out.returncode == 0
    assert f"CACHE parse cache entry {victim.stem[:16]}" in out.stderr and "hash" in out.stderr
    assert f"{n - 1} parsed ones from the cache, 1 re-parsed" in out.stdout
    again = _verify()  # the re-parse wrote a sound entry in its place
    assert again.ok and again.from_cache == n and again.reparsed == 0 and not again.cache_discarded

    victim.write_bytes(b"not an entry at all")
    report = _verify()
    assert report.ok and report.reparsed == 1 and len(report.cache_discarded) == 1


def test_a_forged_entry_that_passes_its_own_check_is_still_caught_by_the_stored_quotes(ran: Path) -> None:
    """The self-digest catches accidents; a forger who rewrites an entry consistently changes the re-derived
    quotes, which are always compared with the stored ones; --reparse ignores the cache."""
    cache = ParseCache(paths().parse_cache)
    for path in _entries():
        quotes, rejections = cache.get(path.stem)  # type: ignore[misc]
        if quotes.height:
            break
    cache.put(path.stem, quotes.with_columns(pl.col("price_usd") * 2), rejections)
    forged = _verify()
    assert not forged.ok and not forged.cache_discarded
    assert any(p.startswith("quote ") and "row" in p for p in forged.problems)
    assert _verify(reparse=True).ok  # the raw capture still gives the stored quotes; the entry is rewritten
    assert _verify().ok


def test_other_parsing_code_is_a_cache_miss(ran: Path, tmp_path: Path) -> None:
    copy = tmp_path / "pipeline"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert fingerprint_of(copy) == code_fingerprint()
    face = copy / "face" / "words.py"
    face.write_text(face.read_text() + "\n# the web pages' words are not parsing code\n")
    assert fingerprint_of(copy) == code_fingerprint()
    loading = copy / "flow" / "ingest.py"
    loading.write_text(loading.read_text() + "\n# nor are loading and gating\n")
    assert fingerprint_of(copy) == code_fingerprint()
    parse = copy / "flow" / "parse.py"
    parse.write_text(parse.read_text() + "\n# but parse_capture is\n")
    assert fingerprint_of(copy) != code_fingerprint()
    parse.write_text(parse.read_text().removesuffix("\n# but parse_capture is\n"))
    rule = copy / "normalize" / "normalise.py"
    rule.write_text(rule.read_text() + "\n# one changed line in normalisation\n")
    changed = fingerprint_of(copy)
    assert changed != code_fingerprint()

    n = len(_entries())
    report = _verify(ParseCache(paths().parse_cache, fingerprint=changed))
    assert report.ok and report.from_cache == 0 and report.reparsed == n
    assert _verify().reparsed == 0  # this code's entries are still there


def test_prune_deletes_the_entries_of_other_code_and_keeps_this_codes_and_any_written_meanwhile(ran: Path) -> None:
    ours = set(_entries())
    _verify(ParseCache(paths().parse_cache, fingerprint="0" * 64))  # other code's entries, one per capture
    theirs = sorted(set(_entries()) - ours)
    assert len(theirs) == len(ours)
    meanwhile = theirs[0]
    future = datetime.now(UTC).timestamp() + 3600
    os.utime(meanwhile, (future, future))  # as if written by a run loading while verify ran
    report = _verify(prune_cache=True)
    assert report.ok and report.cache_pruned == len(theirs) - 1
    assert set(_entries()) == ours | {meanwhile}
    again = _verify()
    assert again.from_cache == len(ours) and again.reparsed == 0  # nothing this code uses was deleted
    os.utime(meanwhile, (future - 7200, future - 7200))  # that run is long over: its entry is now unused
    doc = json.loads(cix("verify", "--prune-cache", "--format", "json").stdout)
    assert doc["ok"] and doc["cache_pruned"] == 1 and set(_entries()) == ours


def test_another_parser_version_is_a_cache_miss(real_capture: RealCapture, tmp_path: Path) -> None:
    capture = real_capture("coreweave-page", "provider-pages-2026/coreweave.html")  # parser 2, legacy 1
    bounds = load().bounds
    cache = ParseCache(tmp_path / "cache")
    v1, _ = parse_cached(capture, bounds, {}, "1", cache)
    v2, _ = parse_cached(capture, bounds, {}, "2", cache)
    assert (cache.misses, cache.hits) == (2, 0)
    assert set(v1["parser_version"]) == {"1"} and set(v2["parser_version"]) == {"2"}
    again, _ = parse_cached(capture, bounds, {}, "1", cache)
    assert (cache.misses, cache.hits) == (2, 1) and again.equals(v1)
    other_fx, _ = parse_cached(capture, bounds, {"EUR": Decimal("1.08")}, "1", cache)
    assert cache.misses == 3 and other_fx.equals(v1)  # other inputs: another entry, here the same rows
    assert len(list(cache.root.rglob("*.parquet-pair"))) == 3


def test_the_recompute_is_split_across_processes_with_each_blend_beside_its_legs() -> None:
    m = load()
    at = datetime(2026, 8, 3, 16, tzinfo=UTC)
    wanted = [(d, at) for d in m.indices]
    parts = _split(wanted, 2)
    assert len(parts) == 2 and all(parts) and sorted(len(p) for p in parts)[1] - sorted(len(p) for p in parts)[0] <= 8
    assert sorted(d.code for p in parts for d, _ in p) == sorted(d.code for d, _ in wanted)
    blends = [d for d in m.indices if d.blend_of]
    assert blends
    for part in parts:
        codes = {d.code for d, _ in part}
        for d in blends:
            if d.code in codes:
                assert {leg for leg, _ in d.blend_of} <= codes, d.code


def test_a_cache_that_cannot_be_written_only_costs_a_reparse(real_capture: RealCapture, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache's folder should be")
    cache = ParseCache(blocked)
    capture = real_capture("litellm", "litellm/model_prices_and_context_window.json")
    quotes, _ = parse_cached(capture, load().bounds, {}, None, cache)
    again, _ = parse_cached(capture, load().bounds, {}, None, cache)
    assert again.equals(quotes) and quotes.height > 0
    assert (cache.hits, cache.misses, len(cache.unwritable)) == (0, 2, 2)


def test_captures_to_reparse_are_split_by_size() -> None:
    sizes = [5, 1, 1, 1, 1, 1, 0]
    bins = balanced(sizes, 2)
    assert sorted(i for b in bins for i in b) == list(range(len(sizes)))
    assert sorted(sum(sizes[i] for i in b) for b in bins) == [5, 5]
    assert balanced(sizes, 1) == [[0, 1, 2, 3, 4, 5, 6]]


def test_a_warm_verify_compares_stored_quotes_by_digest_without_decoding_them(ran: Path) -> None:
    """Each entry records the digest of its quotes (`store.digests`), computed as the lake's stored quotes are: when
    they agree, neither side's rows are read; the entries are decoded only when a revision is recomputed, and then
    held to that digest."""
    decoded: list[str] = []

    class Counting(ParseCache):
        def quotes(self, key: str) -> pl.DataFrame | None:
            decoded.append(key)
            return super().quotes(key)

    assert _verify().ok  # fills the recompute cache
    warm = _verify(Counting(paths().parse_cache))
    assert warm.ok and warm.from_cache == len(_entries()) and warm.recomputed == 0 and decoded == []
    cache = ParseCache(paths().parse_cache)
    with Warehouse(paths().db, read_only=True) as w:
        stored = w.quote_digests()
    compared = 0
    for path in _entries():
        quotes = cache.quotes(path.stem)
        assert quotes is not None and cache.digest(path.stem) == parsed_digest(quotes)
        if quotes.height:
            key = quotes.select("source", "capture_id", "fetched_at").row(0)
            assert stored[key] == parsed_digest(quotes)
            compared += 1
    assert compared > 10
    # An entry whose quotes were edited apart from its digest is not trusted when its quotes are needed.
    shutil.rmtree(paths().parse_cache / "recomputed")
    victim = next(p for p in _entries() if (q := cache.quotes(p.stem)) is not None and q.height)
    quotes, rejections = cache.get(victim.stem)  # type: ignore[misc]
    digest = cache.digest(victim.stem)
    edited = _parquet(quotes.with_columns(pl.col("price_usd") * 2))
    cache.write(victim.stem, [edited, _parquet(rejections), (digest or "").encode()])  # its own seal, the old digest
    decoded.clear()
    report = _verify(Counting(paths().parse_cache))
    assert report.ok and report.recomputed > 0 and len(decoded) >= len(_entries()) - 1
    assert any("do not give its digest" in d for d in report.cache_discarded)
    assert cache.quotes(victim.stem).equals(quotes)  # type: ignore[union-attr]  # a sound entry in its place


def test_a_quotes_digest_is_exact_to_the_lakes_precision_and_tells_null_from_empty() -> None:
    at = datetime(2026, 8, 3, 15, 30, tzinfo=UTC)
    base = pl.DataFrame(
        {
            "source": ["x", "x"],
            "capture_id": ["c", "c"],
            "fetched_at": [at, at],
            "row_no": [0, 1],
            "unit": ["gpu_hour", "gpu_hour"],
            "price_usd": [Decimal("2.49"), Decimal("1.000000000000000000000001")],
            "good": ["H100-SXM-80GB", None],
            "provider": ["lambda", "lambda"],
        },
        schema_overrides={"price_usd": pl.Decimal(38, 24)},
    )
    digest = parsed_digest(base)
    assert parsed_digest(base.reverse()) == digest  # row order is the rows' own
    assert parsed_digest(base.with_columns(pl.col("price_usd").cast(pl.Decimal(38, 6)))) != digest  # 1e-24 is kept
    changed = [
        base.with_columns(pl.lit("").alias("good")),
        base.with_columns(pl.Series("price_usd", [Decimal("2.4900001"), Decimal(1)], dtype=pl.Decimal(38, 24))),
        base.with_columns(pl.lit("runpod").alias("provider")),
        pl.concat([base, base.head(1)]),  # a row twice
    ]
    assert all(parsed_digest(frame) != digest for frame in changed)
    assert parsed_digest(base.head(0)) == NO_ROWS
    # many frames in one query (verify's decoded entries): each gives its own digest, a frame of other types too
    others = [
        base.with_columns(pl.lit("d").alias("capture_id")),
        base.with_columns(pl.col("price_usd").cast(pl.Float64)),
    ]
    frames = [*changed, base.head(0), base, *others]
    assert parsed_digests(frames) == [parsed_digest(frame) for frame in frames]
    with pytest.raises(ValueError, match="name 2 captures"):
        parsed_digests([base, pl.concat([base, others[0]])])


def test_stored_quotes_agreeing_with_an_edited_entry_are_caught_when_its_quotes_are_used(ran: Path) -> None:
    """A forger who edits the stored quotes and writes the matching digest into the capture's entry (resealed) makes
    them agree by digest; but the entry's content keys the recomputation, so its revisions are recomputed, the entry
    is decoded, its quotes do not give that digest, the raw capture is parsed again and does not give it either: a
    problem, not a pass."""
    assert _verify().ok  # the recompute cache holds every group now
    cache = ParseCache(paths().parse_cache)
    victim = next(p for p in _entries() if (q := cache.quotes(p.stem)) is not None and q.height)
    quotes, rejections = cache.get(victim.stem)  # type: ignore[misc]
    source, capture_id, fetched_at = quotes.select("source", "capture_id", "fetched_at").row(0)
    con = lake_sql(paths().db)
    row = quotes["row_no"][0]
    con.execute("UPDATE quote SET price_usd = price_usd * 2 WHERE capture_id = ? AND row_no = ?", [capture_id, row])
    con.close()
    with Warehouse(paths().db, read_only=True) as w:
        forged = w.quote_digests()[(source, capture_id, fetched_at)]
    cache.write(victim.stem, [_parquet(quotes), _parquet(rejections), forged.encode()])
    report = _verify()  # the entry's content is another input: its groups are recomputed, so its quotes are decoded
    assert not report.ok
    assert any(capture_id[:16] in p and "does not give" in p for p in report.problems), report.problems
