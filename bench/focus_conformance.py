"""Run the FinOps Foundation's own FOCUS validator over our FOCUS cost export, month by month.

    python -m bench.focus_conformance [--months 2026-11,...] [--format csv|parquet] [--keep DIR]
    python -m bench.focus_conformance --setup        # only build the validator's environment

`focus-validator` (PyPI, 2.2.1, FOCUS 1.2.0.1 rule set shipped in the package) needs Python
>= 3.12 and pins numpy < 2, so it runs in its own virtualenv, never in ours: found via
$FOCUS_VALIDATOR_PYTHON, python3.12/3.13/3.14 on PATH, or ~/.pyenv/versions/3.1x; built once
in $FOCUS_VALIDATOR_VENV (default ~/.cache/finops-console/focus-validator). Without such a
Python the script prints one SKIP line and exits 0.

Per file it prints the validator's own pass/fail/skip counts and every failing rule. The
validator also lists the untaken branch of an OR rule as failed (InvoiceId nullability is
"InvoiceId-C-004-C (all null) OR InvoiceId-C-005-C (none null)": one of the two fails on any
non-empty file whatever InvoiceId holds). Such a rule is reported as `alternative` with the
OR rule that passed, and is not counted as a failure; the raw count is printed beside it.
Exit 1 when a rule really fails.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

VALIDATOR = "focus-validator==2.2.1"
PINS = ("pyarrow<21",)  # pyarrow >= 21 needs numpy 2, the validator pins numpy < 2
NO_BUILDS = "--only-binary=numpy,pyarrow,pandas,duckdb,polars"  # never compile these on a 2-core machine
RULES_VERSION = "1.2.0.1"
DEFAULT_VENV = Path.home() / ".cache" / "finops-console" / "focus-validator"
REPO = Path(__file__).resolve().parent.parent
LINE = re.compile(r"^(✅|❌|⏭️?)\s*([A-Za-z]+-[A-Z]-\d{3}-[A-Z]):\s*(PASS|FAIL|SKIPPED)")


def _version_ok(python: str) -> bool:
    try:
        out = subprocess.run([python, "-c", "import sys; print(sys.version_info >= (3, 12))"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and out.stdout.strip() == "True"


def find_python() -> str | None:
    """A Python >= 3.12 interpreter on this machine, or None."""
    env = os.environ.get("FOCUS_VALIDATOR_PYTHON")
    candidates = [env] if env else []
    # 3.12 first: the validator pins numpy < 2, which has wheels for 3.12 but not for 3.13+.
    candidates += [p for n in ("python3.12", "python3.13", "python3.14") if (p := shutil.which(n))]
    candidates += sorted(glob.glob(str(Path.home() / ".pyenv" / "versions" / "3.1[2-9]*" / "bin" / "python3")))
    return next((c for c in candidates if _version_ok(c)), None)


def venv_dir() -> Path:
    return Path(os.environ.get("FOCUS_VALIDATOR_VENV", DEFAULT_VENV))


def validator_exe(venv: Path | None = None) -> Path | None:
    """The validator's console script when its environment is already built."""
    exe = (venv or venv_dir()) / "bin" / "focus-validator"
    return exe if exe.exists() else None


def ensure_env(venv: Path) -> Path | str:
    """The validator executable, building its virtualenv when absent; a reason string when impossible."""
    if (exe := validator_exe(venv)) is not None:
        return exe
    python = find_python()
    if python is None:
        return "no Python >= 3.12 found (set FOCUS_VALIDATOR_PYTHON); focus-validator needs it"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", NO_BUILDS, VALIDATOR, *PINS], capture_output=True, text=True)
    if pip.returncode != 0 or validator_exe(venv) is None:
        return f"could not install {VALIDATOR}: {pip.stderr.strip().splitlines()[-1:] or pip.returncode}"
    return venv / "bin" / "focus-validator"


@dataclass
class Outcome:
    file: str
    passed: int = 0
    failed: list[str] = field(default_factory=list)  # rules that really fail
    alternatives: list[str] = field(default_factory=list)  # failed branch of an OR rule that passed
    skipped: int = 0
    error: str = ""

    def line(self) -> str:
        if self.error:
            return f"{self.file}: ERROR {self.error}"
        raw = len(self.failed) + len(self.alternatives)
        alt = f" (raw fail {raw}: {', '.join(self.alternatives)} = untaken OR branch)" if self.alternatives else ""
        return f"{self.file}: pass {self.passed}, fail {len(self.failed)}, skip {self.skipped}{alt}" + (
            f"  FAILED: {', '.join(self.failed)}" if self.failed else "")


def _or_parents(exe: Path) -> dict[str, str]:
    """Rule id -> the OR composite it is an alternative of, from the validator's installed rule model."""
    site = _site_packages(exe)
    model = json.loads((site / "focus_validator" / "rules" / f"model-{RULES_VERSION}.json").read_text())
    parents = {}
    for rule_id, rule in model["ModelRules"].items():
        req = rule.get("ValidationCriteria", {}).get("Requirement", {})
        if req.get("CheckFunction") == "OR":
            for item in req.get("Items", []):
                if item.get("CheckFunction") == "CheckModelRule":
                    parents[item["ModelRuleId"]] = rule_id
    return parents


def _site_packages(exe: Path) -> Path:
    return next((exe.parent.parent / "lib").glob("python3.*/site-packages"))


def validate(exe: Path, data_file: Path) -> Outcome:
    """Run the validator on one file (offline: the rule set shipped in the package)."""
    out = Outcome(data_file.name)
    # The validator opens its currency list by a path relative to the working directory.
    proc = subprocess.run([str(exe), "--data-file", str(data_file), "--validate-version", RULES_VERSION,
                           "--block-download"], capture_output=True, text=True, cwd=_site_packages(exe))
    status: dict[str, str] = {}
    for text in proc.stdout.splitlines():
        if m := LINE.match(text):
            status.setdefault(m.group(2), m.group(3))
    if not status:
        out.error = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}, no results"])[-1]
        return out
    parents = _or_parents(exe)
    for rule, st in sorted(status.items()):
        if st == "PASS":
            out.passed += 1
        elif st == "SKIPPED":
            out.skipped += 1
        elif status.get(parents.get(rule, ""), "") == "PASS":
            out.alternatives.append(rule)
        else:
            out.failed.append(rule)
    return out


def export_sample(root: Path, fmt: str) -> list[Path]:
    """The bundled sample loaded into a fresh store and exported as FOCUS, one file per month."""
    from finops.export.context import Context
    from finops.export.writer import export
    from finops.sample.load import load_sample
    from finops.store import Store

    store = Store(root / "store")
    load_sample(store, REPO / "sample_data")
    result = export("costs", fmt, root / "out", ctx=Context(store), state_dir=root / "state")
    return sorted((result.out_dir / "costs").glob(f"*.{fmt}"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--months", default="", help="comma-separated YYYY-MM (default: every month)")
    ap.add_argument("--format", default="csv", choices=("csv", "parquet"))
    ap.add_argument("--files", nargs="*", default=None, help="validate these FOCUS files instead of the sample export")
    ap.add_argument("--setup", action="store_true", help="only build the validator's environment")
    ap.add_argument("--keep", type=Path, default=None, help="export into DIR and keep it")
    args = ap.parse_args(argv)
    exe = ensure_env(venv_dir())
    if isinstance(exe, str):
        print(f"SKIP focus-validator: {exe}")
        return 0
    if args.setup:
        print(f"focus-validator ready: {exe}")
        return 0
    root = args.keep or Path(tempfile.mkdtemp(prefix="focus-conformance-"))
    try:
        files = [Path(f) for f in args.files] if args.files is not None else export_sample(root, args.format)
        wanted = {m for m in args.months.split(",") if m}
        files = [f for f in files if not wanted or any(m in f.name for m in wanted)]
        outcomes = [validate(exe, f) for f in files]
        for o in outcomes:
            print(o.line(), flush=True)
        failed = sum(len(o.failed) for o in outcomes)
        errors = sum(bool(o.error) for o in outcomes)
        print(f"focus-validator {VALIDATOR.split('==')[1]} (rules {RULES_VERSION}) over {len(outcomes)} file(s): "
              f"pass {sum(o.passed for o in outcomes)}, fail {failed}, skip {sum(o.skipped for o in outcomes)}, "
              f"untaken OR branches {sum(len(o.alternatives) for o in outcomes)}, errors {errors}")
        return 1 if failed or errors else 0
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
