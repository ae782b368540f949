"""What a layout reader does not look at: its figures checked against the page's other words.

A provider's layout reader takes the cell it knows from every table of its shape. What the rest of the page says
of those figures, it does not read: a row's status cell ("Coming soon"), a label saying the prices have tax in
them, the heading of the section the table is in. Each check here refuses a layout reader's figure the page's
other words make no on-demand list price of use now, with the reason. Figures the meaning reader read (their
`attributes` say `by_meaning`) were read with those words already, but for a page-wide label of tax.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import polars as pl

from pipeline.domain.records import RawCapture
from pipeline.sources.pages.bounded import excerpt_html
from pipeline.sources.pages.checked import shown
from pipeline.sources.pages.copies import read_without_copies
from pipeline.sources.pages.document import inside_table
from pipeline.sources.pages.meaning import SERVICE_REASON, is_service
from pipeline.sources.pages.money import amounts, figure_at
from pipeline.sources.pages.names import models
from pipeline.sources.pages.records import SHORT, Price, find_records, footnotes
from pipeline.sources.pages.rows import row_amount
from pipeline.sources.pages.tabs import panel_names
from pipeline.sources.pages.tax import TAX_REASON, tax_excluded, tax_included
from pipeline.sources.pages.when import effective_date, not_in_force, page_time, until_date
from pipeline.sources.pages.wording import NOT_YET_REASON, not_yet_rentable, only_type, pricing_type_of

# The rows a layout reader read and did not refuse.
OPEN_LAYOUT_ROWS = pl.col("reject_reason").is_null() & ~pl.col("attributes").fill_null("").str.contains('"by_meaning"')


def refuse_not_yet(rows: pl.DataFrame, capture: RawCapture) -> pl.DataFrame:
    """A layout reader's figure of a GPU the page says is not rentable yet ("Coming soon" in its row's status cell,
    "Pre-order" on its card), refused as the meaning reader refuses it (`NOT_YET_REASON`): a layout reader takes the
    cell it knows and reads none of the row's others, so it would publish a price nobody can pay yet as the price in
    force. A page whose text never says so is not read again."""
    if not not_yet_rentable(capture.body.decode("utf-8", "replace")):
        return rows
    as_of = page_time(capture).date()
    return _refuse_by_record(
        rows, capture, lambda price, cells: NOT_YET_REASON if any(not_yet_rentable(w, as_of) for w in cells) else None
    )


def refuse_not_in_force(rows: pl.DataFrame, capture: RawCapture) -> pl.DataFrame:
    """A layout reader's figure its own words, label or column date out of force when the page was seen ("Effective
    March 1, 2027", "until Dec 31, 2025"), refused as the meaning reader refuses it (`when.not_in_force`). A page whose
    text names no such date is not read again."""
    text = capture.body.decode("utf-8", "replace")
    if effective_date(text) is None and until_date(text) is None:
        return rows
    as_of = page_time(capture).date()
    # the same figure also shown in force (a price unchanged in the column of next month's prices) stays
    return _refuse_by_record(rows, capture, lambda p, _: not_in_force([p.text, p.label, p.column], as_of), True)


def _refuse_by_record(
    rows: pl.DataFrame,
    capture: RawCapture,
    reason_of: Callable[[Price, list[str]], str | None],
    unless_also_open: bool = False,
) -> pl.DataFrame:
    """The open layout rows refused with `reason_of(price, short cells of its record)` of the page's record figure they
    are (`records.find_records`, as the meaning reader reads them), matched by GPU model and amount; with
    `unless_also_open`, not where the page shows the same figure of the same GPU without such a reason too."""
    if not rows.select(OPEN_LAYOUT_ROWS.any()).item():
        return rows
    refused: dict[tuple[tuple[str, ...], Decimal | None], str] = {}
    open_too: set[tuple[tuple[str, ...], Decimal | None]] = set()
    for record in find_records(read_without_copies(excerpt_html(capture))):
        if not (named := tuple(models(record.name))):  # a GPU the reader can name: a figure of no model matches none
            continue
        for price in record.prices:
            words = [w for w in [price.text, price.label, price.column, *record.cells] if w and len(w) <= SHORT]
            if (reason := reason_of(price, words)) is not None:
                refused.setdefault((named, Decimal(price.amount)), reason)
            else:
                open_too.add((named, Decimal(price.amount)))
    if unless_also_open:
        refused = {key: reason for key, reason in refused.items() if key not in open_too}
    reasons = [
        refused.get((tuple(models(label or "")), row_amount(price)), reason) if live else reason
        for live, label, price, reason in zip(
            rows.select(OPEN_LAYOUT_ROWS).to_series(), rows["label"], rows["price_native"], rows["reject_reason"],
            strict=True,
        )
    ]  # fmt: skip
    return rows.with_columns(pl.Series("reject_reason", reasons, dtype=pl.String))


def refuse_taxed(rows: pl.DataFrame, capture: RawCapture) -> pl.DataFrame:
    """The figures on a page whose labels say a price has tax in it ("Per Hour Price (incl. VAT)"), refused
    (`TAX_REASON`): a price with tax in it is no list price beside others' before tax. A layout reader records no
    header that would say which of its figures it meant; the meaning reader's figures are refused too, unless the
    page also labels prices before tax ("excl. VAT"): it then told them apart figure by figure."""
    opened = pl.col("reject_reason").is_null()
    if not rows.select(opened.any()).item() or not tax_included(capture.body.decode("utf-8", "replace")):
        return rows
    # A label or a header, not a figure's own words ("$3.59/hr incl. VAT" is `money`'s to pass over)
    labels = [c.text for c in shown(capture).page.cells if len(c.text) <= SHORT and not amounts(c.text)]
    if not any(map(tax_included, labels)):
        return rows  # said only in a sentence (of other prices, of another service): not of these figures
    if any(map(tax_excluded, labels)):
        opened = OPEN_LAYOUT_ROWS
    return rows.with_columns(pl.when(opened).then(pl.lit(TAX_REASON)).otherwise("reject_reason").alias("reject_reason"))


_HEADING = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1\s*>", re.IGNORECASE | re.DOTALL)
_HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
SECTION_TYPE_REASON = "its section ({heading!r}) makes it a {said} price, not {read}"


def refuse_by_section(rows: pl.DataFrame, capture: RawCapture) -> pl.DataFrame:
    """A layout reader's figure under a heading of a managed service ("Serverless inference endpoints", "Managed
    Kubernetes", `SERVICE_REASON`) or of another pricing type than the one it read ("Spot instances", "Reserved
    instances, 1-year term"), refused: a layout reader reads every table of its shape, whatever the heading above
    it. The heading is the nearest <h1>-<h6> above each place the figure is printed; a figure printed under no such
    heading, or under headings that disagree, stands."""
    named = [_words(text) for _, text in _HEADING.findall(capture.body.decode("utf-8", "replace"))]
    if not rows.select(OPEN_LAYOUT_ROWS.any()).item() or not any(is_service(h) or pricing_type_of(h) for h in named):
        return rows  # no heading names a service or a pricing type: the page is not read again
    under: dict[Decimal | None, set[str]] = {}
    heading = ""
    root = shown(capture).tree.root
    for node in root.traverse(include_text=True) if root is not None else ():
        if node.tag in _HEADING_TAGS and not inside_table(node.parent):  # one in a cell titles the cell
            heading = node.text(deep=True).strip()
        elif node.tag == "-text" and (text := node.text_content or "") and "<" not in text:  # not a script's
            for _, amount, _ in amounts(text):
                under.setdefault(Decimal(amount), set()).add(heading)
    reasons = []
    for live, price, kind, reason in rows.select(
        OPEN_LAYOUT_ROWS.alias("_layout"), "price_native", "pricing_type", "reject_reason"
    ).iter_rows():
        above = under.get(row_amount(price), set()) if live else set()
        said = {only_type(h) for h in above}
        if above and all(map(is_service, above)):
            reason = SERVICE_REASON
        elif len(said) == 1 and (other := next(iter(said))) not in (None, kind) and kind == "on_demand":
            reason = SECTION_TYPE_REASON.format(heading=min(above), said=other, read=kind)
        reasons.append(reason)
    return rows.with_columns(pl.Series("reject_reason", reasons, dtype=pl.String))


def _words(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


NOTE_TYPE_REASON = "its footnote ({note!r}) makes it a {said} price, not {read}"
_NOTE = re.compile(r"^\*{1,3}(?!\*)")  # the footnote itself


def refuse_by_footnote(rows: pl.DataFrame, capture: RawCapture) -> pl.DataFrame:
    """A layout reader's on-demand figure whose star points to a footnote naming another pricing type ("$2.99*", or
    its column's "PRICE/GPU/HR*", with "* Prices for 3-year reserved contracts"), refused: a layout reader reads the
    figure, not the note its star points to."""
    if (
        not rows.select((OPEN_LAYOUT_ROWS & (pl.col("pricing_type") == "on_demand")).any()).item()
        or b"*" not in capture.body
    ):
        return rows
    page = shown(capture).page
    typed = {mark: (note, said) for mark, note in footnotes(page).items() if (said := only_type(note))}
    typed = {mark: (note, said) for mark, (note, said) in typed.items() if said != "on_demand"}
    if not typed:
        return rows
    cells = [c.text for c in page.cells if not _NOTE.match(c.text)]
    for mark, (_, said) in list(typed.items()):  # "Spot price*" above "* Spot prices are dynamic": that column's note
        if any(_titled(c, mark) and pricing_type_of(c) == said for c in cells):
            del typed[mark]
    every: tuple[str, str] | None = None  # a price column's title carries the star: every figure under it
    marked: dict[Decimal | None, tuple[str, str]] = {}  # figures that carry it
    # right after a figure, past its unit ("$2.24* / hour" or "$2.24 /hr*")
    starred = {mark: re.compile(rf"(?:\s*/\s*[\w-]+)*\s*{re.escape(mark)}(?!\*)") for mark in typed}
    for cell in cells:
        figures = [(Decimal(a), figure_at(cell, at)) for at, a, _ in amounts(cell)]
        for mark, said_by in typed.items():
            marked.update({a: said_by for a, end in figures if starred[mark].match(cell, end)})
            if _titled(cell, mark) and pricing_type_of(cell) in (None, "on_demand"):
                every = said_by  # a price column's title, not a note on a spot column's own title
    reasons = []
    for live, kind, price, reason in rows.select(
        OPEN_LAYOUT_ROWS.alias("_l"), "pricing_type", "price_native", "reject_reason"
    ).iter_rows():
        noted = (every or marked.get(row_amount(price))) if live and kind == "on_demand" else None
        reasons.append(NOTE_TYPE_REASON.format(note=noted[0], said=noted[1], read=kind) if noted else reason)
    return rows.with_columns(pl.Series("reject_reason", reasons, dtype=pl.String))


def _titled(text: str, mark: str) -> bool:
    """True when a short text (a column's title) ends with the footnote's mark ("PRICE/GPU/HR*")."""
    return len(text) <= SHORT and not amounts(text) and re.search(rf"[^*]{re.escape(mark)}(?!\*)\s*$", text) is not None


TAB_TYPE_REASON = "its tab ({tab!r}) makes it a {said} price, not {read}"
# The markup that ties a panel to its tab (`tabs.panel_names`): a page without any has no panel to read.
_TAB_MARKUP = re.compile(rb"aria-labelledby|aria-controls|data-w-tab|href=[\"']#", re.IGNORECASE)


def refuse_by_tab(rows: pl.DataFrame, capture: RawCapture) -> pl.DataFrame:
    """A layout reader's on-demand figure printed only in tab panels whose tab names another pricing type ("On-demand
    | 1-year reserved", the reserved panel hidden by a class, not by markup), refused: a layout reader reads every
    table of its shape, whichever tab shows it. (A tab named for on demand may hold a table of other columns too: its
    spot and term figures are left to their columns.)"""
    on_demand = OPEN_LAYOUT_ROWS & (pl.col("pricing_type") == "on_demand")
    if not rows.select(on_demand.any()).item() or _TAB_MARKUP.search(capture.body) is None:  # not read again
        return rows
    page = shown(capture).page
    # each amount: the (tab, pricing type) of each tab panel printing it, ("", "") where a printing is in none
    under: dict[Decimal | None, set[tuple[str, str]]] = {}
    for cell in page.cells:
        if not (found := amounts(cell.text)):
            continue
        typed = next(((n, t) for n in panel_names(page, cell.block) if (t := pricing_type_of(n))), ("", ""))
        for _, amount, _ in found:
            under.setdefault(Decimal(amount), set()).add(typed)
    reasons = []
    for live, kind, price, reason in rows.select(
        OPEN_LAYOUT_ROWS.alias("_l"), "pricing_type", "price_native", "reject_reason"
    ).iter_rows():
        tabs = under.get(row_amount(price), set()) if live and kind == "on_demand" else set()
        said = {t for _, t in tabs}
        if len(said) == 1 and (other := next(iter(said))) not in ("", "on_demand"):
            reason = TAB_TYPE_REASON.format(tab=min(n for n, _ in tabs), said=other, read=kind)
        reasons.append(reason)
    return rows.with_columns(pl.Series("reject_reason", reasons, dtype=pl.String))


def check_layout_figures(rows: pl.DataFrame, capture: RawCapture) -> pl.DataFrame:
    """Every check above, in turn: the rows with the layout reader's figures the page's other words refuse refused."""
    for check in (
        refuse_not_yet,
        refuse_not_in_force,
        refuse_taxed,
        refuse_by_section,
        refuse_by_footnote,
        refuse_by_tab,
    ):
        rows = check(rows, capture)
    return rows
