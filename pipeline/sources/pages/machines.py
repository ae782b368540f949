"""Machine types whose GPUs the machine type fixes: the one table of which GPU, what variant, and how many.

A cloud's machine-type row ("a3-highgpu-8g | Nvidia H100 | GPUs: 8, vCPUs: 208, Memory: 1,872GB")
names the GPU model only; its form factor and memory are fixed by the machine type, which the cloud
documents, and the "Memory" it prints is the machine's system memory, not the GPU's. Every reader of
such rows (the GCP page's layout reader, the meaning reader, the SkyPilot catalog source) takes the
GPU from here. Google Compute Engine documentation, accelerator-optimised and G2 machine family.
"""

from __future__ import annotations

import re

# machine-type family -> (GPU model the page must name, GPU with form factor and memory)
FAMILIES: dict[str, tuple[str, str]] = {
    "a4-highgpu": ("B200", "B200 SXM 180GB"),
    "a3-ultragpu": ("H200", "H200 SXM 141GB"),
    "a3-megagpu": ("H100", "H100 SXM 80GB (Mega)"),
    "a3-highgpu": ("H100", "H100 SXM 80GB"),
    "a3-edgegpu": ("H100", "H100 SXM 80GB"),
    "a2-ultragpu": ("A100", "A100 SXM4 80GB"),
    "a2-highgpu": ("A100", "A100 SXM4 40GB"),
    "a2-megagpu": ("A100", "A100 SXM4 40GB"),
    "g2-standard": ("L4", "L4 24GB"),
}
# Machine types whose name does not end in the GPU count ("-8g"): GPUs per machine, as documented.
GPUS: dict[str, int] = {
    **{f"g2-standard-{n}": 1 for n in (4, 8, 12, 16, 32)},
    "g2-standard-24": 2,
    "g2-standard-48": 4,
    "g2-standard-96": 8,
}
MACHINE = re.compile(r"^([a-z]\d+-[a-z]+)-(\d+)(g?)$")


def machine_gpus(machine: str) -> tuple[str, str, int | None] | None:
    """(GPU model, GPU with variant and memory, GPUs per machine) for a known machine type, else None.

    The count is None for a machine type the table does not size (a fraction of a GPU, or a size
    not yet documented here): such a machine has no whole-GPU price.
    """
    match = MACHINE.match(machine.strip().lower())
    if match is None or match.group(1) not in FAMILIES:
        return None
    model, gpu = FAMILIES[match.group(1)]
    count = int(match.group(2)) if match.group(3) else GPUS.get(match.group(0))
    return model, gpu, count


def machine_label(machine: str) -> str:
    """The GPU a known machine type carries ("a3-highgpu-8g" -> "H100 SXM 80GB"); KeyError when unknown."""
    found = machine_gpus(machine)
    if found is None:
        raise KeyError(machine)
    return found[1]


def machine_in(texts: list[str]) -> tuple[str, str, str, int | None] | None:
    """(machine type, GPU model, GPU with variant and memory, GPUs) for the first known machine type among texts."""
    for text in texts:
        found = machine_gpus(text)
        if found is not None:
            return (text.strip().lower(), *found)
    return None
