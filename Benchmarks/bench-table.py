#!/usr/bin/env python3
"""Prints the summary table of Benchmarks/bench.sh from the measure scripts' output.

Usage: bench-table.py CUSTOMERS=LOG...  Each LOG holds the lines the measure scripts print
("no-op plan (human) run 1: 3.10 s wall, 5.33 s user, 689852 KB max RSS"); of several runs of
one figure the fastest is shown, with the largest peak memory of them.
"""
import re
import sys

LINE = re.compile(r"^(?P<what>.+?)(?: run \d+)?: (?P<wall>[\d.]+) s wall.*?(?P<rss>\d+) KB max RSS")
PLANNED = re.compile(r"^planned (\d+) changes")

# (label, what the scripts call it, the target at 10,000 customers)
ROWS = [
    ("full-create plan (human)", "full-create plan (human)", "≤ 2 s, ≤ 1 GB"),
    ("no-op plan (human)", "no-op plan (human)", "≤ 1.5 s"),
    ("drift, 4 simulated engines", "drift (human)", "≤ 10 s, ≤ 1 GB"),
    ("import round trip", "import", "≤ 20 s, ≤ 1 GB"),
    ("HTML report", "report", "≤ 15 s, ≤ 1 GB"),
    ("apply through the outbox (SQLite)", "reconcile (outbox, SQLite)", "≥ 20,000 changes/s"),
    ("apply through the outbox (PostgreSQL)", "reconcile (outbox, PostgreSQL)", "≥ 80% of SQLite's rate"),
    ("no-op plan, state on PostgreSQL", "no-op plan (human, PostgreSQL)", "≤ 1.3x SQLite's"),
]


def read(path):
    """{figure: [(wall seconds, peak KB, changes or None)]} from one log."""
    figures = {}
    last = None
    with open(path) as log:
        for line in log:
            planned = PLANNED.match(line)
            if planned and last is not None:
                wall, rss, _ = last[-1]
                last[-1] = (wall, rss, int(planned.group(1)))
                continue
            match = LINE.match(line.strip())
            if not match:
                continue
            last = figures.setdefault(match.group("what"), [])
            last.append((float(match.group("wall")), int(match.group("rss")), None))
    return figures


def cell(runs):
    if not runs:
        return "—"
    wall = min(run[0] for run in runs)
    peak = max(run[1] for run in runs) / 1024
    changes = next((run[2] for run in runs if run[2]), None)
    rate = f", {changes:,} changes at {changes / wall:,.0f}/s" if changes else ""
    memory = f"{peak / 1024:.2f} GB" if peak >= 1024 else f"{peak:.0f} MB"
    return f"{wall:.2f} s, {memory}{rate}"


def main(arguments):
    sizes = []
    for argument in arguments:
        customers, path = argument.split("=", 1)
        sizes.append((int(customers), read(path)))
    header = "| what | " + " | ".join(f"{customers:,} customers" for customers, _ in sizes) + " | target at 10,000 |"
    print(header)
    print("|---" * (len(sizes) + 2) + "|")
    for label, what, target in ROWS:
        print(f"| {label} | " + " | ".join(cell(figures.get(what, [])) for _, figures in sizes) + f" | {target} |")


if __name__ == "__main__":
    main(sys.argv[1:])
