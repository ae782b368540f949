"""The provider contract: a provider is one module in `pipeline/sources`, one test file and one registry line.

Checked here: every provider module is listed in `registry.MODULES` and defines `SOURCE`; every listed
source has `tests/sources/test_<module>.py` reading a real capture of it, a sample in the offline capture
set or a stated reason why not, only allow-listed HTTPS requests, and providers the register knows.
"""

from __future__ import annotations

import ast
import json
from importlib import import_module
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import pipeline.sources
from pipeline.config import SAMPLES_DIR
from pipeline.methodology import load_register
from pipeline.sources import REGISTRY, Source
from pipeline.sources.registry import MODULES

PACKAGE = Path(pipeline.sources.__file__).parent
# Shared by every source, not providers.
HELPERS = {"__init__", "base", "columnar", "fetch", "read", "registry", "archive"}
HELPER_PACKAGES = {"pages"}  # the pricing-page helpers
TESTS = Path(__file__).parent
# Sources with no real capture under ../shared/realdata: their test reads what does exist, and says so.
NO_REAL_CAPTURE = {"ecb-fx": "no ECB document was captured; the test reads the offline sample in the ECB's format"}


def provider_modules() -> set[str]:
    """Every provider module; a `<provider>_<part>` module beside one, with no source of its own, holds a part of it
    (`primeintellect_legacy`: older parser versions; `primeintellect_spot`: one of its rules)."""
    found = {p.stem for p in PACKAGE.glob("*.py")} - HELPERS
    found -= {stem for stem in found if _part_of_another(stem, found)}
    for package in PACKAGE.iterdir():
        if (package / "__init__.py").is_file() and package.name not in HELPER_PACKAGES:
            found |= {f"{package.name}.{p.stem}" for p in package.glob("*.py") if p.stem != "__init__"}
    return found


def _part_of_another(stem: str, stems: set[str]) -> bool:
    beside = any(stem.startswith(f"{other}_") for other in stems)
    return beside and not hasattr(import_module(f"pipeline.sources.{stem}"), "SOURCE")


def source_of(module: str) -> Source:
    source = import_module(f"pipeline.sources.{module}").SOURCE
    assert isinstance(source, Source), module
    return source


def real_captures_read(test_file: Path) -> set[str]:
    """The sources a test file builds real captures of: the first argument of its `real_capture(...)` calls."""
    return {
        node.args[0].value
        for node in ast.walk(ast.parse(test_file.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "real_capture"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }


def test_every_provider_module_is_registered_once() -> None:
    assert provider_modules() == set(MODULES)
    assert len(MODULES) == len(set(MODULES)) == len(REGISTRY)
    assert [source_of(m).name for m in MODULES] == list(REGISTRY)


@pytest.mark.parametrize("module", MODULES)
def test_every_registered_source_has_a_test_file_reading_a_real_capture(module: str) -> None:
    source = source_of(module)
    test_file = TESTS / f"test_{module.rsplit('.', 1)[-1]}.py"
    assert test_file.is_file(), f"{source.name}: no {test_file.name}"
    if source.name in NO_REAL_CAPTURE:
        assert source.name in test_file.read_text()
    else:
        assert source.name in real_captures_read(test_file), f"{test_file.name} reads no real {source.name} capture"


def test_every_source_has_an_offline_sample_or_says_why_not() -> None:
    manifest = json.loads((SAMPLES_DIR / "default" / "manifest.json").read_text())
    sampled = {c["source"] for c in manifest["captures"]}
    assert sampled <= set(REGISTRY)
    for source in REGISTRY.values():
        if source.name in sampled:
            assert source.no_sample_reason is None, f"{source.name} has a sample: its no_sample_reason is stale"
        else:
            assert source.no_sample_reason, f"{source.name}: no offline sample and no reason why not"


@pytest.mark.parametrize("source", REGISTRY.values(), ids=lambda s: s.name)
def test_every_provider_a_source_names_is_a_registered_firm_selling_its_product(source: Source) -> None:
    register = load_register()
    for provider in source.providers:
        firm = register.firm_of(provider)
        assert firm is not None, f"{source.name}: provider {provider!r} is not in the register"
        assert firm.class_for(source.product) is not None, f"{firm.id} has no class for {source.product}"


@pytest.mark.parametrize("source", REGISTRY.values(), ids=lambda s: s.name)
def test_sources_only_request_their_allow_listed_hosts_over_https(source: Source) -> None:
    assert source.requests
    for request in source.requests:
        assert request.url.startswith("https://"), request.url
        assert urlsplit(request.url).hostname in source.hosts, request.url
