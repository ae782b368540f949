"""Canonical identity of what is being priced, as data.

A rule matches when every `all_of` regex is found and no `none_of` regex is; the first
matching rule wins. A rule with `good=None` is an identity *rejection* (the listing is
too vague to be one standard good) and carries its reason.

GPU rules read a key built from the provider's label plus the disclosed memory after a bar
(e.g. "A100 SXM | 80GB"), so a rule can tell what the name says from what the memory column says;
token rules read the provider's model name, lower-cased.
"""

from __future__ import annotations

from dataclasses import dataclass

# The version of the identity and segment rules, recorded on every quote so `verify` can tell a
# rule change from tampering. 1: identity rules as of methodology v1; 2: adds segments
# (`normalize.segments`), identities unchanged; 3: a GPU-hour listing that names no GPU model
# (`GPU_MODEL`) is an identity rejection, no longer a quote without a good; 4: the PCIe form factor
# also when written "PCI Express" or "PCI-E" (a listing so written was refused as not saying it); 5: a GH200
# listing that says 144 GB or HBM3e is the 144 GB part (was read as the 96 GB one); 6: a listing naming two form
# factors ("H100 SXM / PCIe", "H200 SXM/NVL", "A100 SXM or PCIe") is an identity rejection (was read as whichever
# variant's rule came first); 7: a listing naming two indexed GPU models ("B200 / GB200", "H200 or GH200") is an
# identity rejection (was read by the first model's rule); 8: a listing whose name states two memory variants of one
# GPU ("A100 40GB/80GB") is an identity rejection (was read as the first rule's, the 80 GB part), and a name's own
# memory is read before the disclosed one, so "A100 SXM 40GB" disclosed as 80 GB contradicts its good (was read as
# the 80 GB part), as "A100 SXM 80GB" disclosed as 40 GB already did. Bump it with every change to either file.
RULES_VERSION = "8"


@dataclass(frozen=True)
class Rule:
    all_of: tuple[str, ...]
    good: str | None
    memory_gb: float | None = None
    none_of: tuple[str, ...] = ()
    reason: str | None = None


# Patterns run on an upper-cased key where "_", "-", "/", "(", ")" and "|" became spaces, then " | <memory>GB".
PCIE = r"\bPCI ?E(?:XPRESS)?\b"  # PCIe, PCI-E, PCI Express
SXM = r"\bSXM\d?\b|\bHGX\b"  # an SXM module, or the HGX baseboard that carries only those
TWO_FORMS = "listing names two form factors ({}) of the GPU: which one is priced cannot be known"
# The listing's name, before the memory its page discloses beside it ("A100 SXM 40GB | 80GB"): a memory the name
# states is the listing's, and a disclosed one that differs contradicts it rather than choosing the other variant.
NAME = r"^[^|]*"
GH200_144 = r"(?:\b144 ?GB\b|\bHBM3E\b)"  # the 144 GB GH200, by its memory or its memory's kind
TWO_MEMORIES = "listing names two memory sizes ({}) of the GPU: which one is priced cannot be known"
# The GPU models of indexed goods, as one word each (so "RTX A6000" and "A6000" are one model); a listing naming two
# different ones names no one good.
MODELS = r"G[HB]200|GB300|H[12]00|B[23]00|A100|MI3(?:00|25|55)X|L40S?|L4|A40|A6000"
TWO_MODELS = rf"\b({MODELS})\b.*\b(?!\1\b)(?:{MODELS})\b"
GPU_RULES: tuple[Rule, ...] = (
    Rule((TWO_MODELS,), None, reason="listing names two GPU models: which one is priced cannot be known"),
    # One listing, two variants (NVL cards are PCIe, so "H100 NVL PCIe" is one): refused before any variant's rule.
    Rule((r"\bH[12]00\b", SXM, PCIE), None, reason=TWO_FORMS.format("SXM and PCIe")),
    Rule((r"\bH[12]00\b", SXM, r"\bNVL\b"), None, reason=TWO_FORMS.format("SXM and NVL")),
    Rule((r"\bA100\b", SXM, PCIE), None, reason=TWO_FORMS.format("SXM and PCIe")),
    # One name, two memory variants ("A100 40GB/80GB"): refused before either variant's rule.
    Rule((r"\bA100\b", NAME + r"\b40 ?GB\b", NAME + r"\b80 ?GB\b"), None, reason=TWO_MEMORIES.format("40 and 80 GB")),
    Rule((r"\bGH200\b", NAME + r"\b96 ?GB\b", NAME + GH200_144), None, reason=TWO_MEMORIES.format("96 and 144 GB")),
    # Two memory variants: 96 GB HBM3 (the first, and a bare "GH200") and 144 GB HBM3e.
    Rule((r"\bGH200\b", GH200_144), "GH200-144GB", 144, none_of=(NAME + r"\b96 ?GB\b",)),
    Rule((r"\bGH200\b",), "GH200-96GB", 96),
    Rule((r"\bGB200\b",), "GB200-186GB", 186),
    Rule((r"\bGB300\b",), "GB300-279GB", 279),
    Rule((r"\bH200\b", r"\bNVL\b"), "H200-NVL-141GB", 141),
    Rule((r"\bH200\b",), "H200-SXM-141GB", 141, none_of=(PCIE,)),
    Rule((r"\bH100\b", r"\bNVL\b"), "H100-NVL-94GB", 94),
    Rule((r"\bH100\b", PCIE), "H100-PCIE-80GB", 80),
    # HGX baseboards carry only SXM modules, so "HGX H100" states the form factor.
    Rule((r"\bH100\b", rf"{SXM}|\bHBM3\b|\bMEGA\b"), "H100-SXM-80GB", 80),
    Rule((r"\bH100\b",), None, reason="H100 listing does not say SXM, PCIe or NVL"),
    Rule((r"\bB300\b",), "B300-SXM-288GB", 288),
    Rule((r"\bB200\b",), "B200-SXM-180GB", 180),
    Rule((r"\bA100\b", SXM, r"\b80 ?GB\b"), "A100-SXM-80GB", 80, none_of=(NAME + r"\b40 ?GB\b",)),
    Rule((r"\bA100\b", SXM, r"\b40 ?GB\b"), "A100-SXM-40GB", 40),
    Rule((r"\bA100\b", PCIE, r"\b80 ?GB\b"), "A100-PCIE-80GB", 80, none_of=(NAME + r"\b40 ?GB\b",)),
    Rule((r"\bA100\b", PCIE, r"\b40 ?GB\b"), "A100-PCIE-40GB", 40),
    Rule((r"\bA100\b",), None, reason="A100 listing does not say both form factor (SXM/PCIe) and memory (40/80GB)"),
    Rule((r"\bMI300X\b",), "MI300X-192GB", 192),
    Rule((r"\bMI325X\b",), "MI325X-256GB", 256),
    Rule((r"\bMI355X\b",), "MI355X-288GB", 288),
    Rule((r"\bL40S\b",), "L40S-48GB", 48),
    Rule((r"\bL40\b",), "L40-48GB", 48),
    Rule((r"\bL4\b",), "L4-24GB", 24),
    Rule((r"\bA40\b",), "A40-48GB", 48),
    Rule((r"\bRTX ?4090\b",), "RTX4090-24GB", 24),
    Rule((r"\bRTX ?5090\b",), "RTX5090-32GB", 32),
    Rule((r"\b(?:RTX ?)?A6000\b",), "RTXA6000-48GB", 48),
    Rule((r"\bRTX ?6000 ?ADA\b",), "RTX6000ADA-48GB", 48),
)

# Any GPU model a provider rents, indexed or not, on the same upper-cased key: NVIDIA data-centre (H100, GH200,
# B200, A100, A10G, L40S, T4, V100, P100, K80 ...), workstation and consumer (RTX 4090, RTX A5000, RTX PRO 6000,
# Quadro, M4000, P5000, GeForce, Titan), AMD (MI300X, Radeon, Instinct), Intel (Gaudi, Data Center GPU Max). A
# GPU-hour listing whose key names none is not a GPU anyone could identify ("Widget SXM 80GB", a generation name
# such as Oracle's "E4" or "Standard - X7"): an identity rejection with its reason, never a quote. Broad on
# purpose: a listing of a real GPU that no index covers (an RTX 3090) stays a quote without a good.
GPU_MODEL = (
    r"\b(?:G[HB]\d{3}|[HBL]\d{2,3}[A-Z]*|A\d{1,4}[A-Z]?|T4[A-Z]?|V100[A-Z]*|P\d{1,4}|K\d{2}|M\d{2,4}|MI\d{3}[A-Z]?"
    r"|RTX ?(?:PRO ?)?[A-Z]?\d{4}[A-Z]*|GTX ?\d{3,4}|TITAN|QUADRO|GEFORCE|TESLA|RADEON|INSTINCT|GAUDI ?\d?|GPU MAX)\b"
)
NO_GPU_MODEL = "names no GPU model (H100, A100, RTX 4090, MI300X ...): which GPU is priced cannot be known"

# Token goods. Patterns run on the lower-cased model name (the sku), e.g.
# "together_ai/meta-llama/llama-3.3-70b-instruct-turbo" or "us.anthropic.claude-sonnet-4-20250514-v1:0".
# A token good is an allow-list, not a substring: the model name must start a path segment
# ("/", "." or "@", optionally behind a host's own prefix such as "databricks-") and may be
# followed only by serving words (instruct, maas, a Bedrock "-v1:0", a vertex "@001", the
# good's own dated snapshot) and variant tokens, then the end. So fine-tunes named
# "<maker>-<base>" (hermes-3-llama-3.1-70b, deepseek-r1-distill-llama-70b) and suffixed
# relatives (-vision, -guard, -thinking, -exp, -200k long-context tiers, :free) do not match;
# _NOT_BASE is a second guard. Versions are different goods (deepseek-v3, -v3-0324, -v3.1 ...).
_TOKEN_VARIANTS = r"mxfp4|fp8|fp4|int8|int4|bf16|dynamic|turbo|fast|instant|versatile|tput|basic|exacto|nitro"  # noqa: S105
_TOKEN_START = r"(?:^|[/.@])(?:databricks-|openai-|anthropic-|zai-|meta-)*"  # noqa: S105 - a regex
_TOKEN_SERVING = r"instruct|maas|preview|hf|v\d+(?::\d+)?|\d+:\d+"  # noqa: S105 - a regex
_NOT_BASE = (
    r"distill",
    r"vision",
    r"\bvl\b",
    r"guard",
    r"gguf",
    r"\bfree\b",
    r"-free$",
    r"nemotron",
    r"hermes",
    r"dobby",
    r"snowflake-llama",
    r"embed",
    r"\bocr\b",
    r"audio",
    r"\btts\b",
    r"image",
    r"realtime",
    r"search",
)


def _token_name(name: str, snapshot: str | None = None, words: str = _TOKEN_SERVING) -> str:
    """Regex for model `name` at a segment start, then only serving/variant words (or `snapshot`) to the end."""
    allowed = f"{words}|{_TOKEN_VARIANTS}" + (f"|{snapshot}" if snapshot else "")
    return rf"{_TOKEN_START}(?:{name})(?:[-_:.](?:{allowed})|@\w+)*$"


def _open(name: str, good: str, *extra_none: str) -> Rule:
    return Rule((_token_name(name),), good, none_of=(*_NOT_BASE, *extra_none))


# First-party names carry no serving words but a Bedrock/vertex suffix; OpenAI's dated
# snapshots count only when the alias points at them (gpt-4o-2024-05-13 is another model).
_FIRST_PARTY_WORDS = r"v\d+(?::\d+)?"
_OPENAI = (
    ("gpt-4o", "2024-08-06"),
    ("gpt-4o-mini", "2024-07-18"),
    ("gpt-4.1", "2025-04-14"),
    ("gpt-4.1-mini", "2025-04-14"),
    ("gpt-4.1-nano", "2025-04-14"),
    ("gpt-5", "2025-08-07"),
    ("gpt-5-mini", "2025-08-07"),
    ("gpt-5-nano", "2025-08-07"),
    ("gpt-5.1", "2025-11-13"),
    ("gpt-5.2", "2025-12-11"),
    ("gpt-5.4", "2026-03-05"),
    ("gpt-5.5", "2026-04-23"),
)
# (family, version): Claude names come as claude-sonnet-4-5, claude-sonnet-4.5 or
# claude-4.5-sonnet, each version with one dated snapshot (-20250929 / @20250929).
_CLAUDE = (
    ("sonnet", "4"),
    ("sonnet", "4.5"),
    ("sonnet", "4.6"),
    ("opus", "4"),
    ("opus", "4.1"),
    ("opus", "4.5"),
    ("opus", "4.6"),
    ("opus", "4.7"),
    ("opus", "4.8"),
)


def _openai(name: str, snapshot: str) -> Rule:
    pattern = _token_name(name.replace(".", "[-.]"), snapshot=snapshot, words=_FIRST_PARTY_WORDS)
    return Rule((pattern,), name, none_of=_NOT_BASE)


def _claude(family: str, version: str) -> Rule:
    number = version.replace(".", "[-.]")
    name = rf"claude-(?:{family}-{number}|{number}-{family})"
    return Rule(
        (_token_name(name, snapshot=r"20\d{6}", words=_FIRST_PARTY_WORDS),),
        f"claude-{family}-{version}",
        none_of=_NOT_BASE,
    )


_LLAMA_KIN = (r"deepseek", r"cogito", r"aion", r"-long\b")
TOKEN_RULES: tuple[Rule, ...] = (
    # Bedrock's "deepseek.v3-v1:0" is DeepSeek-V3.1 priced as such, under a V3 name.
    Rule((r"deepseek\.v3-v1:0$",), None, reason="deepseek.v3-v1:0 is named V3 but serves V3.1: ambiguous version"),
    # Meta Llama (llama-3.3-70b, llama3-3-70b, llama-v3p3-70b, meta-llama-3_3-70b ...).
    _open(r"llama[-_]?v?3[-_.p]3[-_]70b", "llama-3.3-70b-instruct", *_LLAMA_KIN),
    _open(r"llama[-_]?v?3[-_.p]1[-_]8b", "llama-3.1-8b-instruct", *_LLAMA_KIN),
    _open(r"llama[-_]?v?3[-_.p]1[-_]70b", "llama-3.1-70b-instruct", *_LLAMA_KIN),
    _open(r"llama[-_]?v?3[-_.p]1[-_]405b", "llama-3.1-405b-instruct", *_LLAMA_KIN),
    _open(r"llama[-_]?4[-_]maverick(?:[-_]17b)?(?:[-_]1(?:28|6)e)?", "llama-4-maverick", *_LLAMA_KIN),
    _open(r"llama[-_]?4[-_]scout(?:[-_]17b)?(?:[-_]1(?:28|6)e)?", "llama-4-scout", *_LLAMA_KIN),
    # OpenAI open weights ("-safeguard-" is a guard model).
    _open(r"gpt-oss-120b", "gpt-oss-120b"),
    _open(r"gpt-oss-20b", "gpt-oss-20b"),
    # DeepSeek: each release its own good; "deepseek-chat" / "-reasoner" are moving aliases, unmapped.
    _open(r"deepseek[-_.]v3", "deepseek-v3"),
    _open(r"deepseek(?:-chat)?[-_.]v3-0324", "deepseek-v3-0324"),
    _open(r"deepseek(?:-chat)?[-_.]v3(?:\.|p)1", "deepseek-v3.1"),
    _open(r"deepseek[-_.]v3(?:\.|p)1-terminus", "deepseek-v3.1-terminus"),
    _open(r"deepseek[-_.]v3(?:\.|p)2", "deepseek-v3.2"),
    _open(r"deepseek[-_.]v3(?:\.|p)2-exp", "deepseek-v3.2-exp"),
    _open(r"deepseek[-_.]r1(?:-671b)?", "deepseek-r1"),
    _open(r"deepseek[-_.]r1-0528", "deepseek-r1-0528"),
    _open(r"deepseek[-_.]v4-flash", "deepseek-v4-flash"),
    _open(r"deepseek[-_.]v4-pro", "deepseek-v4-pro"),
    # Qwen3: the April hybrid model, and the July 2507 instruct / thinking splits.
    _open(r"qwen3-235b-a22b", "qwen3-235b-a22b"),
    _open(r"qwen3-235b-a22b(?:-instruct)?-2507", "qwen3-235b-a22b-instruct-2507"),
    _open(r"qwen3-235b-a22b-thinking-2507", "qwen3-235b-a22b-thinking-2507"),
    # OpenRouter's and Vercel's bare "qwen3-coder" is the 480B-A35B instruct model.
    _open(r"qwen3-coder(?:-480b)?(?:-a35b)?", "qwen3-coder-480b-a35b-instruct"),
    # Mistral Small: 3 (2501), 3.1 (2503), 3.2 (2506); "mistral-small" / "-latest" are moving aliases.
    _open(r"mistral-small-(?:24b-instruct-2501|2501)", "mistral-small-3"),
    _open(r"mistral-small-(?:3[-.]1(?:-24b)?(?:-instruct)?(?:-2503)?|2503)", "mistral-small-3.1"),
    _open(r"mistral-small-(?:3[-.]2(?:-24b)?(?:-instruct)?(?:-2506)?|2506)", "mistral-small-3.2"),
    # Kimi K2: 0711 (the original), 0905, thinking, 2.5, 2.6; "kimi-k2-turbo-preview" tracks the latest.
    _open(r"kimi-k2(?:-0711)?", "kimi-k2", r"kimi-k2-turbo"),
    _open(r"kimi-k2(?:-instruct)?-0905", "kimi-k2-0905"),
    _open(r"kimi-k2-thinking", "kimi-k2-thinking"),
    _open(r"kimi-k2(?:\.|p)5", "kimi-k2.5"),
    _open(r"kimi-k2(?:\.|p)6", "kimi-k2.6"),
    # Z.ai GLM ("-air" is a smaller model, "4.5v" / "4.6v" vision models).
    _open(r"glm-4(?:\.|p)5", "glm-4.5"),
    _open(r"glm-4(?:\.|p)5-air", "glm-4.5-air"),
    _open(r"glm-4(?:\.|p)6", "glm-4.6"),
    # First-party flagships, as sold by their maker and by resellers (Azure, Bedrock, Vertex ...).
    *(_openai(name, snapshot) for name, snapshot in _OPENAI),
    *(_claude(family, version) for family, version in _CLAUDE),
    Rule((_token_name(r"gemini-2[-.]5-pro", words=_FIRST_PARTY_WORDS),), "gemini-2.5-pro", none_of=_NOT_BASE),
    Rule((_token_name(r"gemini-2[-.]5-flash", words=_FIRST_PARTY_WORDS),), "gemini-2.5-flash", none_of=_NOT_BASE),
)

# Serving variants recorded alongside the good (quantisation, speed or throughput tiers).
TOKEN_VARIANT_PATTERN = rf"\b(?:{_TOKEN_VARIANTS})\b"
