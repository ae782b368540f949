"""The API's answers built from the lake: finished JSON bytes with their ETag, made once per data version.

A fixing day's answers are built together: lookups come by day (today's fixing of every index), and a lake
query costs tens of milliseconds whatever it returns, so one pair of queries serves every index of the day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from pipeline.domain.serialise import gates_of, revision_record
from pipeline.face.web.conditional import Answer, entity_tag
from pipeline.methodology import CURRENT
from pipeline.publish import fixing_records
from pipeline.store import Warehouse

SHORT_CACHE = "public, max-age=60"


def json_answer(payload: Any, version: str, cache: str = SHORT_CACHE) -> Answer:
    body = (json.dumps(payload, sort_keys=True, default=str) + "\n").encode()
    return Answer(body, "application/json", entity_tag(version, body), cache)


@dataclass(frozen=True)
class DayAnswers:
    """A fixing day's answers (current methodology), built together."""

    listing: Answer | None  # /fixings/{day}; None when the day has no fixing
    fixings: dict[str, Answer]  # /fixings/{day}/{code}, by index code


def day_answers(w: Warehouse, version: str, day: date) -> DayAnswers:
    rows = w.fixings(day, version=CURRENT)
    if rows.height == 0:
        return DayAnswers(None, {})
    records = fixing_records(rows)
    trails: dict[str, list[dict[str, Any]]] = {}
    for revision in w.revisions_of_day(day, CURRENT).iter_rows(named=True):
        trails.setdefault(revision["index_code"], []).append(revision_record(revision))
    gates = {r["index_code"]: gates_of(r) for r in rows.iter_rows(named=True)}
    return DayAnswers(
        json_answer({"fixing_date": day, "fixings": records}, version),
        {
            r["index_code"]: json_answer(
                {**r, "gates": gates[r["index_code"]], "revisions": trails.get(r["index_code"], [])}, version
            )
            for r in records
        },
    )
