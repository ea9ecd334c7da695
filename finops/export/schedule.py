"""Cron lines and systemd user units that run `finops export` (and `finops alert check`) unattended.

Pure text: `render(plan)` is what `finops schedule show` prints. Paths are absolute (cron
and systemd start with a bare environment), arguments are quoted for /bin/sh (cron) and
for systemd's own parser, and `%` is escaped for both.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

UNIT = "finops-export"
STAGGER_MIN = 5  # minutes between datasets in cron, so two exports do not compete for the CPU


@dataclass(frozen=True)
class Plan:
    data_dir: Path
    config: Path | None
    datasets: tuple[str, ...]
    fmt: str
    out_dir: Path
    hour: int
    minute: int
    sync_first: bool = False
    executable: tuple[str, ...] = ()
    alerts_every: int | None = None  # minutes between `finops alert check` runs; None: no [[alerts.rules]]

    def base(self) -> list[str]:
        args = [*(self.executable or finops_executable()), "--data-dir", str(self.data_dir)]
        return args + (["--config", str(self.config)] if self.config is not None else [])

    def alert_command(self) -> list[str]:
        return [*self.base(), "alert", "check"]

    def command(self, dataset: str) -> list[str]:
        args = self.base()
        args += ["export", "--dataset", dataset, "--format", self.fmt, "--out", str(self.out_dir), "--incremental"]
        return args + (["--sync-first"] if self.sync_first else [])


def finops_executable() -> tuple[str, ...]:
    """The `finops` script of this installation, else this Python running the CLI module."""
    beside = Path(sys.executable).parent / "finops"
    if beside.is_file():
        return (str(beside),)
    return (sys.executable, "-m", "finops.cli")


def _cron_quote(arg: str) -> str:
    return shlex.quote(arg).replace("%", "\\%")  # cron turns a bare % into a newline


def _systemd_quote(arg: str) -> str:
    arg = arg.replace("%", "%%").replace("$", "$$")
    if arg and all(c.isalnum() or c in "-_./:=@+," for c in arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def cron(plan: Plan) -> str:
    log = _cron_quote(str(plan.data_dir / "export.log"))
    lines = [f"# crontab -e: daily at {plan.hour:02d}:{plan.minute:02d} (local time); logs in {plan.data_dir / 'export.log'}"]
    for i, dataset in enumerate(plan.datasets):
        total = plan.hour * 60 + plan.minute + i * STAGGER_MIN
        hour, minute = (total // 60) % 24, total % 60
        cmd = " ".join(_cron_quote(a) for a in plan.command(dataset))
        lines.append(f"{minute} {hour} * * * {cmd} >> {log} 2>&1")
    return "\n".join(lines)


def service(plan: Plan) -> str:
    cmd = plan.command("DATASET")
    exec_start = " ".join("%i" if a == "DATASET" else _systemd_quote(a) for a in cmd)
    return "\n".join([
        "[Unit]",
        "Description=FinOps console: export %i (" + plan.fmt + ")",
        "",
        "[Service]",
        "Type=oneshot",
        f"ExecStart={exec_start}",
        "# exit 1 = nothing to export, 2 = bad input or config, 4 = a source failed, 5 = output not writable",
        "Nice=10",
    ])


def timer(plan: Plan) -> str:
    return "\n".join([
        "[Unit]",
        "Description=Daily FinOps export of %i",
        "",
        "[Timer]",
        f"OnCalendar=*-*-* {plan.hour:02d}:{plan.minute:02d}:00",
        "Persistent=true",
        "RandomizedDelaySec=300",
        "",
        "[Install]",
        "WantedBy=timers.target",
    ])


ALERT_UNIT = "finops-alerts"


def _alert_cron_time(every: int, minute: int) -> str:
    if every < 60 and 60 % every == 0:
        return f"*/{every} * * * *"
    hours = every // 60
    if every % 60 == 0 and 24 % hours == 0:
        return f"{minute} {'*' if hours == 1 else f'*/{hours}'} * * *"
    return f"{minute} * * * *"  # cron cannot say "every N minutes" for other N: hourly, the timer is exact


def alerts(plan: Plan) -> list[str]:
    """The alert check beside the export: a cron line and a systemd service + timer."""
    if plan.alerts_every is None:
        return ["", "# ---- alerts ----", "# finops alert check: no [[alerts.rules]] in finops.toml (docs/alerts.md)"]
    every = plan.alerts_every
    log = _cron_quote(str(plan.data_dir / "alerts.log"))
    cmd = " ".join(_cron_quote(a) for a in plan.alert_command())
    exec_start = " ".join(_systemd_quote(a) for a in plan.alert_command())
    return [
        "",
        f"# ---- alerts: finops alert check every {every} min ----",
        f"{_alert_cron_time(every, plan.minute)} {cmd} >> {log} 2>&1",
        f"# ~/.config/systemd/user/{ALERT_UNIT}.service",
        "[Unit]", "Description=FinOps console: alert check", "",
        "[Service]", "Type=oneshot", f"ExecStart={exec_start}",
        "# exit 2 = bad config, 4 = a rule not evaluated or a message still pending (retried next run)",
        "",
        f"# ~/.config/systemd/user/{ALERT_UNIT}.timer",
        "[Unit]", "Description=FinOps alert check", "",
        "[Timer]", "OnBootSec=5min", f"OnUnitActiveSec={every}min", "Persistent=true", "",
        "[Install]", "WantedBy=timers.target",
        f"# enable:  systemctl --user enable --now {ALERT_UNIT}.timer",
    ]


def render(plan: Plan) -> str:
    timers = " ".join(f"{UNIT}@{d}.timer" for d in plan.datasets)
    return "\n".join([
        f"# finops export: {', '.join(plan.datasets)} as {plan.fmt} into {plan.out_dir}",
        "",
        "# ---- cron ----",
        cron(plan),
        "",
        "# ---- systemd user units (one timer per dataset) ----",
        f"# ~/.config/systemd/user/{UNIT}@.service",
        service(plan),
        "",
        f"# ~/.config/systemd/user/{UNIT}@.timer",
        timer(plan),
        "",
        "# enable:  systemctl --user daemon-reload && systemctl --user enable --now " + timers,
        f"# logs:    journalctl --user -u '{UNIT}@*'",
        "# without a login session (servers): loginctl enable-linger $USER",
        *alerts(plan),
    ])
