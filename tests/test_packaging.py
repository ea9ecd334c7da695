"""The wheel installs everything under the finops namespace, and nothing else at the top.

models/ and connectors/ are repository folders, but `models` and `connectors` are taken on the
package index, so a wheel that put them at the top of site-packages would clash with other
projects. These tests build the real wheel and import from it, not from the checkout.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"finops": "finops", "models": "finops.models", "connectors": "finops.connectors"}


def _declared_packages() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]


def test_every_package_folder_is_declared() -> None:
    on_disk = set()
    for folder, name in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            on_disk.add(".".join([name, *rel.parts]))
    assert on_disk == set(_declared_packages())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True, timeout=300)
    (built,) = out.glob("finops_console-*.whl")
    return built


def test_wheel_has_only_finops_at_the_top(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        tops = {name.split("/")[0] for name in z.namelist()}
        names = set(z.namelist())
    assert {t for t in tops if not t.endswith(".dist-info")} == {"finops"}
    assert "finops/models/pricing/catalog.csv" in names
    assert "finops/sql/request_days.sql" in names
    assert "finops/tui/app.tcss" in names


def test_imports_from_the_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(target)
    # -I: isolated mode, so neither the checkout nor the editable install is on the path.
    code = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "import finops.models.pricing.catalog as c, finops.connectors.sync, finops.rollup as r; "
            "assert c.__file__.startswith(sys.argv[1]), c.__file__; "
            "assert 'SELECT' in r.request_days_sql().upper(); "
            "import importlib.util as u; assert u.find_spec('models') is None and u.find_spec('connectors') is None; "
            "print('ok')")
    env_site = [p for p in sys.path if p.endswith("site-packages")]
    done = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path[:0] = {env_site!r}; " + code,
                           str(target)], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
