"""Signed publications, the read-only HTTP API on a real socket, views, examples and the HTML report."""

from __future__ import annotations

import base64
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.flow.daily import run
from pipeline.methodology import CURRENT
from pipeline.publish import verify_publication
from pipeline.publish.files import _dump
from pipeline.publish.signing import SigningKey, load_signing_key
from pipeline.store import Warehouse
from tests.helpers import REPO, cix, served

BIN = Path(sys.executable).parent
DAY = "2026-08-03"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("pub")
    mp = pytest.MonkeyPatch()
    mp.setenv("CIX_HOME", str(home / "home"))
    mp.setenv("CIX_PUBLISH_DIR", str(home / "publish"))
    mp.delenv("CIX_SIGNING_KEY", raising=False)
    run()
    yield home
    mp.undo()


def folder(home: Path) -> Path:
    return home / "publish" / DAY


def public_key(home: Path) -> Path:
    return home / "home" / "keys" / "dev-ed25519.pub.pem"


def test_manifest_lists_every_file_inputs_and_key(published: Path) -> None:
    manifest = json.loads((folder(published) / "manifest.json").read_text())
    assert set(manifest["files"]) == {"fixings.json", "fixings.csv"}
    assert manifest["methodology_version"] == CURRENT
    assert manifest["inputs"]["capture_ids"] and len(manifest["inputs"]["digest"]) == 64
    assert manifest["signature"]["algorithm"] == "Ed25519"
    assert manifest["signature"]["key_origin"] == "development"
    assert manifest["published_at"].endswith("Z")
    ok = cix("verify-publication", str(folder(published)), "--public-key", str(public_key(published)))
    assert ok.returncode == 0, ok.stderr


def _copy(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True)
    for p in src.iterdir():
        (dst / p.name).write_bytes(p.read_bytes())
    return dst


def stdlib_json(doc: object) -> bytes:
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()


def test_published_json_is_byte_for_byte_what_json_dumps_writes(published: Path) -> None:
    documents = sorted(published.rglob("*.json"))
    assert documents
    for path in documents:
        body = path.read_bytes()
        assert stdlib_json(json.loads(body)) == body, path


JSON_DOCUMENTS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(JSON_DOCUMENTS)
@example({"delete": "\x7f", "tab": "\t"})
@example({"accent": "é"})
@example({"float": 1e21, "list": [1.5]})
@example([2**64])
def test_any_document_is_written_as_json_dumps_writes_it(doc: object) -> None:
    # The fast writer covers text, whole numbers, booleans and nulls; floats, huge numbers, non-ASCII text and
    # control characters must come out as the standard library writes them too (its way, or the same bytes).
    assert _dump(doc) == stdlib_json(doc)


def test_one_flipped_byte_a_missing_file_or_another_key_fails(published: Path, tmp_path: Path) -> None:
    flipped = _copy(folder(published), tmp_path / "flipped")
    data = bytearray((flipped / "fixings.csv").read_bytes())
    data[len(data) // 2] ^= 0x01
    (flipped / "fixings.csv").write_bytes(bytes(data))
    out = cix("verify-publication", str(flipped), "--public-key", str(public_key(published)))
    assert out.returncode == 1 and "fixings.csv" in out.stderr

    missing = _copy(folder(published), tmp_path / "missing")
    (missing / "fixings.json").unlink()
    out = cix("verify-publication", str(missing), "--public-key", str(public_key(published)))
    assert out.returncode == 1 and "missing" in out.stderr

    other = tmp_path / "other.pub.pem"
    other.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    out = cix("verify-publication", str(folder(published)), "--public-key", str(other))
    assert out.returncode == 1 and "does not verify" in out.stderr

    edited = _copy(folder(published), tmp_path / "edited-manifest")
    manifest = (edited / "manifest.json").read_text().replace(f'"{CURRENT}"', '"2"', 1)
    (edited / "manifest.json").write_text(manifest)
    assert cix("verify-publication", str(edited), "--public-key", str(public_key(published))).returncode == 1


def _set_manifest(folder: Path, change: Callable[[dict[str, Any]], object]) -> None:
    manifest = json.loads((folder / "manifest.json").read_bytes())
    change(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _drop_sha256(manifest: dict[str, Any]) -> None:
    del manifest["files"]["fixings.csv"]["sha256"]


def _list_outside(manifest: dict[str, Any]) -> None:
    manifest["files"]["../fixings.json"] = manifest["files"].pop("fixings.json")


# Each: what is done to a copy of a real publication, and the words the verdict must hold.
HOSTILE: dict[str, tuple[Callable[[Path], object], str]] = {
    "no folder": (lambda f: shutil.rmtree(f), "no such publication folder"),
    "no manifest": (lambda f: (f / "manifest.json").unlink(), "manifest.json or manifest.sig is missing"),
    "no signature": (lambda f: (f / "manifest.sig").unlink(), "manifest.json or manifest.sig is missing"),
    "signature padded": (lambda f: (f / "manifest.sig").write_bytes(b" " + (f / "manifest.sig").read_bytes()),
                         "not one line of canonical base64"),
    "signature not base64": (lambda f: (f / "manifest.sig").write_bytes(b"%%%\n"), "does not verify"),
    "manifest not UTF-8": (lambda f: (f / "manifest.json").write_bytes(b"\xff\xfe{"), "not UTF-8"),
    "manifest not JSON": (lambda f: (f / "manifest.json").write_text("{" * 100_000), "not valid JSON"),
    "manifest a list": (lambda f: (f / "manifest.json").write_text("[]"), "no 'files' object"),
    "files a list": (lambda f: _set_manifest(f, lambda m: m.update(files=[])), "no 'files' object"),
    "no sha256": (lambda f: _set_manifest(f, _drop_sha256), "fixings.csv: the manifest gives no sha256"),
    "outside": (lambda f: _set_manifest(f, _list_outside), "../fixings.json: listed in the manifest but missing"),
    "an unlisted file": (lambda f: (f / "extra.csv").write_text("x"), "extra.csv: present but not in the manifest"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_publication_is_a_list_of_reasons_never_a_crash(case: str, published: Path, tmp_path: Path) -> None:
    copy = _copy(folder(published), tmp_path / "pub")
    harm, words = HOSTILE[case]
    harm(copy)
    problems = verify_publication(copy, public_key(published).read_bytes())
    assert any(words in p for p in problems), problems
    assert verify_publication(folder(published), public_key(published).read_bytes()) == []


def test_an_unusable_key_is_a_reason_too(published: Path) -> None:
    for key in (b"", b"-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n"):
        problems = verify_publication(folder(published), key)
        assert len(problems) == 1 and "public key cannot be used" in problems[0]


def _pkcs8(key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    pkcs8 = serialization.PrivateFormat.PKCS8
    return key.private_bytes(serialization.Encoding.PEM, pkcs8, serialization.NoEncryption())


def test_key_from_environment_is_used_and_never_written(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    pem = _pkcs8(key).decode()
    env = {
        **os.environ,
        "CIX_HOME": str(tmp_path / "home"),
        "CIX_PUBLISH_DIR": str(tmp_path / "publish"),
        "CIX_SIGNING_KEY": pem,
    }
    assert cix("run", env=env).returncode == 0
    pub = tmp_path / "key.pub.pem"
    pub.write_bytes(SigningKey(key, "env").public_pem)
    assert cix("verify-publication", str(tmp_path / "publish" / DAY), "--public-key", str(pub), env=env).returncode == 0
    assert json.loads((tmp_path / "publish" / DAY / "manifest.json").read_text())["signature"]["key_origin"] == "env"
    assert not (tmp_path / "home" / "keys").exists()
    assert all(pem.splitlines()[1] not in p.read_text(errors="ignore") for p in (tmp_path / "publish" / DAY).iterdir())


def _seed_text(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return base64.b64encode(raw).decode()


def test_each_place_a_key_can_come_from_and_what_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CIX_SIGNING_KEY", "CIX_SIGNING_KEY_FILE", "CIX_SIGNING_CONN_ID"):
        monkeypatch.delenv(name, raising=False)
    key = Ed25519PrivateKey.generate()
    expected = SigningKey(key, "env").fingerprint
    with pytest.raises(RuntimeError, match="no signing key"):
        load_signing_key(tmp_path, allow_development=False)

    monkeypatch.setenv("CIX_SIGNING_CONN_ID", "cix_signing")
    with pytest.raises(RuntimeError, match="no connection lookup"):
        load_signing_key(tmp_path)
    asked: list[str] = []
    found = load_signing_key(tmp_path, connection=lambda conn_id: asked.append(conn_id) or _seed_text(key))
    assert (found.origin, found.fingerprint, asked) == ("airflow", expected, ["cix_signing"])

    file = tmp_path / "signing.pem"
    file.write_bytes(_pkcs8(key))
    monkeypatch.setenv("CIX_SIGNING_KEY_FILE", str(file))
    assert (load_signing_key(tmp_path).origin, load_signing_key(tmp_path).fingerprint) == ("file", expected)

    monkeypatch.setenv("CIX_SIGNING_KEY", f"  {_seed_text(key)}\n")  # the 32-byte seed, in base64
    assert (load_signing_key(tmp_path).origin, load_signing_key(tmp_path).fingerprint) == ("env", expected)
    monkeypatch.setenv("CIX_SIGNING_KEY", base64.b64encode(b"x" * 31).decode())
    with pytest.raises(ValueError, match="32-byte Ed25519 seed"):
        load_signing_key(tmp_path)
    monkeypatch.setenv("CIX_SIGNING_KEY", "not base64!")
    with pytest.raises(ValueError):
        load_signing_key(tmp_path)
    monkeypatch.setenv("CIX_SIGNING_KEY", _pkcs8(ec.generate_private_key(ec.SECP256R1())).decode())
    with pytest.raises(ValueError, match="not an Ed25519 key"):
        load_signing_key(tmp_path)
    assert not (tmp_path / "keys").exists(), "no development key is made while a key is configured"


@pytest.fixture(scope="module")
def api(published: Path) -> Iterator[str]:
    from pipeline.face.api import create_app

    with served(create_app(published / "home" / "lake.sqlite", published / "publish")) as base:
        yield base


def test_api_serves_the_same_values_as_the_published_files(api: str, published: Path) -> None:
    files = json.loads((folder(published) / "fixings.json").read_text())
    by_code = {f["index_code"]: f for f in files["fixings"]}
    with httpx.Client(base_url=api) as client:
        day = client.get(f"/fixings/{DAY}").json()
        assert {f["index_code"]: f["value"] for f in day["fixings"]} == {c: f["value"] for c, f in by_code.items()}
        assert all("status" in f and "revision" in f for f in day["fixings"])
        assert by_code["CIX-H100-OD"]["status"] == "published" and by_code["CIX-H100-OD"]["value"] is not None
        series = client.get("/indices/CIX-H100-OD/fixings", params={"start": DAY, "end": DAY}).json()
        assert series["fixings"][0]["value"] == by_code["CIX-H100-OD"]["value"]
        one = client.get(f"/fixings/{DAY}/CIX-H100-OD").json()
        assert one["revision"] == 1 and one["revisions"][0]["reason"] == "initial determination"
        assert client.get("/indices").json()["indices"]
        assert client.get("/health").json()["status"] == "ok"
        manifest = client.get(f"/publications/{DAY}/manifest")
        assert manifest.content == (folder(published) / "manifest.json").read_bytes()
        assert client.get(f"/publications/{DAY}/signature").content == (folder(published) / "manifest.sig").read_bytes()
        assert "paths" in client.get("/openapi.json").json()


def test_api_caching_headers_and_errors(api: str) -> None:
    with httpx.Client(base_url=api) as client:
        first = client.get(f"/fixings/{DAY}")
        assert first.headers["etag"] and "max-age" in first.headers["cache-control"]
        again = client.get(f"/fixings/{DAY}", headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304
        assert client.get("/indices/CIX-NOPE-OD").status_code == 404
        assert client.get("/fixings/1999-01-01").status_code == 404
        assert client.get("/fixings/2026-13-45").status_code == 422
        assert (
            client.get("/indices/CIX-H100-OD-HYP/fixings", params={"start": "yesterday", "end": DAY}).status_code == 422
        )
        assert (
            client.get("/indices/CIX-H100-OD-HYP/fixings", params={"start": DAY, "end": "2026-08-01"}).status_code
            == 422
        )
        assert client.get("/contracts/CIXF-H100-OD-HYP/settlements/2026-13").status_code == 422
        assert client.get("/contracts/CIXF-NOPE/settlements/2026-08").status_code == 404
        assert client.get("/publications/1999-01-01/manifest").status_code == 404


def test_api_never_writes(api: str, published: Path) -> None:
    db = published / "home" / "lake.sqlite"
    before = db.stat().st_mtime_ns
    with httpx.Client(base_url=api) as client:
        for path in ("/health", f"/fixings/{DAY}", "/indices"):
            client.get(path)
    assert db.stat().st_mtime_ns == before


def test_views_and_example_queries_run(published: Path) -> None:
    with Warehouse(published / "home" / "lake.sqlite", read_only=True) as w:
        comments = dict(w.con.execute("SELECT view_name, comment FROM duckdb_views() WHERE NOT internal").fetchall())
        for view in (
            "v_latest_fixings",
            "v_index_history",
            "v_provider_spreads",
            "v_rejections_by_reason",
            "v_source_health",
        ):
            assert comments.get(view), view
        for path in sorted((REPO / "pipeline" / "store" / "sql" / "examples").glob("*.sql")):
            rows = w.con.execute(path.read_text()).fetchall()
            assert rows, f"{path.name} returned nothing on the sample warehouse"


def test_report_is_self_contained_with_charts(published: Path, tmp_path: Path) -> None:
    env = {**os.environ, "CIX_HOME": str(published / "home")}
    out = tmp_path / "report.html"
    assert cix("report", "--out", str(out), env=env).returncode == 0
    page = out.read_text()
    assert page.count("<svg") >= 3
    assert "<script" not in page and 'src="http' not in page and 'href="http' not in page
    assert "@import" not in page
