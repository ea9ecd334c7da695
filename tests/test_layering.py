"""The layering holds on the installed package: import-linter contracts and mypy.

models/ and connectors/ install as finops.models and finops.connectors (setuptools
package-dir), a layout the checkout does not have, so both tools run on the package as
pip installs it: the wheel is built once, unpacked into a scratch folder, and the tools run
there with that folder first on the path (never the checkout). docs/architecture.md
explains the layers and the contracts in pyproject.toml.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
KERNEL = {"finops.models", "finops.errors", "finops.schema"}  # what models/ may import
PUBLIC_STORE = {"finops.store.atomic"}


def _contracts() -> dict[str, dict]:
    config = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]
    return {c["id"]: c for c in config["contracts"]}


def _top_level_modules(site: Path) -> set[str]:
    pkg = site / "finops"
    names = {f"finops.{p.stem}" for p in pkg.glob("*.py") if p.stem != "__init__"}
    names |= {f"finops.{p.parent.name}" for p in pkg.glob("*/__init__.py")}
    return names


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of this checkout, unpacked as pip would install it."""
    # built from a copy: setuptools writes build/ and *.egg-info into the source tree, and two
    # xdist workers building the same checkout at once broke each other's wheel
    source = tmp_path_factory.mktemp("source") / "tree"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__",
                                                                ".pytest_cache", ".mypy_cache"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
                   check=True, capture_output=True, timeout=300)
    (wheel,) = out.glob("finops_console-*.whl")
    target = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as z:
        z.extractall(target)
    return target


def _run(site: Path, code: str, *args: str) -> subprocess.CompletedProcess[str]:
    # cwd and PYTHONPATH are the unpacked wheel: `finops` resolves there, not to the editable install.
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, "-c", code, *args], cwd=site, env=env, capture_output=True, text=True,
                          timeout=600)


LINT = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def test_the_tools_see_the_installed_package(site: Path) -> None:
    done = _run(site, "import finops.models, finops.connectors; print(finops.models.__file__)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith(str(site)), done.stdout


def test_import_contracts_hold(site: Path) -> None:
    done = _run(site, LINT, str(PYPROJECT), "--no-cache")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert f"{len(_contracts())} kept, 0 broken" in done.stdout


def test_a_store_import_in_models_breaks_the_contract(site: Path, tmp_path: Path) -> None:
    bad = tmp_path / "site"
    shutil.copytree(site, bad)
    series = bad / "finops" / "models" / "forecast" / "series.py"
    series.write_text(series.read_text() + "\nfrom finops.store import Store  # noqa: E402\n")
    done = _run(bad, LINT, str(PYPROJECT), "--no-cache")
    assert done.returncode != 0
    assert "finops.models.forecast.series -> finops.store" in done.stdout


def test_the_contracts_name_every_top_level_module(site: Path) -> None:
    contracts, tops = _contracts(), _top_level_modules(site)
    assert set(contracts["models-are-pure"]["forbidden_modules"]) == tops - KERNEL
    assert set(contracts["only-tui-imports-textual"]["source_modules"]) == tops - {"finops.tui"}
    headless = tops - {"finops.tui", "finops.cli", "finops.commands"}  # `finops dashboard` opens the TUI
    assert set(contracts["headless-core"]["source_modules"]) == headless
    store = {f"finops.store.{p.stem}" for p in (site / "finops" / "store").glob("*.py") if p.stem != "__init__"}
    assert set(contracts["store-internals-private"]["protected_modules"]) == store - PUBLIC_STORE


@pytest.mark.slow
def test_mypy_is_clean(site: Path) -> None:
    # No cache (os.devnull): every run starts fresh, so writing one only costs (23 -> 19-21 s).
    done = _run(site, "import sys; from mypy import api; out, err, code = api.run(sys.argv[1:]); "
                      "print(out, err); sys.exit(code)",
                "-p", "finops", "--config-file", str(PYPROJECT), "--cache-dir", os.devnull)
    assert done.returncode == 0, done.stdout[-6000:]
