"""Compute Index: settlement-grade price benchmark for AI compute."""

__version__ = "0.1.0"
