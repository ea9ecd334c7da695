"""Cloud FOCUS exports and COGS bills (vector DB, observability, review, contracts) as cost lines."""

from __future__ import annotations

import gzip
from datetime import date, datetime, timezone
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from finops.connectors.cogs_contracts import contract_lines, load_contracts, parse_contracts
from finops.connectors.cogs_files import read_cogs, read_cogs_file
from finops.connectors.focus_file import read_focus, read_focus_file
from finops.cli import app
from finops.config import ConfigFile
from finops.errors import ConfigError, InputError
from finops.store import Store

DATA = Path(__file__).parent / "data"
FOCUS, COGS = DATA / "focus", DATA / "cogs"


def _classes(lines: pl.DataFrame) -> dict[str | None, float]:
    return {k: round(v, 6) for k, v in lines.group_by("x_TokenClass").agg(pl.col("BilledCost").sum()).iter_rows()}


def test_focus_aws_1_2_bedrock_token_skus() -> None:
    lines = read_focus(FOCUS / "aws_bedrock_focus12.csv")
    assert lines.height == 4 and lines["BilledCost"].sum() == pytest.approx(12.525)  # the EC2 row is not AI spend
    assert _classes(lines) == {"input_uncached": 3.0, "output": 7.5, "input_cache_read": 0.15, "input_cache_write_5m": 1.875}
    assert set(lines["x_Source"]) == {"focus:aws"} and set(lines["HostProviderName"]) == {"Anthropic"}  # PublisherName
    assert set(lines["x_Provenance"]) == {"billed"} and set(lines["x_CostSource"]) == {"inference"}


def test_focus_azure_1_3_meters_and_currency() -> None:
    lines = read_focus(FOCUS / "azure_openai_focus13.csv")
    assert lines.height == 4 and lines["BilledCost"].sum() == pytest.approx(13.15)  # storage left out, AI Search kept
    assert _classes(lines) == {"input_uncached": 4.125, "input_cache_read": 0.625, "output": 6.0, None: 2.4}
    assert set(lines["BillingCurrency"]) == {"EUR"} and set(lines["x_Source"]) == {"focus:azure"}
    assert set(lines.drop_nulls("x_TokenClass")["x_Model"]) == {"gpt-4o-0806"}


def test_focus_gcp_1_0_names_bigquery_times_and_duplicate_lines_summed() -> None:
    lines = read_focus(FOCUS / "gcp_vertex_focus10.csv")
    assert lines.height == 3 and lines["BilledCost"].sum() == pytest.approx(5.7)  # two equal output rows -> one line
    assert _classes(lines) == {"input_uncached": 2.4, "input_cache_read": 0.3, "output": 3.0}
    assert lines.filter(pl.col("x_TokenClass") == "output")["ConsumedQuantity"].item() == 1_200_000
    assert set(lines["ChargePeriodStart"]) == {datetime(2026, 10, 9, tzinfo=timezone.utc)}
    assert set(lines["x_Model"]) == {"gemini-2.5-flash"} and set(lines["ServiceProviderName"]) == {"Google Cloud"}


def test_focus_parquet_reads_like_csv(tmp_path: Path) -> None:
    pq = tmp_path / "azure.parquet"
    pl.read_csv(FOCUS / "azure_openai_focus13.csv", infer_schema=False).with_columns(
        pl.col("BilledCost").cast(pl.Float64), pl.col("ChargePeriodStart").str.to_datetime(time_zone="UTC"),
    ).write_parquet(pq)
    a, b = read_focus(pq), read_focus(FOCUS / "azure_openai_focus13.csv")
    assert a.sort("x_LineId").drop("x_IngestedAt").equals(b.sort("x_LineId").drop("x_IngestedAt"))


def test_focus_bad_value_names_line_and_field(tmp_path: Path) -> None:
    text = (FOCUS / "aws_bedrock_focus12.csv").read_text().splitlines()
    text[2] = text[2].replace("7.500000", "seven", 1)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(text) + "\n")
    with pytest.raises(InputError, match=r"bad.csv:3: field 'BilledCost': 'seven' is not a number"):
        read_focus(bad)
    lines, problems = read_focus_file(bad)
    assert problems.count == 1 and lines.height == 3


@pytest.mark.parametrize("kind,seed,packed", [
    ("focus", FOCUS / "aws_bedrock_focus12.csv", False), ("focus", FOCUS / "aws_bedrock_focus12.csv", True),
    ("vector-db", COGS / "pinecone_usage.csv", False), ("observability", COGS / "datadog_estimated_cost.csv", False),
    ("review", COGS / "human_review.csv", False),
], ids=["focus", "focus-gz", "vector-db", "observability", "review"])
def test_a_row_with_more_fields_than_the_header_is_one_line_naming_it(kind: str, seed: Path, packed: bool, tmp_path: Path) -> None:
    lines = seed.read_text().splitlines()[:4]
    lines[2] = "," + lines[2]  # polars refuses the whole scan: a ragged row
    width = len(lines[0].split(","))
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    if packed:  # the error names the file given, not the unpacked copy
        bad = tmp_path / "bad.csv.gz"
        bad.write_bytes(gzip.compress("\n".join(lines).encode() + b"\n"))
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "home"), "ingest", str(bad), "--kind", kind])
    assert isinstance(result.exception, InputError), result.exception  # finops.cli.main prints it as one line
    assert str(result.exception) == f"{bad}: line 3: {width + 1} field(s), the header has {width}"


def test_pinecone_usage_and_console_headers() -> None:
    lines = read_cogs_file(COGS / "pinecone_usage.csv", "vector-db")
    assert lines.height == 8 and lines["BilledCost"].sum() == pytest.approx(98.96)
    drivers = dict(lines.group_by("SkuId").agg(pl.col("x_AllocationDriver").first()).iter_rows())
    assert drivers == {"Read Units": "retrieval_calls", "Write Units": "stored_vectors", "Storage": "stored_vectors",
                       "Minimum Usage": "retrieval_calls"}
    assert set(lines["x_Source"]) == {"cogs:pinecone"} and set(lines["x_CostSource"]) == {"vector_db"}
    console = read_cogs_file(COGS / "pinecone_usage_console.csv", "vector-db")  # "Cost (USD)", "Usage", daily rows
    assert console["BilledCost"].sum() == pytest.approx(3.8) and console["ConsumedQuantity"].sum() == 275_000
    days = console.select((pl.col("ChargePeriodEnd") - pl.col("ChargePeriodStart")).dt.total_days().unique())
    assert days.to_series().to_list() == [1]  # daily rows without an end date


def test_datadog_csv_keeps_eur_and_leaves_out_totals() -> None:
    lines = read_cogs_file(COGS / "datadog_estimated_cost.csv", "observability")
    assert lines.height == 5 and lines["BilledCost"].sum() == pytest.approx(281.86)
    assert set(lines["BillingCurrency"]) == {"EUR"} and set(lines["x_AllocationDriver"]) == {"requests"}
    hosts = lines.filter(pl.col("SkuId") == "Infrastructure Hosts")  # committed and on-demand are two lines
    assert hosts.height == 2 and hosts["x_LineId"].n_unique() == 2


def test_datadog_api_json_needs_a_currency() -> None:
    with pytest.raises(InputError, match="pass --currency"):
        read_cogs(COGS / "datadog_estimated_cost.json", "observability")
    lines, problems = read_cogs(COGS / "datadog_estimated_cost.json", "observability", currency="USD")
    assert not problems and lines.height == 4 and lines["BilledCost"].sum() == pytest.approx(227.3)
    assert set(lines["SubAccountId"]) == {"acme-prod", "acme-staging"}


def test_observability_plans_langfuse_and_langsmith() -> None:
    lines = read_cogs_file(COGS / "observability_plans.csv", "observability")
    by_source = dict(lines.group_by("x_Source").agg(pl.col("BilledCost").sum()).iter_rows())
    assert by_source == {"cogs:langfuse": pytest.approx(422.5), "cogs:langsmith": pytest.approx(117.0)}
    assert set(lines["x_CostSource"]) == {"observability"} and set(lines["ChargeFrequency"]) == {"Recurring"}


def test_human_review_hours_and_items() -> None:
    hours = read_cogs_file(COGS / "human_review.csv", "review")
    assert hours["BilledCost"].sum() == pytest.approx(30 / 60 * 38 + 15 / 60 * 45 + 24 / 60 * 38)
    assert hours["ConsumedQuantity"].sum() == 26 and set(hours["x_AllocationDriver"]) == {"direct"}
    items = read_cogs_file(COGS / "human_review_items.csv", "review")
    got = {(r["ChargePeriodStart"].day, r["x_Feature"]): (r["BilledCost"], r["ConsumedQuantity"]) for r in items.iter_rows(named=True)}
    assert got == {(1, "support-ja"): (pytest.approx(2.4), 2), (1, "doc-summarize"): (pytest.approx(0.8), 1),
                   (2, "support-ja"): (pytest.approx(1.2), 1), (2, None): (pytest.approx(0.5), 1)}
    shared = items.filter(pl.col("x_Feature").is_null())
    assert shared["x_AllocationDriver"].item() == "reviewed_items" and set(items["BillingCurrency"]) == {"EUR"}


def test_review_bad_row_names_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "review.csv"
    bad.write_text((COGS / "human_review.csv").read_text().replace("24.0,38.0", "twelve,38.0"))
    with pytest.raises(InputError, match=r"review.csv:4: field 'reviewer_minutes': 'twelve' is not a number"):
        read_cogs_file(bad, "review")


def test_contracts_from_finops_toml_pro_rata() -> None:
    lines = contract_lines(parse_contracts(ConfigFile.load(COGS / "finops_contracts.toml")), through=date(2026, 11, 20))
    got = {r["x_LineId"]: (r["BilledCost"], r["BillingCurrency"], r["x_AllocationDriver"]) for r in lines.iter_rows(named=True)}
    assert got == {
        "Pinecone enterprise support|2026-09": (300.0, "USD", "fixed"),
        "Pinecone enterprise support|2026-10": (300.0, "USD", "fixed"),  # ended in October
        "GPU reservation|2026-10": (1600.0, "EUR", "fixed"),  # from the 16th: 16 of 31 days
        "GPU reservation|2026-11": (3100.0, "EUR", "fixed"),
        "Annotation vendor retainer|2026-10": (500.0, "USD", "direct"),
        "Annotation vendor retainer|2026-11": (500.0, "USD", "direct"),
    }
    assert set(lines.filter(pl.col("SkuId").str.starts_with("Pinecone"))["x_CostSource"]) == {"vector_db"}


def test_contract_mistakes_name_file_line_and_key(tmp_path: Path) -> None:
    toml = tmp_path / "finops.toml"
    toml.write_text((COGS / "finops_contracts.toml").read_text().replace("monthly_cost = 3100.0", 'monthly_cost = "a lot"'))
    with pytest.raises(ConfigError, match=r"finops.toml:17: cogs.contracts\[1\].monthly_cost: 'a lot' is not a positive number"):
        parse_contracts(ConfigFile.load(toml))


def test_contracts_reload_removes_undeclared_ones(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    full = ConfigFile.load(COGS / "finops_contracts.toml")
    assert load_contracts(store, full, through=date(2026, 11, 20)).added == 6
    toml = tmp_path / "finops.toml"
    toml.write_text(full.text.split("[[cogs.contracts]]\nname = \"GPU reservation\"")[0])
    load_contracts(store, ConfigFile.load(toml), through=date(2026, 11, 20))
    assert sorted(store.read("cost_lines")["SkuId"].unique()) == ["Pinecone enterprise support"]


def test_cli_ingests_each_kind_and_status_lists_the_sources(tmp_path: Path) -> None:
    home = ["--data-dir", str(tmp_path / "home")]
    runs = [
        ["ingest", str(DATA / "request_logs" / "otel_genai_spans.jsonl"), str(DATA / "request_logs" / "litellm_spend_logs.csv")],
        ["ingest", str(FOCUS / "aws_bedrock_focus12.csv"), str(FOCUS / "gcp_vertex_focus10.csv"), "--kind", "focus"],
        ["ingest", str(COGS / "pinecone_usage.csv"), "--kind", "vector-db"],
        ["ingest", str(COGS / "datadog_estimated_cost.json"), "--kind", "observability", "--currency", "usd"],
        ["ingest", str(COGS / "human_review.csv"), "--kind", "review"],
        ["ingest", str(COGS / "finops_contracts.toml"), "--kind", "contracts"],
    ]
    outputs = []
    for args in runs:
        result = CliRunner().invoke(app, [*home, *args])
        assert result.exit_code == 0, (args, result.output, result.exception)
        outputs.append(result.output)
    assert "requests: added 6, changed 1, unchanged 0; 1 already stored from another source" in outputs[0]  # gaps filled
    assert "cost lines (focus: focus:aws, focus:gcp): added 7" in outputs[1]
    status = CliRunner().invoke(app, [*home, "status", "--format", "csv"])
    assert status.exit_code == 0
    for source in ("requests:otel", "requests:litellm", "focus:aws", "focus:gcp", "cogs:pinecone", "cogs:datadog",
                   "cogs:review", "cogs:contracts"):
        assert source in status.output
