"""Read a pricing page by meaning: GPU names, the prices next to them, and what the page's words say they are.

`read_by_meaning` needs nothing of a page's layout, so it reads a redesigned page the day it
appears. `layout_or_meaning` wraps a provider's layout reader: the layout reader keeps the exact
reading its known captures were verified with, and a page whose layout it does not know is read
by meaning instead of stopping the source. When neither finds a priced GPU, the schema drift
names what was missing (no GPU named, no price, or prices with no GPU next to them).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import polars as pl

from pipeline.domain.records import RawCapture, parsed_frame
from pipeline.sources.base import SchemaDrift
from pipeline.sources.pages.bounded import excerpt_html, within_bounds
from pipeline.sources.pages.captions import refuse_by_captions
from pipeline.sources.pages.components import refuse_components
from pipeline.sources.pages.copies import read_without_copies
from pipeline.sources.pages.embedded import json_records
from pipeline.sources.pages.introductory import refuse_introductory
from pipeline.sources.pages.layout_checks import check_layout_figures
from pipeline.sources.pages.machine_sizes import refuse_machine_prices_that_do_not_grow
from pipeline.sources.pages.meaning import UNTOLD_REASON, offers_of
from pipeline.sources.pages.money import bare_price, money
from pipeline.sources.pages.names import confidential
from pipeline.sources.pages.offers import Offer
from pipeline.sources.pages.recorded import refuse_by_recorded_words
from pipeline.sources.pages.records import OTHER_CURRENCY_REASON, find_records
from pipeline.sources.pages.rivals import refuse_rivals
from pipeline.sources.pages.rows import page_row
from pipeline.sources.pages.tabs import TABBED, panels_behind_tabs
from pipeline.sources.pages.twins import refuse_twins
from pipeline.sources.pages.version import reading_as
from pipeline.sources.pages.when import page_time
from pipeline.sources.pages.wording import hgx_label

Parser = Callable[[RawCapture], pl.DataFrame]


def page_offers(capture: RawCapture, currency: str | None = None, provider: str | None = None) -> list[Offer]:
    """Every offer the page states; schema drift naming what is missing when there is none.

    `currency` is the source's: the currency of figures the page keeps as bare numbers in its data
    (JSON, data attributes) when none of its visible prices says one. `provider`, the page's: a price
    beside another firm's name is refused as that firm's (a comparison).
    """
    tree = excerpt_html(capture)
    page = read_without_copies(tree)
    shown = {found[1] for cell in page.cells if (found := bare_price(cell.text))}
    records = find_records(page) + json_records(tree, shown.pop() if len(shown) == 1 else currency)
    if provider is not None:
        refuse_rivals(records, provider)
    as_of = page_time(capture).date()
    offers = in_one_currency([offer for record in records for offer in offers_of(record, as_of)], currency)
    offers = untold_like_their_section(counted_elsewhere(offers))
    if not offers:
        prices = sum(1 for cell in page.cells if bare_price(cell.text))
        if not records and prices:
            what = f"{prices} prices on the page but no GPU model named next to any of them"
        elif records:
            what = f"{len(records)} GPU names on the page but no hourly price next to any of them"
        else:
            what = "no GPU model and no price on the page"
        raise SchemaDrift(capture.source, f"unexpected structure: {what}")
    return offers


MANY_CURRENCIES_REASON = "the same price shown in several currencies ({shown}), none of them the source's ({currency})"


def in_one_currency(offers: list[Offer], currency: str | None) -> list[Offer]:
    """A good the page prices in several currencies (a USD and a EUR column) is one price shown twice: the figure in
    the source's currency is read, the others refused (read both, the firm's vote would be a median of its price and
    its price through an FX rate); with none in the source's currency, all are refused."""
    live = [(o, o.good()) for o in offers if o.reject_reason is None]
    currencies: dict[tuple[object, ...], set[str]] = {}
    for o, good in live:
        currencies.setdefault(good, set()).add(o.currency)
    for o, good in live:
        shown = currencies[good]
        if len(shown) < 2 or o.currency == currency:
            continue
        many = MANY_CURRENCIES_REASON.format(shown=", ".join(sorted(shown)), currency=currency)
        o.reject_reason = OTHER_CURRENCY_REASON.format(first=currency) if currency in shown else many
    return offers


COUNTED_ELSEWHERE_REASON = (
    "the page prices this figure ({amount}) for a machine of {count} GPUs elsewhere: shown here without a GPU count, "
    "it is not one GPU's price"
)


def counted_elsewhere(offers: list[Offer]) -> list[Offer]:
    """A figure read as one GPU's only because its record names no GPU count (`price_per_from: one_gpu`) is refused
    where the page gives the same GPU's same figure as a machine's of several GPUs (a table and its card copy):
    read as one GPU's, a machine's price would be a GPU-hour's several times over."""
    machines = {
        (o.model, o.amount, o.currency): o.count
        for o in offers
        if o.reject_reason is None and o.price_per == "instance_hour" and (o.count or 0) > 1
    }
    for o in offers:
        count = machines.get((o.model, o.amount, o.currency))
        if o.reject_reason is None and count and o.attributes.get("price_per_from") == "one_gpu":
            o.reject_reason = COUNTED_ELSEWHERE_REASON.format(amount=o.amount, count=count)
    return offers


def untold_like_their_section(offers: list[Offer]) -> list[Offer]:
    """Figures typed only from afar (the section's heading, a tab bar, the default), with no column title or label
    of their own, that the page does not tell apart are refused (`UNTOLD_REASON`): where the section's other records
    hold several such figures (a table whose titles are gone, "On demand GPU pricing" above rows of on-demand and
    1-year figures, leaves a row with one figure no more told than the others), and where one GPU's machine has two
    such figures in different records (a tab panel of 1-year prices beside the on-demand one, the tabs not tied to
    their panels by the page's markup: both were read as on-demand prices)."""

    def far(o: Offer) -> bool:
        return o.attributes.get("pricing_type_from") in _FAR and not o.attributes.get("column")

    untold = {o.attributes.get("heading") for o in offers if o.reject_reason == UNTOLD_REASON and far(o)}
    amounts: dict[tuple[object, ...], set[str]] = {}
    for o in offers:
        if o.reject_reason is None and far(o):
            amounts.setdefault((*o.good(), o.attributes.get("machine_gpus"), o.currency), set()).add(o.amount)
    for o in offers:
        if o.reject_reason is None and far(o):
            rivals = len(amounts[(*o.good(), o.attributes.get("machine_gpus"), o.currency)]) > 1
            if rivals or o.attributes.get("heading") in untold:
                o.reject_reason = UNTOLD_REASON
    return offers


_FAR = frozenset(("heading", "loose", "panel", "selected_tab", "default", "tabs"))  # where a far type comes from


def read_by_meaning(
    capture: RawCapture, provider: str, provider_class: str = "neocloud", currency: str | None = "USD"
) -> pl.DataFrame:
    """The page's offers as parsed rows (rejected offers kept, with their reason)."""
    rows = []
    for offer in page_offers(capture, currency, provider):
        size = offer.count if offer.price_per == "instance_hour" else offer.attributes.get("machine_gpus")
        machine = f"{size}x " if size else ""
        rows.append(
            page_row(
                capture,
                provider,
                provider_class,
                sku=f"{machine}{offer.label}",
                label=hgx_label(offer.label),
                pricing_type=offer.pricing_type,
                region=offer.region,
                gpu_count=offer.count,
                gpu_memory_gb=offer.memory,
                price_per=offer.price_per,
                price_native=offer.amount,
                currency=offer.currency,
                reject_reason=offer.reject_reason,
                attributes=json.dumps({"read": "by_meaning", **offer.attributes}),
            )
        )
    return parsed_frame(rows)


def layout_or_meaning(
    layout: Parser,
    provider: str,
    provider_class: str,
    marks: tuple[str, ...],
    *,
    unpriced_too: bool = False,
    behind_tabs: bool = False,
) -> Parser:
    """A parser that reads a known layout as before, and any other page of the provider by meaning.

    Reading by meaning would read any firm's page, so it is used only on a page that says whose
    it is: one of `marks` (the provider's name or host, lower case) in its address or its text.
    `unpriced_too` (page parsers v3): a page the layout reader reads without a single priced GPU (a redesign
    that kept a class name the reader looks for, say) is read by meaning too, whose reading is taken if it
    finds a priced GPU; otherwise the layout reader's refusals stand.
    """

    def parse(capture: RawCapture) -> pl.DataFrame:
        within_bounds(capture)  # size and depth are refused before any reader walks the page
        try:
            rows = layout(capture)
        except SchemaDrift as unknown:
            if not _names(capture, marks):
                raise SchemaDrift(capture.source, f"{unknown.reason}; the page does not name {provider}") from None
            try:
                return read_by_meaning(capture, provider, provider_class)
            except SchemaDrift as missing:
                raise SchemaDrift(capture.source, f"{unknown.reason}; read by meaning: {missing.reason}") from None
        if behind_tabs and _priced_behind_tabs(capture) and _names(capture, marks):  # the layout reader read one tab
            try:
                meaning = read_by_meaning(capture, provider, provider_class)
            except SchemaDrift:
                return rows
            return meaning if meaning["reject_reason"].is_null().any() else rows
        if unpriced_too and rows["reject_reason"].is_not_null().all() and _names(capture, marks):
            try:
                meaning = read_by_meaning(capture, provider, provider_class)
            except SchemaDrift:
                return rows
            return meaning if meaning["reject_reason"].is_null().any() else rows
        return rows

    parse.__doc__ = f"{layout.__doc__ or ''} A page of another layout is read by meaning."
    return parse


def _names(capture: RawCapture, marks: tuple[str, ...]) -> bool:
    where = (capture.url + " " + capture.body.decode("utf-8", "replace")).lower()
    return any(mark in where for mark in marks)


def page_parsers(layout: Parser, provider: str, provider_class: str, marks: tuple[str, ...]) -> dict[str, Any]:
    """A page source's parser versions (`Source` arguments): v4, v3 with a GPU priced without its host refused
    (`components`), a figure its recorded words make no GPU-hour price of a defined good refused (`recorded`), an
    introductory price refused (`introductory`), a table's on-demand figures its prose above or below calls another
    pricing type refused (`captions`), a machine's price that does not grow with the machine refused
    (`machine_sizes`), and a layout reader's figure the page's other words make no on-demand price of use now refused
    (`layout_checks`: no stored capture shows any of these, so v4 reads every one as before); kept for the quotes
    stored with them, v3 (the layout reader, else the meaning reader when the layout reader refuses the page or reads
    it without a priced GPU), v2 (meaning only when the layout reader refuses) and v1 (the layout reader alone).
    v5 reads as v4 and, where v4 read wrong or not at all (`version.at_least(5)` in the readers): the panels a page
    shows only when their tab is clicked, each typed by its tab, a tab naming a place as the panel's region
    (`tabs.panels_behind_tabs`, `tabs.panel_place`: Lambda 2026's "8x | 4x | 2x | 1x"); a JSON offer's name and
    description ("1x H100 SXM5 80GB spot", `embedded`); confidential-computing instances refused
    (`names.confidential`); machines of up to 1,024 GPUs (`names.count_in`); a range of terms refused as one
    (`nearest.no_one_term`); characters that show nothing read as nothing (`bounded.page_text`)."""
    v3 = layout_or_meaning(layout, provider, provider_class, marks, unpriced_too=True)
    v4 = _checked(v3)
    v5_read = _checked(layout_or_meaning(layout, provider, provider_class, marks, unpriced_too=True, behind_tabs=True))

    def v5(capture: RawCapture) -> pl.DataFrame:
        with reading_as(5):  # the readers and the checks after them read the page as v5
            return v5_read(capture)

    v4.__doc__ = (
        f"{v3.__doc__} A GPU priced without its host, a figure its words make no such price, or one the page's "
        "other words make no on-demand price of use now (not rentable yet, for new customers only, tax in it, another "
        "section's), is refused."
    )
    v5.__doc__ = (
        f"{v4.__doc__} The panels behind a page's tabs are read, each typed by its tab; a JSON offer is typed by its "
        "name and description; a confidential-computing instance, or a reservation for a range of terms, is refused."
    )
    return {
        "parse": v5,
        "parser_version": "5",
        "legacy_parsers": {
            "1": layout,
            "2": layout_or_meaning(layout, provider, provider_class, marks),
            "3": v3,
            "4": v4,
        },
    }


def _checked(read: Parser) -> Parser:
    """`read`, then the checks of page parsers v4 and later."""

    def checked(capture: RawCapture) -> pl.DataFrame:  # an introductory price is refused as one before a layout check
        out = refuse_by_recorded_words(refuse_components(read(capture), capture))  # reads "first 3 months" as a term
        out = refuse_by_captions(refuse_introductory(out, capture), capture)
        out = check_layout_figures(refuse_machine_prices_that_do_not_grow(out), capture)
        return refuse_twins(refuse_confidential(out))  # what the page's words told apart is told apart first

    return checked


def _priced_behind_tabs(capture: RawCapture) -> bool:
    """True for a page with prices in panels it shows only when their tab is clicked ("8x | 4x | 2x | 1x", Lambda
    2026): a layout reader reads what the page shows and would leave those prices unread, without a reason; the
    meaning reader reads every panel, typed by its tab."""
    if not TABBED.search(capture.body):
        return False
    return any(money(panel.text(deep=True)) for panel in panels_behind_tabs(excerpt_html(capture)))


def refuse_confidential(rows: pl.DataFrame) -> pl.DataFrame:
    """A layout reader's open row whose GPU names a confidential-computing instance, refused (`names.confidential`:
    page parsers v5; the meaning reader refuses its own)."""
    reasons = [
        reason if reason is not None else confidential(f"{label or ''} {sku or ''}")
        for label, sku, reason in rows.select("label", "sku", "reject_reason").iter_rows()
    ]
    return rows.with_columns(pl.Series("reject_reason", reasons, dtype=pl.String))
