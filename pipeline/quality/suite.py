"""The gate's expectations as data: one list per source family, read by both of its evaluators.

The run decides with the polars evaluator (`quality.evaluate`, milliseconds, no import of Great Expectations);
Great Expectations builds its suite from the same list (`quality.gate`) and validates off the hot path (every
failed batch at once, every loaded batch afterwards with `cix quality` and the capture DAG's `gx_record` task).
A suite's name carries its version and a digest of what it checks, so the two can never check different rules
under one name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.domain.records import QUOTE_SCHEMA, UNITS

SUITE_NAME = "quote_batch"
SUITE_VERSION = "2"
FAMILIES: dict[str, tuple[str, ...]] = {"gpu_hour": ("gpu_hour",), "tokens": tuple(u for u in UNITS if u != "gpu_hour")}
KEY_COLUMNS = ["source", "capture_id", "fetched_at", "row_no"]
NUMERIC = ["price_native", "fx_rate", "price_usd"]  # exact decimals; Great Expectations sees them as floats
NOT_NULL = [
    "capture_id",
    "fetched_at",
    "source",
    "provider",
    "provider_class",
    "input_tier",
    "sku",
    "product",
    "pricing_type",
    "unit",
    "price_native",
    "currency",
    "fx_rate",
    "price_usd",
    "observed_at",
]
PRICING_TYPE = r"^(?:on_demand|spot|batch|reserved_[a-z0-9_]+)$"
CURRENCY = r"^[A-Z]{3}$"


@dataclass(frozen=True)
class Expectation:
    """One expectation: Great Expectations' snake-case name and its arguments (bounds as exact decimal text)."""

    type: str
    kwargs: Mapping[str, Any]

    @property
    def class_name(self) -> str:
        """The Great Expectations class, e.g. expect_column_values_to_not_be_null -> ExpectColumnValuesToNotBeNull."""
        return "".join(part.title() for part in self.type.split("_"))


def suite_name(family: str, bounds: dict[str, tuple[str, str]] | None = None) -> str:
    """quote_batch_<family>_v<version>_<digest of the bounds the suite checks>."""
    digest = hashlib.sha256(repr(sorted((bounds or {}).items())).encode()).hexdigest()[:8]
    return f"{SUITE_NAME}_{family}_v{SUITE_VERSION}_{digest}"


def expectations(family: str, bounds: dict[str, tuple[str, str]]) -> list[Expectation]:
    """The suite of a source family; `bounds` are the plausible (low, high) price per unit, as decimal text."""
    if family not in FAMILIES:
        raise ValueError(f"no quality suite for source family {family!r}; known: {', '.join(FAMILIES)}")
    units = FAMILIES[family]
    suite = [Expectation("expect_table_columns_to_match_set", {"column_set": list(QUOTE_SCHEMA), "exact_match": True})]
    suite += [Expectation("expect_column_values_to_not_be_null", {"column": c}) for c in NOT_NULL]
    suite += [
        Expectation("expect_column_values_to_be_in_set", {"column": "unit", "value_set": list(units)}),
        Expectation("expect_column_values_to_be_in_set", {"column": "product", "value_set": [family]}),
        Expectation("expect_column_values_to_match_regex", {"column": "currency", "regex": CURRENCY}),
        Expectation("expect_column_values_to_match_regex", {"column": "pricing_type", "regex": PRICING_TYPE}),
        Expectation(
            "expect_column_values_to_be_between", {"column": "price_usd", "min_value": "0", "strict_min": True}
        ),
    ]
    for unit in units:
        if unit in bounds:
            low, high = bounds[unit]
            suite.append(
                Expectation(
                    "expect_column_values_to_be_between",
                    {
                        "column": "price_usd",
                        "min_value": low,
                        "max_value": high,
                        "row_condition": f'unit=="{unit}"',
                        "condition_parser": "pandas",
                    },
                )
            )
    suite.append(Expectation("expect_compound_columns_to_be_unique", {"column_list": KEY_COLUMNS}))
    return suite
