"""The energy model's data files: parameter counts, grid intensity, PUE and GPUs, validated.

Each CSV beside this module carries a source (and a date or year) per row; a bad row fails
with one line naming the file, line and field. A caller may pass its own file of the same
shape (a model the bundled list lacks, a measured grid figure for its region).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import polars as pl

from finops.errors import InputError

DEFAULT_REGION = "default"  # the world-average row of grid_intensity.csv
DEFAULT_PROVIDER = "default"  # the unknown-provider row of pue.csv
DEFAULT_GPU = "H100"


@dataclass(frozen=True)
class _Column:
    name: str
    kind: str  # str | float | choice
    choices: tuple[str, ...] = ()
    positive: bool = False


_PARAMS = (
    _Column("provider", "str"), _Column("model", "str"), _Column("kind", "choice", ("chat", "embedding")),
    _Column("architecture", "choice", ("dense", "moe")),
    _Column("total_b_low", "float", positive=True), _Column("total_b_high", "float", positive=True),
    _Column("active_b_low", "float", positive=True), _Column("active_b_high", "float", positive=True),
    _Column("source", "str"), _Column("as_of", "str"),
)
_GRID = (_Column("region", "str"), _Column("gco2e_per_kwh", "float"), _Column("zone", "str"), _Column("source", "str"),
         _Column("year", "float", positive=True))
_PUE = (_Column("provider", "str"), _Column("pue_low", "float", positive=True), _Column("pue_high", "float", positive=True),
        _Column("source", "str"), _Column("year", "float", positive=True))
_GPUS = (_Column("gpu", "str"), _Column("memory_gb", "float", positive=True), _Column("tdp_w", "float", positive=True),
         _Column("bf16_dense_tflops", "float", positive=True), _Column("hbm_tb_s", "float", positive=True), _Column("source", "str"))


def folder() -> Path:
    """Where the bundled CSV tables live."""
    return Path(str(resources.files("finops.models.energy")))


def bundled(name: str) -> Path:
    return folder() / name


def _read(path: Path, columns: tuple[_Column, ...]) -> list[dict[str, object]]:
    try:
        fh = open(path, newline="", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    rows: list[dict[str, object]] = []
    with fh:
        reader = csv.DictReader(fh)
        missing = [c.name for c in columns if c.name not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
        for line, rec in enumerate(reader, start=2):
            row: dict[str, object] = {}
            for col in columns:
                text = (rec[col.name] or "").strip()
                if not text:
                    raise InputError(f"{path}:{line}: field {col.name!r} is empty")
                if col.kind == "float":
                    try:
                        value = float(text)
                    except ValueError:
                        raise InputError(f"{path}:{line}: field {col.name!r}: {text!r} is not a number") from None
                    if value < 0 or (col.positive and value == 0):
                        raise InputError(f"{path}:{line}: field {col.name!r} must be {'positive' if col.positive else '>= 0'}")
                    row[col.name] = value
                elif col.kind == "choice" and text not in col.choices:
                    raise InputError(f"{path}:{line}: field {col.name!r}: {text!r} is not one of {', '.join(col.choices)}")
                else:
                    row[col.name] = text
            rows.append(row | {"_line": line})
    return rows


def _frame(rows: list[dict[str, object]], columns: tuple[_Column, ...], key: tuple[str, ...], path: Path) -> pl.DataFrame:
    seen: dict[tuple[object, ...], int] = {}
    for row in rows:
        k = tuple(str(row[c]).lower() for c in key)
        if k in seen:
            raise InputError(f"{path}:{row['_line']}: field {key[-1]!r}: {row[key[-1]]!r} repeats line {seen[k]}")
        seen[k] = int(str(row["_line"]))
    schema = {c.name: (pl.Float64 if c.kind == "float" else pl.String) for c in columns}
    return pl.DataFrame([{c.name: r[c.name] for c in columns} for r in rows], schema=schema, orient="row")


def read_model_params(path: Path | None = None) -> pl.DataFrame:
    """Parameter counts in billions (total and active, low and high) per provider and model."""
    path = path or bundled("model_params.csv")
    rows = _read(path, _PARAMS)
    for r in rows:
        for lo, hi in (("total_b_low", "total_b_high"), ("active_b_low", "active_b_high")):
            if r[lo] > r[hi]:  # type: ignore[operator]
                raise InputError(f"{path}:{r['_line']}: field {hi!r} is below {lo}")
        if r["active_b_high"] > r["total_b_high"] or r["active_b_low"] > r["total_b_low"]:  # type: ignore[operator]
            raise InputError(f"{path}:{r['_line']}: field 'active_b_high': active parameters exceed the total")
        if r["architecture"] == "dense" and (r["active_b_low"], r["active_b_high"]) != (r["total_b_low"], r["total_b_high"]):
            raise InputError(f"{path}:{r['_line']}: field 'architecture': a dense model's active and total counts must match")
    return _frame(rows, _PARAMS, ("provider", "model"), path)


def read_grid(path: Path | None = None) -> pl.DataFrame:
    """Annual-average gCO2e per kWh by serving region; the `default` row is the world average."""
    path = path or bundled("grid_intensity.csv")
    frame = _frame(_read(path, _GRID), _GRID, ("region",), path).with_columns(pl.col("region").str.to_lowercase())
    if DEFAULT_REGION not in frame["region"].to_list():
        raise InputError(f"{path}: no {DEFAULT_REGION!r} row (the intensity used when the region is unknown)")
    return frame


def read_pue(path: Path | None = None) -> pl.DataFrame:
    """Datacenter PUE range per provider; the `default` row covers unknown providers."""
    path = path or bundled("pue.csv")
    rows = _read(path, _PUE)
    for r in rows:
        if r["pue_low"] < 1 or r["pue_low"] > r["pue_high"]:  # type: ignore[operator]
            raise InputError(f"{path}:{r['_line']}: field 'pue_low' must be >= 1 and <= pue_high")
    frame = _frame(rows, _PUE, ("provider",), path)
    if DEFAULT_PROVIDER not in frame["provider"].to_list():
        raise InputError(f"{path}: no {DEFAULT_PROVIDER!r} row (the PUE used for unknown providers)")
    return frame


def read_hardware(path: Path | None = None) -> pl.DataFrame:
    """Serving GPUs: memory (GB), board power (W), bf16 dense TFLOP/s and memory bandwidth (TB/s)."""
    path = path or bundled("hardware.csv")
    return _frame(_read(path, _GPUS), _GPUS, ("gpu",), path)


@lru_cache(maxsize=1)
def model_params() -> pl.DataFrame:
    return read_model_params()


@lru_cache(maxsize=1)
def grid() -> pl.DataFrame:
    return read_grid()


@lru_cache(maxsize=1)
def pue() -> pl.DataFrame:
    return read_pue()


@lru_cache(maxsize=1)
def hardware() -> pl.DataFrame:
    return read_hardware()
