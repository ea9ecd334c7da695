"""`finops sample generate|load`: make the embedded sample and load it into the store."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer


def register(app: typer.Typer) -> None:
    sample = typer.Typer(help="The embedded sample data set (no account or network needed).", no_args_is_help=True)
    app.add_typer(sample, name="sample")

    @sample.command("generate")
    def generate(
        seed: Annotated[int, typer.Option(help="Random seed; same seed, same bytes.")] = 7,
        days: Annotated[int, typer.Option(help="Days of history.")] = 549,
        requests: Annotated[int, typer.Option(help="Expected provider calls over the period.")] = 240_000,
        end: Annotated[Optional[str], typer.Option(help="Last UTC day, YYYY-MM-DD (default 2026-11-24).")] = None,
        out: Annotated[Path, typer.Option(help="Output directory.")] = Path("sample_data"),
    ) -> None:
        """Generate a deterministic sample with planted anomalies and ground_truth.json."""
        from finops.commands._common import option_day
        from finops.errors import InputError
        from finops.sample.generate import DEFAULT_END, GeneratorConfig, generate as gen, write

        if out.exists() and not out.is_dir():  # checked before minutes of generating
            raise InputError(f"--out: {out} is a file, not a folder")
        cfg = GeneratorConfig(seed=seed, days=days, requests=requests, end=option_day(end, "end") or DEFAULT_END)
        sample = gen(cfg)
        manifest = write(sample, out)
        size = sum((out / name).stat().st_size for name in manifest)
        typer.echo(f"wrote {len(manifest)} files ({size / 1e6:.1f} MB) to {out}: "
                   f"{sample.rows.height:,} provider calls, {len(sample.ground_truth['anomalies'])} planted anomalies")

    @sample.command("load")
    def load(
        source: Annotated[Optional[Path], typer.Option("--from", help="Sample directory (default: the embedded one).")] = None,
    ) -> None:
        """Load the sample into the store (idempotent: loading twice changes nothing)."""
        from finops.commands._common import get_settings, get_store, progress
        from finops.sample.load import load_sample

        settings = get_settings()
        store = get_store(settings)
        with progress() as bar:
            task = bar.add_task("loading sample", total=9)
            report = load_sample(store, source, progress=lambda name: bar.update(task, advance=1, description=name))
        for name, r in zip(report.files, report.results):
            typer.echo(f"{name:40s} -> {r.table:12s} added {r.added:>8,}  changed {r.changed:>6,}  unchanged {r.unchanged:>8,}")
        typer.echo(f"store: {store.root}")
