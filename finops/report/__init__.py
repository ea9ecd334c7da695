"""The monthly forecast report: figures from the store, rendered as Markdown or self-contained HTML.

Entry points: `finops.report.build.build_monthly` (figures) and `write_monthly` (files).
"""
