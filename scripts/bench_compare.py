#!/usr/bin/env python3
"""Summarizes an interleaved before/after run of create_order_bench (scripts/bench.sh --compare).

Arguments: the results folder. It holds <config>.<side>.<rep>.json files written by
create_order_bench --json (one repetition each), side being "ref" or "head". Prints, per
configuration, the median over the repetitions of each side and head/ref.
"""
import json
import pathlib
import statistics
import sys

METRICS = [("sagas_per_s", "sagas/s", "%.0f"), ("p50_ms", "p50 ms", "%.2f"),
           ("cpu_us_per_saga", "CPU us/saga", "%.0f"), ("rss_mib", "RSS MiB", "%.0f")]


def load(folder):
    runs = {}  # (config, side) -> metric -> [values]
    for path in sorted(folder.glob("*.json")):
        config, side, _rep, _ext = path.name.rsplit(".", 3)
        data = json.loads(path.read_text())
        for run in data["runs"]:
            if run.get("not_completed", 0):
                sys.exit(f"{path}: {run['not_completed']} sagas did not complete")
            cell = runs.setdefault((config, side), {})
            for key, _title, _fmt in METRICS:
                cell.setdefault(key, []).append(run[key]["median"])
    return runs


def main():
    folder = pathlib.Path(sys.argv[1])
    runs = load(folder)
    configs = sorted({c for c, _ in runs}, key=lambda c: list(runs).index((c, "ref")))
    print("%-22s %-12s %14s %14s %8s %5s" % ("config", "metric", "ref", "head", "head/ref", "reps"))
    for config in configs:
        ref, head = runs.get((config, "ref")), runs.get((config, "head"))
        if not ref or not head:
            sys.exit(f"{config}: one side has no run")
        for key, title, fmt in METRICS:
            a, b = statistics.median(ref[key]), statistics.median(head[key])
            ratio = b / a if a else float("nan")
            print("%-22s %-12s %14s %14s %8.3f %5d" %
                  (config, title, fmt % a, fmt % b, ratio, len(ref[key])))


if __name__ == "__main__":
    main()
