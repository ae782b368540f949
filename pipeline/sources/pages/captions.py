"""Words above or below a table about the prices in it ("All prices below are for 1-year reserved contracts", "All
prices above are for 3-year reserved contracts"), or of every price on the page ("All prices on this page are for
1-year reserved contracts").

Neither reader reads the prose around a table: a layout reader takes the cells it knows, the meaning reader the words
around each figure (its cell, its column, its label, the heading above). A sentence that says what every price of the
table is would leave a table of term prices published as on-demand ones. Each table's prose right above it (from the
heading or table before) and right below it (up to the next table or heading) is read here: a sentence that points at
the table's prices ("above" below it, "below" above it, "in this table") and names one pricing type other than on
demand refuses the table's on-demand figures, with the sentence.
"""

from __future__ import annotations

import re
from decimal import Decimal

import polars as pl
from selectolax.parser import Node

from pipeline.domain.records import RawCapture
from pipeline.sources.pages.checked import ShownPage, shown
from pipeline.sources.pages.document import inside_table, node_text
from pipeline.sources.pages.money import amounts
from pipeline.sources.pages.rows import row_amount
from pipeline.sources.pages.wording import only_type

CAPTION_TYPE_REASON = "the words {where} its table ({words!r}) make it a {said} price, not {read}"
PAGE_TYPE_REASON = "the page says of every price on it ({words!r}): a {said} price, not {read}"
_PRICES = r"(?:prices?|rates?|pricing|figures)"
_TABLE = r"in\s+(?:this|the)\s+table|(?:shown|listed)\s+here"
_POINTING = {  # where the words are: what they say of the table's prices to point at them
    "below": re.compile(
        rf"\b{_PRICES}\b[^.;!?<>]{{0,60}}?\b(?:above|{_TABLE})\b|\b(?:above|table(?:'s)?)\s+{_PRICES}\b", re.I
    ),
    "above": re.compile(
        rf"\b{_PRICES}\b[^.;!?<>]{{0,60}}?\b(?:below|following|{_TABLE})\b|\bfollowing\s+{_PRICES}\b", re.I
    ),
}
# "All prices on this page are for 1-year reserved contracts", "Prices shown throughout this page ...": of every figure.
_PAGE_WIDE = re.compile(rf"\b{_PRICES}\b[^.;!?<>]{{0,60}}?\b(?:on|throughout)\s+this\s+(?:page|site)\b", re.I)
_CLAUSE = re.compile(r"(?<=[.;!?])\s+|\n")  # a sentence, or the text of one element (a link, a label) apart
_ENDS_SECTION = ("table", "h1", "h2", "h3", "h4", "h5", "h6")
_AROUND = 400  # characters of prose read beside a table: its note, not the page's next section


def refuse_by_captions(rows: pl.DataFrame, capture: RawCapture) -> pl.DataFrame:
    """The open on-demand rows whose figure is printed only in tables whose captions call them another pricing type,
    refused (`CAPTION_TYPE_REASON`); every one, where a sentence says so of every price on the page
    (`PAGE_TYPE_REASON`). A page whose text never points at its prices is not read again."""
    live = pl.col("reject_reason").is_null() & (pl.col("pricing_type") == "on_demand")
    text = capture.body.decode("utf-8", "replace")
    if not rows.select(live.any()).item() or not any(p.search(text) for p in (*_POINTING.values(), _PAGE_WIDE)):
        return rows
    page = shown(capture)
    tree = page.tree
    if (of_page := _said_of_page(page)) is not None:  # every on-demand figure of the page
        words, kind = of_page
        reason = PAGE_TYPE_REASON.format(words=words, said=kind, read="on_demand")
        return rows.with_columns(pl.when(live).then(pl.lit(reason)).otherwise("reject_reason").alias("reject_reason"))
    said: dict[Decimal, set[tuple[str, str, str] | None]] = {}  # each amount: what each table printing it is said to be
    for table in tree.css("table"):
        if inside_table(table.parent):
            continue  # a nested table is read with its outer one
        says = _said_of(table)
        for cell in table.css("td, th"):  # cell by cell: "24 $ 0.50" read across two cells is "24 $"
            for _, figure, _ in amounts(node_text(cell)):
                said.setdefault(Decimal(figure), set()).add(says)
    if not any(s for printed in said.values() for s in printed):
        return rows
    elsewhere = {Decimal(a) for _, a, _ in amounts(_outside_tables(tree.body))} if tree.body is not None else set()
    reasons = []
    for open_row, price, kind, reason in rows.select(
        live.alias("_open"), "price_native", "pricing_type", "reject_reason"
    ).iter_rows():
        amount = row_amount(price)
        printed = said.get(amount, set()) if open_row and amount is not None and amount not in elsewhere else set()
        if len(printed) == 1 and (only := next(iter(printed))) is not None:
            reason = CAPTION_TYPE_REASON.format(where=only[0], words=only[1], said=only[2], read=kind)
        reasons.append(reason)
    return rows.with_columns(pl.Series("reject_reason", reasons, dtype=pl.String))


def _said_of_page(page: ShownPage) -> tuple[str, str] | None:
    """(sentence, pricing type) when a sentence of the page says what every price on it is, naming one pricing type
    other than on demand; None otherwise. Read element by element (a sentence never runs into the next cell)."""
    for cell in page.page.cells:
        for clause in _CLAUSE.split(cell.text):
            if _PAGE_WIDE.search(clause) and (kind := only_type(clause)) not in (None, "on_demand"):
                return clause.strip(), kind
    return None


def _said_of(table: Node) -> tuple[str, str, str] | None:
    """(where, sentence, pricing type) when the prose right below or above the table points at its prices and names
    one pricing type other than on demand; None otherwise."""
    for where, prose in (("below", _prose(table, below=True)), ("above", _prose(table, below=False))):
        for clause in _CLAUSE.split(prose):
            if _POINTING[where].search(clause) and (kind := only_type(clause)) not in (None, "on_demand"):
                return where, clause.strip(), kind
    return None


def _prose(table: Node, below: bool) -> str:
    """The text after (or before) the table, up to the next (previous) table or heading, at most `_AROUND`
    characters."""
    parts: list[str] = []
    node = table
    while sum(map(len, parts)) < _AROUND:
        beside = node.next if below else node.prev
        while beside is None and node.parent is not None and node.parent.tag not in ("body", "html"):
            node = node.parent
            beside = node.next if below else node.prev
        if beside is None or beside.tag in _ENDS_SECTION:
            break
        if beside.tag != "-text" and beside.css_first(", ".join(_ENDS_SECTION)) is not None:
            break
        part = " ".join((beside.text_content or "" if beside.tag == "-text" else node_text(beside)).split())
        parts += [part] if part else []
        node = beside
    text = "\n".join(parts if below else reversed(parts))
    return text[:_AROUND] if below else text[-_AROUND:]


def _outside_tables(node: Node) -> str:
    """The text of everything under `node` but its tables (where else the page prints a figure)."""
    if node.tag == "table":
        return ""
    if node.tag == "-text":
        return node.text_content or ""
    return " ".join(_outside_tables(child) for child in node.iter(include_text=True))
