"""Methodology versions: the only source of the parameters and index definitions."""

from pipeline.methodology.loader import CURRENT, IndexDefinition, Methodology, available, document, load
from pipeline.methodology.params import Bounds, EstimatorParams

__all__ = ["CURRENT", "Bounds", "EstimatorParams", "IndexDefinition", "Methodology", "available", "document", "load"]
