"""Energy and carbon per request and per task: a published method, extended to prefill and cache hits."""
