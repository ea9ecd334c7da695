"""The FinOps Foundation's own validator (focus-validator, FOCUS 1.2.0.1 rules) on our FOCUS export.

It runs in its own Python >= 3.12 virtualenv, built by `python -m bench.focus_conformance --setup`
($FOCUS_VALIDATOR_VENV, default ~/.cache/finops-console/focus-validator); where that environment
is absent the test is skipped, and bench/focus_conformance.py runs every month by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.focus_conformance import validate, validator_exe
from finops.export.context import Context
from finops.export.writer import export
from finops.store import Store


def test_sample_export_passes_the_official_focus_validator(sample_store_path: Path, tmp_path: Path) -> None:
    exe = validator_exe()
    if exe is None:
        pytest.skip("focus-validator env not built (needs Python >= 3.12): python -m bench.focus_conformance --setup")
    result = export("costs", "csv", tmp_path / "out", ctx=Context(Store(sample_store_path)), state_dir=tmp_path / "state")
    november = result.out_dir / "costs" / "costs-2026-11.csv"
    outcome = validate(exe, november)
    assert not outcome.error, outcome.error
    assert outcome.failed == [], outcome.line()
    assert outcome.passed >= 130  # the rules that apply to our columns ran and passed
    assert outcome.alternatives == ["InvoiceId-C-004-C"]  # the untaken "all null" branch of InvoiceId-C-003-C
