"""The shape of the code, checked: layering contracts that fail when crossed, small modules, SQL only in the store,
`__init__.py` files that only re-export, and a built wheel that runs on its own."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO

PACKAGE = REPO / "pipeline"
BIN = Path(sys.executable).parent
# Modules allowed past ~300 lines, and why.
LONG_MODULES: dict[str, str] = {}
SQL = re.compile(
    r"\b(SELECT\s+[\w*(]|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|VIEW))"
)


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_the_import_contracts_hold() -> None:
    out = subprocess.run([str(BIN / "lint-imports")], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:]


@pytest.mark.parametrize(
    ("module", "forbidden", "contract"),
    [
        ("index/corrections.py", "from pipeline.store import Warehouse", "Layers"),
        ("normalize/fx.py", "import duckdb", "The core is pure"),
        ("sources/litellm.py", "from pipeline.store import queries", "Layers"),
        ("face/report.py", "import duckdb", "Only the store talks to the database"),
        ("publish/files.py", "import airflow", "Nothing imports Airflow"),
    ],
)
def test_crossing_a_layer_breaks_a_contract(tmp_path: Path, module: str, forbidden: str, contract: str) -> None:
    copy = tmp_path / "pipeline"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "samples"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    target = copy / module
    target.write_text(target.read_text() + f"\n{forbidden}  # noqa\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run([str(BIN / "lint-imports")], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode != 0
    verdicts = re.findall(r"(\S[^\n]*?(?:\n[^\n]*?)?) (KEPT|BROKEN)\b", out.stdout)
    broken = [" ".join(name.split()) for name, verdict in verdicts if verdict == "BROKEN"]
    assert any(name.startswith(contract) for name in broken), out.stdout[-2000:]


def test_no_module_is_long_without_a_reason() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in modules()
        if (n := len(p.read_text().splitlines())) > 300 and str(p.relative_to(PACKAGE)) not in LONG_MODULES
    }
    assert long == {}


def test_sql_is_written_only_in_the_store() -> None:
    offenders = []
    for path in modules():
        if path.is_relative_to(PACKAGE / "store"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


def test_init_files_only_re_export() -> None:
    for path in PACKAGE.rglob("__init__.py"):
        for node in ast.parse(path.read_text()).body:
            docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            exports = isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == ["__all__"]
            main = isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)
            version = isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == ["__version__"]
            assert docstring or exports or main or version or isinstance(node, ast.Import | ast.ImportFrom), (
                f"{path.relative_to(REPO)}:{node.lineno} is logic in an __init__.py"
            )


def test_the_store_offers_named_queries_not_raw_sql() -> None:
    import inspect

    from pipeline.store import Warehouse

    takes_sql = [
        name
        for name, member in inspect.getmembers(Warehouse, inspect.isfunction)
        if not name.startswith("_") and "sql" in inspect.signature(member).parameters
    ]
    assert takes_sql == ["query"], "only the analysts' ad-hoc `query` takes SQL text"


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the built wheel installed (non-editable); dependencies are borrowed from this venv."""
    root = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(root), str(REPO)],
        check=True,
        capture_output=True,
    )
    [wheel] = root.glob("compute_index-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    borrowed = next(Path(sys.prefix, "lib").glob("python3*/site-packages"))
    (site / "borrowed-dependencies.pth").write_text(str(borrowed) + "\n")  # after the venv's own packages
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
        check=True,
        capture_output=True,
    )
    return venv


def test_the_built_wheel_runs_offline_and_verifies(wheel_venv: Path, tmp_path: Path) -> None:
    python = wheel_venv / "bin" / "python"
    where = subprocess.run(
        [str(python), "-c", "import pipeline, sys; print(pipeline.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(wheel_venv), f"the wheel's copy is imported, not the source tree: {where}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIX_")}
    env["PYTHONPATH"] = ""
    cix = str(wheel_venv / "bin" / "cix")
    run = subprocess.run([cix, "run", "--offline"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "published" in run.stdout
    assert (tmp_path / "publish").is_dir() and (tmp_path / "var").is_dir()
    verify = subprocess.run([cix, "verify"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert verify.returncode == 0 and "all reproduce" in verify.stdout, verify.stdout + verify.stderr[-2000:]
