"""Publication files: `publish/<date>/fixings.json` and `fixings.csv`, byte-stable for the same fixings.

The day's folder is replaced whole and atomically (`publish.atomic`); verification of a folder never
raises, whatever its files hold: every problem is a line of the verdict."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import msgspec
import polars as pl

from pipeline.domain.serialise import iso, public_record, revision_record
from pipeline.publish.atomic import publish_folder
from pipeline.publish.signing import SigningKey, verify_signature

CSV_COLUMNS = [
    "index_code",
    "fixing_date",
    "fixing_time",
    "status",
    "value",
    "unit",
    "currency",
    "revision",
    "n_providers",
    "n_quotes",
    "robust_cv",
    "p25",
    "p75",
    "flags",
    "failed_gates",
    "indicative_gates",
    "methodology_version",
    "inputs_digest",
]


def fixing_records(fixings: pl.DataFrame) -> list[dict[str, Any]]:
    """Fixings (current revisions) as publication records, in index-code order."""
    return [public_record(row) for row in fixings.sort("index_code").iter_rows(named=True)]


def _dump(doc: Any) -> bytes:
    """`json.dumps(doc, indent=2, sort_keys=True)` and a newline: the bytes every publication has had. msgspec writes
    the same bytes ~10x faster (a backfill writes two documents a day) for what publications hold: text, whole
    numbers, booleans and nulls in lists and text-keyed objects, printable ASCII once written. Anything else (a float,
    which msgspec writes `1e21` where Python writes `1e+21`; text that json.dumps escapes as `\\u....`) goes the
    standard library's way."""
    if _plain(doc):
        fast = msgspec.json.format(msgspec.json.encode(doc, order="sorted"), indent=2)
        if fast.isascii() and b"\x7f" not in fast:
            return fast + b"\n"
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()


def _plain(value: Any) -> bool:
    """Whether a document holds only text, whole numbers, booleans and nulls, in lists and text-keyed objects."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return True
    if kind is list:
        return all(map(_plain, value))
    if kind is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    return False


def restatement_notice(revisions: pl.DataFrame) -> dict[str, Any] | None:
    """Every index of the day with more than one revision: each revision, its value, when and why."""
    restated = revisions.filter(pl.col("index_code").is_duplicated())["index_code"].unique().sort()
    if restated.is_empty():
        return None  # the usual day: one revision of each index
    notices = []
    for code in restated.to_list():
        rows = revisions.filter(pl.col("index_code") == code).sort("revision")
        notices.append(
            {
                "index_code": code,
                "revisions": [
                    {k: v for k, v in revision_record(r).items() if k != "methodology_version"}
                    for r in rows.iter_rows(named=True)
                ],
            }
        )
    return {"notice": "restatement", "restatements": notices}


def write_publication(
    day: date,
    fixings: pl.DataFrame,
    folder: Path,
    *,
    revisions: pl.DataFrame | None = None,
    key: SigningKey | None = None,
) -> list[Path]:
    """fixings.json, fixings.csv, restatements.json (if any), manifest.json and manifest.sig, written atomically
    (`atomic.publish_folder`: the caller removes what interrupted publications left, `atomic.clean_leftovers`).

    Everything in the manifest derives from the stored fixings, so republishing unchanged fixings
    rewrites the same bytes (Ed25519 signatures are deterministic)."""
    records = fixing_records(fixings)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in records:
        writer.writerow(
            {
                **r,
                "flags": ";".join(r["flags"]),
                "failed_gates": ";".join(r["failed_gates"]),
                "indicative_gates": ";".join(r["indicative_gates"]),
            }
        )
    files: dict[str, bytes] = {
        "fixings.json": _dump({"fixing_date": day.isoformat(), "fixings": records}),
        "fixings.csv": buffer.getvalue().encode(),
    }
    notice = restatement_notice(revisions) if revisions is not None else None
    if notice is not None:
        files["restatements.json"] = _dump({"fixing_date": day.isoformat(), **notice})
    written = [folder / name for name in files]
    if key is None:
        publish_folder(folder, files)
        return written
    keys = sorted({k for row in fixings.iter_rows(named=True) for k in json.loads(row["input_keys"])})
    captures = sorted({k.split("@", 1)[0] for k in keys})
    versions = sorted(set(fixings["methodology_version"].to_list())) if fixings.height else []
    published_at = max(fixings["recorded_at"].to_list()) if fixings.height else None
    manifest = {
        "fixing_date": day.isoformat(),
        "methodology_version": versions[0] if len(versions) == 1 else versions,
        "published_at": iso(published_at),
        "files": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for name, data in sorted(files.items())
        },
        "inputs": {
            "capture_ids": captures,
            "quotes": len(keys),
            "digest": hashlib.sha256("\n".join(keys).encode()).hexdigest(),
        },
        "signature": {"algorithm": "Ed25519", "public_key_fingerprint": key.fingerprint, "key_origin": key.origin},
    }
    manifest_bytes = _dump(manifest)
    # One atomic swap of the whole day: the files, the manifest and its signature appear together, and a
    # file of an earlier publication that no longer applies (e.g. no restatement now) is simply not there.
    publish_folder(folder, {**files, "manifest.json": manifest_bytes, "manifest.sig": key.sign(manifest_bytes)})
    return [*written, folder / "manifest.json", folder / "manifest.sig"]


def verify_publication(folder: Path, public_pem: bytes) -> list[str]:
    """Problems with a publication folder: bad signature, changed, missing or unlisted files. Never raises:
    whatever the folder or key holds (not UTF-8, not JSON, fields missing or of the wrong type, not a key),
    the answer is a list of reasons."""
    try:
        return _problems(folder, public_pem)
    except OSError as exc:
        return [f"{folder}: cannot be read ({exc.strerror or exc})"]


def _canonical(signature: bytes) -> bytes | None:
    try:
        return base64.b64encode(base64.b64decode(signature.strip(), validate=True)) + b"\n"
    except ValueError:
        return None


def _problems(folder: Path, public_pem: bytes) -> list[str]:
    if not folder.is_dir():
        return [f"{folder}: no such publication folder"]
    folder = folder.resolve()  # a day's link may be swapped meanwhile: read one complete folder, not a mix
    manifest_path, sig_path = folder / "manifest.json", folder / "manifest.sig"
    if not manifest_path.is_file() or not sig_path.is_file():
        return [f"{folder}: manifest.json or manifest.sig is missing"]
    manifest_bytes, signature = manifest_path.read_bytes(), sig_path.read_bytes()
    problems = []
    if signature != _canonical(signature):  # a changed byte that still decodes alike is a change all the same
        problems.append("manifest.sig is not one line of canonical base64")
    try:
        if not verify_signature(manifest_bytes, signature, public_pem):
            problems.append("manifest.sig does not verify with this public key (wrong key, or manifest changed)")
    except ValueError as exc:
        return [f"the public key cannot be used: {exc}"]
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except UnicodeDecodeError:
        return [*problems, "manifest.json is not UTF-8"]
    except (ValueError, RecursionError):
        return [*problems, "manifest.json is not valid JSON"]
    listed = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(listed, dict):
        return [*problems, "manifest.json has no 'files' object"]
    for name, meta in sorted(listed.items()):
        expected = meta.get("sha256") if isinstance(meta, dict) else None
        if not isinstance(expected, str):
            problems.append(f"{name}: the manifest gives no sha256 for it")
            continue
        path = folder / name
        if Path(name).name != name or name in ("", ".", "..") or not path.is_file():
            problems.append(f"{name}: listed in the manifest but missing")
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != expected:
            problems.append(f"{name}: sha256 {digest} differs from the manifest's {expected}")
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.name not in listed and path.name not in ("manifest.json", "manifest.sig"):
            problems.append(f"{path.name}: present but not in the manifest")
    return problems
