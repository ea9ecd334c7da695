"""Atomic file writes: write a hidden temp file beside the target, fsync, then rename.

A crash at any point leaves either the old file or the new one under the final name,
never a partial file. Temp names start with ".finops-tmp-" and end with ".partial": polars and DuckDB
globs (`*.parquet`, `*.csv`) do match dot-files, so only the suffix keeps a crashed
writer's temp out of a reader's glob.

A folder (a store month of several parts) is replaced the same way: built in a scratch
folder outside every reader's glob, then swapped in, in one step where the OS can (Linux
renameat2 RENAME_EXCHANGE), else in two renames that `recover_swaps` completes or undoes.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl

TMP_PREFIX = ".finops-tmp-"  # our own name: a user's ".tmp-*" file is never ours to delete
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
        move_into(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def move_into(src: Path, target: Path) -> None:
    """Move a finished file (on the same filesystem) to `target`: durable, and atomic for readers."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _fsync_file(src)
    os.replace(src, target)
    _fsync_dir(target.parent)


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


# -- folders ----------------------------------------------------------------------
_NEW, _OLD, _GONE = ".new", ".old", ".gone"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2); False where the OS cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def _scratch(target: Path, scratch: Path, suffix: str) -> Path:
    # <scratch>/<table>/<month dir><suffix>: recover_swaps maps it back to its target.
    return scratch / target.parent.name / f"{target.name}{suffix}"


@contextlib.contextmanager
def replaced_dir(target: Path, scratch: Path) -> Iterator[Path]:
    """Yield an empty folder to fill; on success it replaces folder `target` (readers see the
    old folder or the new one, never a mix). On an exception nothing changes."""
    new = _scratch(target, scratch, _NEW)
    shutil.rmtree(new, ignore_errors=True)
    new.mkdir(parents=True)
    try:
        yield new
        for f in new.iterdir():
            _fsync_file(f)
        _fsync_dir(new)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(new, target)
        elif _exchange(new, target):
            pass  # `new` now holds the old folder, removed below
        else:
            old = _scratch(target, scratch, _OLD)
            os.rename(target, old)  # a crash here is undone by recover_swaps
            os.rename(new, target)
            shutil.rmtree(old)
        _fsync_dir(target.parent)
    finally:
        shutil.rmtree(new, ignore_errors=True)


def remove_dir(target: Path, scratch: Path) -> None:
    """Take folder `target` away in one rename, then delete it."""
    gone = _scratch(target, scratch, f"{_GONE}-{uuid.uuid4().hex[:8]}")
    gone.parent.mkdir(parents=True, exist_ok=True)
    os.rename(target, gone)
    _fsync_dir(target.parent)
    shutil.rmtree(gone)


def recover_swaps(root: Path, scratch: Path) -> int:
    """Finish what a crashed folder swap left: put a moved-away folder back if its
    replacement never arrived, and delete the rest. Returns how many were restored."""
    restored = 0
    if not scratch.is_dir():
        return 0
    for table in scratch.iterdir():
        for entry in sorted(table.iterdir(), key=lambda p: not p.name.endswith(_OLD)):  # .old first
            target = root / table.name / entry.name.rsplit(".", 1)[0]
            if entry.name.endswith(_OLD) and not target.exists():
                os.rename(entry, target)
                restored += 1
            else:
                shutil.rmtree(entry, ignore_errors=True)
    return restored


def remove_stale_temps(root: Path) -> int:
    """Delete temp files a crashed writer left behind; returns how many."""
    n = 0
    if root.exists():
        for p in root.rglob(f"{TMP_PREFIX}*"):
            with contextlib.suppress(OSError):
                p.unlink()
                n += 1
    return n
