"""A GPU priced as a component: the page bills the host (vCPUs, memory) apart, so its per-GPU figure is not the
price of a rentable GPU-hour.

CoreWeave's and Fluidstack's 2023 pages priced "a la carte": a "GPU Component Cost Per Hour" column, or a GPU
column beside "Max vCPUs per GPU ($0.01/hr)" and "Max RAM (GB) per GPU ($0.005/hr)"; Hyperstack's late-2023 page
added the host in rows of its own ("vCPU | $ 0.01 per GPU/hour"). Renting one H100 there cost
its $4.76 plus the host it needs (up to $1.76 more at those rates), so reading $4.76 as the on-demand price of the
standard good would put a part's price beside other firms' whole rentals. Such per-GPU figures are refused with
the words that show it; a machine's price on the same page (its size named: "8x", "1x", a GPU count) is left as read,
as CoreWeave's later pages kept the a-la-carte card below their instance table.
"""

from __future__ import annotations

import re

import polars as pl

from pipeline.domain.records import RawCapture
from pipeline.sources.pages.checked import shown
from pipeline.sources.pages.marks import FOREIGN_HOURS, HOUR_UNITS, MARK, OTHER_TIME_ADVERBS, OTHER_TIME_UNITS

COMPONENT_REASON = "a GPU component's price: the page bills the host apart ({evidence!r}), not a rentable GPU-hour"

# "GPU Component Cost Per Hour"; "Max vCPUs per GPU ($0.01/hr)", "Max RAM (GB) per GPU ($0.005/hr)"; "vCPU | $ 0.01 per
# GPU/hour". A host resource priced on its own (a unit's price: under ten cents) is a component's sign only where its
# words tie it to the GPU ("per GPU"): a CPU-only machine's "vCPU $0.012/hour" on the same page (Nebius prices both)
# says nothing of the GPUs', and "180 GB RAM | $ 2.40 per GPU/hour" is a row's last spec before its GPU's price.
_SHORT = 100  # a header or a label with its figure; a sentence is longer
_COMPONENT = re.compile(r"\bgpu\s+component\b.{0,24}?\b(?:cost|price|rate)s?\b", re.IGNORECASE)
# A unit's price in any of the ways a page writes money: "$0.01", "US$ 0.01", "0.01 USD", "€0,01", "0,01 €", "$0.01 USD"
# (a code after the mark's figure).
_UNIT_PRICE = rf"(?:{MARK}\s*0?[.,]0\d*(?:\s*[A-Z]{{3}}\b)?|0?[.,]0\d*\s*{MARK})\**"  # a footnote's star may follow it
# A unit of time however it is written after a figure: "/hr", "/h", "per hour", "an hour", "hourly"; a host billed
# by the minute or the month ("($0.0002/min)") is billed apart all the same.
_UNITS = rf"{HOUR_UNITS}|{OTHER_TIME_UNITS}|{FOREIGN_HOURS}"
_PER_TIME = rf"(?:\s*(?:/|per|an?)\s*(?:{_UNITS})\b|\s+(?:hourly|{OTHER_TIME_ADVERBS})\b)"
# "($0.01/hr)", "($0.01 hourly rate)", "(US $ 0.01/hr)", and with a label or another figure in the brackets too
# ("(Linux: $0.01/hr, ...)")
_PRICED_BY_UNIT = rf"\(\s*(?:[^()$€£\d]{{0,12}}?\s?)?{_UNIT_PRICE}{_PER_TIME}(?:\s+rate)?[^()]{{0,40}}\)"
_HOST_PRICED = re.compile(
    rf"\b(?:v?cpus?|cpu\s+cores?|ram|system\s+memory)\b[^$€£]{{0,24}}?\bper\s+(?:gpu|card|accelerator)\b"
    rf"[^$€£()]{{0,12}}{_PRICED_BY_UNIT}",
    re.IGNORECASE,
)
# "Max vCPUs ($0.01/hr)", "Max RAM (GB) ($0.005/hr)": a column of the host's resources allotted to each GPU, priced by
# the unit in its title (Fluidstack 2023's, its "per GPU" left out).
_HOST_ALLOTTED = re.compile(
    rf"\bmax(?:imum)?\.?\s+(?:v?cpus?|cpu\s+cores?|ram|system\s+memory)\b[^$€£()]{{0,12}}(?:\([^()$€£]{{0,8}}\)\s*)?"
    rf"{_PRICED_BY_UNIT}",
    re.IGNORECASE,
)
_HOST_ADD_ON = re.compile(
    rf"\b(?:v?cpus?|ram)\b\s*[:|-]?\s*{_UNIT_PRICE}\s*(?:/|per)\s*gpu(?:\s*[/-]\s*(?:{_UNITS})\b|{_PER_TIME})",
    re.IGNORECASE,
)


# A word every pattern above needs (none folds to another letter): a text without one is not searched four times.
_NEEDED = ("gpu", "card", "accelerator", "max")


def host_billed_apart(capture: RawCapture) -> str | None:
    """The words of the page that say its GPUs are priced without their host, or None. Read as the page's short
    texts (a header, a label and the figure beside it: two neighbouring cells at most), never inside a sentence: "are
    GPU component costs included?" in an FAQ says nothing of the prices."""
    cells = [cell.text for cell in shown(capture).page.cells if not cell.struck]  # what it prices now
    for here, after in zip(cells, [*cells[1:], ""], strict=False):  # the last cell has none after it
        for words in (here, f"{here} {after}".strip()):
            if len(words) > _SHORT or not any(word in words.lower() for word in _NEEDED):
                continue
            found = (
                _COMPONENT.search(words)
                or _HOST_PRICED.search(words)
                or _HOST_ALLOTTED.search(words)
                or _HOST_ADD_ON.search(words)
            )
            if found:
                return found.group(0)
    return None


def refuse_components(rows: pl.DataFrame, capture: RawCapture) -> pl.DataFrame:
    """The parsed rows, each per-GPU price not refused already refused as a component's when the page bills the
    host apart."""
    # A machine rented whole ("1x NVIDIA GH200" in an instance table beside the a-la-carte one) is no component.
    machine = pl.col("sku").fill_null("").str.contains(r"^\d{1,3}\s*[x×]\s") | (pl.col("gpu_count").fill_null(1) > 1)
    per_gpu = pl.col("reject_reason").is_null() & (pl.col("price_per") == "gpu_hour") & ~machine
    if not rows.select(per_gpu.any()).item():  # nothing a component's price could be: the page is not read again
        return rows
    evidence = host_billed_apart(capture)
    if evidence is None:
        return rows
    reason = COMPONENT_REASON.format(evidence=evidence)
    refused = pl.when(per_gpu).then(pl.lit(reason)).otherwise(pl.col("reject_reason"))
    return rows.with_columns(refused.alias("reject_reason"))
