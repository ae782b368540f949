"""The gate's expectations evaluated as polars expressions: the decision a run waits for, in milliseconds.

Same semantics as Great Expectations' pandas engine (a parity test runs both on the same batches): a column
check ignores missing values (only `not_be_null` counts them), a row condition restricts the rows first, a regex
is searched for. Two deliberate differences, both stricter: prices are compared as exact decimals (GX compares
floats), and a regex's `$` matches only at the end of the text (Python's also before a final newline).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl

from pipeline.quality.suite import Expectation

PARTIAL = 20  # unexpected values shown per failed expectation, as in GX's SUMMARY result format
_CONDITION = re.compile(r'^(\w+)=="([^"]*)"$')


@dataclass(frozen=True)
class Outcome:
    expectation: Expectation
    success: bool
    observed: dict[str, Any]

    def failure(self) -> dict[str, Any]:
        """The failure as the gate records it (`batch_check.failures`)."""
        kwargs = {k: v for k, v in self.expectation.kwargs.items() if k != "column_set"}
        return {"expectation": self.expectation.type, "kwargs": kwargs, "observed": self.observed}


def evaluate(frame: pl.DataFrame, suite: Sequence[Expectation]) -> list[Outcome]:
    """Every expectation of `suite` on `frame`: one pass for the counts, a second only for what failed."""
    masks: dict[int, pl.Expr] = {}
    outcomes: dict[int, Outcome] = {}
    for i, e in enumerate(suite):
        if e.type == "expect_table_columns_to_match_set":
            ok = set(frame.columns) == set(e.kwargs["column_set"])
            outcomes[i] = Outcome(e, ok, {} if ok else {"observed_value": sorted(frame.columns)})
            continue
        missing = [c for c in _columns(e) if c not in frame.columns]
        if missing:
            outcomes[i] = Outcome(e, False, {"missing_columns": missing})
            continue
        masks[i] = _UNEXPECTED[e.type](e.kwargs, frame.schema)
    counts = frame.select(m.sum().alias(str(i)) for i, m in masks.items()).row(0, named=True) if masks else {}
    for i, mask in masks.items():
        n = int(counts[str(i)] or 0)
        observed: dict[str, Any] = {"unexpected_count": n}
        if n:
            shown = frame.filter(mask).head(PARTIAL).select(_columns(suite[i]))
            observed["partial_unexpected_list"] = [_plain(r) for r in shown.iter_rows(named=True)]
        outcomes[i] = Outcome(suite[i], n == 0, observed)
    return [outcomes[i] for i in range(len(suite))]


def _columns(e: Expectation) -> list[str]:
    names = list(e.kwargs.get("column_list", [])) or [e.kwargs["column"]]
    condition = e.kwargs.get("row_condition")
    return names + ([_condition(condition)[0]] if condition else [])


def _condition(text: str) -> tuple[str, str]:
    found = _CONDITION.match(text)
    if not found:
        raise ValueError(f'row condition {text!r} is not of the form column=="value"')
    return found.group(1), found.group(2)


def _present(column: str, schema: pl.Schema) -> pl.Expr:
    col = pl.col(column)
    return col.is_not_null() & ~col.is_nan() if schema[column].is_float() else col.is_not_null()


def _null(kwargs: Any, schema: pl.Schema) -> pl.Expr:
    return ~_present(kwargs["column"], schema)


def _not_in_set(kwargs: Any, schema: pl.Schema) -> pl.Expr:
    return _present(kwargs["column"], schema) & ~pl.col(kwargs["column"]).is_in(list(kwargs["value_set"]))


def _not_matching(kwargs: Any, schema: pl.Schema) -> pl.Expr:
    column = kwargs["column"]
    return _present(column, schema) & ~pl.col(column).cast(pl.String).str.contains(kwargs["regex"])


def _outside(kwargs: Any, schema: pl.Schema) -> pl.Expr:
    column, col = kwargs["column"], pl.col(kwargs["column"])
    value = col if schema[column].is_decimal() else col.cast(pl.Float64)
    exact = schema[column].is_decimal()

    def bound(text: str) -> pl.Expr:
        return pl.lit(Decimal(text)) if exact else pl.lit(float(text))

    within = pl.lit(True)
    if kwargs.get("min_value") is not None:
        low = bound(kwargs["min_value"])
        within &= value > low if kwargs.get("strict_min") else value >= low
    if kwargs.get("max_value") is not None:
        high = bound(kwargs["max_value"])
        within &= value < high if kwargs.get("strict_max") else value <= high
    unexpected = _present(column, schema) & ~within
    if kwargs.get("row_condition"):
        name, wanted = _condition(kwargs["row_condition"])
        unexpected &= pl.col(name).cast(pl.String) == wanted
    return unexpected.fill_null(False)


def _not_unique(kwargs: Any, schema: pl.Schema) -> pl.Expr:
    return pl.struct(list(kwargs["column_list"])).is_duplicated()


_UNEXPECTED: dict[str, Callable[[Any, pl.Schema], pl.Expr]] = {
    "expect_column_values_to_not_be_null": _null,
    "expect_column_values_to_be_in_set": _not_in_set,
    "expect_column_values_to_match_regex": _not_matching,
    "expect_column_values_to_be_between": _outside,
    "expect_compound_columns_to_be_unique": _not_unique,
}


def _plain(row: dict[str, Any]) -> Any:
    """A row of unexpected values as JSON-able text (exact decimals and times as strings)."""
    values = {k: v if v is None or isinstance(v, (bool, int, str)) else str(v) for k, v in row.items()}
    return next(iter(values.values())) if len(values) == 1 else values
