"""Coverage of the last run: per index, the independent firms that voted, and each one's class, segment and tier.

A fixing is withheld (too few firms) or only indicative (fewer than the settlement threshold) when its
coverage is thin; this shows the thin places before they cost a fixing. The firms are re-derived with
the methodology's own eligibility (methodology v3: one vote per firm through the provider register,
clean goods) from the stored quotes of the last fixing date, and matched with the recorded fixing's
constituents for the screen's verdict. Reads only; writes nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl

from pipeline.index import eligibility
from pipeline.index.estimator import median
from pipeline.index.fixing import fixing_time, lookback
from pipeline.index.votes import units_of
from pipeline.methodology import Methodology, load_register
from pipeline.methodology.params import CentralBandParams
from pipeline.store.queries import Queries


@dataclass(frozen=True)
class FirmCoverage:
    firm: str
    firm_class: str | None  # the register's class for the product (neocloud, marketplace, api_host ...)
    segments: tuple[str, ...]  # market segments of its eligible quotes (standard; none for tokens)
    tiers: tuple[str, ...]  # input tiers of its eligible quotes (executable, rate_card, statistic ...)
    via: tuple[str, ...]  # aggregators its quotes were seen through (empty: its own quotes)
    sources: tuple[str, ...]
    verdict: str  # counted, or the screen that excluded it
    # Each feed's median USD price for the firm (the index's first unit), when more than one feed quotes it.
    feeds: dict[str, str] = field(default_factory=dict)
    feeds_disagree: bool = False  # further apart than the screen's ratio band: one feed is likely stale or wrong


@dataclass(frozen=True)
class IndexCoverage:
    index_code: str
    fixing_date: str
    status: str
    n_firms: int  # independent firms with an eligible quote (before the screen)
    n_counted: int  # of them, counted in the fixing
    required: int  # firms needed to publish at all
    settlement: int | None  # firms needed for settlement status (methodology v3), else None
    firms: tuple[FirmCoverage, ...] = field(default_factory=tuple)
    blend_of: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _sorted(values: list[Any]) -> tuple[str, ...]:
    return tuple(sorted({str(v) for v in values if v is not None}))


def coverage(store: Queries, m: Methodology) -> list[IndexCoverage]:
    """Every index's coverage on the last fixing date recorded under methodology `m`; [] before any run."""
    latest = store.latest_fixings()
    latest = latest.filter(pl.col("methodology_version") == m.version) if latest.height else latest
    if latest.is_empty():
        return []
    day = latest["fixing_date"][0]
    at = fixing_time(day, m)
    quotes = store.quotes_between(at - lookback(m), at)
    register = load_register(m.register_version or "1")
    settlement = m.estimator.settlement_min_providers if isinstance(m.estimator, CentralBandParams) else None
    required = m.estimator.min_providers
    recorded = {r["index_code"]: r for r in latest.iter_rows(named=True)}
    wanted = [(code, r["fixing_date"], r["revision"]) for code, r in recorded.items()]
    verdicts_of: dict[str, dict[str, str]] = {}
    for c in store.constituents_of_revisions(wanted, m.version).iter_rows(named=True):
        verdicts_of.setdefault(c["index_code"], {})[c["provider"]] = c["excluded_by"] or "counted"
    out = []
    for d in m.indices:
        row = recorded.get(d.code)
        if row is None:
            continue
        verdicts = verdicts_of.get(d.code, {})
        firms = () if d.blend_of else _firms(quotes, d, at, m, register, verdicts)
        out.append(
            IndexCoverage(
                index_code=d.code,
                fixing_date=day.isoformat(),
                status=row["status"],
                n_firms=len(firms) if not d.blend_of else int(row["n_providers"] or 0),
                n_counted=sum(f.verdict == "counted" for f in firms)
                if not d.blend_of
                else int(row["n_providers"] or 0),
                required=required,
                settlement=settlement,
                firms=firms,
                blend_of=tuple(code for code, _ in d.blend_of),
            )
        )
    return out


def _firms(
    quotes: pl.DataFrame, d: Any, at: Any, m: Methodology, register: Any, verdicts: dict[str, str]
) -> tuple[FirmCoverage, ...]:
    if m.eligibility is None:  # methodology v1: the recorded constituents are the providers
        return tuple(FirmCoverage(p, None, (), (), (), (), v) for p, v in sorted(verdicts.items()))
    inputs, _, _ = eligibility.select(quotes, d, at, m, register)
    firms = []
    for (firm,), rows in sorted(inputs.partition_by("firm", as_dict=True).items(), key=lambda kv: str(kv[0])):
        feeds = _feeds(rows.filter(pl.col("unit") == units_of(d)[0]))
        firms.append(
            FirmCoverage(
                firm=str(firm),
                firm_class=rows["firm_class"][0],
                segments=_sorted(rows["segment"].to_list()),
                tiers=_sorted(rows["input_tier"].to_list()),
                via=_sorted(rows["via"].to_list()),
                sources=_sorted(rows["source"].to_list()),
                verdict=verdicts.get(str(firm), "not recorded"),
                feeds={source: format(value.normalize(), "f") for source, value in feeds.items()},
                feeds_disagree=len(feeds) > 1 and max(feeds.values()) > m.estimator.ratio_band * min(feeds.values()),
            )
        )
    return tuple(firms)


def _feeds(rows: pl.DataFrame) -> dict[str, Decimal]:
    """The median price of each feed quoting one firm, when more than one does (a firm's vote is the median of
    its feeds' readings: two feeds far apart put it between two prices, neither of which may be the firm's)."""
    by_source = {
        str(source): median(list(group["price_usd"]))
        for (source,), group in rows.partition_by("source", as_dict=True).items()
    }
    return dict(sorted(by_source.items())) if len(by_source) > 1 else {}
