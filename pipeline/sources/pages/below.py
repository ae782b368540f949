"""Words below a table about the prices in it: "All prices above are for 3-year reserved contracts".

Neither reader reads the prose after a table: a layout reader takes the cells it knows, the meaning reader the words
around each figure (its cell, its column, its label, the heading above). A sentence under the table that says what
every price above it is would leave a table of 3-year prices published as on-demand ones. Each table's prose below
(up to the next table or heading) is read here: a sentence that points back at the prices ("above", "in this table")
and names one pricing type other than on demand refuses the table's on-demand figures, with the sentence.
"""

from __future__ import annotations

import re
from decimal import Decimal

import polars as pl
from selectolax.parser import Node

from pipeline.domain.records import RawCapture
from pipeline.sources.pages.document import node_text, table_dom
from pipeline.sources.pages.money import amounts
from pipeline.sources.pages.rows import row_amount
from pipeline.sources.pages.wording import pricing_type_of

BELOW_TYPE_REASON = "the words below its table ({words!r}) make it a {said} price, not {read}"
_BACK = re.compile(
    r"\b(?:prices?|rates?|pricing|figures)\b[^.;!?<>]{0,60}?\b(?:above|in\s+(?:this|the)\s+table|(?:shown|listed)\s+here)\b"
    r"|\b(?:above|table(?:'s)?)\s+(?:prices?|rates?|pricing|figures)\b",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"(?<=[.;!?])\s+")
_ENDS_SECTION = "table, h1, h2, h3, h4, h5, h6"
_BELOW = 400  # characters of prose read below a table: its note, not the page's next section


def refuse_by_words_below(rows: pl.DataFrame, capture: RawCapture) -> pl.DataFrame:
    """The open on-demand rows whose figure is printed only in tables the prose below calls another pricing type,
    refused (`BELOW_TYPE_REASON`). A page whose text never points back at prices is not read again."""
    live = pl.col("reject_reason").is_null() & (pl.col("pricing_type") == "on_demand")
    if not rows.select(live.any()).item() or not _BACK.search(capture.body.decode("utf-8", "replace")):
        return rows
    tree = table_dom(capture)
    said: dict[
        Decimal, set[tuple[str, str] | None]
    ] = {}  # each amount: what the prose below each table printing it says
    for table in tree.css("table"):
        if table.parent is not None and _inside_table(table.parent):
            continue  # a nested table is read with its outer one
        says = _said_below(table)
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
            reason = BELOW_TYPE_REASON.format(words=only[0], said=only[1], read=kind)
        reasons.append(reason)
    return rows.with_columns(pl.Series("reject_reason", reasons, dtype=pl.String))


def _said_below(table: Node) -> tuple[str, str] | None:
    """(sentence, pricing type) when the prose right below the table points back at its prices and names one pricing
    type other than on demand; None otherwise."""
    for clause in _CLAUSE.split(_prose_below(table)):
        if _BACK.search(clause) and (kind := pricing_type_of(clause)) not in (None, "on_demand"):
            return clause.strip(), kind
    return None


def _prose_below(table: Node) -> str:
    """The text after the table, up to the next table or heading, at most `_BELOW` characters."""
    text, node = "", table
    while len(text) < _BELOW:
        following = node.next
        while following is None and node.parent is not None and node.parent.tag not in ("body", "html"):
            node = node.parent
            following = node.next
        if following is None or following.tag in _ENDS_SECTION.split(", "):
            break
        if following.tag != "-text" and following.css_first(_ENDS_SECTION) is not None:
            break
        text += " " + (following.text_content or "" if following.tag == "-text" else node_text(following))
        node = following
    return " ".join(text.split())[:_BELOW]


def _inside_table(node: Node | None) -> bool:
    while node is not None:
        if node.tag == "table":
            return True
        node = node.parent
    return False


def _outside_tables(node: Node) -> str:
    """The text of everything under `node` but its tables (where else the page prints a figure)."""
    if node.tag == "table":
        return ""
    if node.tag == "-text":
        return node.text_content or ""
    return " ".join(_outside_tables(child) for child in node.iter(include_text=True))
