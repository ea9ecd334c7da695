"""The other datasets (documented columns, totals against the store), `finops export` exit codes, `finops schedule show`."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from finops.cli import app
from finops.config import ConfigFile
from finops.export.context import Context
from finops.export.writer import ExportResult, export
from finops.store import Store

REPO = Path(__file__).resolve().parents[1]
DOC = (REPO / "docs" / "export.md").read_text()
SINCE, UNTIL = date(2026, 9, 1), date(2026, 10, 31)
runner = CliRunner()


def _documented(dataset: str) -> set[str]:
    """Column names in backticks in the docs/export.md section `### <dataset>`."""
    section = re.search(rf"^### {dataset}\b(.*?)(?=^### |\Z)", DOC, re.S | re.M)
    assert section, f"docs/export.md has no section for {dataset}"
    return set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", section.group(1)))


@pytest.fixture(scope="module")
def derived(sample_store_path: Path, sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, ExportResult]:
    root = tmp_path_factory.mktemp("datasets")
    ctx = Context(Store(sample_store_path), ConfigFile.load(sample_dir / "finops.toml"))
    out = {}
    for name in ("usage", "requests", "carbon", "reconcile", "cogs"):
        out[name] = export(name, "parquet", root / "out", SINCE, UNTIL, ctx=ctx, state_dir=root / "state")
    out["forecast"] = export("forecast", "parquet", root / "out", ctx=ctx, state_dir=root / "state")  # history + future
    out["usage-csv"] = export("usage", "csv", root / "out", SINCE, UNTIL, ctx=ctx, state_dir=root / "state")
    return out


def _read(result: ExportResult) -> pl.DataFrame:
    files = sorted(result.out_dir.joinpath(result.dataset).glob(f"*.{result.fmt}"))
    assert files and [p.name for p in files] == sorted(f"{result.dataset}-{m}.{result.fmt}" for m in result.months)
    if result.fmt == "csv":
        return pl.read_csv(files, infer_schema_length=None)
    frame = pl.read_parquet(files)
    pattern = str(result.out_dir / result.dataset / "*.parquet")
    assert duckdb.sql(f"SELECT COUNT(*) FROM read_parquet('{pattern}')").fetchall() == [(frame.height,)]
    return frame


@pytest.mark.parametrize("dataset", ["usage", "requests", "carbon", "reconcile", "cogs", "forecast"])
def test_dataset_columns_are_documented(derived: dict[str, ExportResult], dataset: str) -> None:
    frame = _read(derived[dataset])
    assert frame.height > 0
    missing = set(frame.columns) - _documented(dataset)
    assert not missing, f"columns of {dataset} missing from docs/export.md: {sorted(missing)}"


def _in_months(store: Store, table: str, column: str) -> pl.DataFrame:
    start, end = pl.datetime(2026, 9, 1, time_zone="UTC"), pl.datetime(2026, 11, 1, time_zone="UTC")
    return store.scan(table).filter((pl.col(column) >= start) & (pl.col(column) < end)).collect()


def test_store_datasets_total_to_the_store(derived: dict[str, ExportResult], sample_store: Store) -> None:
    usage = _in_months(sample_store, "billed_usage", "charge_period_start")
    for key in ("usage", "usage-csv"):
        back = _read(derived[key])
        got = back.group_by("token_class").agg(pl.col("quantity").sum()).sort("token_class")
        assert got.rows() == usage.group_by("token_class").agg(pl.col("quantity").sum()).sort("token_class").rows()
    assert _read(derived["usage-csv"])["charge_period_start"].str.ends_with("Z").all()
    requests = _in_months(sample_store, "requests", "ts")
    back = _read(derived["requests"])
    assert back.height == requests.height and back["request_id"].n_unique() == requests["request_id"].n_unique()
    assert back["output_tokens"].sum() == requests["output_tokens"].sum()
    carbon = _read(derived["carbon"])
    assert carbon["requests"].sum() == requests.height and set(carbon["provenance"]) == {"estimated"}
    assert (carbon["wh_low"] <= carbon["wh_high"]).all()


def test_derived_datasets_total_to_the_store(derived: dict[str, ExportResult], sample_store: Store, sample_dir: Path) -> None:
    usage = _in_months(sample_store, "billed_usage", "charge_period_start").filter(pl.col("token_class") != "requests")
    rec = _read(derived["reconcile"])
    assert rec["billed"].sum() == usage["quantity"].sum()
    assert rec["day"].min() >= SINCE and rec["day"].max() <= UNTIL
    lines = _in_months(sample_store, "cost_lines", "ChargePeriodStart").with_columns(
        pl.col("ChargePeriodStart").dt.strftime("%Y-%m").alias("month"))
    cogs = _read(derived["cogs"]).group_by("month").agg(pl.col("cost").sum()).sort("month")
    assert cogs["month"].to_list() == ["2026-09", "2026-10"]
    rates = pl.read_csv(sample_dir / "fx_rates.csv").filter(pl.col("base") == "EUR")
    for month, cost in cogs.rows():  # every line allocated; EUR at the month-end rate of the sample's rates file
        usd = lines.filter((pl.col("month") == month) & (pl.col("BillingCurrency") == "USD"))["BilledCost"].sum()
        eur = lines.filter((pl.col("month") == month) & (pl.col("BillingCurrency") == "EUR"))["BilledCost"].sum()
        month_end = rates.filter(pl.col("date").str.starts_with(month)).sort("date")["rate"][-1]
        assert cost == pytest.approx(usd + eur * month_end, abs=0.10)  # COGS rounds each share to cents
    fc = _read(derived["forecast"])
    assert set(fc["kind"]) == {"actual", "forecast"} and set(fc["metric"]) == {"dollars", "tokens"}
    assert fc.filter(pl.col("kind") == "forecast")["day"].min() > fc.filter(pl.col("kind") == "actual")["day"].max()
    actual = fc.filter((pl.col("kind") == "actual") & (pl.col("metric") == "tokens"))["value"].sum()
    all_tokens = sample_store.scan("billed_usage").filter(pl.col("token_class") != "requests").select(pl.col("quantity").sum())
    assert actual == pytest.approx(all_tokens.collect().item())


def _cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_export_exit_codes(finops_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "exports"
    code, stdout, stderr = _cli("export", "--dataset", "costs", "--format", "csv", "--out", str(out),
                                "--until", "2025-06-30", "--incremental")
    assert code == 0 and stdout == ""  # unattended: nothing on stdout, the log on stderr
    assert "costs: 2 month(s), 2 written, 0 unchanged" in stderr
    code, _, stderr = _cli("export", "--dataset", "costs", "--format", "csv", "--out", str(out), "--until", "2025-06-30",
                           "--incremental")
    assert code == 0 and "0 written, 2 unchanged" in stderr
    assert _cli("export", "--dataset", "costs", "--out", str(out), "--since", "2030-01-01")[0] == 1
    code, _, stderr = _cli("export", "--dataset", "invoices", "--out", str(out))
    assert code == 2 and "'invoices' is not one of costs" in stderr
    assert _cli("export", "--dataset", "costs", "--out", str(out), "--since", "2026-13-01")[0] == 2
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert _cli("export", "--dataset", "usage", "--out", str(blocker), "--until", "2025-05-31")[0] == 5
    (finops_home / "finops.toml").write_text('[export]\nformat = "xml"\n')
    code, _, stderr = _cli("export", "--dataset", "costs", "--out", str(out))
    assert code == 2 and "finops.toml:2: export.format" in stderr


def test_sync_first_failure_still_exports_and_exits_4(finops_home: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring.core
    from keyring.backends import fail

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())  # no keyring, as on a headless server
    for var in ("FINOPS_OPENAI_ADMIN_KEY", "FINOPS_ANTHROPIC_ADMIN_KEY"):
        monkeypatch.delenv(var, raising=False)
    for var in ("FINOPS_OPENAI_BASE_URL", "FINOPS_ANTHROPIC_BASE_URL"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")  # never the internet, should a key turn up
    code, _, stderr = _cli("export", "--dataset", "usage", "--out", str(tmp_path / "x"), "--until", "2025-05-31",
                           "--sync-first")
    assert code == 4 and "sync openai failed" in stderr
    assert (tmp_path / "x" / "usage" / "usage-2025-05.parquet").is_file()


def test_schedule_show_prints_runnable_cron_and_systemd_units(finops_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "warehouse drop"  # a space, to prove the quoting
    code, text, _ = _cli("schedule", "show", "--dataset", "usage", "--dataset", "costs", "--format", "csv",
                         "--out", str(out), "--at", "23:58")
    assert code == 0
    cron = [line for line in text.splitlines() if re.match(r"^\d+ \d+ \* \* \* ", line)]
    assert [line.split()[:2] for line in cron] == [["58", "23"], ["3", "0"]]  # staggered past midnight
    assert f"--data-dir {finops_home}" in cron[0] and "--incremental" in cron[0]
    assert "OnCalendar=*-*-* 23:58:00" in text and "Persistent=true" in text
    assert re.search(r"^ExecStart=.* --dataset %i .*\"" + re.escape(str(out)) + '"', text, re.M)
    assert "systemctl --user enable --now finops-export@usage.timer finops-export@costs.timer" in text
    command = shlex.split(cron[0].split(" ", 5)[5].split(" >> ")[0])
    assert Path(command[0]).is_absolute()
    run = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "" and "usage:" in run.stderr
    assert len(list((out / "usage").glob("usage-*.csv"))) == len(Store(finops_home / "store").months("billed_usage"))
    shutil.rmtree(out)
