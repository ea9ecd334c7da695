"""Load-level commits: which part files make up the store, one version at a time.

The store's truth is a manifest, `_state/snapshots/v<N>/manifest.json` (table -> month ->
part file names), named by the pointer file `_state/CURRENT`. Part files are immutable:
a load writes new files under new names beside the current ones (invisible to readers,
who read only what a manifest lists), then commits by

1. building the new version's folder `_state/snapshots/v<N>/`: a hard link to every part
   file of the new state, in the store's Hive layout, and the manifest;
2. replacing `_state/CURRENT` atomically (the commit point);
3. deleting, from the table folders, the part files the new state no longer lists.

A reader reads CURRENT once and scans the hard links of that version, so a load is seen
whole or not at all, across every month and table it touches, and a file a writer retires
stays readable through the links of the version that listed it. A version's folder is
garbage-collected once it has been superseded for `GRACE_SECONDS` (the previous one is
always kept). After a crash, the next open deletes every part file the current manifest
does not list (a half-done load is rolled back, a finished one's retired files go) and
every version folder newer than CURRENT: the table folders then hold exactly the current
state again, so engines that glob them (DuckDB, Spark) read the same rows at rest.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from finops.errors import StoreError
from finops.store import atomic, killpoints, layout

GRACE_SECONDS = 600.0  # a reader's scan of an older version stays valid this long after it is superseded
MANIFEST = "manifest.json"

Files = dict[str, dict[str, list[str]]]  # table -> month -> part file names


def snapshots_dir(root: Path) -> Path:
    return root / "_state" / "snapshots"


def current_file(root: Path) -> Path:
    return root / "_state" / "CURRENT"


def version_dir(root: Path, version: int) -> Path:
    return snapshots_dir(root) / f"v{version:08d}"


@dataclass
class Manifest:
    version: int = 0
    files: Files = field(default_factory=dict)

    def months(self, table: str) -> list[str]:
        return sorted(m for m, names in self.files.get(table, {}).items() if names)

    def parts(self, table: str, month: str) -> list[str]:
        return list(self.files.get(table, {}).get(month, []))

    def copy(self) -> "Manifest":
        return Manifest(self.version, {t: {m: list(n) for m, n in ms.items()} for t, ms in self.files.items()})

    def set_parts(self, table: str, month: str, names: list[str]) -> None:
        months = self.files.setdefault(table, {})
        if names:
            months[month] = sorted(names)
        else:
            months.pop(month, None)

    def all_paths(self, root: Path) -> set[Path]:
        return {layout.partition_dir(root, t, m) / n for t, ms in self.files.items() for m, ns in ms.items() for n in ns}


def current_version(root: Path) -> int | None:
    """The committed version, None for a store that has never committed one."""
    path = current_file(root)
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return int(text.decode("ascii").strip())
    except ValueError:  # never written by us (CURRENT is replaced by a rename): say so, guess nothing
        raise StoreError(f"{path}: {text[:20]!r} is not a version number; the store's commit pointer is damaged "
                         f"(each committed version is a folder under {snapshots_dir(root)}: write the newest "
                         f"one's number into it)") from None


def read_manifest(root: Path, version: int) -> Manifest:
    raw = json.loads((version_dir(root, version) / MANIFEST).read_text())
    return Manifest(int(raw["version"]), {t: {m: list(n) for m, n in ms.items()} for t, ms in raw["tables"].items()})


def from_disk(root: Path, tables: list[str]) -> Manifest:
    """The state as the table folders hold it (a store written before manifests, or a fresh one)."""
    files: Files = {}
    for t in tables:
        for m in layout.months(root, t):
            files.setdefault(t, {})[m] = [p.name for p in layout.part_files(root, t, m)]
    return Manifest(0, files)


def load(root: Path, tables: list[str]) -> Manifest:
    """The current manifest; a store that has none yet is read from its folders."""
    for _ in range(3):  # a version folder can be collected between reading CURRENT and the manifest
        version = current_version(root)
        if version is None:
            return from_disk(root, tables)
        with contextlib.suppress(FileNotFoundError):
            return read_manifest(root, version)
    return from_disk(root, tables)


def reader_path(root: Path, manifest: Manifest, table: str, month: str, name: str) -> Path:
    """Where a reader opens a part: the version's hard link, which outlives the file's retirement."""
    if manifest.version:
        link = version_dir(root, manifest.version) / table / f"{layout.PARTITION_KEY}={month}" / name
        if link.exists():
            return link
    return layout.partition_dir(root, table, month) / name


def publish(root: Path, old: Manifest, new: Manifest) -> Manifest:
    """Commit `new` (its files already in the table folders) as the next version, then retire
    what `old` listed and `new` does not. The caller holds the writer lock."""
    version = max(old.version, current_version(root) or 0) + 1
    new = Manifest(version, new.files)
    tmp = snapshots_dir(root) / f".v{version:08d}.building"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for table, months in new.files.items():
        for month, names in months.items():
            folder = tmp / table / f"{layout.PARTITION_KEY}={month}"
            folder.mkdir(parents=True, exist_ok=True)
            for name in names:
                _link(layout.partition_dir(root, table, month) / name, folder / name)
    (tmp / MANIFEST).write_text(json.dumps({"version": version, "committed_at": time.time(), "tables": new.files},
                                           indent=1, sort_keys=True))
    killpoints.reached("snapshot-built")
    os.rename(tmp, version_dir(root, version))
    atomic._fsync_dir(snapshots_dir(root))  # noqa: SLF001
    killpoints.reached("snapshot-renamed")
    atomic.write_text(current_file(root), f"{version}\n")  # the commit point
    killpoints.reached("committed")
    retire(root, new)
    collect_garbage(root, version)
    return new


def _link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:  # a filesystem without hard links: readers fall back to the table folders
        pass


def retire(root: Path, current: Manifest) -> int:
    """Delete part files the current manifest does not list, and emptied month folders."""
    keep = current.all_paths(root)
    removed = 0
    for table_dir in (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        for month_dir in table_dir.glob(f"{layout.PARTITION_KEY}=*"):
            if not month_dir.is_dir():
                continue
            for part in month_dir.glob(layout.PART_GLOB):
                if part not in keep:
                    part.unlink(missing_ok=True)
                    removed += 1
                    killpoints.reached("retired")
            with contextlib.suppress(OSError):
                month_dir.rmdir()  # only when empty
    return removed


def collect_garbage(root: Path, current: int, grace: float = GRACE_SECONDS) -> int:
    """Delete version folders superseded more than `grace` seconds ago (the previous version is
    kept), half-built ones, and ones newer than CURRENT (a commit that never happened)."""
    folder = snapshots_dir(root)
    if not folder.is_dir():
        return 0
    versions = []
    for p in folder.iterdir():
        if p.name.endswith(".building"):
            shutil.rmtree(p, ignore_errors=True)
        elif p.name.startswith("v") and p.name[1:].isdigit():
            versions.append((int(p.name[1:]), p))
    versions.sort()
    removed = 0
    now = time.time()
    for i, (v, p) in enumerate(versions):
        if v > current:
            shutil.rmtree(p, ignore_errors=True)
            removed += 1
            continue
        if v >= current - 1:
            continue
        successor = versions[i + 1][1] if i + 1 < len(versions) else None
        try:
            superseded_at = (successor / MANIFEST).stat().st_mtime if successor else now
        except FileNotFoundError:
            superseded_at = now
        if now - superseded_at > grace:
            shutil.rmtree(p, ignore_errors=True)
            removed += 1
    return removed
