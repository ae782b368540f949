"""A cell spanning rows is shown in each row it spans: the rows below it keep their GPU's name, and their prices are
read with it (before, a machine row under a spanning GPU name was dropped unread)."""

from __future__ import annotations

import pytest
from selectolax.parser import HTMLParser

from pipeline.sources.pages.spans import expand_rowspans, row_cells
from tests.sources.test_pages_meaning import offers


def grid(html: str) -> list[list[str]]:
    return [[c.text() for c in row_cells(tr)] for tr in expand_rowspans(HTMLParser(html)).css("tr")]


@pytest.mark.parametrize(
    ("html", "shown"),
    [
        (
            "<tr><td rowspan=3>A</td><td>1</td></tr><tr><td>2</td></tr><tr><td>3</td></tr>",
            [["A", "1"], ["A", "2"], ["A", "3"]],
        ),
        ("<tr><td>x</td><td rowspan=2>B</td></tr><tr><td>y</td></tr>", [["x", "B"], ["y", "B"]]),
        ("<tr><td colspan=2 rowspan=2>AB</td><td>1</td></tr><tr><td>2</td></tr>", [["AB", "1"], ["AB", "2"]]),
        # a row group bounds a span, as in a browser; "0" (to the group's end) and huge spans are left as they are
        (
            "<thead><tr><th rowspan=3>H</th><th>t</th></tr></thead><tbody><tr><td>a</td><td>b</td></tr></tbody>",
            [["H", "t"], ["a", "b"]],
        ),
        ("<tr><td rowspan=0>A</td><td>1</td></tr><tr><td>2</td></tr>", [["A", "1"], ["2"]]),
        ("<tr><td rowspan=100000>A</td><td>1</td></tr><tr><td>2</td></tr>", [["A", "1"], ["2"]]),
    ],
)
def test_a_cell_spanning_rows_is_in_each_row_it_spans(html: str, shown: list[list[str]]) -> None:
    assert grid(f"<table>{html}</table>") == shown


def test_machine_rows_under_a_gpu_name_spanning_them_are_read_with_it() -> None:
    html = (
        "<h1>Lambda GPU cloud pricing</h1><table><tr><th>GPU</th><th>GPUs</th><th>Price per hour</th></tr>"
        "<tr><td rowspan='2'>NVIDIA H100 SXM 80GB</td><td>1x</td><td>$2.99</td></tr><tr><td>8x</td><td>$23.20</td></tr>"
        "<tr><td rowspan='2'>NVIDIA A100 SXM 80GB</td><td>1x</td><td>$1.79</td></tr><tr><td>8x</td><td>$14.00</td></tr>"
        "</table>"
    )
    assert {(label, per, gpus, price) for label, _, per, gpus, price, reason in offers(html) if reason is None} == {
        ("NVIDIA H100 SXM 80GB", "gpu_hour", 1, "2.99"),
        ("NVIDIA H100 SXM 80GB", "instance_hour", 8, "23.20"),
        ("NVIDIA A100 SXM 80GB", "gpu_hour", 1, "1.79"),
        ("NVIDIA A100 SXM 80GB", "instance_hour", 8, "14.00"),
    }
