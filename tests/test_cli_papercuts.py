"""CLI papercuts from issue 22: bad dates, report file paths, help text, README examples."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from finops.cli import app
from finops.errors import InputError

runner = CliRunner()
README = Path(__file__).resolve().parents[1] / "README.md"


def test_summary_bad_month_is_a_date_error_not_an_empty_store(finops_home: Path) -> None:
    result = runner.invoke(app, ["summary", "--since", "2026-13-01"])
    assert isinstance(result.exception, InputError)
    assert str(result.exception) == "--since: '2026-13-01' is not a YYYY-MM month or YYYY-MM-DD date"


def test_summary_day_selects_its_month_and_an_empty_range_says_so(finops_home: Path) -> None:
    ok = runner.invoke(app, ["summary", "--since", "2026-10-15", "--until", "2026-10-31"])
    assert ok.exit_code == 0 and "2026-10" in ok.output and "2026-09" not in ok.output
    empty = runner.invoke(app, ["summary", "--since", "2030-01"])
    assert empty.exit_code == 1 and "no cost lines in 2030-01..the last month" in empty.output


def test_report_out_file_writes_that_file(finops_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", "monthly", "--month", "2026-10", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file() and out.read_text().lstrip().lower().startswith("<!doctype html")
    assert (tmp_path / "report.json").is_file()
    clash = runner.invoke(app, ["report", "monthly", "--out", str(tmp_path / "r.md"), "--format", "html"])
    assert isinstance(clash.exception, InputError) and "is a .md file but --format is html" in str(clash.exception)


@pytest.mark.parametrize(("command", "text"), [
    (["cogs", "statement"], "Team from [cogs.teams]."),
    (["reconcile"], "('local' = [display] timezone)"),
    (["export"], "(default: [export] format, else parquet)"),
])
def test_help_keeps_config_section_names(command: list[str], text: str) -> None:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "300"}, terminal_width=300)
    assert result.exit_code == 0
    assert text in " ".join(result.output.split()), result.output


def test_readme_cogs_statement_example_runs(finops_home: Path) -> None:
    for name in ("finops.toml", "fx_rates.csv"):
        shutil.copy(README.parent / "sample_data" / name, finops_home / name)
    examples = re.findall(r"`(finops cogs statement[^`]*)`", README.read_text())
    assert examples
    for example in examples:
        args = example.split()[1:]
        assert "--team" in args or "--project" in args, example
        args = ["devtools" if a == "NAME" else a for a in args]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (example, result.output)
