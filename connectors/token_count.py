"""Count tokens locally for logs that carry text but no counts, without touching the network.

tiktoken is used only when its encoding file is already on disk (the tiktoken cache:
$TIKTOKEN_CACHE_DIR, else $DATA_GYM_CACHE_DIR, else <tmp>/data-gym-cache, file named by
the SHA-1 of the encoding's URL); it never downloads. Otherwise a documented estimate:
one token per CJK character (Han, kana, Hangul) and one per 4 other characters, rounded
up. Either way the counts are estimates and the rows are marked `estimated`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import polars as pl

log = logging.getLogger("finops.token_count")
ENCODING_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
CJK = r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]"


def encoding_for(model: str) -> str:
    m = model.lower()
    if m.startswith(("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4")):
        return "o200k_base"
    return "cl100k_base"


def cached_encoding_file(name: str) -> Path | None:
    cache = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR") or str(Path(tempfile.gettempdir()) / "data-gym-cache")
    if not cache:
        return None
    path = Path(cache) / hashlib.sha1(ENCODING_URL.format(name=name).encode()).hexdigest()
    return path if path.is_file() else None


@lru_cache(maxsize=4)
def _encoder(name: str):  # type: ignore[no-untyped-def]
    if cached_encoding_file(name) is None:
        log.warning("token counts are estimated (about 4 characters or 1 CJK character per token): "
                    "tiktoken's %s file is not cached on this machine and it cannot be downloaded here", name)
        return None
    try:
        import tiktoken

        return tiktoken.get_encoding(name)
    except Exception as exc:  # noqa: BLE001 - any failure falls back to the estimate, in one line
        log.warning("token counts are estimated: tiktoken could not load %s (%s)", name, type(exc).__name__)
        return None


def estimate(texts: pl.Series) -> pl.Series:
    """The fallback: CJK characters count one token each, other characters a quarter."""
    s = texts.fill_null("")
    cjk = s.str.count_matches(CJK)
    other = s.str.len_chars() - cjk
    return (cjk + (other + 3) // 4).cast(pl.Int64)


def count(texts: pl.Series, model: str) -> tuple[pl.Series, str]:
    """Token counts for a column of text and the method used ("tiktoken:<encoding>" or "estimate")."""
    name = encoding_for(model)
    enc = _encoder(name)
    if enc is None:
        return estimate(texts), "estimate"
    values = [len(enc.encode(t, disallowed_special=())) if t else 0 for t in texts.fill_null("").to_list()]
    return pl.Series(texts.name, values, dtype=pl.Int64), f"tiktoken:{name}"
