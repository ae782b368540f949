"""The quality gate that blocks a broken batch before it reaches the warehouse."""

from pipeline.quality.gate import GateResult, check_batch

__all__ = ["GateResult", "check_batch"]
