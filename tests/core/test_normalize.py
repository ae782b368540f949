"""Identity and unit rules of normalisation, on small parser outputs built like a parser's."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from pipeline.domain.records import RawCapture, parsed_frame
from tests.helpers import FETCHED, gpu_row, normalise, token_row

CAPTURE = RawCapture(source="t", url="https://x", fetched_at=FETCHED, body=b"{}")


@pytest.mark.parametrize(
    "label, memory, good",
    [
        ("H100 SXM 80GB", None, "H100-SXM-80GB"),
        ("NVIDIA H100 80GB HBM3", None, "H100-SXM-80GB"),
        ("H100 NVL", 94, "H100-NVL-94GB"),
        ("H100_PCIE", None, "H100-PCIE-80GB"),
        ("GH200", None, "GH200-96GB"),
        ("GH200 96GB", None, "GH200-96GB"),
        # the 144 GB HBM3e part (rules v5): read as the 96 GB one before
        ("GH200 144GB", None, "GH200-144GB"),
        ("NVIDIA GH200 Grace Hopper Superchip HBM3e", None, "GH200-144GB"),
        ("GH200", 144, "GH200-144GB"),
        ("H200 SXM", None, "H200-SXM-141GB"),
        ("H200 NVL", None, "H200-NVL-141GB"),
        ("NVIDIA H100 NVL PCIe", None, "H100-NVL-94GB"),  # an NVL card is a PCIe card: one form factor
        ("RTX A6000 (NVIDIA RTX A6000)", 48, "RTXA6000-48GB"),  # one model named twice
        ("A100 SXM4", 80, "A100-SXM-80GB"),
        ("A100-SXM4-40GB", None, "A100-SXM-40GB"),
        ("A100 PCIe 80GB", None, "A100-PCIE-80GB"),
        ("8x A100 80GB SXM (640GB total)", None, "A100-SXM-80GB"),  # a machine's total is no second variant
        ("GH200", 144, "GH200-144GB"),  # the disclosed memory still tells a name without one
        # PCIe however written (rules v4): refused before as "does not say SXM, PCIe or NVL"
        ("NVIDIA H100 PCI Express", None, "H100-PCIE-80GB"),
        ("H100 PCI-E", 80, "H100-PCIE-80GB"),
        ("A100 PCI-Express", 40, "A100-PCIE-40GB"),
        ("A100 80GB PCI E", None, "A100-PCIE-80GB"),
        ("L40S", 48, "L40S-48GB"),
        ("L40", None, "L40-48GB"),
        ("L4", None, "L4-24GB"),
        ("MI300X", 192, "MI300X-192GB"),
    ],
)
def test_gpu_identity(label: str, memory: float | None, good: str) -> None:
    quotes, rejections = normalise(parsed_frame([gpu_row(label, "2.5", memory=memory)]), CAPTURE)
    assert rejections.height == 0, rejections["reason"].to_list()
    assert quotes["good"].to_list() == [good]


@pytest.mark.parametrize(
    "label, memory, rule",
    [
        ("H100", None, "identity_ambiguous"),  # no form factor
        ("A100", 80, "identity_ambiguous"),  # no form factor
        ("A100 SXM4 80GB", 40, "memory_contradicts_good"),  # label says 80, memory says 40
        ("H100 SXM", 94, "memory_contradicts_good"),  # 94GB is the NVL part
        ("H100 PCI", None, "identity_ambiguous"),  # PCI alone is no form factor of an H100
        # two form factors in one listing (rules v6): read before as whichever variant's rule came first
        ("NVIDIA H100 SXM / PCIe", 80, "identity_ambiguous"),
        ("H200 SXM/NVL", None, "identity_ambiguous"),
        ("A100 80GB (SXM4 or PCIe)", None, "identity_ambiguous"),
        ("HGX H100 PCIe", None, "identity_ambiguous"),
        # two GPU models in one listing (rules v7): read before by the first model's rule
        ("B200 / GB200", None, "identity_ambiguous"),
        ("NVIDIA H200 or GH200", None, "identity_ambiguous"),
        ("NVIDIA RTX A6000/A40", 48, "identity_ambiguous"),
        # two memory variants in one name (rules v8): read before as the first rule's, the 80 GB part
        ("A100 PCIe 40GB/80GB", None, "identity_ambiguous"),
        ("NVIDIA A100 80GB / 40GB SXM4", 80, "identity_ambiguous"),
        ("GH200 96GB or 144GB", None, "identity_ambiguous"),
        # the name's memory is read before the disclosed one (rules v8): read before as the disclosed variant
        ("A100 SXM4 40GB", 80, "memory_contradicts_good"),
        ("GH200 96GB", 144, "memory_contradicts_good"),
    ],
)
def test_gpu_listings_that_contradict_or_do_not_identify_the_good_are_rejected(
    label: str, memory: float | None, rule: str
) -> None:
    quotes, rejections = normalise(parsed_frame([gpu_row(label, "2.5", memory=memory)]), CAPTURE)
    assert quotes.height == 0
    assert rejections["rule"].to_list() == [rule]
    assert rejections["reason"][0]


# Labels of GPUs no index covers, as real pages and catalogs print them: each stays a quote, without a good.
UNINDEXED_GPUS = [
    "NVIDIA RTX 4000 Ada Generation", "NVIDIA RTX A4000 16GB", "NVIDIA Quadro RTX 6000 24GB", "NVIDIA Tesla V100 16GB",
    "NVIDIA A10 24GB", "M4000 (8 GB GPU)", "P5000 (16 GB GPU)", "RTX4000 (NVIDIA RTX4000 GPU)", "A30 (NVIDIA A30)",
    "RTX 3080 Ti (NVIDIA GeForce RTX 3080 Ti)", "V100 FHHL (Tesla V100-FHHL-16GB)", "NVIDIA RTX PRO 6000", "H100T",
    "Tesla T4", "A10G", "K80", "MI250X", "Gaudi2", "Intel Data Center GPU Max 1550", "Radeon Pro V520",
    "H200 PCI Express",  # not H200 SXM's good, however PCIe is written
]  # fmt: skip


@pytest.mark.parametrize("label", UNINDEXED_GPUS)
def test_a_gpu_no_index_covers_stays_a_quote_without_a_good(label: str) -> None:
    quotes, rejections = normalise(parsed_frame([gpu_row(label, "0.5")]), CAPTURE)
    assert rejections.height == 0 and quotes["good"].to_list() == [None]


@pytest.mark.parametrize(
    "label",
    ["Widget SXM 80GB", "NVIDIA HGX 8x", "GPU instance", "E4", "Standard - X7", "Bare Metal GPU Standard - V2"],
)
def test_a_gpu_hour_listing_that_names_no_gpu_model_is_rejected_with_its_reason(label: str) -> None:
    """Oracle's generation names (E4, X7) and a page whose GPU names are gone: which GPU is priced is unknown."""
    from pipeline.normalize.identity import NO_GPU_MODEL

    quotes, rejections = normalise(parsed_frame([gpu_row(label, "2.5", memory=80)]), CAPTURE)
    assert quotes.height == 0
    assert rejections["rule"].to_list() == ["identity_ambiguous"] and rejections["reason"].to_list() == [NO_GPU_MODEL]


def test_instance_price_is_divided_by_gpu_count_exactly() -> None:
    quotes, _ = normalise(parsed_frame([gpu_row("H100 SXM", "98.32", count=8)]), CAPTURE)
    assert quotes["price_usd"].to_list() == [Decimal("12.29")]
    assert quotes["price_native"].to_list() == [Decimal("98.32")]
    assert quotes["gpu_count"].to_list() == [8]


def test_bad_prices_become_rejections_with_reasons() -> None:
    rows = [
        gpu_row("H100 SXM", "0"),
        gpu_row("H100 SXM", "-3"),
        gpu_row("H100 SXM", "n/a"),
        gpu_row("H100 SXM", "25000"),
        gpu_row("H100 SXM", "2.5", count=0),
        gpu_row("H100 SXM", "2.5", currency="EUR"),
    ]
    quotes, rejections = normalise(parsed_frame(rows), CAPTURE)
    assert quotes.height == 0
    assert rejections.sort("row_no")["rule"].to_list() == [
        "non_positive_price",
        "non_positive_price",
        "price_unreadable",
        "implausible_price",
        "gpu_count_missing",
        "no_fx_rate",
    ]


def test_non_usd_price_is_converted_with_the_given_rate() -> None:
    quotes, _ = normalise(
        parsed_frame([gpu_row("H100 SXM", "2.00", currency="EUR")]), CAPTURE, fx_rates={"EUR": Decimal("1.0850")}
    )
    row = quotes.row(0, named=True)
    assert row["price_usd"] == Decimal("2.17")
    assert row["fx_rate"] == Decimal("1.085")
    assert row["currency"] == "EUR"


def test_token_identity_records_variant_and_keeps_relatives_apart() -> None:
    skus = [
        "lambda_ai/llama3.3-70b-instruct-fp8",
        "groq/llama-3.3-70b-versatile",
        "lambda_ai/deepseek-llama3.3-70b",
        "openai/gpt-oss-120b",
    ]
    quotes, _ = normalise(parsed_frame([token_row(s, "1.2e-07", price_per="token") for s in skus]), CAPTURE)
    got = {r["sku"]: (r["good"], r["variant"]) for r in quotes.iter_rows(named=True)}
    assert got["lambda_ai/llama3.3-70b-instruct-fp8"] == ("llama-3.3-70b-instruct", "fp8")
    assert got["groq/llama-3.3-70b-versatile"] == ("llama-3.3-70b-instruct", "versatile")
    assert got["lambda_ai/deepseek-llama3.3-70b"] == (None, None)
    assert got["openai/gpt-oss-120b"] == ("gpt-oss-120b", None)
    assert quotes.filter(pl.col("sku") == "openai/gpt-oss-120b")["price_usd"].to_list() == [Decimal("0.12")]
