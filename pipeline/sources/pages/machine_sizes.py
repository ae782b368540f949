"""Machine prices that do not grow with the machine: prices per GPU, whatever a reader took them for.

A reader that takes a figure beside "8x NVIDIA H100" for the machine's price divides it by 8. When the page's words do
not say which it is (a column titled "PRICE/HR" where it was "PRICE/GPU/HR"), the page's own figures can: Lambda lists
a GPU's 1x, 2x, 4x and 8x machines at $3.29, $3.19, $3.09 and $2.99, and read as machine prices those make the 8x
machine's GPU-hour $0.37, under a ninth of the 1x machine's. No cloud halves a GPU's price for a larger machine, so a
figure that, read as a machine's, gives a GPU-hour at most half the same GPU's in a smaller machine of the page (same
pricing type) is not read so: the larger machine's row is refused, the smaller's stands.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from pipeline.sources.pages.names import models
from pipeline.sources.pages.rows import row_amount

NOT_GROWING_REASON = (
    "read as the price of a machine of {count} GPUs, it makes a GPU-hour {mine}, at most half the {theirs} of the same "
    "GPU in the page's machine of {smaller}: a price per GPU the page does not call one, not this machine's price"
)


def refuse_machine_prices_that_do_not_grow(rows: pl.DataFrame) -> pl.DataFrame:
    """The open rows read as the price of a machine of several GPUs whose GPU-hour would be at most half the same
    GPU's (same pricing type) in a smaller machine of the page, refused (`NOT_GROWING_REASON`)."""
    many = (pl.col("price_per") == "instance_hour") & (pl.col("gpu_count") > 1) & pl.col("reject_reason").is_null()
    if not rows.select(many.any()).item():
        return rows
    columns = ("label", "pricing_type", "price_native", "gpu_count", "price_per", "reject_reason")
    # The same GPU: rows of one label (the readers label a machine's GPU without its count: "NVIDIA H100 SXM 80GB"
    # for 1x to 8x; a label that names the machine, GCP's "(a2-highgpu-2g: A100 SXM4 40GB)", is compared with none).
    per_gpu: dict[tuple[str, str | None], list[tuple[int, Decimal]]] = {}
    for label, kind, price, count, per, reason in rows.select(columns).iter_rows():
        amount = row_amount(price)
        if reason is None and amount is not None and count and models(label or ""):
            size = count if per == "instance_hour" else 1  # a figure per GPU is a 1-GPU machine's
            per_gpu.setdefault((label, kind), []).append((size, amount / count if per == "instance_hour" else amount))
    reasons = []
    for label, kind, price, count, per, reason in rows.select(columns).iter_rows():
        amount = row_amount(price)
        if reason is None and amount is not None and per == "instance_hour" and (count or 0) > 1:
            mine = amount / count
            smaller = [(n, p) for n, p in per_gpu.get((label, kind), []) if n < count]
            if smaller and (worst := max(smaller, key=lambda s: s[1]))[1] >= 2 * mine:
                reason = NOT_GROWING_REASON.format(
                    count=count, mine=_usd(mine), theirs=_usd(worst[1]), smaller=f"{worst[0]} GPU{'s' * (worst[0] > 1)}"
                )
        reasons.append(reason)
    return rows.with_columns(pl.Series("reject_reason", reasons, dtype=pl.String))


def _usd(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.0001')).normalize():f}"
