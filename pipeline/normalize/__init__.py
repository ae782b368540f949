"""Parsed rows -> quotes on canonical goods (USD per unit) | rejections; identity rules; FX choice."""

from pipeline.normalize.normalise import normalise

__all__ = ["normalise"]
