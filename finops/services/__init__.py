"""The application's edge of the analytic models: read the store and finops.toml, call the pure models.

finops.models holds pure functions over polars frames and typed inputs; these modules are
where the stored tables are scanned and the configuration sections are parsed into those
inputs. The CLI, the dashboard, the report and the export call these, never the store
reads themselves (docs/architecture.md).
"""
