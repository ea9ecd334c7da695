"""The interactive terminal dashboard: the only package that imports textual.

Its `data` subpackage and `filters` module are headless (polars only), so the figures
the screens show can be computed and tested without Textual.
"""
