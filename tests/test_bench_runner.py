"""`python -m bench` end to end on a tiny size: the table has every row with numeric figures.

No timing is asserted (speed targets live in bench/, run by hand); the figures are checked
against the generated data the runner left in --work.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from bench._measure import StepFailed, attempt, print_report, run_step
from finops.rollup import daily_rollup, request_days

REPO = Path(__file__).resolve().parents[1]
ROW = re.compile(r"^(?P<name>.+?)\s+(?P<rows>[\d,]+)\s+(?P<seconds>\d+\.\d\d)\s+(?P<rate>[\d,]+|-)\s+(?P<peak>[\d,]+)\s\s(?P<notes>.*)$")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    work = tmp_path_factory.mktemp("bench")
    proc = subprocess.run([sys.executable, "-m", "bench", "ingest-parquet", "rollup", "reconcile", "forecast", "--rows", "20000",
                           "--work", str(work)], cwd=REPO, capture_output=True, text=True, timeout=120)
    return proc, work


def _rows(stdout: str) -> dict[str, dict[str, str]]:
    out = {}
    for line in stdout.splitlines():
        if (m := ROW.match(line)) and m["name"] != "step":
            notes = dict(kv.split("=", 1) for kv in m["notes"].split() if "=" in kv)
            out[m["name"].strip()] = {**m.groupdict(), **notes}
    return out


def test_table_has_every_step_with_numeric_figures(run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    proc, _ = run
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "== 20000 generated request rows ==" in proc.stdout
    rows = _rows(proc.stdout)
    assert set(rows) == {"raw polars scan parquet", "bare copy parquet to parquet", "ingest parquet",
                         "rollup (polars streaming)", "reconcile (ours)", "pandas peer", "forecast (every series)"}
    for name, r in rows.items():
        assert int(r["rows"].replace(",", "")) == 20000, name
        assert float(r["seconds"]) > 0 and int(r["peak"].replace(",", "")) > 0, name
        assert int(r["rate"].replace(",", "")) > 0, name
    ours, peer = float(rows["reconcile (ours)"]["seconds"]), float(rows["pandas peer"]["seconds"])
    ratio = rows["pandas peer"]["ratio_to_ours"]
    factor = float(ratio[:-1])
    # The printed seconds carry two decimals (+-0.005 each), so the factor they imply lies in a range,
    # which is wide when one time is a few hundredths; the printed factor itself has one decimal.
    slow, fast = max(peer, ours), min(peer, ours)
    low, high = (slow - 0.005) / (fast + 0.005), (slow + 0.005) / max(fast - 0.005, 1e-9)
    assert low - 0.05 <= factor <= high + 0.05, (factor, low, high)
    ingest = rows["ingest parquet"]
    for ref, note in (("raw polars scan parquet", "x_raw_scan"), ("bare copy parquet to parquet", "x_bare_copy")):
        ratio = float(ingest["seconds"]) / float(rows[ref]["seconds"])
        # The note has one decimal (+-0.05); each printed time two (up to ~2% each at this size).
        assert abs(float(ingest[note]) - ratio) <= 0.05 + 0.05 * ratio, (note, ratio)


def test_figures_trace_to_the_generated_rows(run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    proc, work = run
    rows = _rows(proc.stdout)
    requests = pl.scan_parquet(str(work / "20000" / "parquet" / "*.parquet"))
    assert requests.select(pl.len()).collect().item() == 20000
    daily = daily_rollup(requests).collect()
    assert int(rows["rollup (polars streaming)"]["groups"]) == request_days(requests).collect().height
    fc = rows["forecast (every series)"]
    expected = {"n_total": 1, "n_provider": daily["provider"].n_unique(), "n_model": daily["model"].n_unique(),
                "n_project": daily["project_id"].n_unique()}
    assert {k: int(fc[k]) for k in expected} == expected
    assert int(fc["series"]) == sum(expected.values())
    assert int(fc["days"]) == daily["day"].n_unique()
    assert float(fc["s_per_fit"]) > 0 and float(fc["fits_per_s"]) > 0
    assert int(rows["reconcile (ours)"]["billed_days"]) == daily["day"].n_unique()
    assert int(rows["ingest parquet"]["stored"]) == 20000  # every generated row, each with a fresh id


def test_prepared_data_is_marked_for_reuse(run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, work = run
    for name in ("parquet", "store"):
        assert (work / "20000" / f"{name}.done").is_file()


def test_a_killed_step_is_a_failed_row_and_the_rest_stay(capsys: pytest.CaptureFixture[str]) -> None:
    ok = attempt("tiny", "reconcile (ours)", 10, lambda: run_step("reconcile (ours)", "", "RESULT['groups'] = 3", 10))
    killed = attempt("tiny", "pandas peer", 10, lambda: run_step(
        "pandas peer", "", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", 10))
    print_report([ok, killed])
    out = capsys.readouterr().out
    assert "pandas peer: failed (killed, out of memory?)" in out
    assert re.search(r"^reconcile \(ours\)\s+10\s+\d+\.\d\d .* groups=3$", out, re.M)


def test_a_failing_step_names_its_error() -> None:
    with pytest.raises(StepFailed) as exc:
        run_step("broken", "", "raise ValueError('no such column: quantity')", 1)
    assert exc.value.returncode == 1
    assert exc.value.reason == "exit 1: ValueError: no such column: quantity"
