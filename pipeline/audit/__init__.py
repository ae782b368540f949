"""Audit: explain a fixing input by input, verify every stored fixing from the raw captures, simulate."""

from pipeline.audit.explain import explain
from pipeline.audit.simulate import quotes_from_jsonl, simulate
from pipeline.audit.verify import VerifyReport, verify

__all__ = ["VerifyReport", "explain", "quotes_from_jsonl", "simulate", "verify"]
