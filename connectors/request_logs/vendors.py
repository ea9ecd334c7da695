"""The provider behind a model name, for logs that name the model but not who served it."""

from __future__ import annotations

import polars as pl

VENDORS = (  # model name prefix -> provider, for exports that do not name the provider
    (r"^(claude|anthropic)", "anthropic"), (r"^(gpt|o1|o3|o4|chatgpt|text-embedding|codex|davinci|whisper|tts|dall-e)", "openai"),
    (r"^(gemini|models/gemini|text-bison|textembedding)", "google"), (r"^(mistral|mixtral|codestral|ministral)", "mistral"),
    (r"^command", "cohere"), (r"^(llama|meta-llama)", "meta"), (r"^(deepseek)", "deepseek"), (r"^grok", "xai"),
)


def provider_from_model(model: pl.Expr) -> pl.Expr:
    m = model.cast(pl.String)
    expr = pl.lit(None, pl.String)
    for pattern, vendor in reversed(VENDORS):
        # case-insensitive patterns, not a lower-cased copy of every name (five times the time)
        expr = pl.when(m.str.contains("(?i)" + pattern)).then(pl.lit(vendor)).otherwise(expr)
    return expr
