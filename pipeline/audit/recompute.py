"""`verify`'s recomputation of the stored fixings, remembered by everything it depends on, so a daily `verify`
recomputes only the new day.

`verify` recomputes each stored fixing revision from the quotes known when it was recorded (the captures whose
batches had passed the gate by then) under the methodology version it names. Day after day the same revisions are
recomputed from the same inputs by the same code. An entry here holds the recomputation of one group of revisions
(one methodology version, one recording time), keyed by sha256 over:

- the code: a fingerprint of the index computation (`index/`, `methodology/`, `domain/` and this module) and the
  versions of Python, polars and numpy;
- the methodology version and the fixings wanted (each index code and fixing time);
- the inputs: each capture known then, by its key and the sha256 of the content its quotes were re-derived from (the
  parse cache entry read or written, so a forged entry is another key; or the stored quotes that stand for a capture
  whose code has changed).

An entry spares the recomputing, never the comparison: every stored revision is still compared with its
recomputation on every run, so a stored fixing edited since is caught as before, and a code change or other inputs
are a miss (the group is recomputed by the code as it is now). Entries check themselves (`flow.sealed`);
`verify --reparse` ignores them and rewrites them, and also catches a computation that is not deterministic.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, ClassVar, NamedTuple

import polars as pl

from pipeline.domain.fixing import Fixing
from pipeline.flow.helpers import Helpers
from pipeline.flow.parse_cache import PACKAGE, fingerprint_of
from pipeline.flow.sealed import SealedCache
from pipeline.index.fixing import compute_many
from pipeline.methodology import IndexDefinition, load

if TYPE_CHECKING:
    from pipeline.audit.verify import VerifyReport

FORMAT = "cix-recomputed/1"
FINGERPRINTED = ("index", "methodology", "domain", "audit/recompute.py")
LIBRARIES = ("polars", "numpy")

Wanted = tuple[str, datetime]  # index code, fixing time


class Recomputed(NamedTuple):
    """What a recomputed fixing is compared on: small, so a helper process hands back little."""

    status: str
    value: Decimal | None
    inputs_digest: str
    n_providers: int


SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "index_code": pl.String,
    "fixing_time": pl.Datetime("us", "UTC"),
    "status": pl.String,
    "value": pl.String,  # the exact decimal's text
    "inputs_digest": pl.String,
    "n_providers": pl.Int64,
}


@cache
def code_fingerprint() -> str:
    """The recomputing code's fingerprint, computed once per process."""
    return fingerprint_of(PACKAGE, FINGERPRINTED, LIBRARIES)


def frame_digest(frame: pl.DataFrame) -> str:
    """sha256 of a frame's content (its Arrow IPC bytes): for quotes that were not read through the parse cache."""
    buffer = io.BytesIO()
    frame.write_ipc(buffer, compression="uncompressed")
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def known_by(captures: Iterable[tuple[datetime, str, str]], times: Iterable[datetime]) -> dict[datetime, str]:
    """For each recording time, a sha256 over the captures known then: `captures` are (checked_at, capture key,
    content digest); a capture is known at `t` when checked_at <= t. One pass over the captures in time order."""
    ordered = sorted(captures)
    h, i, out = hashlib.sha256(), 0, {}
    for t in sorted(set(times)):
        while i < len(ordered) and ordered[i][0] <= t:
            h.update(f"{ordered[i][1]}\0{ordered[i][2]}\n".encode())
            i += 1
        out[t] = h.copy().hexdigest()
    return out


@dataclass
class RecomputeCache(SealedCache):
    """Recomputed groups under `root` (`verify` keeps them beside the parse cache), one Parquet blob per entry."""

    FORMAT: ClassVar[str] = FORMAT
    SUFFIX: ClassVar[str] = "recomputed"
    BLOBS: ClassVar[tuple[str, ...]] = ("fixings",)

    fingerprint: str = field(default_factory=code_fingerprint)

    def key(self, version: str, wanted: pl.DataFrame, inputs: str) -> str:
        """The entry of the fixings `wanted` (columns index_code, fixing_time) of one methodology version, recomputed
        from the captures `inputs` names (`known_by`)."""
        at = pl.col("fixing_time").dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")
        each = wanted.select(pl.format("{}@{}", pl.col("index_code"), at).sort().str.join("\n")).item()
        material = {
            "format": FORMAT,
            "code": self.fingerprint,
            "methodology": version,
            "wanted": hashlib.sha256((each or "").encode()).hexdigest(),
            "inputs": inputs,
        }
        return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()

    def get(self, key: str) -> pl.DataFrame | None:
        """The group's recomputed fixings (`frame_of`'s columns), or None."""
        return self.read(key, lambda blobs: _checked(pl.read_parquet(io.BytesIO(blobs[0]))))

    def put(self, key: str, recomputed: pl.DataFrame) -> None:
        buffer = io.BytesIO()
        recomputed.write_parquet(buffer, statistics=False)
        self.write(key, [buffer.getvalue()])


def frame_of(recomputed: dict[Wanted, Recomputed]) -> pl.DataFrame:
    """Recomputed fixings as one frame: index code, fixing time and what each is compared on (the value as the
    exact decimal's plain text)."""
    rows = [
        (code, at, r.status, _text(r.value), r.inputs_digest, r.n_providers) for (code, at), r in recomputed.items()
    ]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _checked(frame: pl.DataFrame) -> pl.DataFrame:
    if frame.schema != pl.Schema(SCHEMA):
        raise ValueError(f"entry columns {dict(frame.schema)} are not {SCHEMA}")
    return frame


# How many stored fixings make a second process worth its start (~0.5 s of imports, overlapped with other work).
RECOMPUTE_POOL_MIN = 5000


def _recomputed(fixings: dict[tuple[str, datetime], Fixing]) -> dict[tuple[str, datetime], Recomputed]:
    return {k: Recomputed(f.status, f.value, f.inputs_digest, f.n_providers) for k, f in fixings.items()}


def recompute(
    all_quotes: Callable[[], pl.DataFrame],
    revisions: pl.DataFrame,
    helpers: Helpers,
    report: VerifyReport,
    memo: RecomputeCache | None,
    inputs: dict[datetime, str],
    reparse: bool,
) -> pl.DataFrame:
    """Every stored revision recomputed under its methodology version from the quotes known when it was
    recorded (`all_quotes`, read only when some revision is recomputed): one vectorised pass per (version, recording
    time) and index, not one per fixing. A group whose code, methodology, fixings and inputs are those of an entry in
    `memo` is taken from it (unless `reparse`); each group recomputed is written to it. With helpers, the indices are
    split (a blend with its legs, so each index is computed exactly as in one pass): the first part here, the others
    in the helpers at the same time."""
    out: list[pl.DataFrame] = []
    todo: list[tuple[str, datetime, list[tuple[IndexDefinition, datetime]], str | None]] = []
    groups = revisions.select("methodology_version", "recorded_at", "index_code", "fixing_time").unique()
    for (version, recorded_at), group in groups.group_by("methodology_version", "recorded_at"):
        try:
            m = load(str(version))
        except KeyError:
            continue
        group = group.filter(pl.col("index_code").is_in([d.code for d in m.indices]))
        key = memo.key(str(version), group, inputs[recorded_at]) if memo is not None else None
        hit = memo.get(key) if memo is not None and key is not None and not reparse else None
        if hit is not None:
            report.recomputed_from_cache += hit.height
            out.append(_in_group(hit, version, recorded_at))
        else:
            wanted = [(m.index(code), at) for code, at in group.select(WANTED).iter_rows()]
            todo.append((str(version), recorded_at, wanted, key))
    parts = helpers.parts_for(sum(len(wanted) for *_, wanted, _ in todo), RECOMPUTE_POOL_MIN)
    done: list[tuple[str, datetime, str | None, dict[tuple[str, datetime], Recomputed]]] = []
    remote: list[tuple[int, Future[dict[tuple[str, datetime], Recomputed]]]] = []
    quotes = all_quotes() if todo else None  # read only when something is recomputed
    for version, recorded_at, wanted, key in todo:
        assert quotes is not None
        known_then = quotes.filter(pl.col("checked_at") <= recorded_at).drop("checked_at")
        here, *elsewhere = _split(wanted, parts)
        for part in [p for p in elsewhere if p]:
            named = [(d.code, at) for d, at in part]
            remote.append((len(done), helpers.submit(_compute_part, known_then, named, version)))
        done.append((version, recorded_at, key, _recomputed(compute_many(known_then, here, load(version)))))
    for i, future in remote:
        answered: dict[tuple[str, datetime], Recomputed] = helpers.result(future)
        done[i][3].update(answered)
    for version, recorded_at, key, recomputed in done:
        report.recomputed += len(recomputed)
        frame = frame_of(recomputed)
        if memo is not None and key is not None:
            memo.put(key, frame)
        out.append(_in_group(frame, version, recorded_at))
    types = revisions.select(GROUP + WANTED).schema
    return pl.concat(out).cast(types) if out else pl.DataFrame(schema={**SCHEMA, **types})


GROUP = ["methodology_version", "recorded_at"]
WANTED = ["index_code", "fixing_time"]


def _in_group(recomputed: pl.DataFrame, version: str, recorded_at: datetime) -> pl.DataFrame:
    return recomputed.with_columns(pl.lit(version).alias(GROUP[0]), pl.lit(recorded_at).alias(GROUP[1]))


def _split(wanted: list[tuple[IndexDefinition, datetime]], parts: int) -> list[list[tuple[IndexDefinition, datetime]]]:
    """`wanted` in `parts` of about equal size that share no index: a blend and its legs stay together."""
    group_of: dict[str, str] = {}

    def root(code: str) -> str:
        while group_of.setdefault(code, code) != code:
            code = group_of[code]
        return code

    for d, _ in wanted:
        for leg, _ in d.blend_of:
            group_of[root(leg)] = root(d.code)
    groups: dict[str, list[tuple[IndexDefinition, datetime]]] = {}
    for d, at in wanted:
        groups.setdefault(root(d.code), []).append((d, at))
    out: list[list[tuple[IndexDefinition, datetime]]] = [[] for _ in range(max(1, parts))]
    for _, members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        min(out, key=len).extend(members)
    return out


def _compute_part(
    quotes: pl.DataFrame, wanted: list[tuple[str, datetime]], version: str
) -> dict[tuple[str, datetime], Recomputed]:
    """`compute_many` in a helper process (indices by code: the process loads the methodology itself)."""
    m = load(version)
    return _recomputed(compute_many(quotes, [(m.index(code), at) for code, at in wanted], m))
