"""What each price next to a GPU name means: which GPU and variant, per GPU or per machine, which pricing type.

Decided from the page's own words, nearest first (the price's cell, its column header, the record's
label, then the heading and loose text above), and from the GPU counts the page states. When the
words cannot settle it, the offer carries a `reject_reason` saying what was missing: a recorded
refusal, never a guess at a price.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pipeline.sources.pages.machines import machine_in
from pipeline.sources.pages.names import count_in, gpu_phrase, memory_in, models, not_one_good, per_gpu_memory
from pipeline.sources.pages.nearest import (
    SEVERAL_TYPES_REASON,
    no_one_term,
    per_said,
    pricing_type_said,
    several_types_said,
    tab_contradicts,
)
from pipeline.sources.pages.notes import floor_sentence, footnote, noted_prices
from pipeline.sources.pages.offers import Offer
from pipeline.sources.pages.records import Record
from pipeline.sources.pages.tabs import by_tab, panel_place
from pipeline.sources.pages.tiers import volume_tiers
from pipeline.sources.pages.when import not_in_force
from pipeline.sources.pages.wording import (
    NOT_YET_REASON,
    PCIE,
    TEASER_REASON,
    is_teaser,
    leading_int,
    not_yet_rentable,
    own_machine,
    region_in,
    whole_machine,
)

NO_COUNT_REASON = "price is per machine but the page gives no GPU count"
# A sized machine ("2x NVIDIA RTX A6000", "GPUs: 8") whose figure only far words call one GPU's: not known which.
FAR_PER_GPU_REASON = (
    "the page sizes this machine ({n} GPUs) and only its {where}, not the figure's own words, says per GPU: "
    "the machine's price or one GPU's cannot be told"
)
DYNAMIC_REASON = "dynamic price (re-set daily from demand), not a fixed rate"
SERVICE_REASON = "a managed service's price (inference endpoint, deployment, fine-tuning), not a GPU instance's"
_SERVICE = re.compile(
    r"\b(?:endpoints?|inference|deployments?|serverless|fine[\s-]?tun\w*|kubernetes)\b", re.IGNORECASE
)


def is_service(text: str) -> bool:
    """True when the words name a managed service, not a GPU instance ("Serverless inference endpoints")."""
    return _SERVICE.search(text) is not None


SCHEDULER_REASON = (
    "Dynamic Workload Scheduler capacity (flex-start or calendar mode), not an on-demand, spot or term price"
)
_SCHEDULER = re.compile(r"\bDWS\b|dynamic workload scheduler|\bflex[\s-]?start\b|\bcalendar[\s-]mode\b", re.IGNORECASE)
_FRACTION = re.compile(r"\bgpus?\s*:?\s*(\d+\s*/\s*\d+)", re.IGNORECASE)
SUPERSEDED_REASON = "an earlier figure for the same GPU and pricing type, replaced by the one after it (a list price)"
UNTOLD_REASON = (
    "one of several figures for the same GPU and pricing type in different places, with nothing on the page saying "
    "which is which"
)
STRUCK_REASON = "a crossed-out figure"
_NOT_HOURLY = re.compile(
    r"/\s*(?:mo|month|yr|year|min|minute|sec|second|day|gb|tb|vcpu|cpu|token|m\b|1m)|\bper\s+(?:month|year|minute|"
    r"second|day|gb|tb|vcpu|cpu|million|1m|token)|\bmonthly\b|\bannual(?:ly)?\b|\btokens?\b|\bvcpu",
    re.IGNORECASE,
)
# A price whose own text says it is hourly ("$2.49/hr - billed per second") is hourly, whatever else its words say.
_HOURLY = re.compile(r"/\s*(?:gpu\s*/\s*)?h(?:ou)?r\b|\bper\s+(?:gpu\s+)?hour\b|\bhourly\b", re.IGNORECASE)
_GPUS = r"(?:gpu|accelerator|card)s?"  # a GPU however a page counts it
_COUNT_HEADER = re.compile(
    rf"^(?:#\s*)?(?:number of\s+)?{_GPUS}(?:\s*(?:count|per\s+\w+|/\s*\w+))?\*?$|(?:gpu|accelerator) count", re.I
)
_COUNT_LABEL = re.compile(rf"^(?:#\s*)?(?:number of\s+)?{_GPUS}(?:\s+(?:count|per\s+\w+))?\s*:?\s*(\d{{1,3}})?$", re.I)
_MEMORY_HEADER = re.compile(r"vram|gpu\s*memory|memory\s*\(gb\)|^memory", re.IGNORECASE)
_VARIANT_TAG = re.compile(rf"^(?:SXM\d?|{PCIE}|PCI|Express|NVL\d*|NVLink|HGX|OAM|DGX)$", re.I)
_VCPUS = re.compile(r"\bv?cpus?\b", re.IGNORECASE)
_MEMORY_TAG = re.compile(r"^\d{1,4}(?:\.\d+)?\s*GI?B$", re.IGNORECASE)


def offers_of(record: Record, as_of: date | None = None) -> list[Offer]:
    """The offers a record states; prices that are not GPU-hour prices (per month, per vCPU) are left out.

    A price announced for a later date ("GPU-hour (Effective October 1, 2026)") than `as_of`, or in force only until an
    earlier one ("until Dec 31, 2025"), is recorded as not in force (`when.not_in_force`).
    """
    phrase = _phrase(record)
    model = (models(record.name) or [""])[0]
    if phrase is None:
        return []
    count, count_from = _count(record)
    stated_memory = next((m for m in map(memory_in, [phrase, *record.names]) if m), None) or _memory(record)
    memory = per_gpu_memory(model, stated_memory, count) if stated_memory is not None else None
    label = _label(phrase, record, memory)
    machine = machine_in(record.cells)
    if machine is not None and machine[1] == model:  # the machine type fixes the GPU; its "Memory" is the host's
        memory, label = memory_in(machine[2]), f"{phrase} ({machine[0]}: {machine[2]})"
        if machine[3] is not None:
            count, count_from = machine[3], "machine type"
    fraction = next((m.group(1) for m in map(_FRACTION.search, record.cells) if m), None)
    other = not_one_good(record.name)
    out: list[Offer] = []
    for price in [*record.prices, *noted_prices(record, model)]:
        note = footnote(record, price.text)
        words = [price.text, note, price.column, price.label, " ".join(price.panel), record.heading, record.loose]
        if _NOT_HOURLY.search(" ".join([price.text, price.column, price.label])) and not _HOURLY.search(price.text):
            continue  # a price per month, per GB, per vCPU or per token: another product
        pricing_type, type_from = pricing_type_said(record, words)
        (per, per_from), (sized, sized_from) = own_machine(
            " ".join([price.text, price.column, price.label]), per_said(words, count), (count, count_from)
        )
        reason = price.refused
        if reason is not None:
            pass
        elif type_from == "tabs":
            reason = by_tab(record.tabs)[2]
        elif other is not None:
            reason = other
        elif (several := several_types_said(words)) is not None:
            reason = SEVERAL_TYPES_REASON.format(text=several)
        elif (clash := tab_contradicts(pricing_type, type_from, price.panel)) is not None:
            reason = clash
        elif price.untold is not None:
            reason = price.untold
        elif any(is_teaser(w) for w in words[:4]) or floor_sentence(record, price):
            reason = TEASER_REASON
        elif any(_SERVICE.search(w) for w in [*words[:4], record.heading, record.intro] if w):
            reason = SERVICE_REASON
        elif any(_SCHEDULER.search(w) for w in words[:4] if w):
            reason = SCHEDULER_REASON
            pricing_type = "dws_calendar" if any("calendar" in w.lower() for w in words[:4]) else "dws_flex_start"
        elif any(re.search(r"\bdynamic\b", w, re.IGNORECASE) for w in words[:4]):
            reason = DYNAMIC_REASON
        elif (gone := not_in_force(words[:4], as_of)) is not None:
            reason = gone
        elif any(not_yet_rentable(t, as_of) for t in [*words[:4], *record.cells] if t):
            reason = NOT_YET_REASON
        elif pricing_type == "reserved_unspecified":
            reason = no_one_term(record, words)
        elif fraction is not None:
            reason = f"machine has {fraction} of a GPU: no whole-GPU price"
        elif per == "instance_hour" and not sized:
            reason = NO_COUNT_REASON
        elif per == "gpu_hour" and per_from in ("heading", "loose") and sized is not None and sized > 1:
            reason = FAR_PER_GPU_REASON.format(n=sized, where=per_from)
        elif price.struck:
            reason = STRUCK_REASON
        attributes = {
            "name": record.name,
            "price_text": price.text,
            "column": price.column or None,
            "label": price.label or None,
            "heading": record.heading or None,
            "machine_gpus": sized,
            "gpu_count_from": sized_from,
            "pricing_type_from": type_from,
            "price_per_from": per_from,
        }
        gpus = sized if per == "instance_hour" else 1
        region = region_in(price.text, price.label, price.column, record.heading) or panel_place(price.panel)
        offer = Offer(
            label, model, gpus, memory, price.amount, price.currency, pricing_type, per, reason, attributes, region
        )
        offer.cell = price.cell
        out.append(offer)
    return _supersede(volume_tiers(out))


def _count(record: Record) -> tuple[int | None, str | None]:
    """How many GPUs the record's machine has, and where the page says so."""
    found = count_in(record.name)
    if found is not None:
        return found, "name"
    for header, text in record.columns.items():
        if _COUNT_HEADER.search(header) and (n := leading_int(text)) is not None and 0 < n <= 128:
            return n, "column"
    for at, text in enumerate(record.cells):
        said = _COUNT_LABEL.match(text)
        if said is not None:
            value = said.group(1) or (record.cells[at + 1] if at + 1 < len(record.cells) else "")
            if (n := leading_int(value)) is not None and 0 < n <= 128:
                return n, "label"
    for text in record.context:
        if re.fullmatch(r"\d{1,3}\s*[x×]", text.strip()):
            return int(re.sub(r"\D", "", text)), "panel"
    return None, None


def _memory(record: Record) -> float | None:
    """GPU memory the record states outside the name: a "80GB" tag, a VRAM column, a "GPU Memory" label."""
    for text in record.cells:
        if _MEMORY_TAG.match(text):
            return memory_in(text)
    for header, text in record.columns.items():
        if _MEMORY_HEADER.search(header):
            found = memory_in(text) or (float(text) if re.fullmatch(r"\d{1,4}(?:\.\d+)?", text) else None)
            if found is not None:
                return found
    for at, text in enumerate(record.cells):
        before = record.cells[at - 1] if at > 0 else ""
        if re.fullmatch(r"(?:GB|GiB)\s+(?:VRAM|GPU\s+memory)", text, re.I) and re.fullmatch(r"\d{1,4}", before):
            return float(before)  # a tag in two pieces: "141" | "GB VRAM"
        if _MEMORY_HEADER.search(text) and not re.search(r"droplet|system|\bram\b", text, re.IGNORECASE):
            if not re.search(r"gpu|vram", text, re.IGNORECASE) and any(_VCPUS.search(t) for t in record.cells):
                continue  # "Memory" beside "vCPUs": the machine's components, not the GPU's memory
            said = memory_in(text.replace(",", ""))
            if said is None and at + 1 < len(record.cells):
                said = memory_in(record.cells[at + 1].replace(",", ""))
            return said
    return None


def _label(phrase: str, record: Record, memory: float | None) -> str:
    """The GPU phrase plus the record's variant tags ("80GB", "SXM") and its memory when the name lacks it."""
    words, tag = [phrase], lambda t: _MEMORY_TAG.match(t) or _VARIANT_TAG.match(t)
    for text in [t for c in record.cells for t in (c.split() if all(map(tag, c.split())) else [c])]:  # "80GB PCIe"
        if _MEMORY_TAG.match(text) and memory_in(" ".join(words)) is None:  # a machine's total memory, per GPU
            words.append(f"{memory if memory is not None else memory_in(text):g}GB")
        elif _VARIANT_TAG.match(text) and text.lower() not in " ".join(words).lower():
            words.append(text)
    label = " ".join(words)
    if memory is not None and memory_in(label) is None:
        label += f" {memory:g}GB"
    return label


def _phrase(record: Record) -> str | None:
    """The fullest naming of the GPU among the record's names, with variant words the others add ("SXM")."""
    phrases = [p for p in (gpu_phrase(n) for n in record.names or [record.name]) if p]
    if not phrases:
        return None
    phrase = max(phrases, key=len)
    for other in phrases:
        for word in other.split()[1:]:
            if word.lower() not in phrase.lower() and not models(word):
                phrase += f" {word}"
    return phrase


def _supersede(offers: list[Offer]) -> list[Offer]:
    """Drop repeated identical offers. Two different figures for the same GPU and type: side by side in one cell
    ("$6.74 /GPU/hour $3.39 /GPU/hour*") the later one is in force, the earlier the list price it replaces; in
    different cells (an unlabelled row of on-demand, spot and term prices) nothing tells them apart, so all are
    refused: the last of them was as likely a 3-year term as the list price."""
    seen: dict[tuple[Any, ...], int] = {}
    out: list[Offer] = []
    for offer in offers:
        key = (*offer.good(), offer.amount)
        if key in seen:  # the same figure said twice; if once as a floor ("as low as"), it is a floor
            if offer.reject_reason == TEASER_REASON:
                out[seen[key]].reject_reason = TEASER_REASON
            elif offer.reject_reason is None and out[seen[key]].reject_reason not in (None, TEASER_REASON):
                out[seen[key]] = offer  # "Regular price $2.99" beside "$2.99": it is the price now too
            continue
        seen[key] = len(out)
        out.append(offer)
    live: dict[tuple[Any, ...], list[Offer]] = {}
    for offer in (o for o in out if o.reject_reason is None):
        live.setdefault((*offer.good(), offer.currency), []).append(offer)
    for alike in live.values():
        apart, last = len({offer.cell for offer in alike}) > 1, alike[-1]
        if not apart and len(alike) > 1 and _labelled_apart(alike):
            # "US-East $2.49/hr · EU-West $2.99/hr": each figure its own offer, none replacing another
            for offer in alike:
                offer.reject_reason = UNTOLD_REASON
            continue
        if not apart and len(alike) == 2 and last.attributes.get("price_per_from") == "one_gpu":
            # "$2.49/GPU/hr, sold as 8-GPU nodes ($19.92/hr)": the later figure, per GPU only for want of a count,
            # is the machine's price of the per-GPU one before it, not a GPU's price replacing it
            machine = whole_machine(last.amount, alike[0].amount, alike[0].attributes)
            if machine is not None:
                last.reject_reason = machine
                continue
        for offer in alike if apart else alike[:-1]:
            replaced = whole_machine(offer.amount, last.amount, last.attributes) or SUPERSEDED_REASON
            offer.reject_reason = UNTOLD_REASON if apart else replaced
    return out


_LEADING_LABEL = re.compile(r"^\s*([^\W\d_][^$€£¥₹\d]*?)\s*:?\s*(?=\S*\d)")


def _labelled_apart(offers: list[Offer]) -> bool:
    """True when figures side by side in one cell each follow a label of their own ("US-East $2.49", "EU-West
    $2.99"): two offers, not a list price and the price replacing it."""
    labels = [m.group(1).lower() if (m := _LEADING_LABEL.match(str(o.attributes.get("price_text") or ""))) else None
              for o in offers]  # fmt: skip
    return None not in labels and len(set(labels)) == len(labels)
