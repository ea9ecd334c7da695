"""The embedded sample: a deterministic generator with planted anomalies, and its loader."""
