#!/usr/bin/env python3
"""The benchmark suite: `python3 build.py bench [--quick] [--cases a,b]` (it builds first).

Runs each case in headless Chromium against the built dist/, prints a table, and writes
bench/results/<date>.json with every figure as min/median/max over its runs, plus
bench/results/<date>.html, a chart a person can look at. Figures that compare two ways of
doing the same thing are measured in the same run, so their ratio is the figure to read.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import statistics
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

import build  # noqa: E402
from harness import Harness  # noqa: E402
import chart  # noqa: E402
import cases  # noqa: E402


def summarise(runs: list[float]) -> dict:
    return {"min": min(runs), "median": statistics.median(runs), "max": max(runs), "runs": runs}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one small run of each case: a smoke test, not a measurement")
    parser.add_argument("--cases", default=",".join(cases.ALL), help=f"comma-separated, from {', '.join(cases.ALL)}")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure after warm-up (default 5)")
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else args.runs

    figures = []
    with Harness(build.DIST) as harness:
        for name in args.cases.split(","):
            print(f"[bench] {name} ({runs} run{'s' if runs > 1 else ''})", flush=True)
            for figure in cases.ALL[name](harness, runs=runs, quick=args.quick):
                figure.update(summarise(figure.pop("values")))
                figures.append(figure)
        browser_version = harness.browser.version

    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": {"platform": platform.platform(), "processor": platform.machine(), "cpus": _cpu_count()},
        "browser": f"Chromium {browser_version} (headless)",
        "figures": figures,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "quick" if args.quick else datetime.date.today().isoformat()
    chosen = args.cases.split(",")
    if not args.quick and sorted(chosen) != sorted(cases.ALL):
        stem += "-" + "-".join(chosen)  # a partial run must not replace the day's full one
    (args.out / f"{stem}.json").write_text(json.dumps(result, indent=1))
    chart.write_html(result, args.out / f"{stem}.html")
    print(chart.table(result))
    print(f"[bench] wrote {args.out / (stem + '.json')} and {stem}.html")
    return 0


def _cpu_count() -> int:
    import os
    return os.cpu_count() or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
