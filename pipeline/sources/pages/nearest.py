"""What the words nearest a price say it is: its pricing type, and whether it is one GPU's or a machine's.

Nearest first: the price's own text, its footnote, its column's header, the record's label, the tab panel it is
in, the heading and the loose text above (`PLACES`); the first that says settles it.
"""

from __future__ import annotations

import re

from pipeline.sources.pages.document import sentences
from pipeline.sources.pages.records import Record
from pipeline.sources.pages.tabs import by_tab
from pipeline.sources.pages.version import at_least
from pipeline.sources.pages.wording import (
    NO_TERM_REASON,
    commitment,
    per_gpu,
    per_instance,
    pricing_type_of,
    types_named,
)

PLACES = ("price", "footnote", "column", "label", "panel", "heading", "loose")
# A column of the record's own that states the term its prices are for ("Minimum term", "Commitment", "Contract").
_TERM_COLUMN = re.compile(r"\b(?:term|commitment|contract|reservation|minimum)\b", re.IGNORECASE)
SEVERAL_TYPES_REASON = "the words nearest it name several pricing types ({text!r}) and do not say which one it is"
TAB_CONTRADICTS_REASON = "its own words make it {said}, but it is in the panel of the tab {tab!r}"


def several_types_said(words: list[str]) -> str | None:
    """The nearest words that name a pricing type, when they name more than one ("On-demand / Spot" over "$2.99 /
    $1.49", a label "Spot and on-demand"): `pricing_type_said` would take one of them for every figure. Reservations
    of several terms are `pricing_type_said`'s to refuse (no one term)."""
    for text in words:
        said = next((s for s in sentences(text or "") if pricing_type_of(s)), None)  # a note's first that types
        if said is not None:
            kinds = {"reserved" if k.startswith("reserved") else k for k in types_named(said)}
            return said if len(kinds) > 1 else None
    return None


def pricing_type_said(record: Record, words: list[str]) -> tuple[str, str]:
    """The pricing type the nearest words name (`words`, one text for each of `PLACES`); a reservation takes its
    term from anywhere in the record; else a column of the record's own that names a term ("Minimum term: 1 week"),
    else the tab its prices are under."""
    for place, text in zip(PLACES, words, strict=True):
        found = pricing_type_of(text) if text else None
        if found is None:
            continue
        if found.startswith("reserved") and len(set(re.findall(r"\d+\s*-?\s*(?:month|year|week)", text, re.I))) > 1:
            return "reserved_unspecified", place  # "from 3 months to 3 years", "1 week to 12 months": no one term
        if found.startswith("reserved_") and found != "reserved_unspecified" and re.search(r"\bflexible\b", text, re.I):
            return f"{found}_flexible", place  # a flexible commitment (any machine family) is its own type
        if found == "reserved_unspecified":
            for other in [*words, *record.cells]:
                if other and at_least(5) and _TERM_RANGE.search(other):  # "2 weeks – 1 year": v4 read 1 year
                    break
                term = commitment(other) if other and pricing_type_of(other) else None
                if term:
                    return term, place
        return found, place
    for header, cell in record.columns.items():
        if _TERM_COLUMN.search(header) and (term := commitment(f"{cell} {header}")) is not None:
            return term, "term column"
    return by_tab(record.tabs)[:2]


def per_said(words: list[str], count: int | None) -> tuple[str, str]:
    """Per GPU or per machine: what the nearest words say, else a machine of several GPUs is priced whole."""
    for place, text in zip(PLACES, words, strict=True):
        if text and per_gpu(text):
            return "gpu_hour", place
        if text and per_instance(text):
            return "instance_hour", place
    return ("instance_hour", "gpu_count") if count and count > 1 else ("gpu_hour", "one_gpu")


def tab_contradicts(pricing_type: str, type_from: str, panels: list[str]) -> str | None:
    """`TAB_CONTRADICTS_REASON` for a figure typed by nearer words (its column: "On-demand price") in a tab panel whose
    tab names another pricing type ("1-year reserved"): the page says two things of it. A tab that names a
    reservation without its term ("Reserved") agrees with a column that gives the term. Page parsers v5 and later."""
    if type_from == "panel" or not at_least(5):
        return None
    for name in panels:
        tab = pricing_type_of(name)
        if (
            tab is not None
            and tab != pricing_type
            and not (tab == "reserved_unspecified" and "reserved" in pricing_type)
        ):
            return TAB_CONTRADICTS_REASON.format(said=pricing_type, tab=name)
    return None


TERM_RANGE_REASON = "reserved price for a range of terms ({terms}), not one term: not a price for a defined good"
_TERM = r"\d+\s*-?\s*(?:weeks?|months?|years?)\b"
_TERM_RANGE = re.compile(rf"{_TERM}\s*(?:-|–|—|to|through)\s*{_TERM}", re.IGNORECASE)


def no_one_term(record: Record, words: list[str]) -> str:
    """Why a reserved price names no good: no term stated (`NO_TERM_REASON`), or, from page parsers v5, a range of
    terms its record states ("2 weeks – 1 year": v4 said no term was stated)."""
    if at_least(5):
        for text in [*record.cells, *words]:
            if text and (found := _TERM_RANGE.search(text)) is not None:
                return TERM_RANGE_REASON.format(terms=" ".join(found.group(0).split()))
    return NO_TERM_REASON
