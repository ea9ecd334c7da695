"""The figures do not depend on how many threads polars runs: the suite's workers run one each
(tests/conftest.py), a laptop eight. Each command runs in its own interpreter, with one thread
and with four, over the same store, and prints the same bytes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

COMMANDS = [  # figures holds the reconcile summary, COGS per task, month to date and the month-end forecast
    ["reconcile", "--format", "json"],
    ["figures", "--format", "json"],
    ["export", "--dataset", "cogs", "--format", "csv", "--since", "2026-10-01", "--until", "2026-10-31", "--out", "{out}"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_command_prints_the_same_whatever_the_thread_count(finops_home: Path, sample_dir: Path, tmp_path: Path,
                                                           args: list[str]) -> None:
    for name in ("finops.toml", "fx_rates.csv"):  # the sample's settings: its currencies' rates
        shutil.copy(sample_dir / name, finops_home / name)
    outputs = []
    for threads in ("1", "4"):
        out = tmp_path / f"export-{threads}"
        argv = [a.replace("{out}", str(out)) for a in args]
        env = {**os.environ, "POLARS_MAX_THREADS": threads, "FINOPS_HOME": str(finops_home),
               "FINOPS_CONFIG": str(finops_home / "finops.toml")}
        proc = subprocess.run([sys.executable, "-m", "finops.cli", *argv], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=300)
        assert proc.returncode in (0, 1), proc.stderr  # 1: reconcile's "something is unexplained"
        files = {p.name: p.read_bytes() for p in sorted(out.rglob("*.csv"))}  # (a manifest holds the export's time)
        outputs.append((proc.returncode, proc.stdout, files))
    assert outputs[0][1] or outputs[0][2], "the command printed and wrote nothing"
    assert outputs[0] == outputs[1]
