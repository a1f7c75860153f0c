"""`make bench`: run every benchmark on this machine and write BENCHMARKS.md.

Each benchmark runs in a process of its own, so peak memory is that benchmark's alone. PostgreSQL runs
are added when ZHURNAL_BENCH_POSTGRES_URL (or ZHURNAL_TEST_POSTGRES_URL) names a server.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "BENCHMARKS.md"


def _json_of(*args: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", *args], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(result.stdout)


def _machine() -> list[str]:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return [
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {cpu}, {os.cpu_count()} cores, {mem_kb / 1024 / 1024:.0f} GiB RAM, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
    ]


def _seed_rows(results: list[tuple[str, dict[str, Any]]]) -> list[str]:
    lines = [
        "| Engine | Students | Weeks | Seconds | Rows written | Peak RSS (MB) |",
        "|---|---|---|---|---|---|",
    ]
    for engine, r in results:
        lines.append(
            f"| {engine} | {r['students']} | {r['weeks']} | {r['seconds']} | {r['total_rows']:,} | {r['peak_rss_mb']} |"
        )
    return lines


def _read_rows(results: list[dict[str, Any]]) -> list[str]:
    engines = [r["engine"] for r in results]
    lines = [
        "| Operation | " + " | ".join(f"{e} p50 / p95 (ms)" for e in engines) + " |",
        "|---|" + "---|" * len(engines),
    ]
    for op in results[0]["operations"]:
        cells = [f"{r['operations'][op]['p50_ms']} / {r['operations'][op]['p95_ms']}" for r in results]
        lines.append(f"| {op} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    postgres = os.environ.get("ZHURNAL_BENCH_POSTGRES_URL") or os.environ.get("ZHURNAL_TEST_POSTGRES_URL")
    seeds = [
        (
            "SQLite",
            _json_of("bench.seed_demo", "--students", "1000", "--weeks", "6", "--today", "2026-11-25"),
        ),
        ("SQLite", _json_of("bench.seed_demo", "--students", "800", "--weeks", "6", "--today", "2026-11-25")),
    ]
    reads = [_json_of("bench.reads", "--students", "1000", "--runs", "50")]
    if postgres:
        reads.append(_json_of("bench.reads", "--students", "1000", "--runs", "50", "--postgres", postgres))
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench`); speed and memory are measured here, never asserted in tests.",
        "",
        *_machine(),
        "",
        "## Demo school generation (`zhurnal seed-demo`)",
        "",
        "A fresh, migrated database; the time covers generating and writing the whole school with 6 weeks of",
        "journal history (lessons, topics, attendance, marks, homework). The issue's target: 1000 students in",
        "under a minute on SQLite.",
        "",
        *_seed_rows(seeds),
        "",
        "## Core operations on a 1000-student school",
        "",
        "Each operation goes through `execute` (transaction, principal, scope checks, audit) as both fronts",
        "call it; the first call is a warm-up, then 50 timed calls.",
        "",
        *_read_rows(reads),
        "",
    ]
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
