"""Every file of every archive a source declares parses to quotes, at the time `backfill` gives it (or, a page
that prices GPUs without their host, to refusals saying so)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.flow.backfill import SourceArchive, archive_captures, archives
from tests.helpers import run
from tests.sources.test_page_captures import PRICED_WITHOUT_HOST, refused_as_components


@pytest.mark.parametrize("entry", archives(), ids=lambda entry: entry.name)
def test_every_archive_file_yields_quotes_at_its_own_time(entry: SourceArchive, realdata: Path) -> None:
    captures = archive_captures(entry, realdata)
    assert captures, f"no file matches {entry.archive.pattern}"
    for capture in captures:
        _, quotes, rejections = run(capture)
        if capture.url.endswith(tuple(PRICED_WITHOUT_HOST)):  # every figure refused, saying why
            assert quotes.is_empty() and refused_as_components(rejections), capture.url
            continue
        assert quotes.height > 0, capture.url
        if entry.archive.snapshots:  # a snapshot is the price list as it stood at the snapshot's time
            assert set(quotes["observed_at"]) == {capture.fetched_at}, capture.url
