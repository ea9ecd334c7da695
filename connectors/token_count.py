"""Count tokens locally for logs that carry text but no counts, without touching the network.

tiktoken is used only when its encoding file is already on disk, where tiktoken itself would
look: `$TIKTOKEN_CACHE_DIR`, else `$DATA_GYM_CACHE_DIR`, else `<tmp>/data-gym-cache`, the
file named by the SHA-1 of the encoding's URL and checked against tiktoken's SHA-256. We read
that file ourselves and hand tiktoken the ranks, so no code path can start a download.

Otherwise the documented estimate (docs/request-log.md): one token per CJK character (Han,
Hiragana, Katakana, Hangul) plus one per 4 other characters, rounded up per text. Either way
the counts are estimates and the rows are marked `estimated`. OpenAI models use their own
encoding (o200k_base for GPT-4o/4.1/5 and o-series, cl100k_base before); other vendors'
models are counted with cl100k_base, an approximation of their own tokenizers.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
EXPECTED_SHA256 = {  # from tiktoken_ext.openai_public; a file that does not match is ignored
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}
CJK = r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]"
ESTIMATE_NOTE = (
    "token counts are estimated (1 token per CJK character, 1 per 4 other characters): "
    "tiktoken's encoding files are not cached on this machine and are never downloaded"
)


def encoding_for(model: str | None) -> str:
    m = (model or "").lower()
    if m.startswith(("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "chatgpt-4o", "codex")):
        return "o200k_base"
    return "cl100k_base"


def cache_dir() -> Path | None:
    """The directory tiktoken reads its cache from, with its own precedence; None = no cache."""
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if var in os.environ:
            value = os.environ[var]
            return Path(value) if value else None  # tiktoken treats "" as "do not cache"
    return Path(tempfile.gettempdir()) / "data-gym-cache"


def cached_encoding_file(name: str) -> Path | None:
    """The cached encoding file, only if present and intact."""
    directory = cache_dir()
    if directory is None or name not in EXPECTED_SHA256:
        return None
    path = directory / hashlib.sha1(URL.format(name=name).encode()).hexdigest()
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return path if hashlib.sha256(data).hexdigest() == EXPECTED_SHA256[name] else None


def _ranks(path: Path) -> dict[bytes, int]:
    ranks = {}
    for line in path.read_bytes().splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


@lru_cache(maxsize=4)
def load_encoding(name: str) -> Any | None:
    """A tiktoken Encoding built from the cached file, or None (no file, or tiktoken missing)."""
    path = cached_encoding_file(name)
    if path is None:
        return None
    try:
        import tiktoken
        from tiktoken_ext import openai_public

        ranks = _ranks(path)
        original = openai_public.load_tiktoken_bpe
        # The constructor gives the pattern and special tokens; the ranks come from our file.
        openai_public.load_tiktoken_bpe = lambda *_a, **_k: ranks
        try:
            spec = getattr(openai_public, name)()
        finally:
            openai_public.load_tiktoken_bpe = original
        return tiktoken.Encoding(**spec)
    except Exception:  # noqa: BLE001 - any failure falls back to the documented estimate
        return None


def estimate_expr(text: pl.Expr) -> pl.Expr:
    """The fallback as a polars expression: CJK characters count 1 each, others 1/4, rounded up."""
    s = text.cast(pl.String).fill_null("")
    cjk = s.str.count_matches(CJK)
    other = s.str.len_chars() - cjk
    return (cjk + (other + 3) // 4).cast(pl.Int64)


def estimate(texts: pl.Series) -> pl.Series:
    return pl.DataFrame(texts.alias("t")).select(estimate_expr(pl.col("t"))).to_series().alias(texts.name)


def encoding_expr(model: pl.Expr) -> pl.Expr:
    """encoding_for() as an expression, so rows are grouped by encoding without a Python loop."""
    o200k = r"^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|chatgpt-4o|codex)"
    return pl.when(model.cast(pl.String).str.to_lowercase().str.contains(o200k)).then(pl.lit("o200k_base")).otherwise(pl.lit("cl100k_base"))


def _batch_counter(encoders: dict[str, Any]) -> Callable[[pl.Series], pl.Series]:
    fallback = next(iter(encoders.values()))

    def count_batch(batch: pl.Series) -> pl.Series:
        frame = batch.struct.unnest().with_row_index("i").with_columns(encoding_expr(pl.col("model")).alias("enc"))
        out = [0] * frame.height
        for name, idx, texts in frame.group_by("enc").agg("i", pl.col("text").fill_null("")).iter_rows():
            enc = encoders.get(name, fallback)
            for i, tokens in zip(idx, enc.encode_ordinary_batch(texts)):
                out[i] = len(tokens)
        return pl.Series(batch.name, out, dtype=pl.Int64)

    return count_batch


def count_expr(text: str, model: str) -> tuple[pl.Expr, str]:
    """Token counts of a text column as an expression, and a one-line note on the method used."""
    encoders = {n: e for n in EXPECTED_SHA256 if (e := load_encoding(n)) is not None}
    if not encoders:
        return estimate_expr(pl.col(text)), ESTIMATE_NOTE
    note = f"token counts are estimated with tiktoken ({', '.join(sorted(encoders))}, cached on this machine)"
    if len(encoders) < len(EXPECTED_SHA256):
        note += "; models of the other encoding are counted with the closest one available"
    expr = pl.struct(pl.col(model).cast(pl.String).alias("model"), pl.col(text).cast(pl.String).alias("text"))
    return expr.map_batches(_batch_counter(encoders), return_dtype=pl.Int64, is_elementwise=True), note


def count(texts: pl.Series, model: str) -> tuple[pl.Series, str]:
    """Token counts for one model's texts, and the method: "tiktoken:<encoding>" or "estimate"."""
    name = encoding_for(model)
    enc = load_encoding(name)
    if enc is None:
        return estimate(texts), "estimate"
    values = [len(t) for t in enc.encode_ordinary_batch(texts.fill_null("").to_list())]
    return pl.Series(texts.name, values, dtype=pl.Int64), f"tiktoken:{name}"
