"""Prompt-cache efficiency, pure: frames in, frames out (issue 21; docs/cache.md).

- days: the cache view of the request log (logged) and of providers' metered usage
  (metered) per UTC day, provider, model, project, key and feature (typed CACHE_DAYS);
- money: each row's reads and writes priced at the catalog: saved by reads, write premium;
- misses: reads the log expected (the series' own recent hit rate) that it did not get;
- table: the rows summed to one dimension, with hit rate and dollars (unpriced stays null).
"""
