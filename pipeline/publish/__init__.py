"""Publication files: `publish/<date>/fixings.json` and `fixings.csv`, byte-stable for the same fixings."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.models import plain

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
    "methodology_version",
    "inputs_digest",
]


def _rounded(value: Any, places: int = 6) -> str | None:
    if value is None:
        return None
    return plain(Decimal(value).quantize(Decimal(1).scaleb(-places)))


def fixing_records(fixings: pl.DataFrame) -> list[dict[str, Any]]:
    """Fixings (current revisions) as publication records, in index-code order."""
    records = []
    for row in fixings.sort("index_code").iter_rows(named=True):
        gates = json.loads(row["gates"])
        records.append(
            {
                "index_code": row["index_code"],
                "fixing_date": row["fixing_date"].isoformat(),
                "fixing_time": row["fixing_time"].isoformat().replace("+00:00", "Z"),
                "status": row["status"],
                "value": None
                if row["value"] is None
                else format(Decimal(row["value"]).quantize(Decimal("0.0001")), "f"),
                "unit": row["unit"],
                "currency": row["currency"],
                "revision": row["revision"],
                "n_providers": row["n_providers"],
                "n_quotes": row["n_quotes"],
                "robust_cv": _rounded(row["robust_cv"]),
                "p25": _rounded(row["p25"]),
                "p75": _rounded(row["p75"]),
                "flags": json.loads(row["flags"]),
                "failed_gates": gates.get("failed", []),
                "methodology_version": row["methodology_version"],
                "inputs_digest": row["inputs_digest"],
            }
        )
    return records


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


def write_publication(day: date, fixings: pl.DataFrame, root: Path) -> list[Path]:
    records = fixing_records(fixings)
    folder = root / day.isoformat()
    document = {"fixing_date": day.isoformat(), "fixings": records}
    json_bytes = (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in records:
        writer.writerow({**r, "flags": ";".join(r["flags"]), "failed_gates": ";".join(r["failed_gates"])})
    paths = [folder / "fixings.json", folder / "fixings.csv"]
    _atomic_write(paths[0], json_bytes)
    _atomic_write(paths[1], buffer.getvalue().encode())
    return paths
