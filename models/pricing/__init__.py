"""The price catalog: effective-dated prices per provider, model and token class.

`models.pricing.catalog` loads and validates catalog files and merges a user override;
`models.pricing.lookup` prices frames with polars joins; `models.pricing.reprice` shows
stored usage under another catalog.
"""
