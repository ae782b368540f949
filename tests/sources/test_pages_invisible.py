"""Characters that show nothing (page parsers v5): a right-to-left page's direction marks, zero-width joiners, a
byte-order mark. Around a figure they hid its words from the patterns that read them: Fluidstack 2023's page with its
figures so marked gave 8 quotes of the host-billed-apart component prices v4 refuses on the page as captured."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sources.reworded import reworded_pages

MARKS = {"right-to-left marks": "\u200f", "left-to-right marks": "\u200e", "zero-width joiners": "\u200d"}


@pytest.mark.parametrize("mark", MARKS.values(), ids=list(MARKS))
def test_marks_around_every_figure_change_no_reading(realdata: Path, mark: str) -> None:
    changed = {
        relative: (found, captured)
        for relative, found, captured in reworded_pages(realdata, r"(\$\s?\d[\d,]*(?:\.\d+)?)", rf"{mark}\1{mark}")
        if found != captured
    }
    assert changed == {}
