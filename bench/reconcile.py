"""Benchmark `finops reconcile` on 10M local request rows against a year of billed usage.

Run by hand: `python -m bench.reconcile [--rows 10_000_000] [--work DIR] [--keep]`.

Data: the sample generator makes one year (365 UTC days) at about 1M provider calls with
its planted anomalies; the request log is then tiled to the wanted size with fresh
request ids and the billed usage and cost pages are scaled by the same factor, so the
two sides stay consistent and every planted anomaly is still there (its dollars times
the factor). Usage and cost pages go through the live parsers into a real store.

Each measured step runs in a fresh interpreter and reports wall time, CPU time and peak
RSS (resource.getrusage): `ours` is finops.reconcile.reconcile on the store (polars,
lazy scans, streaming group-by over the log); `pandas` is the same row-level work
written the way an analyst would in pandas (read the partitions, derive token classes,
group, melt, outer-merge with billed usage, price each row at the effective-dated
catalog, join the billed dollars). Cause attribution runs on the daily aggregates in
both, so the peer stops at the groups. Targets (docs/reconcile.md): ours under 5 s and
2 GB on 2 cores; the peer at least 5x slower. Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
YEAR = 365


def prepare(work: Path, rows: int, seed: int = 7, base_calls: int = 1_000_000) -> dict[str, object]:
    """Write the store under `work` (untimed); returns what the run needs to check its findings."""
    import polars as pl

    from finops.connectors import anthropic_usage, openai_usage
    from finops.sample import provider_shapes as shapes
    from finops.sample.generate import GeneratorConfig, generate
    from finops.store import Store, atomic

    sample = generate(GeneratorConfig(seed=seed, days=YEAR, requests=base_calls))
    log = sample.local_log()
    tiles = max(1, math.ceil(rows / log.height))
    tiles_dir = work / "tiles"
    for k in range(tiles):
        atomic.write_parquet(tiles_dir / f"requests-{k:03d}.parquet", log.with_columns(pl.col("request_id") + f"~{k}"))
    del log
    priced = sample.priced.with_columns(pl.col("quantity") * tiles, pl.col("billed_usd") * tiles)
    usage = [openai_usage.parse_usage_page(p, kind, source="bench") for kind in ("completions", "embeddings")
             for p in shapes.openai_usage_pages(priced, sample.days, kind)]
    usage += [anthropic_usage.parse_usage_page(p, source="bench") for p in shapes.anthropic_usage_pages(priced, sample.days)]
    costs = [openai_usage.parse_costs_page(p, source="bench") for p in shapes.openai_cost_pages(priced, sample.days)]
    costs += [anthropic_usage.parse_cost_page(p, source="bench") for p in shapes.anthropic_cost_pages(priced, sample.days)]
    store = Store(work / "store")
    store.upsert("requests", pl.scan_parquet(str(tiles_dir / "*.parquet")))
    store.upsert("billed_usage", pl.concat(usage))
    store.upsert("cost_lines", pl.concat(costs))
    shutil.rmtree(tiles_dir)
    truth = [{**a, "dollar_impact": a["dollar_impact"] * tiles} for a in sample.ground_truth["anomalies"]]
    n = store.scan("requests").select(pl.len()).collect().item()
    meta = {"rows": n, "tiles": tiles, "days": YEAR, "billed_rows": len(store.scan("billed_usage").collect()), "truth": truth}
    (work / "meta.json").write_text(json.dumps(meta, default=str))
    return meta


def run_ours(work: Path) -> dict[str, object]:
    from finops.models.pricing.catalog import load_catalog
    from finops.reconcile import Thresholds, reconcile
    from finops.store import Store

    res = reconcile(Store(work / "store"), catalog=load_catalog(), thresholds=Thresholds())
    meta = json.loads((work / "meta.json").read_text())
    hits = 0
    for t in meta["truth"]:
        for f in res.causes.iter_rows(named=True):
            if (f["cause"], f["provider"], set(f["projects"].split(",")), str(f["start"]), str(f["end"])) == (
                    t["cause"], t["provider"], set(t["project_ids"]), t["start"], t["end"]):
                hits += abs(f["dollar_impact"] - t["dollar_impact"]) <= 0.01 * abs(t["dollar_impact"])
    return {"groups": res.groups.height, "findings": res.causes.height, "planted_found_with_dollars": f"{hits}/{len(meta['truth'])}",
            "delta_tokens": int(res.groups["delta"].sum()), "billed_usd": round(res.summary["billed_usd"], 2)}


def run_pandas(work: Path) -> dict[str, object]:
    """The analyst's version: eager pandas over the same partitions."""
    import glob

    import numpy as np
    import pandas as pd

    def read(table: str, columns: list[str]) -> pd.DataFrame:
        return pd.concat([pd.read_parquet(p, columns=columns) for p in sorted(glob.glob(str(work / "store" / table / "*" / "*.parquet")))],
                         ignore_index=True)

    grain = ["day", "provider", "model", "project_id", "api_key_id"]
    req = read("requests", ["ts", "provider", "model", "project_id", "api_key_id", "input_tokens", "cached_input_tokens",
                            "cache_write_tokens", "output_tokens"])
    req["day"] = req["ts"].dt.tz_convert("UTC").dt.date
    req["api_key_id"] = req["api_key_id"].fillna("")
    emb = req["model"].str.contains("embedding")
    inp, cached, write = (req[c].fillna(0) for c in ("input_tokens", "cached_input_tokens", "cache_write_tokens"))
    req["input_uncached"] = np.where(emb, 0, inp - cached - write)
    req["input_cache_read"] = np.where(emb, 0, cached)
    req["input_cache_write_5m"] = np.where(emb, 0, write)
    req["output"] = req["output_tokens"].fillna(0)
    req["embedding"] = np.where(emb, inp, 0)
    classes = ["input_uncached", "input_cache_read", "input_cache_write_5m", "output", "embedding"]
    local = req.groupby(grain)[classes].sum().reset_index().melt(id_vars=grain, var_name="token_class", value_name="local")
    del req
    bill = read("billed_usage", ["charge_period_start", "provider", "model", "project_id", "api_key_id", "token_class", "unit", "quantity"])
    bill = bill[bill["unit"] == "tokens"].copy()
    bill["day"] = bill["charge_period_start"].dt.tz_convert("UTC").dt.date
    billed = bill.groupby([*grain, "token_class"])["quantity"].sum().reset_index(name="billed")
    g = local.merge(billed, on=[*grain, "token_class"], how="outer")
    g[["local", "billed"]] = g[["local", "billed"]].fillna(0)
    g = g[(g["local"] != 0) | (g["billed"] != 0)].copy()
    g["delta"] = g["billed"] - g["local"]

    cat = pd.read_csv(REPO / "models" / "pricing" / "catalog.csv", parse_dates=["effective_from", "effective_to"])
    names = cat.groupby("provider")["model"].unique().to_dict()

    def base(provider: str, model: str) -> str | None:
        best = None
        for m in names.get(provider, []):
            if (model == m or model.startswith(m + "-")) and (best is None or len(m) > len(best)):
                best = m
        return best

    g["catalog_model"] = [base(p, m) for p, m in zip(g["provider"], g["model"])]
    g = g.reset_index(drop=True).reset_index(names="row")
    cand = g.merge(cat.rename(columns={"model": "cat_model"}), left_on=["provider", "catalog_model", "token_class"],
                   right_on=["provider", "cat_model", "token_class"], how="inner")
    when = pd.to_datetime(cand["day"])
    cand = cand[(when >= cand["effective_from"]) & (cand["effective_to"].isna() | (when < cand["effective_to"]))]
    g = g.merge(cand[["row", "usd_per_million"]], on="row", how="left")
    g["delta_usd"] = g["delta"] * g["usd_per_million"] / 1e6
    g["billed_usd_at_catalog"] = g["billed"] * g["usd_per_million"] / 1e6

    cost = read("cost_lines", ["ChargePeriodStart", "ServiceProviderName", "SubAccountId", "x_Model", "x_TokenClass", "x_CostSource", "BilledCost"])
    cost = cost[cost["x_CostSource"].isin(["inference", "embeddings"])].copy()
    cost["day"] = cost["ChargePeriodStart"].dt.tz_convert("UTC").dt.date
    cost["provider"] = cost["ServiceProviderName"].str.lower()
    cost["cost_model"] = [base(p, m) if m else None for p, m in zip(cost["provider"], cost["x_Model"])]
    cells = cost.groupby(["day", "provider", "SubAccountId", "cost_model", "x_TokenClass"])["BilledCost"].sum().reset_index()
    g = g.merge(cells, left_on=["day", "provider", "project_id", "catalog_model", "token_class"],
                right_on=["day", "provider", "SubAccountId", "cost_model", "x_TokenClass"], how="left")
    return {"groups": len(g), "delta_tokens": int(g["delta"].sum()), "billed_usd": round(float(cells["BilledCost"].sum()), 2)}


def _child(step: str, work: Path) -> None:
    start, cpu0 = time.perf_counter(), time.process_time()
    out = run_ours(work) if step == "ours" else run_pandas(work)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"wall_s": round(time.perf_counter() - start, 2), "cpu_s": round(time.process_time() - cpu0, 2),
                      "peak_rss_mb": round(usage.ru_maxrss / 1024), **out}))


def measure(step: str, work: Path) -> dict[str, object]:
    proc = subprocess.run([sys.executable, "-m", "bench.reconcile", "--child", step, "--work", str(work)],
                          cwd=REPO, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    if proc.returncode:
        raise SystemExit(f"bench step {step} failed with exit code {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reconcile", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=lambda s: int(s.replace("_", "")), default=10_000_000)
    parser.add_argument("--work", type=Path, default=None, help="scratch directory (reused when it holds a store)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--skip-peer", action="store_true", help="do not run the pandas peer")
    parser.add_argument("--child", choices=["ours", "pandas"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="finops-bench-reconcile-"))
    if args.child:
        _child(args.child, work)
        return
    if not (work / "meta.json").is_file():
        t = time.perf_counter()
        meta = prepare(work, args.rows)
        print(f"prepared {meta['rows']:,} request rows ({meta['tiles']} tiles of a {YEAR}-day sample), "
              f"{meta['billed_rows']:,} billed usage rows in {time.perf_counter() - t:.0f} s")
    ours = measure("ours", work)
    print(f"ours   (polars): {json.dumps(ours)}")
    if not args.skip_peer:
        peer = measure("pandas", work)
        print(f"peer   (pandas): {json.dumps(peer)}")
        print(f"pandas / ours: wall {peer['wall_s'] / ours['wall_s']:.1f}x, cpu {peer['cpu_s'] / ours['cpu_s']:.1f}x, "
              f"peak RSS {peer['peak_rss_mb'] / ours['peak_rss_mb']:.1f}x")
    if args.work is None and not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
