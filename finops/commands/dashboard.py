"""`finops dashboard`: the interactive terminal dashboard (also what `finops` alone runs)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("dashboard")
    def dashboard(
        theme: Annotated[Optional[str], typer.Option(help="dark or light (default: \\[dashboard] theme, else dark).")] = None,
        today: Annotated[Optional[str], typer.Option(help="Pretend today is this UTC day, YYYY-MM-DD (default: $FINOPS_TODAY).")] = None,
        web: Annotated[bool, typer.Option("--web", help="Serve the dashboard to a browser (textual-serve) instead of this terminal.")] = False,
        host: Annotated[str, typer.Option(help="--web: address to listen on (default 127.0.0.1: this machine only).")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="--web: port to listen on.", min=1, max=65535)] = 8000,
    ) -> None:
        """Open the interactive dashboard: overview, sources, reconcile, COGS, forecast, carbon."""
        import gc
        import os
        from datetime import date

        from finops.commands._common import get_settings
        from finops.errors import InputError

        try:
            pinned = date.fromisoformat(today) if today else None
        except ValueError:
            raise InputError(f"--today: {today!r} is not a date (YYYY-MM-DD)") from None
        if web:
            from finops.commands._common import GlobalOptions
            from finops.tui.web import dashboard_command, serve

            settings = get_settings()  # a bad --data-dir/--config fails here, once, not in every browser tab
            global_args = ["--data-dir", str(settings.data_dir.resolve())]
            if GlobalOptions.config is not None:
                global_args += ["--config", str(GlobalOptions.config.resolve())]
            args = [*(["--theme", theme] if theme else []), *(["--today", pinned.isoformat()] if pinned else [])]
            serve(dashboard_command(global_args, args), host=host, port=port)
            return
        # Start-up builds what the whole session keeps (modules, classes, styles, widgets) and next
        # to no garbage: the collector's ~255 passes over it cost 0.12-0.13 s CPU before the first paint.
        # Paused until the app's first layout, which freezes what was built (FinopsApp.on_ready).
        gc.disable()
        from finops.tui.preload import Preload

        settings = get_settings()
        # Start reading the store now: it overlaps with importing Textual below.
        preload = Preload(settings, pinned)
        from finops.tui.app import FinopsApp

        bench_t0 = os.environ.get("FINOPS_BENCH_T0")  # set by bench/dashboard_cold_start.py
        app = FinopsApp(settings, today=pinned, theme=theme, exit_when_painted=bench_t0 is not None, preload=preload,
                        resume_gc=True)
        painted = app.run(headless=bench_t0 is not None)
        if bench_t0 is not None and painted is not None:
            typer.echo(f"painted_after_s={painted[0] - float(bench_t0):.3f} cpu_s={painted[1]:.3f}")
