"""Independent scenario generator and scoring harness for `finops reconcile` (issue 16 item 7).

Random companies written from ../shared/providers.md and the OpenTelemetry GenAI semantic
conventions, sharing no code with finops/sample: provider API buckets (served by the fake
provider over HTTP), the team's request log in three shapes, a finops.toml with the source
mapping and identity map, and the ground truth. `score.py` scores `finops reconcile --format
json` against it; `python -m tests.scenarios.run --seeds 0-19` runs the whole loop.
"""
