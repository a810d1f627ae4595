#!/usr/bin/env python3
"""Summarizes an interleaved before/after run (scripts/bench.sh --compare).

Arguments: the results folder. It holds <config>.<side>.<rep>.json files, side being "ref" or
"head", written by create_order_bench --json (one repetition each) or recovery_bench --json.
Prints, per configuration, the median over the repetitions of each side and head/ref. A metric
that one side's binary does not write (an older ref) is left out.
"""
import json
import pathlib
import statistics
import sys

# create_order_bench: (key, title, format); each value is {"median": ...} or a plain number.
SAGA_METRICS = [("sagas_per_s", "sagas/s", "%.0f"), ("p50_ms", "p50 ms", "%.2f"),
                ("floor_ms", "floor ms", "%.2f"), ("p50_over_floor", "p50/floor", "%.2f"),
                ("cpu_us_per_saga", "CPU us/saga", "%.0f"), ("cores_used", "cores busy", "%.2f"),
                ("engine_cpu_us_per_saga", "engine us/saga", "%.0f"),
                ("engine_busy", "engine busy", "%.2f"),
                ("switches_per_saga", "switches/saga", "%.1f"),
                ("syscalls_per_saga", "r/w calls/saga", "%.1f"),
                ("written_kib_per_saga", "KiB written/saga", "%.1f"), ("rss_mib", "RSS MiB", "%.0f")]
# recovery_bench: (path in the run, title, format).
RECOVERY_METRICS = [(("populate_rss_kib_per_saga",), "KiB/saga placing", "%.2f"),
                    (("default_limits", "rss_kib_per_saga"), "KiB/saga resumed", "%.2f"),
                    (("default_limits", "start_s"), "resume s", "%.3f"),
                    (("unlimited", "rss_kib_per_saga"), "KiB/saga all sent", "%.2f"),
                    (("unlimited", "sent_s"), "all sent s", "%.3f")]


def values(run):
    """(title, format, value) of every metric the run has."""
    if "k" in run:  # recovery_bench
        for path, title, fmt in RECOVERY_METRICS:
            value = run
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            if value is not None:
                yield title, fmt, value
        return
    if run.get("not_completed", 0):
        sys.exit(f"{run['not_completed']} sagas did not complete")
    for key, title, fmt in SAGA_METRICS:
        if key in run:
            value = run[key]
            yield title, fmt, value["median"] if isinstance(value, dict) else value


def load(folder):
    runs = {}  # (config, side) -> title -> (format, [values])
    order = []  # configurations in the order they ran
    for path in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime):
        config, side, _rep, _ext = path.name.rsplit(".", 3)
        if config not in order:
            order.append(config)
        for run in json.loads(path.read_text())["runs"]:
            cell = runs.setdefault((config, side), {})
            for title, fmt, value in values(run):
                cell.setdefault(title, (fmt, []))[1].append(value)
    return order, runs


def main():
    order, runs = load(pathlib.Path(sys.argv[1]))
    print("%-22s %-18s %12s %12s %8s %5s" % ("config", "metric", "ref", "head", "head/ref", "reps"))
    for config in order:
        ref, head = runs.get((config, "ref")), runs.get((config, "head"))
        if not ref or not head:
            sys.exit(f"{config}: one side has no run")
        for title, (fmt, ref_values) in ref.items():
            if title not in head:
                continue
            a, b = statistics.median(ref_values), statistics.median(head[title][1])
            ratio = b / a if a else float("nan")
            print("%-22s %-18s %12s %12s %8.3f %5d" %
                  (config, title, fmt % a, fmt % b, ratio, len(ref_values)))


if __name__ == "__main__":
    main()
