"""Helpers for pricing-page parsers, one module per question a page parser asks.

- `document`: parse the page, read visible text, walk elements in document order;
- `money`: what amount and currency a text states, or that it states none;
- `wording`: teaser or price, per GPU or per machine, pricing type, commitment term, machine size;
- `gpu`: how much memory a named GPU has;
- `when`: when the page's prices were in force;
- `rows`: the parsed row every page yields;
- `bounded`, `cells`, `names`, `records`, `meaning`, `reader`: reading a page by meaning (GPU names and
  the prices next to them) within bounded cost, for pages of any layout.
"""

from pipeline.sources.pages.bounded import MAX_HTML_DEPTH, bounded_html, html_depth
from pipeline.sources.pages.document import cell_texts, classes, dom, has_class, node_text, squash, table_dom, walk
from pipeline.sources.pages.gpu import memory_gb, per_gpu_memory
from pipeline.sources.pages.money import is_no_price, money
from pipeline.sources.pages.reader import layout_or_meaning, page_offers, read_by_meaning
from pipeline.sources.pages.rows import page_row
from pipeline.sources.pages.when import page_time, wayback_time
from pipeline.sources.pages.wording import (
    NO_TERM_REASON,
    TEASER_REASON,
    commitment,
    effective_date,
    hgx_label,
    is_teaser,
    leading_int,
    per_gpu,
    per_instance,
    pricing_type_of,
    sized_name,
    teaser_reason,
)

__all__ = [
    "MAX_HTML_DEPTH",
    "NO_TERM_REASON",
    "TEASER_REASON",
    "bounded_html",
    "cell_texts",
    "classes",
    "commitment",
    "dom",
    "effective_date",
    "has_class",
    "hgx_label",
    "html_depth",
    "is_no_price",
    "is_teaser",
    "layout_or_meaning",
    "leading_int",
    "memory_gb",
    "money",
    "node_text",
    "page_offers",
    "page_row",
    "page_time",
    "per_gpu",
    "per_gpu_memory",
    "per_instance",
    "pricing_type_of",
    "read_by_meaning",
    "sized_name",
    "squash",
    "table_dom",
    "teaser_reason",
    "walk",
    "wayback_time",
]
