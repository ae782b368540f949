"""Paperspace's pricing page: one card per single-GPU machine, priced per hour.

A card's machine has one GPU and "Multi-GPU instances ... multiply the specs and price", so
the card price is per GPU-hour. Starred prices ("2.24*") are explained by footnotes below the
cards ("*$2.24/hour pricing is for a 3-year commitment"), so a star turns the card into a
reserved_<term> price; a footnote that also states the on-demand price ("On-demand pricing for
H100 is $6.00/hour") adds that on-demand row. Price blocks the page hides (`.hide`) are not
shown to buyers and are not read; neither is system RAM ("90GB RAM"), which is not GPU memory.
"""

from __future__ import annotations

import json
import re
from typing import Any

import polars as pl
from selectolax.parser import Node

from pipeline.domain.records import RawCapture, parsed_frame
from pipeline.sources.archive import archived_page_time
from pipeline.sources.base import PAGE_NOT_SAMPLED, Archive, Request, Source
from pipeline.sources.pages.document import classes, dom, node_text, sentences
from pipeline.sources.pages.gpu import memory_gb
from pipeline.sources.pages.marks import MARK
from pipeline.sources.pages.money import money
from pipeline.sources.pages.names import models
from pipeline.sources.pages.reader import page_parsers
from pipeline.sources.pages.rows import page_row, refused_row
from pipeline.sources.pages.wording import ON_DEMAND, TEASER_REASON, commitment, hgx_label, is_teaser
from pipeline.sources.read import require

HOSTS = ("www.paperspace.com", "paperspace.com")
URL = "https://www.paperspace.com/pricing"
UNREAD_NOTE_REASON = "a figure in the card's footnote that does not say it is the on-demand price ({text!r})"
_ON_DEMAND_NOTE = re.compile(
    # The price as the page writes money: "$6.00", "$ 6.00" (its mark in an element of its own), "6.00 USD".
    # The GPU as the page names it: "H100", "H100™", "NVIDIA® H100" (compared by the models it names).
    rf"(?:{ON_DEMAND}) pricing for "
    rf"(?P<name>\S[^$]{{0,60}}?) is (?P<price>(?:{MARK}\s*)?\S+?(?:\s*{MARK})?)\s*/\s*hour"
    r"(?:\s*\((?P<also>[^)]*)\))?",
    re.IGNORECASE,
)


def _hidden(node: Node) -> bool:
    return "hide" in classes(node)


def _footnotes(tree: Node) -> dict[str, str]:
    """Footnote text by its marker ("*", "**"), from paragraphs that start with stars."""
    notes: dict[str, str] = {}
    for p in tree.css("p"):
        text = node_text(p)
        match = re.match(r"(\*+)\s*(.*)", text)
        if match:
            notes.setdefault(match.group(1), match.group(2))
    return notes


def _gpu_spec(card: Node) -> str:
    """The visible spec line that describes the GPU ("NVIDIA HGX H100 GPU", "16 GB GPU")."""
    for spec_list in card.css("ul"):
        if _hidden(spec_list):
            continue
        for item in spec_list.css("li"):
            text = node_text(item)
            if re.search(r"\bGPU\b", text) and not re.search(r"\bRAM\b", text):
                return text
    return ""


def parse_paperspace_page(capture: RawCapture) -> pl.DataFrame:
    tree = dom(capture)
    cards = [c for c in tree.css(".instance-blocks-flex") if c.css_first(".instance-names") is not None]
    require(bool(cards), capture, "no `.instance-blocks-flex` machine cards")
    notes = _footnotes(tree.root) if tree.root is not None else {}
    out: list[dict[str, Any]] = []
    for card in cards:
        name = node_text(card.css_first(".instance-names"))
        spec = _gpu_spec(card)
        spec_memory = re.search(r"(\d+)\s*GB GPU", spec)
        memory = float(spec_memory.group(1)) if spec_memory else memory_gb(name)
        label = hgx_label(f"{name} ({spec})" if spec else name)
        multi = node_text(card.css_first(".pricing-multigpu-info"))
        for wrap in card.css(".instance-price-wrap"):
            if _hidden(wrap):
                continue
            shown = node_text(wrap)
            figure_text = node_text(wrap.css_first(".instance-price-2"))
            star = re.search(r"(\*+)\s*$", figure_text)
            pricing_type, reason, note = "on_demand", None, None
            if star:
                note = notes.get(star.group(1))
                term = commitment(note) if note and "commitment" in note.lower() else None
                if term is not None:
                    pricing_type = term
                else:
                    reason = f"price carries footnote {star.group(1)!r} that does not state a commitment term"
            figure = money(shown)
            if is_teaser(shown):
                reason = TEASER_REASON
            out.append(
                page_row(
                    capture,
                    "paperspace",
                    "neocloud",
                    sku=name,
                    label=label,
                    pricing_type=pricing_type,
                    gpu_count=1,
                    gpu_memory_gb=memory,
                    price_per="gpu_hour",
                    price_native=figure[0] if figure else figure_text,
                    currency=figure[1] if figure else None,
                    reject_reason=reason if figure else f"price {shown!r} is not an amount",
                    attributes=json.dumps({"shown": shown, "footnote": note, "multi_gpu": multi}),
                )
            )
            if note:
                out.extend(_on_demand_from_note(capture, note, name, label, memory, multi))
    require(bool(out), capture, "machine cards carry no visible price")
    return parsed_frame(out)


def _on_demand_from_note(
    capture: RawCapture, note: str, name: str, label: str, memory: float | None, multi: str
) -> list[dict[str, Any]]:
    """The on-demand price a commitment footnote states for this card's machine, if it states one; a figure of a
    sentence naming the machine's GPU that does not state it so ("Hourly pricing for H100 is $6.00/hour") is refused,
    never passed over."""
    match = _ON_DEMAND_NOTE.search(note)
    named = models(name.upper())  # whatever case the page writes it in ("h100")
    figure = money(match.group("price")) if match is not None else None
    if match is None or not named or models(match.group("name").upper()) != named or figure is None:
        fields = {"sku": name, "label": label, "attributes": json.dumps({"footnote": note, "multi_gpu": multi})}
        unread = [(s, found) for s in sentences(note) if named and models(s.upper()) == named and (found := money(s))]
        why = UNREAD_NOTE_REASON
        return [
            refused_row(capture, "paperspace", "neocloud", found, why.format(text=s), **fields) for s, found in unread
        ]
    return [
        page_row(
            capture,
            "paperspace",
            "neocloud",
            sku=name,
            label=label,
            pricing_type="on_demand",
            gpu_count=1,
            gpu_memory_gb=memory,
            price_per="gpu_hour",
            price_native=figure[0],
            currency=figure[1],
            reject_reason=None,
            attributes=json.dumps(
                {"shown": match.group(0), "footnote": note, "also_shown": match.group("also"), "multi_gpu": multi}
            ),
        )
    ]


SOURCE = Source(
    name="paperspace-page",
    product="gpu_hour",
    hosts=HOSTS,
    requests=(Request(url=URL),),
    **page_parsers(parse_paperspace_page, "paperspace", "neocloud", ("paperspace",)),
    description="Paperspace pricing page (per GPU-hour single-GPU machines; starred prices are commitments)",
    providers=("paperspace",),
    archives=(
        Archive("pricing-pages-paperspace", "pricing-pages/paperspace_*.html", archived_page_time, snapshots=False),
    ),
    no_sample_reason=PAGE_NOT_SAMPLED,
)
