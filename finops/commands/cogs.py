"""`finops cogs`: full COGS per feature, project or cost source; statements; what-if against history."""

from __future__ import annotations

import json
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from finops.commands._common import WideOpt
from finops.numbers import json_ready
from finops.output import Format

if TYPE_CHECKING:
    from finops.models.cogs.whatif import PriceChange, Scenario
    from finops.store import Store
    import polars as pl

    from finops.services.cogs import CogsSetup


class By(str, Enum):
    feature = "feature"
    project = "project"
    source = "source"
    team = "team"


class Basis(str, Enum):
    amortized = "amortized"
    cash = "cash"


BASIS_COLUMN = {Basis.amortized: "EffectiveCost", Basis.cash: "BilledCost"}
BasisOpt = Annotated[Optional[Basis], typer.Option(
    "--basis", help="amortized (EffectiveCost: commitments spread over their use; the default) or cash "
                    "(BilledCost, as invoiced); default from [cogs] cost_column.")]
MonthOpt = Annotated[Optional[str], typer.Option("--month", help="Month YYYY-MM (default: the latest with cost lines).")]
FormatOpt = Annotated[Format, typer.Option("--format", help="table, csv or json")]


def _open(basis: "Basis | None" = None) -> tuple["Store", "CogsSetup"]:
    from dataclasses import replace

    from finops.commands._common import get_context

    ctx = get_context()
    setup = ctx.cogs_setup
    if basis is not None:
        setup = replace(setup, rules=replace(setup.rules, cost_column=BASIS_COLUMN[basis]))
    return ctx.store, setup


def _month(store: "Store", month: str | None) -> str:
    from finops.services.cogs import months_with_costs, resolve_months

    if month:
        return resolve_months(store, [month])[0]
    months = months_with_costs(store)
    if not months:
        typer.echo(f"no cost lines in {store.root}: run `finops sample load` or `finops sync`")
        raise typer.Exit(1)
    return months[-1]


TABLE_COLUMNS = {  # table view: column -> header; per-task figures keep 4 significant digits
    "month": "month", "feature": "feature", "project_id": "project", "team": "team", "x_CostSource": "cost source",
    "tasks": "tasks", "cost": "cost", "cost_per_task": "cost/task", "cost_per_1k_tasks": "per 1k tasks",
    "inference": "inference", "non_inference": "other", "inference_share": "inf %",
    "billed_in": "billed in", "revenue_per_task": "rev/task", "margin_per_task": "margin/task",
    "gross_margin": "margin %",
}
TABLE_MONEY = ["cost", "inference", "other", "cost/task", "per 1k tasks", "rev/task", "margin/task"]


def _table_view(frame: "pl.DataFrame") -> "pl.DataFrame":
    import polars as pl

    if frame["month"].n_unique() == 1:
        frame = frame.drop("month")  # the title names it
    shares = [pl.col(c) * 100 for c in ("inference_share", "gross_margin") if c in frame.columns]
    frame = frame.with_columns(s.round(1) for s in shares)
    cols = [c for c in TABLE_COLUMNS if c in frame.columns]
    return frame.select(cols).rename({c: TABLE_COLUMNS[c] for c in cols})


def _overview(store: object, setup: "CogsSetup", months: list[str], by: By) -> tuple["pl.DataFrame", str]:
    import polars as pl

    from finops.services import cogs as report
    from finops.models.cogs import unit_economics as ue

    alloc = report.allocation(store, setup, months)  # type: ignore[arg-type]
    if by is By.feature:
        frame = ue.unit_economics(alloc, report.tasks(store, months), setup.rules)  # type: ignore[arg-type]
    elif by is By.project:
        frame = ue.costs(alloc, ["month", "project_id"])
    elif by is By.team:
        frame = ue.costs(ue.with_team(alloc, setup.rules), ["month", "team"])
    else:
        frame = ue.costs(alloc.with_columns(pl.col("x_CostSource").fill_null("unknown")), ["month", "x_CostSource"])
        billed = alloc.group_by("month", "x_CostSource", "BillingCurrency").agg((pl.col("cents").sum() / 100).alias("billed"))
        billed = billed.sort("BillingCurrency").group_by("month", "x_CostSource", maintain_order=True).agg(
            pl.struct("BillingCurrency", "billed")
            .map_elements(lambda r: f"{r['BillingCurrency']} {r['billed']:,.2f}", return_dtype=pl.String)
            .str.join(" + ").alias("billed_in")
        )
        frame = frame.join(billed, on=["month", "x_CostSource"], how="left")
    unalloc = alloc.filter(pl.col("feature") == "unallocated")
    reasons = unalloc.group_by("reason").agg(pl.col("reporting_cents").sum()).sort("reporting_cents", descending=True)
    cur = setup.reporting_currency
    span = months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}"
    notes = [f"total {cur} {alloc['reporting_cents'].sum() / 100:,.2f} = every cost line of {span} ({alloc['__line'].n_unique()} lines)",
             f"cost basis: {setup.rules.cost_basis}"]
    notes += [f"unallocated {cur} {c / 100:,.2f}: {r}" for r, c in reasons.iter_rows()]
    foreign = sorted(set(alloc["BillingCurrency"]) - {cur})
    if foreign:
        notes.append(f"{', '.join(foreign)} converted to {cur} at dated rates from {setup.rates.source}")
    return frame, "\n".join(notes)


def register(app: typer.Typer) -> None:
    cogs_app = typer.Typer(help="Full COGS per feature and task: allocation, unit economics, statements, what-if.")
    app.add_typer(cogs_app, name="cogs")

    @cogs_app.callback(invoke_without_command=True)
    def cogs(
        ctx: typer.Context,
        month: Annotated[Optional[str], typer.Option(
            "--month", help="Month YYYY-MM, or 'all' for every month (default: the latest with cost lines).")] = None,
        by: Annotated[By, typer.Option("--by", help="feature, project, source or team")] = By.feature,
        fmt: FormatOpt = Format.table,
        wide: WideOpt = False,
        basis: BasisOpt = None,
    ) -> None:
        """Every cost line of a month allocated to features: cost per task, inference share, margin."""
        if ctx.invoked_subcommand is not None:
            return
        from finops.output import emit
        from finops.services.cogs import months_with_costs

        store, setup = _open(basis)
        months = months_with_costs(store) if month == "all" else [_month(store, month)]
        if not months:
            _month(store, None)  # says the store is empty and exits
        frame, caption = _overview(store, setup, months, by)
        span = months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}"
        if fmt is Format.table:
            from rich.markup import escape

            emit(_table_view(frame), fmt, title=f"COGS by {by.value}, {span} ({setup.reporting_currency})",
                 money_columns=TABLE_MONEY, caption=escape(caption), currency=setup.reporting_currency)
        else:
            emit(frame, fmt)

    @cogs_app.command("statement")
    def statement_cmd(
        month: MonthOpt = None,
        project: Annotated[Optional[str], typer.Option("--project", help="Project / workspace / sub-account id.")] = None,
        team: Annotated[Optional[str], typer.Option("--team", help="Team from \\[cogs.teams].")] = None,
        fmt: FormatOpt = Format.table,
        wide: WideOpt = False,
        basis: BasisOpt = None,
    ) -> None:
        """A showback/chargeback statement for one team or project, reconciled to the month's invoices."""
        import polars as pl
        from rich.markup import escape

        from finops.errors import InputError
        from finops.models.money import money_total
        from finops.output import emit
        from finops.services import cogs as report

        if (project is None) == (team is None):
            raise InputError("statement: give exactly one of --project or --team")
        store, setup = _open(basis)
        m = _month(store, month)
        kind, owner = ("project", project) if project is not None else ("team", team)
        st = report.statement(store, setup, m, kind, owner)  # type: ignore[arg-type]
        if fmt is Format.json:
            doc = {
                "kind": st.kind, "owner": st.owner, "month": st.month, "currency": st.currency,
                "total": st.total, "invoices_total": st.invoices_total,
                "lines": st.lines.to_dicts(), "invoices": st.invoices.to_dicts(), "owners": st.owners.to_dicts(),
            }
            typer.echo(json.dumps(json_ready(doc), default=str, indent=2))
            return
        if fmt is Format.csv:
            emit(st.lines, fmt)
            return
        cur = st.currency
        view = st.lines.select(
            pl.col("ServiceProviderName").alias("provider"), pl.col("x_CostSource").alias("cost source"), "feature",
            pl.col("project_id").alias("project"), "method", "driver", "currency", "amount",
            pl.col("reporting_amount").alias(f"{cur} amount"), pl.col("cost_lines").alias("lines"),
        )
        reasons = [f"unallocated: {r}" for r in st.lines["reason"].drop_nulls().unique().sort()]
        caption = "\n".join([f"total {cur} {st.total:,.2f} (amount in each bill's currency)",
                             f"cost basis: {setup.rules.cost_basis}", *reasons])
        emit(view, fmt, title=f"Statement: {kind} {owner}, {m}", money_columns=["amount", f"{cur} amount"],
             caption=escape(caption), currency=cur, currency_of={"amount": "currency"})
        invoices = st.invoices.select(
            pl.col("ServiceProviderName").alias("provider"), pl.col("x_Source").alias("source"), "InvoiceId", "currency",
            pl.col("invoice_total").alias("invoice"), pl.col("reporting_total").alias(cur),
            pl.col("this_statement").alias("this statement"), pl.col("other_statements").alias("others"), "unallocated",
        )
        emit(invoices, fmt, title=f"Invoices of {m}",
             money_columns=["invoice", cur, "this statement", "others", "unallocated"],
             currency=cur, currency_of={"invoice": "currency"})
        emit(st.owners, fmt, title=f"All {kind} statements of {m}", money_columns=["reporting_amount"], currency=cur,
             caption=f"sum {cur} {money_total(st.owners['reporting_amount']):,.2f} = invoices' total {cur} {st.invoices_total:,.2f}")

    @cogs_app.command("review")
    def review_cmd(month: MonthOpt = None, fmt: FormatOpt = Format.table, wide: WideOpt = False) -> None:
        """Human review per feature: items reviewed, share of tasks sent to review, cost per item."""
        from finops.output import emit
        from finops.services import cogs as report

        store, setup = _open()
        m = _month(store, month)
        frame = report.review(store, setup, m)
        if fmt is Format.table:
            import polars as pl

            view = frame.select("feature", "tasks", pl.col("items_reviewed").alias("items reviewed"),
                                (pl.col("review_share") * 100).round(2).alias("review %"),
                                pl.col("reviewer_hours").round(1).alias("hours"),
                                pl.col("review_cost").alias("cost"), pl.col("cost_per_item").alias("cost/item"))
            emit(view, fmt, title=f"Human review, {m} ({setup.reporting_currency})", money_columns=["cost", "cost/item"],
                 currency=setup.reporting_currency)
        else:
            emit(frame, fmt)

    @cogs_app.command("what-if")
    def what_if_cmd(
        month: MonthOpt = None,
        feature: Annotated[Optional[str], typer.Option("--feature", help="Feature to change.")] = None,
        model: Annotated[Optional[str], typer.Option("--model", help="Move the feature to this catalog model.")] = None,
        from_model: Annotated[Optional[str], typer.Option("--from-model", help="Only this (base) model's tokens (with --model or --cache-hit-rate).")] = None,
        cache_hit_rate: Annotated[Optional[float], typer.Option("--cache-hit-rate", help="Share of input read from cache, 0..1.")] = None,
        price: Annotated[Optional[str], typer.Option("--price", help="MODEL:TOKEN_CLASS=USD_PER_MILLION, e.g. gpt-4.1:output=6")] = None,
        fmt: FormatOpt = Format.table,
        wide: WideOpt = False,
    ) -> None:
        """Reprice a month's real usage under another model, cache hit rate or price; actuals side by side."""
        from finops.errors import InputError
        from finops.output import emit
        from finops.services import cogs as report
        from finops.models.cogs.whatif import CacheHitRate, MoveModel

        chosen = [x is not None for x in (model, cache_hit_rate, price)]
        if sum(chosen) != 1:
            raise InputError("what-if: give exactly one of --model, --cache-hit-rate or --price")
        scenario: Scenario
        if price is not None:
            scenario = _parse_price(price, feature)
        elif feature is None:
            raise InputError("what-if: --feature is required with --model and --cache-hit-rate")
        elif model is not None:
            scenario = MoveModel(feature, model, from_model)
        else:
            scenario = CacheHitRate(feature, float(cache_hit_rate), from_model)  # type: ignore[arg-type]
        store, setup = _open()
        m = _month(store, month)
        frame = report.what_if(store, setup, m, scenario)
        if fmt is Format.table:
            import polars as pl

            view = frame.select(
                "feature", "tasks", pl.col("actual_cost").alias("actual"), pl.col("scenario_cost").alias("scenario"), "delta",
                pl.col("actual_cost_per_task").alias("actual/task"), pl.col("scenario_cost_per_task").alias("scenario/task"),
                pl.col("affected_actual").alias("changed: actual"), pl.col("affected_scenario").alias("changed: scenario"),
                pl.col("tokens_from").alias("tokens"), "note",
            )
            caption = ("actual = the allocated cost in the store; scenario = actual with the changed inference "
                       "repriced at catalog prices")
            emit(view, fmt, title=f"What-if, {m}: {scenario.describe()} ({setup.reporting_currency})",
                 money_columns=["actual", "scenario", "delta", "changed: actual", "changed: scenario"], caption=caption,
                 currency=setup.reporting_currency)
        else:
            emit(frame, fmt)


def _parse_price(text: str, feature: str | None) -> "PriceChange":
    from finops.errors import InputError
    from finops.models.cogs.whatif import PriceChange

    try:
        left, value = text.split("=", 1)
        model, token_class = left.split(":", 1)
        return PriceChange(model.strip(), token_class.strip(), float(value), feature)
    except ValueError:
        raise InputError(f"--price: expected MODEL:TOKEN_CLASS=USD_PER_MILLION, got {text!r}") from None
