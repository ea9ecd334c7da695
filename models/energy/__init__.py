"""Energy and carbon per request and per task: EcoLogits' method, extended to prefill, cache hits and utilisation.

Public surface (docs/energy.md): `models.energy.method` (formulas, scenarios, `request_wh`),
`models.energy.carbon` (`per_request`, `summarise`, `carbon_by`, `GROUPINGS`) and
`models.energy.whatif` (`what_if`). Submodules are imported on demand; this package
imports nothing so the dashboard can probe for it cheaply.
"""
