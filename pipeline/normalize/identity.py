"""Canonical identity of what is being priced, as data.

A rule matches when every `all_of` regex is found and no `none_of` regex is; the first
matching rule wins. A rule with `good=None` is an identity *rejection* (the listing is
too vague to be one standard good) and carries its reason.

GPU rules read a key built from the provider's label plus the disclosed memory
(e.g. "A100 SXM 80GB"); token rules read the provider's model name, lower-cased.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    all_of: tuple[str, ...]
    good: str | None
    memory_gb: float | None = None
    none_of: tuple[str, ...] = ()
    reason: str | None = None


# Patterns run on an upper-cased key where "_" and "-" became spaces.
GPU_RULES: tuple[Rule, ...] = (
    Rule((r"\bGH200\b",), "GH200-96GB", 96),
    Rule((r"\bGB200\b",), "GB200-186GB", 186),
    Rule((r"\bGB300\b",), "GB300-279GB", 279),
    Rule((r"\bH200\b", r"\bNVL\b"), "H200-NVL-141GB", 141),
    Rule((r"\bH200\b",), "H200-SXM-141GB", 141, none_of=(r"\bPCIE\b",)),
    Rule((r"\bH100\b", r"\bNVL\b"), "H100-NVL-94GB", 94),
    Rule((r"\bH100\b", r"\bPCIE\b"), "H100-PCIE-80GB", 80),
    Rule((r"\bH100\b", r"\bSXM\d?\b|\bHBM3\b|\bMEGA\b"), "H100-SXM-80GB", 80),
    Rule((r"\bH100\b",), None, reason="H100 listing does not say SXM, PCIe or NVL"),
    Rule((r"\bB300\b",), "B300-SXM-288GB", 288),
    Rule((r"\bB200\b",), "B200-SXM-180GB", 180),
    Rule((r"\bA100\b", r"\bSXM\d?\b", r"\b80 ?GB\b"), "A100-SXM-80GB", 80),
    Rule((r"\bA100\b", r"\bSXM\d?\b", r"\b40 ?GB\b"), "A100-SXM-40GB", 40),
    Rule((r"\bA100\b", r"\bPCIE\b", r"\b80 ?GB\b"), "A100-PCIE-80GB", 80),
    Rule((r"\bA100\b", r"\bPCIE\b", r"\b40 ?GB\b"), "A100-PCIE-40GB", 40),
    Rule((r"\bA100\b",), None, reason="A100 listing does not say both form factor (SXM/PCIe) and memory (40/80GB)"),
    Rule((r"\bMI300X\b",), "MI300X-192GB", 192),
    Rule((r"\bMI325X\b",), "MI325X-256GB", 256),
    Rule((r"\bL40S\b",), "L40S-48GB", 48),
    Rule((r"\bL40\b",), "L40-48GB", 48),
    Rule((r"\bL4\b",), "L4-24GB", 24),
    Rule((r"\bA40\b",), "A40-48GB", 48),
    Rule((r"\bRTX ?4090\b",), "RTX4090-24GB", 24),
    Rule((r"\bRTX ?5090\b",), "RTX5090-32GB", 32),
    Rule((r"\bRTX ?A6000\b",), "RTXA6000-48GB", 48),
    Rule((r"\bRTX ?6000 ?ADA\b",), "RTX6000ADA-48GB", 48),
)

# Patterns run on the lower-cased model name.
_NOT_BASE = (
    r"deepseek",
    r"dobby",
    r"nemotron",
    r"distill",
    r"vision",
    r"snowflake-llama",
    r"gguf",
    r"\bfree\b",
    r"-free$",
    r"guard",
)
TOKEN_RULES: tuple[Rule, ...] = (
    Rule((r"llama[-_ .]?3[-_.]3[-_ ]70b",), "llama-3.3-70b-instruct", none_of=_NOT_BASE),
    Rule((r"llama[-_ .]?3[-_.]1[-_ ]8b",), "llama-3.1-8b-instruct", none_of=(*_NOT_BASE, r"\bbase\b")),
    Rule((r"llama[-_ .]?3[-_.]1[-_ ]405b",), "llama-3.1-405b-instruct", none_of=_NOT_BASE),
    Rule((r"gpt-oss-120b",), "gpt-oss-120b", none_of=_NOT_BASE),
    Rule((r"gpt-oss-20b",), "gpt-oss-20b", none_of=_NOT_BASE),
    Rule((r"qwen3-235b-a22b-instruct-2507",), "qwen3-235b-a22b-instruct-2507", none_of=(r"vl", r"thinking")),
)

# Serving variants recorded alongside the good (quantisation, speed tiers).
TOKEN_VARIANT_PATTERN = r"fp8|fp4|int8|int4|bf16|turbo|versatile|fast|mxfp4"  # noqa: S105 - a regex, not a secret
