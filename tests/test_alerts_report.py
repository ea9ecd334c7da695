"""The monthly report lists active alerts and the month's alert events, with the figure each was judged on."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from finops.alerts.summary import alert_summary
from finops.config import Settings
from finops.context import Context
from tests.test_alerts import check, webhook_config, write_config


def test_report_lists_the_months_alert_events(finops_home: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from finops.report.build import build_monthly, render
    from finops.report.contents import figures
    from tests.support.fake_provider import use_keyring

    use_keyring(monkeypatch, None)
    write_config(finops_home, webhook_config(cap=270).replace('channels = ["hook"]', "channels = []"))
    for day in (date(2026, 10, 22), date(2026, 11, 1), date(2026, 11, 2)):  # fires, clears once, resolves
        check(finops_home, today=day)
    settings = Settings.resolve(finops_home, finops_home / "finops.toml")
    october = build_monthly(Context.build(settings, today=date(2026, 11, 25)), "2026-10")
    md = render(october, "md")
    section = md.split("## Alerts", 1)[1].split("\n## ", 1)[0]
    assert "0 alert(s) active now, from 1 rule(s)." in section
    rows = [line for line in section.splitlines() if line.startswith("| fired")]
    assert len(rows) == 1 and "budget inference" in rows[0]
    assert "episode 1, as of 2026-10-21" in rows[0] and "resolved" not in section
    assert figures(october)["alerts"]["rows"][0]["state"] == "fired"
    html = render(october, "html")
    assert "<h2>Alerts</h2>" in html or "Alerts</h2>" in html

    november = alert_summary(settings.config, finops_home, date(2026, 11, 1), date(2026, 11, 24))
    assert [r["state"] for r in november.rows] == ["resolved"] and november.active == 0
