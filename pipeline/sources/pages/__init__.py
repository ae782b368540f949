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
