"""CLI tables at 80 and 120 columns: snapshot files (plain text), never a number cut, piped plain text.

Each command prints its table with `--format table` into a terminal of that width
($COLUMNS); the text is compared with tests/__snapshots__/test_cli_tables/*.txt. Update with
`python -m pytest tests/test_cli_tables.py --snapshot-update` and read the diff.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode
from typer.testing import CliRunner

from finops.cli import app

REPO = Path(__file__).resolve().parents[1]
TODAY = "2026-11-25"  # the sample's last day + 1, pinned


class TextSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    _file_extension = "txt"


COMMANDS = {
    "summary": ["summary", "--since", "2026-09", "--until", "2026-11"],
    "status": ["status"],
    "reconcile": ["reconcile", "--since", "2026-10-01", "--until", "2026-10-31"],
    "cogs": ["cogs", "--month", "2026-10"],
    "cogs-by-source": ["cogs", "--month", "2026-10", "--by", "source"],
    "cogs-statement": ["cogs", "statement", "--month", "2026-10", "--team", "support"],
    "cogs-review": ["cogs", "review", "--month", "2026-10"],
    "forecast": ["forecast", "--horizon", "30d", "--by", "provider"],
    "carbon": ["carbon", "--month", "2026-10"],
    "figures": ["figures"],
    "cache": ["cache", "--since", "2026-10-01", "--until", "2026-10-31"],
    "cache-by-model": ["cache", "--by", "model", "--since", "2026-10-01", "--until", "2026-10-31"],
}
SIZES = (80, 120)


@pytest.fixture(scope="module")
def home(sample_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("cli-tables") / "home"
    shutil.copytree(sample_store_path, home / "store")
    for name in ("finops.toml", "fx_rates.csv"):
        shutil.copy(REPO / "sample_data" / name, home / name)
    return home


def run(home: Path, args: list[str], columns: int) -> str:
    # Relative paths from the data dir's parent: the printed paths (store, fx rates) are the same on every run.
    env = {"FINOPS_HOME": "home", "FINOPS_CONFIG": "home/finops.toml", "FINOPS_TODAY": TODAY,
           "COLUMNS": str(columns), "NO_COLOR": "1", "TERM": "dumb"}
    here = os.getcwd()
    os.chdir(home.parent)
    try:
        result = CliRunner().invoke(app, args, env=env, catch_exceptions=False)
    finally:
        os.chdir(here)
    assert result.exit_code in (0, 3), result.output  # reconcile exits 3 over the unexplained threshold
    return result.output


@pytest.mark.parametrize("columns", SIZES)
@pytest.mark.parametrize("name", list(COMMANDS))
def test_table_fits_the_terminal(home: Path, snapshot, name: str, columns: int) -> None:  # type: ignore[no-untyped-def]
    text = run(home, [*COMMANDS[name], "--format", "table"], columns)
    for line in text.splitlines():
        assert len(line) <= columns, f"{name} at {columns}: {line!r}"
        # A number is never cut: no amount or count runs into an ellipsis (identifiers may be shortened).
        assert not re.search(r"(\$[\d,.]*|\d,\d*|\d\.\d*|^\s*\d+)…", line), f"{name} at {columns}: {line!r}"
    assert text == snapshot(extension_class=TextSnapshot)


def test_every_money_figure_of_the_json_is_in_the_narrow_table(home: Path) -> None:
    rows = json.loads(run(home, [*COMMANDS["summary"], "--format", "json"], 80))
    text = run(home, [*COMMANDS["summary"], "--format", "table"], 80)
    for row in rows:
        assert f"${row['billed_cost']:,.2f}" in text or f"{row['billed_cost']:,.2f}" in text


def test_wide_keeps_every_column(home: Path) -> None:
    narrow = run(home, [*COMMANDS["reconcile"], "--format", "table"], 80)
    wide = run(home, [*COMMANDS["reconcile"], "--format", "table", "--wide"], 80)
    assert "not shown at this width" in narrow
    assert "not shown at this width" not in wide
    assert max(len(line) for line in wide.splitlines()) > 80


def test_cache_wide_keeps_every_column(home: Path) -> None:
    narrow = run(home, [*COMMANDS["cache"], "--format", "table"], 80)
    wide = run(home, [*COMMANDS["cache"], "--format", "table", "--wide"], 80)
    assert "not shown at this width" in narrow and "not shown at this width" not in wide
    for header in ("cacheable input", "writes 5m", "writes unread", "write premium $", "lost: evictions $"):
        assert header in wide
    assert max(len(line) for line in wide.splitlines()) > 80
    # the figures above the prose are the same whatever the width
    assert [ln for ln in narrow.splitlines() if "· logged:" in ln] == [ln for ln in wide.splitlines() if "· logged:" in ln]


def test_piped_output_is_plain_text_unless_format_table(home: Path) -> None:
    piped = run(home, COMMANDS["summary"], 80)
    lines = piped.splitlines()
    assert lines[0].startswith("# ") and "─" not in piped
    header = next(line for line in lines if not line.startswith("#"))
    assert header.split(",")[:2] == ["month", "provider"]
    table = run(home, [*COMMANDS["summary"], "--format", "table"], 80)
    assert "─" in table


def test_json_has_no_float_noise(home: Path) -> None:
    text = run(home, [*COMMANDS["reconcile"], "--format", "json"], 120)
    doc = json.loads(text)
    floats: list[float] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, float):
            floats.append(node)

    walk(doc)
    assert floats
    # Float noise is gone (-1.38e-17 is 0.0; at most 12 significant digits), real precision is kept:
    # a per-token price difference of 4e-07 dollars is a figure, not noise.
    for value in floats:
        assert value == 0.0 or abs(value) >= 1e-12, value
        assert value == float(f"{value:.12g}"), value


def test_json_value_keeps_sub_cent_money_and_drops_noise() -> None:
    from finops.numbers import json_ready

    doc = json_ready({"cost_per_task": 0.0003512345678, "sum": -1.3877787807814457e-17, "x": 0.1 + 0.2,
                      "rows": [1.0000000000000002, 7], "ok": True})
    assert doc == {"cost_per_task": 0.0003512345678, "sum": 0.0, "x": 0.3, "rows": [1.0, 7], "ok": True}


def test_small_figures_are_written_out_never_in_e_notation(home: Path) -> None:
    from finops.numbers import significant

    # the Carbon screen's per-request kWh and kgCO2e were 3.51e-05 and 8.9e-06
    assert [significant(v) for v in (3.51e-05, 8.9e-06, 19.24, 99.96, 12345.6, -0.00123)] == [
        "0.0000351", "0.0000089", "19.2", "100", "12,346", "-0.00123"]
    assert significant(123.4, digits=4, whole_from=1000) == "123.4"
    out = CliRunner().invoke(app, ["--data-dir", str(home), "carbon", "--format", "table", "--wide"],
                             env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert not re.search(r"\d\.?\d*e[-+]\d", out.output), out.output


def test_money_wears_its_own_currency_symbol() -> None:
    """An amount in each bill's currency shows that currency's symbol; the reporting column its own."""
    import io

    import polars as pl
    from rich.console import Console

    from finops.output import render_table

    frame = pl.DataFrame({"provider": ["OpenAI", "Datadog", "Acme"], "currency": ["USD", "EUR", "CHF"],
                          "amount": [10.0, 20.0, 30.0], "EUR amount": [9.25, 20.0, 31.5]})
    out = io.StringIO()
    Console(file=out, width=120).print(render_table(frame, money_columns=["amount", "EUR amount"], currency="EUR",
                                                     currency_of={"amount": "currency"}))
    rows = [line.split() for line in out.getvalue().splitlines() if line.split()[:1] in (["OpenAI"], ["Datadog"], ["Acme"])]
    assert rows == [["OpenAI", "USD", "$10.00", "€9.25"], ["Datadog", "EUR", "€20.00", "€20.00"],
                    ["Acme", "CHF", "30.00", "CHF", "€31.50"]]
