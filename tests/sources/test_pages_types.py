"""Every real pricing page with the words that say what its figures are reworded to name two of a kind: two pricing
types, two form factors, two memory sizes or two models of GPU, or several machine sizes. The figures are then of no
one type, good or size, so the page can only lose quotes, never gain one (a $1.89 3-year reservation read as on
demand, "H100 SXM / PCIe" as the PCIe part, "A100 80GB/40GB" as the 80 GB part, "B200 / GB200" as a GB200, "4x/8x" as
a 4-GPU machine: a first match taken). A regression test of every reader, and of the identity rules, at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sources.reworded import reworded_pages

# The type words as a cell, header or eyebrow prints them (the whole text of an element, or its start).
TYPE_WORDS = {
    "on demand": r"On[- ]?[Dd]emand|Pay[- ]as[- ]you[- ]go",
    "spot": r"Spot|Interruptible|Preemptible",
    "reserved": r"Reserved|Committed",
}
TWO_TYPES = ("On-demand / Spot", "Spot (on-demand also offered)", "Reserved or on-demand", "Spot or reserved")


@pytest.mark.parametrize("two", TWO_TYPES)
@pytest.mark.parametrize("words", sorted(TYPE_WORDS))
def test_type_words_naming_two_types_never_add_a_quote(realdata: Path, words: str, two: str) -> None:
    assert only_lost(realdata, rf"(?<=>)\s*(?:{TYPE_WORDS[words]})(?=[^<]{{0,40}}<)", two) >= 3


@pytest.mark.parametrize("two", ["SXM / PCIe", "SXM or NVL", "SXM5 (PCIe also available)"])
def test_a_gpu_named_in_two_form_factors_never_adds_a_quote(realdata: Path, two: str) -> None:
    assert only_lost(realdata, r"(?<=H100)[ -]?SXM5?(?=[^<]{0,20}<)", f" {two}") >= 3


@pytest.mark.parametrize(("model", "two"), [("B200", "B200 / GB200"), ("H200", "H200 or GH200")])
def test_a_listing_naming_two_gpu_models_never_adds_a_quote(realdata: Path, model: str, two: str) -> None:
    assert only_lost(realdata, rf"(?<=[ >]){model}(?=[^<]{{0,30}}<)", two) >= 3


@pytest.mark.parametrize("two", ["80GB/40GB", "80 GB or 40 GB", "80GB (40GB also offered)", "40GB/80GB"])
def test_a_gpu_named_in_two_memory_sizes_never_adds_a_quote(realdata: Path, two: str) -> None:
    """(Crusoe's "A100 80GB/40GB PCIe" at the 40 GB part's $1.45 was read as the 80 GB part.)"""
    assert only_lost(realdata, r"\b40 ?GB\b(?=[^<]{0,30}<)", two) >= 3


@pytest.mark.parametrize("two", ["4x/8x", "4 or 8x", "1x, 2x, 4x, 8x"])
def test_a_machine_named_in_several_sizes_never_adds_a_quote(realdata: Path, two: str) -> None:
    """("4x/8x NVIDIA H100" at $20.72/hr was read as a 4-GPU machine: $5.18 per GPU.)"""
    assert only_lost(realdata, r"(?<=>)(\s*)8x(?=\s*(?:NVIDIA\s*)?[HAB]\d00)", rf"\g<1>{two}") >= 1


def only_lost(realdata: Path, pattern: str, replacement: str) -> int:
    """Rewrite every real page; each rewritten page's quotes are among those it gave as captured. How many changed."""
    changed_pages = 0
    for relative, found, before in reworded_pages(realdata, pattern, replacement):
        changed_pages += 1
        assert found <= before, (relative, sorted(found - before))
    return changed_pages
