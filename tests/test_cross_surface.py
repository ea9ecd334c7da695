"""One number everywhere: every figure that shows on more than one surface shows the same value.

On the sample and on three companies made by the independent scenario generator
(tests/scenarios: provider buckets synced from the fake provider over HTTP, a request log
ingested through its source mapping, a `[pricing] override` where the company knows a
price change), the same calendar month to date is read from every surface:

- the dashboard, through Pilot, from the rendered widgets (figure cards, the reconcile
  summary line, the COGS and Carbon tables' cells) once the app's settled signal holds;
- the CLI's JSON: `finops figures`, `finops reconcile`, `finops forecast`, `finops cogs`,
  `finops carbon`, `finops cache` (the prompt-cache figures: the Cache screen's summary and the
  report's Prompt cache section must show the same);
- the monthly report, Markdown and HTML (`finops report monthly`);
- the scheduled export, read back from its Parquet files (`finops export --dataset cogs|costs`).

Rendered text is parsed as a reader would ("$1,023.55", "1,023.55 USD", "7.70M tokens",
"67.1%", "0.3946"), and a value counts as equal when the exact figure rounds to what is
shown (the tolerance is half a unit of the last digit shown). A figure that differs by
design carries a different label and is not compared here (docs/metrics.md).
"""

from __future__ import annotations

import html
import json
import math
import re
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from test_tui_support import SAMPLE_TODAY, anyio_backend, settings_for, tui_store_path  # noqa: F401

SEEDS = (1, 6, 7)  # anthropic + a known price change ([pricing] override); both providers + override; openai, 3 days of month
SHAPE = {1: "otel", 6: "otel", 7: "litellm"}
REQUESTS = 600  # small companies: the test checks agreement, not scale

# ---------------------------------------------------------------------------------------------- parsing


NUMBER = re.compile(
    r"(?P<sign>[-−])?(?P<cur>[$€£¥])?(?P<sign2>[-−])?(?P<num>\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?)(?P<suffix>[kKMB](?![A-Za-z]))?"
)
MULTIPLIER = {"k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9}


@dataclass(frozen=True)
class Shown:
    """A number as rendered, and how far from it the exact value may be (half its last digit)."""

    value: float
    tolerance: float
    text: str

    def agrees(self, exact: float) -> bool:
        return abs(exact - self.value) <= self.tolerance * (1 + 1e-9) + 1e-12


def numbers(text: str) -> list[Shown]:
    out = []
    for m in NUMBER.finditer(text):
        num = m["num"]
        mult = MULTIPLIER.get(m["suffix"] or "", 1.0)
        mantissa, _, exp = num.lower().partition("e")
        decimals = len(mantissa.partition(".")[2])
        scale = 10 ** int(exp) if exp else 1
        value = float(num.replace(",", "")) * mult
        if m["sign"] or m["sign2"]:
            value = -value
        out.append(Shown(value, 0.5 * 10 ** -decimals * scale * mult, m.group(0)))
    return out


def first_number(text: str) -> Shown:
    found = numbers(text)
    assert found, f"no number in {text!r}"
    return found[0]


def shown_or_none(text: str) -> Shown | None:
    """A rendered cell: its number, or None when it shows that there is none ("—", "-", "no estimate", "unpriced")."""
    found = numbers(text)
    return found[0] if found else None


def md_tables(text: str) -> list[list[list[str]]]:
    """Markdown pipe tables: rows of cells, header first, the separator row dropped."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    return tables


def html_tables(text: str) -> list[list[list[str]]]:
    out = []
    for table in re.findall(r"<table\b.*?</table>", text, re.S):
        rows = []
        for row in re.findall(r"<tr\b.*?</tr>", table, re.S):
            cells = re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, re.S)
            rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
        out.append(rows)
    return out


def figure_rows(tables: list[list[list[str]]]) -> dict[str, str]:
    """Every "Figure | Value | Provenance" row of a report, label -> value text."""
    out = {}
    for t in tables:
        if t and t[0][:2] == ["Figure", "Value"]:
            for row in t[1:]:
                out[row[0]] = row[1]
    return out


def table_with(tables: list[list[list[str]]], first: str) -> list[dict[str, str]]:
    for t in tables:
        if t and t[0] and t[0][0] == first:
            return [dict(zip(t[0], row)) for row in t[1:]]
    return []


def sum_terms(line: str) -> dict[str, str]:
    """"billed $X = local at catalog $A + unlogged traffic $B + …" -> {"billed": "$X", "local at catalog": "$A", …}."""
    line = line.split(" (")[0]
    out = {}
    for part in re.split(r" = | \+ ", line):
        m = re.match(r"(?P<title>[A-Za-z][A-Za-z ]*?) (?P<value>-?[$€£¥]?-?[\d,.]+.*)$", part.strip())
        assert m, f"cannot read the term {part!r} of {line!r}"
        out[m["title"]] = m["value"]
    return out


# ---------------------------------------------------------------------------------------------- the ledger


@dataclass
class Ledger:
    """What each surface shows for each figure, against the exact value `finops figures` computed."""

    exact: dict[str, float | None] = field(default_factory=dict)  # None: the figure has no value ("no estimate")
    shown: dict[str, list[tuple[str, Shown | float | None]]] = field(default_factory=dict)

    labels: dict[str, str] = field(default_factory=dict)  # figure -> its label in `finops figures`
    shown_labels: list[tuple[str, str, str]] = field(default_factory=list)  # (figure, surface, label shown)

    def label(self, key: str, surface: str, text: str) -> None:
        self.shown_labels.append((key, surface, text))

    def reference(self, key: str, value: float | None) -> None:
        self.exact[key] = None if value is None else float(value)

    def add(self, key: str, surface: str, shown: Shown | float | None) -> None:
        """`shown` None: the surface shows the figure without a value ("—", "no estimate", "unpriced")."""
        self.shown.setdefault(key, []).append((surface, shown))

    def disagreements(self) -> list[str]:
        bad = []
        for key, entries in sorted(self.shown.items()):
            if key not in self.exact:
                bad.append(f"{key}: shown on {[s for s, _ in entries]} but not in `finops figures` / the reference")
                continue
            exact = self.exact[key]
            for surface, v in entries:
                if exact is None or v is None:
                    if exact is not v:
                        bad.append(f"{key}: {surface} shows {getattr(v, 'text', v)!r}, the figure is {exact!r}")
                elif isinstance(v, Shown):
                    if not v.agrees(exact):
                        bad.append(f"{key}: {surface} shows {v.text!r}, the figure is {exact!r}")
                elif not math.isclose(v, exact, rel_tol=1e-9, abs_tol=1e-9):
                    bad.append(f"{key}: {surface} has {v!r}, the figure is {exact!r}")
        for key, surface, text in self.shown_labels:
            if self.labels.get(key) != text:
                bad.append(f"{key}: {surface} labels it {text!r}, the figure's label is {self.labels.get(key)!r}")
        return bad

    def surfaces(self, key: str) -> set[str]:
        return {s.split(" ")[0] for s, _ in self.shown.get(key, [])}


# ---------------------------------------------------------------------------------------------- companies


@dataclass(frozen=True)
class Company:
    name: str
    home: Path
    today: date
    config: Path | None = None  # default: <home>/finops.toml

    @property
    def as_of(self) -> date:
        return self.today - timedelta(days=1)

    @property
    def month(self) -> str:
        return f"{self.as_of:%Y-%m}"

    def env(self) -> dict[str, str]:
        return {"FINOPS_HOME": str(self.home), "FINOPS_CONFIG": str(self.config or self.home / "finops.toml"),
                "FINOPS_TODAY": self.today.isoformat(), "NO_COLOR": "1", "COLUMNS": "200",
                "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def cli(company: Company, *args: str, ok: tuple[int, ...] = (0,)) -> str:
    from finops.cli import app

    result = CliRunner().invoke(app, list(args), env=company.env())
    assert result.exit_code in ok, f"finops {' '.join(args)} exited {result.exit_code}: {result.output[-2000:]}\n{result.exception!r}"
    return result.stdout


def sample_company(store_path: Path, dest: Path) -> Company:
    from test_tui_support import make_home

    return Company("sample", make_home(store_path, dest), SAMPLE_TODAY)


# A negotiated catalog: GPT-4.1 output at the $10/M the sample's bills charge (the default catalog says $8/M),
# Claude Sonnet 4.5 uncached input at a contract price. Every surface must price at these.
NEGOTIATED = """provider,model,token_class,usd_per_million,effective_from,effective_to,source_url,as_of
openai,gpt-4.1,output,10.00,2025-04-14,,contract 2025,2025-04-14
anthropic,claude-sonnet-4-5,input_uncached,2.40,2025-09-29,,contract 2025 (20% off),2025-09-29
"""


def override_company(store_path: Path, dest: Path) -> Company:
    """The sample with `[pricing] override` set; `plain.toml` beside it is the same config without it."""
    company = sample_company(store_path, dest)
    config = company.home / "finops.toml"
    shutil.copy(config, company.home / "plain.toml")
    (company.home / "negotiated.csv").write_text(NEGOTIATED)
    config.write_text(config.read_text() + '\n[pricing]\noverride = "negotiated.csv"\n')
    return Company("override", company.home, company.today)


BUDGETS = """
[[budgets]]
name = "All inference"
monthly_usd = {usd}
reset_timezone = "America/New_York"

[[budgets]]
name = "{provider} tokens"
provider = "{provider}"
monthly_tokens = {tokens}
reset_timezone = "UTC"
"""


def generated_company(seed: int, dest: Path) -> Company:
    """A scenario company loaded the way a new user would: sync from the (fake) provider APIs, ingest the log."""
    from tests.scenarios.generate import generate
    from tests.scenarios.write import SHAPES, SOURCE, write
    from tests.support.fake_provider import FakeProvider, scenario_data

    sc = generate(seed, REQUESTS)
    folder = write(sc, dest / "scenario")
    home = dest / "home"
    home.mkdir(parents=True)
    for name in ("finops.toml", "identity.csv", "prices.csv"):
        if (folder / name).is_file():
            shutil.copy(folder / name, home / name)
    # Budgets a team would set: a dollar cap on all inference and a token quota on one provider.
    (home / "finops.toml").write_text((home / "finops.toml").read_text()
                                      + BUDGETS.format(usd=25.0, provider=sc.org.providers[0], tokens=20_000_000))
    company = Company(f"seed{seed}", home, sc.end + timedelta(days=1))
    server = FakeProvider()
    server.start(scenario_data(folder))
    try:
        from finops.cli import app

        env = {**company.env(), "FINOPS_OPENAI_BASE_URL": server.url + "/v1", "FINOPS_ANTHROPIC_BASE_URL": server.url,
               "FINOPS_OPENAI_ADMIN_KEY": server.keys["openai"], "FINOPS_ANTHROPIC_ADMIN_KEY": server.keys["anthropic"]}
        sources = [a for p in sc.org.providers for a in ("--source", p)]
        runner = CliRunner()
        for args in (["sync", *sources, "--since", sc.start.isoformat(), "--until", company.today.isoformat()],
                     ["ingest", str(folder / "logs" / SHAPES[SHAPE[seed]]), "--kind", "requests", "--source", SOURCE[SHAPE[seed]]]):
            result = runner.invoke(app, args, env=env)
            assert result.exit_code == 0, f"finops {' '.join(args[:2])}: {result.output[-1500:]}"
    finally:
        server.stop()
    return company


# ---------------------------------------------------------------------------------------------- surfaces


def from_figures_json(company: Company, ledger: Ledger) -> dict[str, Any]:
    """The reference: `finops figures --format json` over the month to date (also a surface: CLI JSON)."""
    first = company.as_of.replace(day=1)
    doc = json.loads(cli(company, "figures", "--since", first.isoformat(), "--until", company.as_of.isoformat(),
                         "--format", "json"))
    assert doc["as_of"] == company.as_of.isoformat()
    for f in doc["figures"]:
        ledger.reference(f["name"], f["value"])
        ledger.labels[f["name"]] = f["label"]
        if f.get("lo80") is not None:
            ledger.reference(f["name"] + ".lo80", f["lo80"])
            ledger.reference(f["name"] + ".hi80", f["hi80"])
        if f["name"].startswith("budget_used:"):
            ledger.reference(f["name"] + ".spent", f["spent"])
            ledger.reference(f["name"] + ".month_end", f["month_end_expected"])
            ledger.reference(f["name"] + ".probability_hit", f["probability_hit"] * 100)
    rec = doc["reconcile"]
    if rec is not None:
        ledger.reference("reconcile.billed", rec["billed"]["value"])
        for t in rec["terms"]:
            ledger.reference(f"reconcile.{t['title']}", t["value"])
    return doc


def from_cli_json(company: Company, ledger: Ledger, doc: dict[str, Any]) -> None:
    first = company.as_of.replace(day=1)
    rec = json.loads(cli(company, "reconcile", "--since", first.isoformat(), "--until", company.as_of.isoformat(),
                         "--format", "json", ok=(0, 3)))
    terms = rec["summary_terms"]
    ledger.add("reconcile.billed", "cli:reconcile", terms["billed"]["value"])
    for t in terms["terms"]:
        ledger.add(f"reconcile.{t['title']}", "cli:reconcile", t["value"])
    for f in rec["coverage"]["figures"]:  # join coverage (finops.metrics.coverage)
        ledger.label(f["name"], "cli:reconcile", f["label"])
        ledger.add(f["name"], "cli:reconcile", f["value"])

    months = json.loads(cli(company, "forecast", "--format", "json"))
    this = [r for r in months if r["month"] == company.month and r["series"] == "total"]
    if this and "month_end_forecast" in ledger.exact:
        ledger.add("month_end_forecast", "cli:forecast", this[0]["expected"])
        ledger.add("month_end_forecast.lo80", "cli:forecast", this[0]["lo80"])
        ledger.add("month_end_forecast.hi80", "cli:forecast", this[0]["hi80"])

    cogs = json.loads(cli(company, "cogs", "--month", company.month, "--format", "json"))
    ledger.reference("cogs_total", sum(r["cost"] for r in cogs))
    for r in cogs:
        if r.get("cost_per_task") is not None:
            ledger.add(f"cogs_per_task:{r['feature']}", "cli:cogs", r["cost_per_task"])
        if r.get("gross_margin") is not None:
            ledger.add(f"gross_margin:{r['feature']}", "cli:cogs", r["gross_margin"] * 100)

    cache = json.loads(cli(company, "cache", "--since", first.isoformat(), "--until", company.as_of.isoformat(),
                           "--format", "json"))
    for f in cache["figures"]:  # the prompt-cache headline figures (finops.metrics.cache): the report must show the same
        ledger.reference(f"cache:{f['label']}", f["value"])

    carbon = json.loads(cli(company, "carbon", "--by", "feature", "--month", company.month, "--format", "json"))
    ledger.reference("energy_total_kwh", sum(r["wh_mid"] for r in carbon if r["wh_mid"] is not None) / 1000)
    ledger.reference("carbon_total_kg", sum(r["gco2e_mid"] for r in carbon if r["gco2e_mid"] is not None) / 1000)
    for r in carbon:
        ledger.reference(f"catalog_cost:{r['feature']}", r["cost_usd"])  # logged tokens x the configured catalog
        ledger.add(f"catalog_cost:{r['feature']}", "cli:carbon", r["cost_usd"])
        if r.get("tasks"):
            ledger.add(f"energy_per_task:{r['feature']}", "cli:carbon", r["wh_per_task_mid"])
            ledger.add(f"carbon_per_task:{r['feature']}", "cli:carbon", r["gco2e_per_task_mid"])


def from_report(company: Company, ledger: Ledger, out: Path, fmt: str) -> None:
    cli(company, "report", "monthly", "--month", company.month, "--format", fmt, "--out", str(out))
    text = (out / f"finops-report-{company.month}.{fmt}").read_text()
    tables = md_tables(text) if fmt == "md" else html_tables(text)
    surface = f"report:{fmt}"
    rows = figure_rows(tables)
    by_label = {label: name for name, label in ledger.labels.items()}
    for label, value in rows.items():
        if label.startswith(("Join coverage ·", "Not joined ·", "Cache writes, 5m or 1h unknown ·")):
            ledger.add(by_label.get(label, label), surface, shown_or_none(value))
        elif label.startswith("Month to date · inference"):
            ledger.add("mtd_inference", surface, first_number(value))
        elif "· month-end forecast" in label:
            shown = numbers(value)
            ledger.add("month_end_forecast", surface, shown[0])
            ledger.add("month_end_forecast.lo80", surface, shown[2])  # "$X (80%: $lo to $hi; 95%: …)"
            ledger.add("month_end_forecast.hi80", surface, shown[3])
        elif label == "Billed inference (cost lines)":
            ledger.add("reconcile.billed", surface, first_number(value))
        elif label.startswith(("= ", "+ ")):
            ledger.add(f"reconcile.{label[2:]}", surface, first_number(value))
        elif label == "Cost of goods sold, all features":
            ledger.add("cogs_total", surface, first_number(value))
        elif f"cache:{label}" in ledger.exact:
            ledger.add(f"cache:{label}", surface, shown_or_none(value))
        elif label == "Energy (mid)":
            ledger.add("energy_total_kwh", surface, first_number(value))
        elif label == "Emissions":
            ledger.add("carbon_total_kg", surface, first_number(value))
    for row in table_with(tables, "Budget"):
        key = f"budget_used:{row['Budget']}"
        ledger.add(key, surface, first_number(row["Used %"]))
        ledger.add(key + ".spent", surface, first_number(row["Used"]))
        ledger.add(key + ".month_end", surface, first_number(row["Month end (80%)"]))
        ledger.add(key + ".probability_hit", surface, first_number(row["P(hit before reset)"]))
    for row in table_with(tables, "feature"):
        if row.get("cost_per_task") not in (None, "-", ""):
            ledger.add(f"cogs_per_task:{row['feature']}", surface, first_number(row["cost_per_task"]))
        if row.get("gross_margin_pct") not in (None, "-", ""):
            ledger.add(f"gross_margin:{row['feature']}", surface, first_number(row["gross_margin_pct"]))


def rendered_rows(table: Any) -> list[dict[str, str]]:
    """A FrameTable's rows as drawn: column label (sort arrow dropped) -> the cell's text."""
    labels = [str(c.label).replace(" ▼", "").replace(" ▲", "") for c in table.ordered_columns]
    return [dict(zip(labels, (str(c) for c in table.get_row_at(i)))) for i in range(table.row_count)]


def from_export(company: Company, ledger: Ledger, out: Path) -> None:
    """The scheduled export (Parquet files, read back): per-task COGS and margin from the cogs dataset,
    month-to-date inference from the costs dataset (the FOCUS lines, summed here by the same rule)."""
    from finops.schema import is_provider_bill

    for dataset in ("cogs", "costs"):
        cli(company, "export", "--dataset", dataset, "--format", "parquet", "--out", str(out),
            "--since", company.as_of.replace(day=1).isoformat(), "--until", company.as_of.isoformat())
    cogs = pl.read_parquet(out / "cogs" / "*.parquet")
    for r in cogs.filter(pl.col("month") == company.month).iter_rows(named=True):
        if r.get("cost_per_task") is not None:
            ledger.add(f"cogs_per_task:{r['feature']}", "export:cogs", r["cost_per_task"])
        if r.get("gross_margin") is not None:
            ledger.add(f"gross_margin:{r['feature']}", "export:cogs", r["gross_margin"] * 100)
    costs = pl.read_parquet(out / "costs" / "*.parquet")
    day = pl.col("ChargePeriodStart").dt.date()
    mtd = costs.filter(is_provider_bill() & (day >= company.as_of.replace(day=1)) & (day <= company.as_of))
    ledger.add("mtd_inference", "export:costs", float(mtd["BilledCost"].sum()))


async def from_dashboard(company: Company, ledger: Ledger) -> None:
    from finops.tui.app import FinopsApp
    from finops.tui.filters import Filters
    from finops.tui.screens.carbon import CarbonScreen
    from finops.tui.screens.cogs import CogsScreen
    from finops.tui.screens.prompt_cache import PromptCacheScreen
    from finops.tui.screens.reconcile import ReconcileScreen

    first = company.as_of.replace(day=1)
    app = FinopsApp(settings_for(company.home), today=company.today, theme="dark",
                    filters=Filters(start=first, end=company.as_of))

    def card(fid: str) -> list[str]:
        return str(app.screen.query_one(f"#{fid}").render()).splitlines()

    async def settle(pilot: Any) -> None:
        await pilot.pause()
        await app.wait_settled(120)

    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert app.filters.start == first and app.filters.end == company.as_of
        # A card's first line is the figure's label: "title · scope · provenance".
        label, value, *notes = card("fig-period")
        ledger.label("period_total", "dashboard", label)
        ledger.add("period_total", "dashboard", first_number(value))
        label, value, *notes = card("fig-mtd")
        ledger.label("mtd_all", "dashboard", label)
        ledger.add("mtd_all", "dashboard", first_number(value))
        inference = re.search(r"inference (\S+)", notes[0])
        assert inference, notes
        ledger.add("mtd_inference", "dashboard", first_number(inference.group(1)))
        label, value, *notes = card("fig-burn")
        ledger.label("burn_rate", "dashboard", label)
        ledger.add("burn_rate", "dashboard", first_number(value))
        label, value, *notes = card("fig-month-end")
        if label.startswith("Month-end forecast"):
            ledger.label("month_end_forecast", "dashboard", label)
            ledger.add("month_end_forecast", "dashboard", first_number(value))
            interval = numbers(notes[0].split(":", 1)[1])
            ledger.add("month_end_forecast.lo80", "dashboard", interval[0])
            ledger.add("month_end_forecast.hi80", "dashboard", interval[1])
        budget = card("fig-budget")
        if budget[0].startswith("Budget used"):
            key = f"budget_used:{budget[-1]}"
            title, provenance = budget[0].split(" · ")  # the budget's name is on its own line
            ledger.label(key, "dashboard", f"{title} · {budget[-1]} · {provenance}")
            ledger.add(key + ".spent", "dashboard", first_number(budget[1]))
            used = numbers(budget[2])
            ledger.add(key, "dashboard", used[0])
            ledger.add(key + ".month_end", "dashboard", used[1])
        quota = card("fig-quota")
        if quota[0].startswith("Quota left"):
            key = quota[-1]
            title, provenance = quota[0].split(" · ")
            ledger.label(f"quota_left:{key}", "dashboard", f"{title} · {key} · {provenance}")
            ledger.add(f"quota_left:{key}", "dashboard", first_number(quota[1]))
            ledger.add(f"budget_used:{key}.probability_hit", "dashboard", first_number(quota[2]))

        await pilot.press("3")
        await settle(pilot)
        assert isinstance(app.screen, ReconcileScreen)
        terms = sum_terms(str(app.screen.query_one("#drift-summary").render()))
        for title, value in terms.items():
            ledger.add(f"reconcile.{title}", "dashboard", first_number(value))
        # "Join coverage: 98.0% of billed tokens, 95.9% of billed dollars · not joined $153.13 (…)"
        coverage = str(app.screen.query_one("#coverage-summary").render())
        shares = re.match(r"Join coverage: (\S+%|n/a) of billed tokens, (\S+%|n/a) of billed dollars · not joined (\S+)", coverage)
        assert shares, coverage
        ledger.add("join_coverage_tokens", "dashboard", shown_or_none(shares.group(1)))
        ledger.add("join_coverage_usd", "dashboard", shown_or_none(shares.group(2)))
        ledger.add("not_joined_usd", "dashboard", first_number(shares.group(3)))

        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, CogsScreen)
        summary = str(app.screen.query_one("#cogs-summary").render())
        assert f"COGS {company.month} … {company.month}:" in summary, summary  # whole month: what the figures cover
        ledger.add("cogs_total", "dashboard", first_number(summary.split(":", 1)[1]))
        for row in rendered_rows(app.screen.query_one("#cogs-table")):
            if row["cost/task"] != "—":
                ledger.add(f"cogs_per_task:{row['feature']}", "dashboard", first_number(row["cost/task"]))
            if row["margin %"] != "—":
                ledger.add(f"gross_margin:{row['feature']}", "dashboard", first_number(row["margin %"]))

        await pilot.press("6")
        await settle(pilot)
        assert isinstance(app.screen, CarbonScreen)
        summary = str(app.screen.query_one("#carbon-summary").render())
        kwh = re.search(r"([\d.,]+[kMB]?) kWh", summary)
        kg = re.search(r"([\d.,]+[kMB]?) kgCO2e", summary)
        if kwh and kg:
            ledger.add("energy_total_kwh", "dashboard", first_number(kwh.group(1)))
            ledger.add("carbon_total_kg", "dashboard", first_number(kg.group(1)))
        for row in rendered_rows(app.screen.query_one("#carbon-table")):
            ledger.add(f"catalog_cost:{row['feature']}", "dashboard", shown_or_none(row["cost (catalog)"]))
            ledger.add(f"energy_per_task:{row['feature']}", "dashboard", shown_or_none(row["Wh/task"]))
            ledger.add(f"carbon_per_task:{row['feature']}", "dashboard", shown_or_none(row["gCO2e/task"]))

        await pilot.press("7")
        await settle(pilot)
        assert isinstance(app.screen, PromptCacheScreen)
        # One "label: value" line per figure (finops.metrics.cache), then the coverage line.
        for line in str(app.screen.query_one("#cache-summary").render()).splitlines():
            label, _, value = line.rpartition(": ")
            if f"cache:{label}" in ledger.exact:
                ledger.add(f"cache:{label}", "dashboard", shown_or_none(value))


# ---------------------------------------------------------------------------------------------- the test


@pytest.fixture(params=["sample", "override", *[f"seed{s}" for s in SEEDS]])
def company(request: pytest.FixtureRequest, tmp_path: Path) -> Company:
    if request.param == "sample":
        return sample_company(request.getfixturevalue("tui_store_path"), tmp_path / "home")
    if request.param == "override":
        return override_company(request.getfixturevalue("tui_store_path"), tmp_path / "home")
    return generated_company(int(request.param.removeprefix("seed")), tmp_path)


# Figures every company shows on the dashboard and in `finops figures` (and mostly more).
ALWAYS = ("period_total", "mtd_all", "mtd_inference", "burn_rate", "reconcile.billed", "reconcile.local at catalog",
          "reconcile.price mismatch", "reconcile.unexplained", "join_coverage_tokens", "join_coverage_usd", "not_joined_usd")


@pytest.mark.anyio
async def test_every_figure_is_the_same_on_every_surface(company: Company, tmp_path: Path) -> None:
    ledger = Ledger()
    doc = from_figures_json(company, ledger)
    from_cli_json(company, ledger, doc)
    for fmt in ("md", "html"):
        from_report(company, ledger, tmp_path / f"report-{fmt}", fmt)
    from_export(company, ledger, tmp_path / "exports")
    await from_dashboard(company, ledger)

    problems = ledger.disagreements()
    assert not problems, f"{company.name}: the same figure differs between surfaces:\n" + "\n".join(problems)
    # Not vacuous: the headline figures were read from the dashboard and another surface each,
    # and every per-task figure of `finops figures` was found on at least one other surface.
    for key in ALWAYS:
        assert "dashboard" in ledger.surfaces(key), f"{company.name}: {key} not read from the dashboard"
    for key in ("mtd_inference", "reconcile.billed", "reconcile.local at catalog"):
        assert {"report:md", "report:html", "cli:reconcile"} & ledger.surfaces(key), key
    assert "export:costs" in ledger.surfaces("mtd_inference")
    for key in ledger.shown:
        if key.startswith(("cogs_per_task:", "gross_margin:")) and "cli:cogs" in ledger.surfaces(key):
            assert "export:cogs" in ledger.surfaces(key), key
    for key in ("join_coverage_tokens", "join_coverage_usd", "not_joined_usd"):
        assert {"report:md", "report:html", "cli:reconcile", "dashboard"} <= ledger.surfaces(key), key
    if "month_end_forecast" in ledger.exact:
        assert {"dashboard", "report:md", "report:html", "cli:forecast"} <= ledger.surfaces("month_end_forecast")
    for f in doc["figures"]:
        if f["name"].split(":")[0] in ("cogs_per_task", "gross_margin", "energy_per_task", "carbon_per_task"):
            assert ledger.surfaces(f["name"]), f"{company.name}: {f['name']} shows on no surface but `finops figures`"
    cache_keys = [k for k in ledger.exact if k.startswith("cache:")]
    assert cache_keys and all({"report:md", "report:html", "dashboard"} <= ledger.surfaces(k) for k in cache_keys), cache_keys
    assert "cache:Write amplification · writes not read within TTL · estimated" in cache_keys
    compared = sum(len(v) for v in ledger.shown.values())
    assert compared >= 25, f"{company.name}: only {compared} values compared"
    if company.name == "override":
        overridden_everywhere(company, ledger)


def overridden_everywhere(company: Company, ledger: Ledger) -> None:
    """Under `[pricing] override` the surfaces agree (above) AND the figures are the override's, not the default's:
    each figure that prices tokens differs from the same figure at the default catalog."""
    plain, default = Ledger(), Company("plain", company.home, company.today, company.home / "plain.toml")
    from_figures_json(default, plain)
    cogs = json.loads(cli(default, "cogs", "--month", company.month, "--format", "json"))
    carbon = json.loads(cli(default, "carbon", "--by", "feature", "--month", company.month, "--format", "json"))
    for r in carbon:
        plain.reference(f"catalog_cost:{r['feature']}", r["cost_usd"])
    for r in cogs:
        plain.reference(f"cogs_per_task:{r['feature']}", r["cost_per_task"])
    def changed(key: str) -> bool:
        mine, theirs = ledger.exact.get(key), plain.exact.get(key)
        return mine is not None and theirs is not None and not math.isclose(mine, theirs, rel_tol=1e-9)

    for key in ("reconcile.local at catalog", "reconcile.price mismatch"):
        assert changed(key), f"{key}: the override changed nothing"
        assert {"dashboard", "cli:reconcile", "report:md", "report:html"} <= ledger.surfaces(key), key
    # The catalog cost of the features on GPT-4.1 and Claude Sonnet 4.5 (dashboard Carbon, `finops carbon`).
    costs = [k for k in ledger.exact if k.startswith("catalog_cost:") and changed(k)]
    assert costs and all({"dashboard", "cli:carbon"} <= ledger.surfaces(k) for k in costs), costs
    # COGS weighs features that share a provider project by catalog-priced tokens (no project of the sample is
    # shared across models, so its per-task figures do not move; tests/test_cogs_allocate.py shows the weights
    # follow the catalog passed): every COGS surface takes its setup, and so its catalog, from the context.
    from finops.context import Context

    ctx = Context.build(settings_for(company.home), today=company.today)
    assert ctx.cogs_setup.catalog is ctx.catalog
    standard = ctx.catalog.filter((ctx.catalog["model"] == "gpt-4.1") & (ctx.catalog["token_class"] == "output")
                                  & ctx.catalog["tier"].fill_null("standard").is_in(["", "standard"]))
    assert standard.sort("effective_from")["usd_per_million"].to_list()[-1] == 10.0  # the override's rate


def test_figures_in_a_month_with_no_bills_yet(tui_store_path: Path, tmp_path: Path) -> None:
    """Today in the month after the data (a store synced last month): month to date is $0 billed, no per-task
    figures for a month without cost lines, and every other figure still prints (no error for the whole command)."""
    company = Company("sample", sample_company(tui_store_path, tmp_path / "home").home, date(2026, 12, 3))
    doc = json.loads(cli(company, "figures", "--since", "2026-11-20", "--format", "json"))
    names = {f["name"]: f for f in doc["figures"]}
    assert names["mtd_all"]["value"] == 0.0 and names["mtd_all"]["start"] == "2026-12-01"
    assert names["period_total"]["value"] > 0
    assert not [n for n in names if n.startswith(("cogs_per_task:", "energy_per_task:"))]
