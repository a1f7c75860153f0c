"""seed_demo: orchestrates the phases in one transaction and reports what it wrote."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.engine import SQLITE_IMMEDIATE
from core.db.models import Account, School, Staff
from core.demo.calendar import school_year
from core.demo.catalog import max_lessons_per_day
from core.demo.history import window, year_schedule
from core.demo.logins import LOGIN_ROLES, demo_passwords, hash_demo_passwords, login_name, set_demo_passwords
from core.demo.seeding import DemoLogin, Seeding, stream
from core.demo.store import Writer
from core.demo.structure import plan_school
from core.demo.timetable import build_timetable
from core.demo.write_people import write_classes, write_guardians, write_staff, write_students
from core.demo.write_school import (
    write_bells,
    write_calendar,
    write_catalogue,
    write_rooms,
    write_scales,
    write_school,
)
from core.demo.write_teaching import school_days, write_journal, write_plans, write_timetable
from core.security.passwords import verify_password


@dataclass(frozen=True)
class DemoSummary:
    school_id: int
    created: bool  # False: the school already existed and nothing was written
    counts: dict[str, int] = field(default_factory=dict)  # rows written per table
    logins: list[DemoLogin] = field(default_factory=list)
    unplaced_lessons: int = 0  # weekly lessons the timetable could not fit (0 in practice)


async def seed_demo(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    students: int = 800,
    weeks: int = 6,
    seed: int = 1,
    today: date | None = None,
    slug: str = "demo",
) -> DemoSummary:
    """Create a realistic demo school, deterministic by seed and `today`; a no-op if `slug` exists."""
    if students < 1 or weeks < 0:
        raise ValueError("students must be positive and weeks not negative")
    today = today or date.today()
    async with sessionmaker() as session:
        existing, known = await _existing(session, slug, seed)
    if existing is not None:
        return DemoSummary(existing, False, logins=await _still_valid(known))
    async with sessionmaker() as session:
        try:
            async with session.begin():
                # Take SQLite's write lock up front: the id look-ups in Writer rely on being its only writer.
                await session.connection(execution_options={SQLITE_IMMEDIATE: True})
                existing = await session.scalar(select(School.id).where(School.slug == slug))
                if existing is None:
                    summary = await _build(Writer(session), students, weeks, seed, today, slug)
            if existing is None:
                await _refresh_statistics(sessionmaker)
                return summary
        except IntegrityError:
            # Another process inserted the same slug meanwhile (PostgreSQL); it is there now.
            async with sessionmaker() as again:
                existing = await again.scalar(select(School.id).where(School.slug == slug))
            if existing is None:
                raise
    return DemoSummary(existing, False)


async def _refresh_statistics(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """A bulk load leaves the planners without statistics until autovacuum runs; gather them now."""
    async with sessionmaker() as session:
        await session.execute(text("ANALYZE"))
        await session.commit()


async def _build(writer: Writer, students: int, weeks: int, seed: int, today: date, slug: str) -> DemoSummary:
    # Argon2 is slow on purpose; it releases the GIL, so it runs in a thread while the school is built.
    hashes = asyncio.ensure_future(asyncio.to_thread(hash_demo_passwords, demo_passwords(seed)))
    year = school_year(today)
    ctx = Seeding(writer, seed, slug, today, weeks, year, plan_school(stream(seed, "structure"), students))
    ctx.password_hashes = hashes
    limits = {c.name: max_lessons_per_day(c.grade) for c in ctx.plan.classes}
    placements, unplaced = build_timetable(ctx.plan.units, limits, stream(seed, "timetable"))
    span = window(today, weeks)
    await write_scales(ctx)
    await write_school(ctx)
    await write_calendar(ctx)
    await write_bells(ctx)
    await write_rooms(ctx)
    await write_catalogue(ctx)
    await write_staff(ctx)
    await write_classes(ctx)
    await write_students(ctx, school_days(ctx, span))
    await write_guardians(ctx)
    entries = await write_timetable(ctx, placements)
    schedule = year_schedule(entries, year)
    items = await write_plans(ctx, schedule)
    await write_journal(ctx, schedule, items, span)
    await set_demo_passwords(ctx)
    return DemoSummary(ctx.school_id, True, dict(sorted(writer.counts.items())), ctx.logins, len(unplaced))


async def _existing(
    session: AsyncSession, slug: str, seed: int
) -> tuple[int | None, list[tuple[DemoLogin, str]]]:
    """The school with this slug, and its demo logins with their stored password hashes (reads only)."""
    school_id = await session.scalar(select(School.id).where(School.slug == slug))
    if school_id is None:
        return None, []
    known = []
    for role, password in demo_passwords(seed).items():
        row = (
            await session.execute(
                select(Account.password_hash, Staff.last_name, Staff.first_name, Staff.patronymic)
                .join(Staff, Staff.id == Account.staff_id)
                .where(Account.school_id == school_id, Account.web_login == login_name(slug, role))
            )
        ).first()
        if row is not None and row[0]:
            name = " ".join(p for p in row[1:] if p)
            known.append((DemoLogin(LOGIN_ROLES[role].value, login_name(slug, role), password, name), row[0]))
    return school_id, known


async def _still_valid(known: list[tuple[DemoLogin, str]]) -> list[DemoLogin]:
    """The demo logins whose seed-derived password still works: a repeated run can print them again."""
    valid = await asyncio.gather(
        *(asyncio.to_thread(verify_password, h, login.password) for login, h in known)
    )
    return [login for (login, _), ok in zip(known, valid, strict=True) if ok]
