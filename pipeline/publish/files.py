"""Publication files: `publish/<date>/fixings.json` and `fixings.csv`, byte-stable for the same fixings."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.domain.serialise import iso, public_record, revision_record
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


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _dump(doc: Any) -> bytes:
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()


def restatement_notice(revisions: pl.DataFrame) -> dict[str, Any] | None:
    """Every index of the day with more than one revision: each revision, its value, when and why."""
    if revisions.height == 0:
        return None
    restated = revisions.group_by("index_code").agg(pl.len().alias("n")).filter(pl.col("n") > 1)
    if restated.height == 0:
        return None
    notices = []
    for code in sorted(restated["index_code"].to_list()):
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
    """fixings.json, fixings.csv, restatements.json (if any), manifest.json and manifest.sig, written atomically.

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
    written = []
    for name, data in files.items():
        _atomic_write(folder / name, data)
        written.append(folder / name)
    if key is None:
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
    _atomic_write(folder / "manifest.json", manifest_bytes)
    _atomic_write(folder / "manifest.sig", key.sign(manifest_bytes))
    # A folder may hold files from an earlier publication that no longer apply (e.g. no restatement now).
    for stale in ("restatements.json",):
        if stale not in files and (folder / stale).exists():
            (folder / stale).unlink()
    return [*written, folder / "manifest.json", folder / "manifest.sig"]


def verify_publication(folder: Path, public_pem: bytes) -> list[str]:
    """Problems with a publication folder: bad signature, changed, missing or unlisted files."""
    manifest_path, sig_path = folder / "manifest.json", folder / "manifest.sig"
    if not manifest_path.exists() or not sig_path.exists():
        return [f"{folder}: manifest.json or manifest.sig is missing"]
    manifest_bytes = manifest_path.read_bytes()
    problems = []
    if not verify_signature(manifest_bytes, sig_path.read_bytes(), public_pem):
        problems.append("manifest.sig does not verify with this public key (wrong key, or manifest changed)")
    try:
        manifest = json.loads(manifest_bytes)
    except json.JSONDecodeError:
        return [*problems, "manifest.json is not valid JSON"]
    listed = manifest.get("files", {})
    for name, meta in sorted(listed.items()):
        path = folder / name
        if not path.exists():
            problems.append(f"{name}: listed in the manifest but missing")
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != meta["sha256"]:
            problems.append(f"{name}: sha256 {digest} differs from the manifest's {meta['sha256']}")
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.name not in listed and path.name not in ("manifest.json", "manifest.sig"):
            problems.append(f"{path.name}: present but not in the manifest")
    return problems
