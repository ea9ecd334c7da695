"""Atomic file writes: write a hidden temp file beside the target, fsync, then rename.

A crash at any point leaves either the old file or the new one under the final name,
never a partial file. Temp names start with "." and end with ".partial": polars and DuckDB
globs (`*.parquet`, `*.csv`) do match dot-files, so only the suffix keeps a crashed
writer's temp out of a reader's glob.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl

TMP_PREFIX = ".tmp-"
TMP_SUFFIX = ".partial"


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be opened
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temp path to write; on success it replaces `target` atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f"{TMP_PREFIX}{os.getpid()}-{target.name}{TMP_SUFFIX}"
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text(target: Path, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))


def write_with(target: Path, writer: Callable[[Path], None]) -> None:
    """Atomically produce `target` with a function that writes to a given path."""
    with atomic_path(target) as tmp:
        writer(tmp)


def write_parquet(
    target: Path, frame: pl.DataFrame | pl.LazyFrame, metadata: dict[str, str] | None = None
) -> None:
    """Write a frame to Parquet atomically; a LazyFrame is streamed (bounded memory)."""

    def _write(tmp: Path) -> None:
        if isinstance(frame, pl.LazyFrame):
            frame.sink_parquet(tmp, compression="zstd", metadata=metadata)
        else:
            frame.write_parquet(tmp, compression="zstd", metadata=metadata)

    write_with(target, _write)


def remove_stale_temps(root: Path) -> int:
    """Delete temp files a crashed writer left behind; returns how many."""
    n = 0
    if root.exists():
        for p in root.rglob(f"{TMP_PREFIX}*"):
            with contextlib.suppress(OSError):
                p.unlink()
                n += 1
    return n
