"""The quality gate: Great Expectations suites and checkpoints per source family."""

from pipeline.quality.gate import GateResult, check_batch, check_batches, data_docs_index

__all__ = ["GateResult", "check_batch", "check_batches", "data_docs_index"]
