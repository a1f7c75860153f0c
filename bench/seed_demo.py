"""Benchmark: seed the demo school into a fresh, migrated SQLite database and measure time and memory.

python -m bench.seed_demo --students 1000 --weeks 6
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from core.db.engine import create_engine, create_sessionmaker
from core.db.migrate import upgrade
from core.demo import DemoSummary, seed_demo
from core.settings import Settings


def run(students: int, weeks: int, seed: int = 1, today: date | None = None) -> dict[str, Any]:
    """Seed a temporary database once; return students, weeks, seconds, rows per table and peak RSS."""
    with tempfile.TemporaryDirectory(prefix="zhurnal-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'demo.sqlite3'}"
        upgrade(url)
        cpu = time.process_time()
        started = time.perf_counter()
        summary = asyncio.run(_seed(url, students, weeks, seed, today))
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
    return {
        "students": students,
        "weeks": weeks,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),  # this process only: argon2 hashing runs in threads of it
        "rows": summary.counts,
        "total_rows": sum(summary.counts.values()),
        "unplaced_lessons": summary.unplaced_lessons,
        # ru_maxrss is in KiB on Linux: the peak of the whole process, migration included.
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


async def _seed(url: str, students: int, weeks: int, seed: int, today: date | None) -> DemoSummary:
    engine = create_engine(Settings(database_url=url))
    try:
        return await seed_demo(
            create_sessionmaker(engine), students=students, weeks=weeks, seed=seed, today=today
        )
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.seed_demo", description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=800)
    parser.add_argument("--weeks", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.students, args.weeks, args.seed, args.today), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
