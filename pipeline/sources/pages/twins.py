"""One machine priced twice as the same thing: neither figure is its price.

A page that shows a machine's table twice, once per tab ("On-demand | 1-year reserved"), its panels tied to their tabs
by the page's script alone, gives a layout reader the same rows twice with other figures; read as they are, both
would be the machine's on-demand price. Rows alike in machine, pricing type, unit and region with different figures
are refused together: nothing on the page, as read, tells which is which.
"""

from __future__ import annotations

import polars as pl

from pipeline.sources.pages.layout_checks import OPEN_LAYOUT_ROWS

TWINS_REASON = (
    "the page prices this machine {amounts} alike (the same pricing type and unit), with nothing read that tells the "
    "figures apart"
)
_SAME = ("sku", "label", "pricing_type", "price_per", "gpu_count", "region", "currency")
# Only a layout reader's open rows (`OPEN_LAYOUT_ROWS`): the meaning reader's labels are coarser than the offers they
# name (Voltage Park's two "HGX H100" offers), and it tells its own figures apart (`reader.untold_like_their_section`).


def refuse_twins(rows: pl.DataFrame) -> pl.DataFrame:
    """A layout reader's open rows of one machine, pricing type, unit and region with more than one figure, refused
    (`TWINS_REASON`)."""
    figures: dict[tuple[object, ...], set[str]] = {}
    for *key, price in rows.filter(OPEN_LAYOUT_ROWS).select(*_SAME, "price_native").iter_rows():
        figures.setdefault(tuple(key), set()).add(str(price))
    if all(len(seen) == 1 for seen in figures.values()):
        return rows
    reasons = []
    for *key, layout, reason in rows.select(*_SAME, OPEN_LAYOUT_ROWS.alias("_layout"), "reject_reason").iter_rows():
        seen = figures.get(tuple(key), set())
        if layout and len(seen) > 1:
            reason = TWINS_REASON.format(amounts=" and ".join(sorted(seen)))
        reasons.append(reason)
    return rows.with_columns(pl.Series("reject_reason", reasons, dtype=pl.String))
