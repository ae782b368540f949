"""`docker/docker-compose.yml` read as Docker Compose reads it (no Docker engine here): every service it names exists,
every image is a fixed release, every secret comes from the one env file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

DOCKER = Path(__file__).resolve().parents[2] / "docker"
BUILT_HERE = "compute-index"  # the project's own image, built from docker/Dockerfile


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DOCKER / "docker-compose.yml").read_text())
    return loaded


def test_every_image_is_a_fixed_release_not_a_floating_tag() -> None:
    for name, service in compose()["services"].items():
        image = service.get("image", "")
        repository, _, tag = image.rpartition(":") if ":" in image.rsplit("/", 1)[-1] else (image, "", "")
        if repository.endswith(BUILT_HERE):
            assert "build" in service, f"{name}: {image} is built here"
            continue
        assert tag and tag != "latest", f"{name}: {image!r} floats (pin a release)"


def test_every_dependency_is_a_service_and_every_secret_comes_from_the_env_file() -> None:
    services = compose()["services"]
    for name, service in services.items():
        assert set(service.get("depends_on", {})) <= set(services), f"{name} depends on a service not defined"
    example = (DOCKER / "cix.env.example").read_text()
    declared = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    # "${NAME}" and "${NAME:-default}" are Compose's; "$${NAME}" is a "$" for the container's shell
    used = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)(?::-[^}]*)?\}", (DOCKER / "docker-compose.yml").read_text()))
    assert used <= declared, f"the compose file reads what cix.env.example does not declare: {used - declared}"


def test_the_tests_run_on_the_versions_the_image_installs() -> None:
    """`make install` and the image install with the same constraints: what passed here is what is deployed."""
    from importlib.metadata import distributions

    def name(raw: str) -> str:
        return re.sub(r"[-_.]+", "-", raw).lower()

    pinned = dict(
        (name(n), v)
        for n, _, v in (line.partition("==") for line in (DOCKER / "constraints.txt").read_text().splitlines())
        if v and not n.startswith("#")
    )
    installed = {name(d.metadata["Name"]): d.version for d in distributions()}
    assert len(pinned) > 100, "constraints.txt is a freeze of the whole environment"
    differ = {n: (v, installed.get(n)) for n, v in pinned.items() if installed.get(n) != v}
    assert differ == {}, f"pinned vs installed (make install installs the pins): {differ}"
