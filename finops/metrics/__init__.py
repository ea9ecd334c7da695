"""Every figure a user sees, defined once: named functions over a finops.context.Context returning Figures.

CLI (`finops figures`, `--format json`), dashboard, report and export call these; none
recomputes a figure. docs/metrics.md lists each figure, its definition, its provenance
and where it shows.

- spend: the one place the spend columns of cost_lines are summed (null = unpriced);
- month: period total, month to date (all AI COGS / inference), burn rate;
- forecast: month-end forecast of inference spend with its 80% interval;
- budgets: budget used and quota left per configured budget;
- reconcile: the reconcile summary as terms that add up to billed;
- unit: COGS and margin per task, energy and carbon per task (whole months).
"""

from finops.metrics.figure import Figure, format_value
from finops.metrics.spend import SCOPE_ALL, SCOPE_INFERENCE

__all__ = ["SCOPE_ALL", "SCOPE_INFERENCE", "Figure", "format_value"]
