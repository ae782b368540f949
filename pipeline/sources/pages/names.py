"""What GPU a piece of page text names: the model, the words that make it a variant, how many, how much memory.

A GPU name is recognised by its model designation, not by where it sits: "H100", "A100", "MI300X",
"GB200", "L40S", "RTX A6000", "RTX PRO 6000", "Quadro RTX 6000", "RTX 4000 Ada" (a letter prefix
and digits, or an RTX-family name). Around it, the words that tell variants apart are kept
(vendor, HGX/DGX, SXM/PCIe/NVL/NVLink/OAM, memory and its kind (HBM3: H100's SXM part), "Ada Generation"), and
nothing else, so
"1-1016 HGX H100 GPUs for your bursts" names "HGX H100".
"""

from __future__ import annotations

import re

from pipeline.sources.pages.version import at_least

# A model designation: letters then 2-4 digits (H100, GB200, MI300X, A40, L40S, V100), an RTX-family
# name (RTX A6000, RTX PRO 6000, Quadro RTX 6000, RTX 4000 Ada), or one of the short names (L4, T4).
_MODEL = re.compile(
    r"(?<![\w.-])(?:"
    r"(?:Quadro\s+)?RTX[\s-]*(?:P[Rr][Oo][\s-]*)?(?:A)?\d{4}(?:\s*Ada)?"
    r"|(?:GB|GH|MI|[ABHLVPTKMG])\d{2,4}(?:[A-Z]{1,3}|[a-z](?![\w.]))?"
    r"|[LT]4"
    r")(?:(?![\w.])|(?=[x×]\d))",
)
_VENDOR = frozenset(("nvidia", "nvidia®", "amd", "instinct", "instinct™", "hgx", "dgx", "tesla", "geforce", "radeon"))
_VARIANT = re.compile(
    r"^\(?(?:sxm\d?|pcie|pci-e|pci|express|nvl\d*|nvlink|hgx|oam|hbm\d?e?|\d+(?:\.\d+)?\s?gi?b|\d+g|gi?b|ada|generation|tensor|core|"
    r"se|bse|server|edition|blackwell|superchip|high|standard|memory|with|intel|amd|cpu|ti|super|"
    r"\d+(?:\.\d+)?)\)?,?$",
    re.IGNORECASE,
)
# "8x H100", "8 × H200", "8-GPU H100", "8 GPUs"
_COUNT_BEFORE = re.compile(r"(?<![\w.-])(\d{1,3})\s*(?:[x×]|-?\s*(?:gpu|accelerator)s?\b)\s*(?=\S|$)", re.IGNORECASE)
_COUNT_AFTER = re.compile(r"(?<=[0-9A-Za-z])\s*[x×](\d{1,3})\b")
# The first of sizes listed together: "4x/8x H100", "4 or 8x H100", "1-8 GPUs"
_COUNT_LISTED = re.compile(
    r"(?<![\w.-])(\d{1,3})\s*(?:/|,|-|–|\bor\b|\bto\b)\s*(?=(\d{1,3})\s*(?:[x×]|-?\s*(?:gpu|accelerator)s?\b))", re.I
)
_MEMORY = re.compile(r"(?<![\w.])(\d{1,4}(?:\.\d+)?)\s*(?:GB|GiB|G)\b(?!\s*/\s*s)", re.IGNORECASE)

# Memory sizes (GB per GPU) each model is sold with, to tell a machine's total from a per-GPU figure.
KNOWN_MEMORY: dict[str, tuple[float, ...]] = {
    "H100": (80, 94, 96),
    "H200": (141,),
    "H800": (80,),
    "A100": (40, 80),
    "B200": (180, 192),
    "B300": (262, 270, 279, 288),
    "GB200": (186, 192),
    "GB300": (279, 288),
    "GH200": (96, 144),
    "MI300X": (192,),
    "MI325X": (256,),
    "MI355X": (288,),
    "L40S": (48,),
    "L40": (48,),
    "L4": (24,),
    "A10": (24,),
    "A40": (48,),
    "V100": (16, 32),
    "T4": (16,),
}


def models(text: str) -> list[str]:
    """The distinct GPU model designations text names, in order of first mention ("A100", "H100 PCIe" -> "H100")."""
    seen: list[str] = []
    for match in _MODEL.finditer(text):
        model = _canonical(match.group(0))
        if model not in seen:
            seen.append(model)
    return seen


# A choice of two memory sizes or form factors: "40GB / 80GB", "40 or 80 GB", "PCIe / SXM" (not "80GB (640 GB
# total)": one machine's memory).
_CHOICE = re.compile(
    r"\b(\d{2,3})\s?(?:GB)?\s*(?:/|\bor\b)\s*(\d{2,3})\s?GB\b"
    r"|\b(SXM\d?|PCIe|NVL)\s*(?:/|\bor\b)\s*(SXM\d?|PCIe|NVL)\b",
    re.IGNORECASE,
)


CONFIDENTIAL_REASON = (
    "a confidential-computing instance ({said}): the GPU run in its protected mode, priced apart from the standard "
    "rental, not the standard good"
)
# "CC" in capitals and not a compute capability ("CC 8.0"), or the words.
_CONFIDENTIAL = re.compile(r"\bCC\b(?!\s*\d)|\b(?i:confidential)(?:[\s-](?i:comput)\w*)?")


SHARED_REASON = "the row names {gpus} for one price: which GPU it is for is not stated"


def not_one_good(name: str) -> str | None:
    """Why a GPU's name priced alone names no one standard good: several GPUs for one price (`shared_goods`), or a
    confidential-computing instance (`confidential`)."""
    if (shared := shared_goods(name)) is not None:
        return SHARED_REASON.format(gpus=" and ".join(shared))
    return confidential(name)


def confidential(name: str) -> str | None:
    """`CONFIDENTIAL_REASON` for a GPU's name that makes it a confidential-computing instance ("B300 CC SXM6"), from
    page parsers v5 (v4 read "1x B300 CC SXM6 268GB" as the standard B300, beside the standard price)."""
    found = _CONFIDENTIAL.search(name) if at_least(5) else None
    return None if found is None else CONFIDENTIAL_REASON.format(said=found.group(0))


def shared_goods(name: str) -> list[str] | None:
    """The goods a row's name names for its prices when it names more than one: two models ("RTX A6000/A40"), or one
    model in a choice of two memory sizes or form factors ("A100 SXM (40GB / 80GB)", "H100 (PCIe / SXM)", whose prices
    are not said to be which); else None."""
    found = models(name)
    if len(found) > 1:
        return found
    choice = _CHOICE.search(name)
    if len(found) != 1 or choice is None:
        return None
    pair = choice.group(1, 2) if choice.group(1) else choice.group(3, 4)
    first, second = (f"{g}GB" if g.isdigit() else g for g in pair)
    return [f"{found[0]} {first}", f"{found[0]} {second}"] if first.lower() != second.lower() else None


def _canonical(found: str) -> str:
    model = re.sub(r"\s+", " ", found).strip()
    return model.upper() if re.fullmatch(r"[A-Z]{1,2}\d{2,4}[a-z]", model) else model


def gpu_phrase(text: str) -> str | None:
    """The words of text that name one GPU and its variant ("NVIDIA H100 SXM 80GB"); None if no GPU is named."""
    match = _MODEL.search(text)
    if match is None:
        return None
    before = text[: match.start()].split()
    after = re.sub(r"^\S*", "", text[match.end() :]).split()
    start = len(before)
    while start > 0 and before[start - 1].lower().strip(",") in _VENDOR:
        start -= 1
    kept: list[str] = []
    for word in after:
        if not _VARIANT.match(word):
            break
        kept.append(word)
    while kept and (kept[-1].lower().strip("(),") in ("with", "high", "standard") or re.fullmatch(r"\d+", kept[-1])):
        kept.pop()  # a name ends on a word of its own, not on "with" or a bare number
    # the whole word that holds the model ("A100-80G"), less a machine size glued to it ("H100x8")
    tail = re.match(r"\S*", text[match.end() :])
    core = re.sub(r"[x×]\d+$", "", match.group(0) + (tail.group(0) if tail else ""))
    return " ".join([*before[start:], core, *kept]).replace("®", "").replace("™", "").strip()


def is_name(text: str) -> bool:
    """True for a short text that names exactly one GPU model and no price: a product name, not a sentence."""
    if len(text) > 80 or len(text.split()) > 10 or "$" in text or "€" in text or "£" in text:
        return False
    return len(models(text)) == 1


def is_shared_name(text: str) -> bool:
    """True for a short label naming two or more GPUs for one row ("NVIDIA RTX A6000/A40"): no single good."""
    if len(text) > 48 or "$" in text or "€" in text or "£" in text or not re.search(r"/|\bor\b", text):
        return False
    return len(models(text)) >= 2


def count_in(text: str) -> int | None:
    """The machine size a name states: "8x H100", "8 × H200 SXM", "H100x8", "MI300Xx8"; None when none, or when it
    states several ("4x/8x H100": which one a price is for is not said)."""
    if len(counts := counts_in(text)) != 1:
        return None
    count = counts.pop()
    return count if 0 < count <= (1024 if at_least(5) else 128) else None  # v5: "144x B300 instant cluster"


def counts_in(text: str) -> set[int]:
    """Every machine size a name states ("4x/8x H100", "4 or 8x H100": 4 and 8)."""
    found = [m.groups() for p in (_COUNT_BEFORE, _COUNT_AFTER, _COUNT_LISTED) for m in p.finditer(text)]
    return {int(n) for numbers in found for n in numbers}


def memory_in(text: str) -> float | None:
    """GPU memory in GB a text states ("80GB", "141 GB", "A100-80G"); None when it states none."""
    match = _MEMORY.search(text)
    return float(match.group(1)) if match else None


def per_gpu_memory(model: str, stated: float, count: int | None) -> float | None:
    """A stated memory as memory per GPU: itself when the model is sold with it, else the machine's total / count."""
    known = KNOWN_MEMORY.get(model)
    if known is None or stated in known:
        return stated
    if count and count > 1 and stated / count in known:
        return stated / count
    return stated
