"""The quality gate: one suite of expectations per source family, decided in polars, recorded by Great Expectations."""

from pipeline.quality.gate import GateResult, check_batch, check_batches, data_docs_index, validate_with_gx

__all__ = ["GateResult", "check_batch", "check_batches", "data_docs_index", "validate_with_gx"]
