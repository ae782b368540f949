"""Where a page's GPU offers sit: each GPU name with the cells that belong to it, and the words around each price.

A *record* is the largest element around a GPU name that holds no other GPU name: a table row, a
card, a list item, a tab's row, a definition list — whatever the layout, the prices inside it are
the prices "next to" that name. For each price the words that say what it is are gathered from
four places, nearest first: the price's own cell ("$3.90/GPU-hr"), its column's header (the header
row found beside the record's row, matched by column), the labels inside the record ("On-Demand
Price", "Spot"), and the headings and loose text above the record ("Preemptible GPU instances",
"GPU Component Cost Per Hour").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import accumulate

from pipeline.sources.pages.cells import Page
from pipeline.sources.pages.columns import column_below, name_row
from pipeline.sources.pages.grids import grid_row
from pipeline.sources.pages.headings import headings
from pipeline.sources.pages.money import (
    amounts,
    bare_price,
    figure_at,
    figure_words,
    money,
    not_the_price,
    starts_range,
)
from pipeline.sources.pages.names import is_name, is_shared_name, models
from pipeline.sources.pages.pairs import UNTOLD_REASON, untold_pair
from pipeline.sources.pages.tables import column_of, header_row, one_row_header
from pipeline.sources.pages.tabs import panel_names, tabs_in
from pipeline.sources.pages.wording import is_teaser, per_gpu, per_instance, pricing_type_of

_IDENTIFIER = re.compile(r"(?=\S*\d)[\w.]+(?:-[\w.]+){3,}")
_LOOSE_CELLS = 12  # how many cells of loose text above a record still speak for it
_SPEC = re.compile(r"^\W*(?:gpu\s+|system\s+|host\s+)?(?:v?ram|memory|v?cpus?|cores?|storage|disk|ssd|nvme)\b", re.I)
_DYNAMIC = re.compile(r"\bdynamic\b", re.IGNORECASE)  # "Dynamic price": re-set from demand, said of a price
_PROMO = re.compile(r"\W*(?:save|get|enjoy|lock in|switch|up to)\b", re.IGNORECASE)
_INTRO_CELLS = 4  # a section's title, its sentence and its column titles: what the rows below are
_RECORD_CELLS = 80  # a record longer than this is a page section (FAQ, other products), not a GPU's row or card


@dataclass
class Price:
    """One price cell of a record, with the words that say what it is."""

    cell: int
    text: str
    amount: str
    currency: str
    column: str = ""  # the header of its column
    label: str = ""  # the nearest label in the record
    struck: bool = False
    refused: str | None = None  # why the page's own data says it is no offer ("communityCloud": false)
    untold: str | None = None  # why it is refused unless its words refuse it otherwise ("$2.99 / $1.49": which?)
    panel: list[str] = field(default_factory=list)  # the names of the tabs whose panels hold it


@dataclass
class Record:
    """A GPU name and everything that belongs to it on the page."""

    name: str
    element: int
    first: int
    last: int
    prices: list[Price] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # header -> cell text, for the record's other columns
    cells: list[str] = field(default_factory=list)  # the texts of its cells that are neither name nor price
    heading: str = ""  # the nearest heading above it
    loose: str = ""  # loose text between that heading and the record, when no header row speaks for it
    intro: str = ""  # that loose text, header row or not: what the section is about
    context: list[str] = field(default_factory=list)  # texts of labelling elements around it (tab names)
    tabs: list[tuple[str, bool]] = field(default_factory=list)  # pricing-type tabs around it: (name, selected)
    names: list[str] = field(default_factory=list)  # each cell that names the GPU (a row may name it twice)
    notes: dict[str, str] = field(default_factory=dict)  # the page's footnotes by their mark ("*", "**")


# A label's, a title's or a status's few words ("Spot price", "Coming soon", "New customers only"), never a sentence:
# one about another GPU ("the H200 will be available in November") lands in a record of the GPU beside it.
SHORT = 48


def is_label(text: str) -> bool:
    """True for a short text that says what a price is (a pricing type, per GPU or per machine, a teaser)."""
    if len(text) > SHORT or money(text) or _IDENTIFIER.fullmatch(text) or _SPEC.search(text) or _PROMO.match(text):
        return False  # an amount, an identifier ("g2-standard-24-spot"), a spec ("VRAM per GPU") or a promotion of
        # another offer ("Save 30% with a 1-year commitment") says nothing of what the price beside it is
    return bool(
        pricing_type_of(text) or per_gpu(text) or per_instance(text) or is_teaser(text) or _DYNAMIC.search(text)
    )


def find_records(page: Page) -> list[Record]:
    """Every GPU named on the page with its record, in reading order."""
    cells = page.cells
    named = {i: name for i, c in enumerate(cells) if (name := name_before_price(c.text))}  # "H100 — $2.99/hr"
    flags = [
        ((is_name(c.text) or is_shared_name(c.text)) and bare_price(c.text) is None) or i in named
        for i, c in enumerate(cells)
    ]
    name_count = [0, *accumulate(1 if flag else 0 for flag in flags)]
    price_count = [0, *accumulate(1 if bare_price(c.text) else 0 for c in cells)]
    groups = _name_groups(page, [i for i, flag in enumerate(flags) if flag], price_count)
    heading_at = headings(page)
    notes = footnotes(page)
    records: list[Record] = []
    previous_end = 0
    previous: Record | None = None
    for k, group in enumerate(groups):
        before = groups[k - 1][-1] if k > 0 else -1
        after = groups[k + 1][0] if k + 1 < len(groups) else len(cells)
        element = _widest(page, group[0], before, after)
        el = page.elements[element]
        first = el.first
        heads = name_row(page, element, name_count, price_count)
        priceless = price_count[el.last] == price_count[el.first]
        grid = grid_row(page, element, name_count, price_count) if heads is None and priceless else []
        if heads is None and not grid and priceless:
            # No price inside: a card that names its GPU below its price ("$1.99/hr ... 1-1016 HGX H100
            # GPUs") owns the few cells just before it, never a whole section.
            start = max(previous_end, before + 1)
            flat = previous is not None and page.elements[previous.element].parent == el.parent
            if el.first - start <= _LOOSE_CELLS and 0 < price_count[el.first] - price_count[start] <= 3 and not flat:
                first = start  # (not in a flat run of cells, where the prices as likely follow the GPU before)
        names = [named.get(i, cells[i].text) for i in group]
        record = Record(" ".join(names), element, first, el.last, notes=notes)
        record.names = names
        heading = heading_at[first] if heading_at[first] >= 0 else heading_at[group[0]]  # a page of one GPU: its own
        record.heading = cells[heading].text if heading >= 0 else ""
        header, row = header_row(page, element, name_count), element
        if not header:  # a table of one GPU row: the record holds its own header row
            header, row = one_row_header(page, element, group[0], name_count, price_count)
        titles = set(header)  # a header row's titles say what each column is, not what the section is
        above = cells[max(previous_end, first - _INTRO_CELLS) : first]
        record.intro = " ".join(c.text for c in above if c.text not in titles)
        if not record.intro and previous is not None and previous.heading == record.heading:
            record.intro = previous.intro  # a later card of the same group: the group's words still apply
        if not header:  # a header row speaks for its columns; without one, the loose text above does
            loose_from = max(previous_end, heading + 1)
            record.loose = " ".join(c.text for c in cells[max(loose_from, first - _LOOSE_CELLS) : first])
            if not record.loose and previous is not None and previous.heading == record.heading:
                record.loose = previous.loose
        record.context = panel_names(page, element)
        record.tabs = tabs_in(page, max(previous_end, first - _LOOSE_CELLS), el.last)
        if not record.tabs and previous is not None and previous.heading == record.heading:
            record.tabs = previous.tabs  # a later row of the same panel: the tabs above its first row still apply
        own_columns = page.columns(row)
        below = column_below(page, *heads) if heads is not None else grid  # its column, or its row of a grid
        for i, column in [
            *(
                (i, column_of(page, own_columns, header, i))
                for i in range(first, el.last)
                if i not in group or i in named
            ),
            *((i, title) for title, span in below for i in span),
        ]:
            text = cells[i].text  # a named price's words are all its cell's ("H100 SXM from $1.99/hr": a teaser)
            if not text:
                continue
            # a footnote's figure ("**$1.15/hour pricing is for ...") explains a starred one: words, not a price here
            if (bare_price(text) is None and not _only_passed_over(text)) or _FOOTNOTE.match(text):
                record.cells.append(text)
                if column:
                    record.columns.setdefault(column, text)
                continue
            for price in _split(i, text, column, cells[i].struck):
                price.panel = panel_names(page, cells[i].block)
                record.prices.append(price)
        _label_prices(page, record, [i for _, span in below for i in span])
        records.append(record)
        previous_end, previous = max([el.last, *(span.stop for _, span in below)]), record
    return records


_NAME_END = re.compile(r"[\s—–:|·,-]+$")


def name_before_price(text: str) -> str | None:
    """The GPU name of a text that is one GPU's name then its price ("H100 SXM — $2.99/hr", "NVIDIA A100: $1.29/hr"),
    as a list item or a line of a card gives both at once; None for any other text."""
    found = amounts(text) if len(text) <= 100 else []
    if not found:
        return None
    name = _NAME_END.sub("", text[: found[0][0]])
    return name if name and is_name(name) and bare_price(text[found[0][0] :]) is not None else None


_FOOTNOTE = re.compile(r"^(\*{1,3})(?!\*)\s*\S")


def footnotes(page: Page) -> dict[str, str]:
    """The page's footnotes: a text that starts with "*" or "**" explains figures marked so."""
    notes: dict[str, str] = {}
    for cell in page.cells:
        match = _FOOTNOTE.match(cell.text)
        if match is not None:
            notes.setdefault(match.group(1), cell.text)
    return notes


def _only_passed_over(text: str) -> bool:
    """A price cell whose every figure its words say is not the price now ("Regular price $2.49/hr" under the price
    on offer): kept as refused prices, so the figure is accounted for with its reason, not dropped as text."""
    return len(text) <= 60 and bool(amounts(text)) and money(text) is None


RANGE_REASON = "a price range ({text}): not one price of a defined good"
OTHER_CURRENCY_REASON = "the same price again in another currency, beside the page's {first} figure"


def _split(cell: int, text: str, column: str, struck: bool) -> list[Price]:
    """The prices of one cell: two figures side by side ("$6.74 /GPU/hour $3.39 /GPU/hour*") are two prices; a
    range ("$2.49 - $3.29/hr", "$2.49-3.29/hr") is refused, both its ends, since neither is the price of one good."""
    found = amounts(text)
    said = figure_words(text, [start for start, _, _ in found]) if len(found) > 1 else [text]
    out = [
        Price(cell, words, amount, currency, column, struck=struck)
        for words, (_, amount, currency) in zip(said, found, strict=True)
    ]
    for price, (start, _, _) in zip(out, found, strict=True):  # "(was $3.50)", "Minimum spend $5,000", a "Was" column
        price.refused = not_the_price(text[:start], text[figure_at(text, start) :], column)
    for price in out[1:]:
        if price.currency != out[0].currency:  # "$2.99/hr (€2.75/hr)": one price, shown again converted
            price.refused = OTHER_CURRENCY_REASON.format(first=out[0].currency)
    if (n := untold_pair(text, found, alternatives_only=True)) is not None:  # "$2.99 / $1.49": which, nothing says
        for price in out[n : n + 2]:
            price.untold = UNTOLD_REASON.format(text=text.strip())
    for n, (start, _, _) in enumerate(found):
        if starts_range(text, start):
            for price in out[n : n + 2]:
                price.refused = price.refused or RANGE_REASON.format(text=text[start:].strip())
    return out


def _widest(page: Page, cell: int, before: int, after: int) -> int:
    """The outermost element around `cell` that holds no cell at or before `before`, nor at or after `after`."""
    element = page.cells[cell].block
    for outer in page.chain(element):
        el = page.elements[outer]
        if el.first <= before or el.last > after or el.last - el.first > _RECORD_CELLS:
            break
        element = outer
    return element


def _name_groups(page: Page, names: list[int], price_count: list[int]) -> list[list[int]]:
    """Names read together: a row that names its GPU twice ("8x NVIDIA H100" | "H100 SXM") is one GPU.

    Neighbouring names of the same model join when neither has a price of its own; two rows that
    each carry prices stay two records, whatever they are called.
    """
    groups: list[list[int]] = []
    for k, at in enumerate(names):
        before = names[k - 1] if k > 0 else -1
        after = names[k + 1] if k + 1 < len(names) else len(page.cells)
        el = page.elements[_widest(page, at, before, after)]
        priced = price_count[el.last] - price_count[el.first] > 0
        last = groups[-1] if groups else None
        same = last is not None and models(page.cells[last[0]].text) == models(page.cells[at].text)
        if last is not None and same and not priced and last[-1] == before:
            prev = page.elements[_widest(page, before, names[k - 2] if k > 1 else -1, at)]
            both = page.elements[page.common(before, at)]  # no price around both: a row of names heading columns
            if price_count[prev.last] - price_count[prev.first] == 0 < price_count[both.last] - price_count[both.first]:
                last.append(at)
                continue
        groups.append([at])
    return groups


def _label_prices(page: Page, record: Record, column: list[int]) -> None:
    """Give each price the record's label that belongs with it most closely (innermost shared element); in a
    column record, the labels of its column ("Reserved", "3-years") count too."""
    cells = page.cells
    titles = {price.column for price in record.prices}  # a one-row table's header cells title columns, not prices
    labels = [i for i in [*range(record.first, record.last), *column] if cells[i].text and not cells[i].link]
    labels = [i for i in labels if cells[i].text not in titles and is_label(cells[i].text)]
    fields = {i: _field(page, i) for i in labels}
    for price in record.prices:
        # A label that titles a field ("Spot price" | "$0.80", "Spot pricing" | "-") speaks for that field's value only.
        near = [i for i in labels if fields[i][0] <= price.cell < fields[i][1] or fields[i][0] < i or i in column]
        if near:
            best = max(near, key=lambda i: (page.common_depth(i, price.cell), -abs(i - price.cell), i < price.cell))
            price.label = page.cells[best].text


def _field(page: Page, cell: int) -> tuple[int, int]:
    """The cells [first, last) of the smallest element holding `cell` and another cell: a label's field ("Spot
    pricing (USD)" titling its value, or "Term" | "3-months" describing the record)."""
    for outer in page.chain(page.cells[cell].block):
        el = page.elements[outer]
        if el.last - el.first >= 2:
            return el.first, el.last
    return cell, cell + 1
