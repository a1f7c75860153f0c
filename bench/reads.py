"""Benchmark: latency of the core's read models and of recording a mark on the seeded demo school.

python -m bench.reads --students 1000   (SQLite; add --postgres URL to run against PostgreSQL)
Each operation runs through `execute`, the same service boundary both fronts use.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.engine import create_engine, create_sessionmaker
from core.db.migrate import upgrade
from core.db.models import (
    Account,
    Enrollment,
    Group,
    GroupClass,
    Lesson,
    ReportingPeriod,
    SchoolClass,
    WorkType,
)
from core.demo import seed_demo
from core.domain.actor import Actor
from core.domain.enums import Channel, GroupKind
from core.reports.class_day import class_day
from core.reports.diary import student_diary
from core.reports.journal_page import journal_page
from core.reports.marks_summary import marks_summary
from core.reports.teacher_day import teacher_day
from core.settings import Settings
from core.usecases.context import execute
from core.usecases.journal.marks import record_mark

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "runs": len(ordered),
    }


async def _time(fn: Callable[[], Awaitable[Any]], runs: int) -> dict[str, float]:
    await fn()  # warm caches and compiled statements once
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - started)
    return _percentiles(samples)


async def _subjects(sm: async_sessionmaker[AsyncSession], school_id: int) -> dict[str, Any]:
    """Pick a teacher with lessons today, one of those lessons, its class, a student and the period."""
    async with sm() as s:
        lesson = await s.scalar(
            select(Lesson)
            .join(Group, Group.id == Lesson.group_id)
            .where(Lesson.school_id == school_id, Lesson.date == TODAY, Group.kind == GroupKind.whole_class)
            .limit(1)
        )
        assert lesson is not None, "the demo has no lesson today"
        teacher = await s.scalar(select(Account.id).where(Account.staff_id == lesson.actual_teacher_id))
        deputy = await s.scalar(
            select(Account.id).where(Account.school_id == school_id, Account.web_login.like("%deputy"))
        )
        class_id = await s.scalar(select(GroupClass.class_id).where(GroupClass.group_id == lesson.group_id))
        student = await s.scalar(
            select(Enrollment.student_id)
            .where(Enrollment.class_id == class_id, Enrollment.to_date.is_(None))
            .limit(1)
        )
        scheme = await s.scalar(select(SchoolClass.period_scheme_id).where(SchoolClass.id == class_id))
        period = await s.scalar(
            select(ReportingPeriod.id).where(
                ReportingPeriod.scheme_id == scheme,
                ReportingPeriod.start_date <= TODAY,
                ReportingPeriod.end_date >= TODAY,
            )
        )
        work_type = await s.scalar(
            select(WorkType.id).where(WorkType.school_id == school_id, WorkType.code == "classwork")
        )
    return {
        "lesson": lesson,
        "teacher": teacher,
        "deputy": deputy,
        "class_id": class_id,
        "student": student,
        "period": period,
        "work_type": work_type,
    }


async def _bench(url: str, students: int, runs: int) -> dict[str, Any]:
    engine = create_engine(Settings(database_url=url))
    sm = create_sessionmaker(engine)
    try:
        summary = await seed_demo(
            sm, students=students, weeks=6, seed=1, today=TODAY, slug=f"bench-{uuid.uuid4().hex[:6]}"
        )
        school = summary.school_id
        x = await _subjects(sm, school)
        lesson: Lesson = x["lesson"]
        deputy = Actor(x["deputy"], school, Channel.web, at=NOW)
        teacher = Actor(x["teacher"], school, Channel.bot, at=NOW)
        week = (
            TODAY - timedelta(days=TODAY.weekday()),
            TODAY - timedelta(days=TODAY.weekday()) + timedelta(days=6),
        )
        results = {
            "student_diary (one week)": await _time(
                lambda: execute(
                    sm, deputy, student_diary, student_id=x["student"], date_from=week[0], date_to=week[1]
                ),
                runs,
            ),
            "marks_summary (period)": await _time(
                lambda: execute(sm, deputy, marks_summary, student_id=x["student"], period_id=x["period"]),
                runs,
            ),
            "journal_page (class × subject × period)": await _time(
                lambda: execute(
                    sm,
                    deputy,
                    journal_page,
                    group_id=lesson.group_id,
                    subject_id=lesson.subject_id,
                    period_id=x["period"],
                ),
                runs,
            ),
            "class_day": await _time(
                lambda: execute(sm, deputy, class_day, class_id=x["class_id"], day=TODAY), runs
            ),
            "teacher_day": await _time(lambda: execute(sm, teacher, teacher_day, day=TODAY), runs),
            "record_mark (write, audit, outbox)": await _time(
                lambda: execute(
                    sm,
                    teacher,
                    record_mark,
                    lesson_id=lesson.id,
                    student_id=x["student"],
                    work_type_id=x["work_type"],
                    value_code="5",
                ),
                runs,
            ),
        }
        return {"students": students, "total_rows": sum(summary.counts.values()), "operations": results}
    finally:
        await engine.dispose()


def run(students: int = 1000, runs: int = 50, postgres_url: str | None = None) -> dict[str, Any]:
    """Seed a fresh database (SQLite file, or a new PostgreSQL database) and time the operations."""
    if postgres_url is None:
        with tempfile.TemporaryDirectory(prefix="zhurnal-bench-") as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
            upgrade(url)
            return {"engine": "SQLite"} | asyncio.run(_bench(url, students, runs))
    name = f"zhurnal_bench_{uuid.uuid4().hex[:8]}"
    admin = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    asyncio.run(_pg(admin, f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        return {"engine": "PostgreSQL"} | asyncio.run(_bench(url, students, runs))
    finally:
        asyncio.run(_pg(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _pg(dsn: str, sql: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reads", description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument(
        "--postgres", default=None, metavar="URL", help="run on a new database of this server"
    )
    args = parser.parse_args(argv)
    print(json.dumps(run(args.students, args.runs, args.postgres), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
