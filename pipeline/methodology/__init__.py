"""Methodology versions and the provider register: the only source of parameters and index definitions."""

from pipeline.methodology.loader import CURRENT, IndexDefinition, Methodology, available, document, load
from pipeline.methodology.params import Bounds, EstimatorParams
from pipeline.methodology.register import Firm, Register, load_register

__all__ = [
    "CURRENT",
    "Bounds",
    "EstimatorParams",
    "Firm",
    "IndexDefinition",
    "Methodology",
    "Register",
    "available",
    "document",
    "load",
    "load_register",
]
