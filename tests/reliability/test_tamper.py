"""Byte flips in stored captures and in publications are all detected, with a clear verdict and never a crash;
hostile publication folders and keys (not UTF-8, fields missing or mistyped, not a key) get a reason too."""

from __future__ import annotations

import json
import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.audit import verify
from pipeline.capture import CaptureStore
from pipeline.publish import verify_publication
from pipeline.store import Warehouse
from tests.reliability.conftest import Site

PUBLICATION_FILES = ("fixings.json", "fixings.csv", "manifest.json", "manifest.sig")


def flip(path: Path, rng: random.Random) -> None:
    data = bytearray(path.read_bytes())
    data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    path.write_bytes(bytes(data))


def test_a_flipped_byte_in_every_stored_capture_is_reported_by_verify(offline_site: Site, tmp_path: Path) -> None:
    site = offline_site.copy(tmp_path / "site")
    rng = random.Random(14)
    with Warehouse(site.home / "lake.sqlite", read_only=True) as w:
        captures = w.all_captures().select("source", "capture_id").rows()
    kinds = {source for source, _ in captures}
    assert {"ecb-fx", "aws", "vast-catalog", "primeintellect"} <= kinds  # FX, JSON, CSV, JSON lines
    for _, capture_id in captures:
        flip(site.home / "captures" / capture_id[:2] / capture_id, rng)
    with Warehouse(site.home / "lake.sqlite", read_only=True) as w:
        report = verify(w, CaptureStore(site.home / "captures"))
    assert not report.ok
    for source, capture_id in captures:
        assert any(capture_id in p and "altered" in p for p in report.problems), f"{source} {capture_id} not reported"


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(name=st.sampled_from(PUBLICATION_FILES), rng=st.randoms(use_true_random=False))
def test_a_flipped_byte_in_a_publication_is_detected_with_a_clean_verdict(offline_site: Site, name: str, rng) -> None:  # type: ignore[no-untyped-def]
    path = offline_site.publication / name
    original = path.read_bytes()
    target = path.resolve()
    target.chmod(0o644)
    try:
        flip(target, rng)
        problems = verify_publication(offline_site.publication, offline_site.public_pem)
    finally:
        target.write_bytes(original)
    assert problems, f"a flip in {name} went unnoticed"
    assert all(isinstance(p, str) and p for p in problems)
    assert verify_publication(offline_site.publication, offline_site.public_pem) == []


HOSTILE_MANIFESTS = [
    b"\xff\xfe\x00not utf-8",
    b"[]",
    b'{"files": []}',
    b'{"files": {"fixings.json": 5}}',
    b'{"files": {"fixings.json": {"sha256": 7}}}',
    b'{"files": {"../../etc/passwd": {"sha256": "00"}}}',
    b'{"files": {"": {"sha256": "00"}}}',
    b"[" * 100000,
    b"",
]


def test_hostile_manifests_signatures_and_keys_get_a_reason_never_a_traceback(
    offline_site: Site, tmp_path: Path
) -> None:
    site = offline_site.copy(tmp_path / "site")
    folder = site.publication.resolve()
    for manifest in HOSTILE_MANIFESTS:
        (folder / "manifest.json").write_bytes(manifest)
        problems = verify_publication(folder, site.public_pem)
        assert problems and all(isinstance(p, str) for p in problems), manifest[:40]
    for key in (b"", b"not a key", b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", b"\xff" * 40):
        problems = verify_publication(folder, key)
        assert problems and "key" in problems[0], key
    (folder / "manifest.sig").write_bytes(b"\x00\xff garbage")
    assert verify_publication(folder, site.public_pem)
    assert verify_publication(tmp_path / "nowhere", site.public_pem) == [
        f"{tmp_path / 'nowhere'}: no such publication folder"
    ]
    json.loads((offline_site.publication / "manifest.json").read_bytes())  # the shared site is untouched
