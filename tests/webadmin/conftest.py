"""The web admin under test: the real application on the session's database, over real HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.db.models import (
    AcademicYear,
    Account,
    BellSchedule,
    BellSlot,
    Group,
    Lesson,
    Mark,
    Parallel,
    School,
    SchoolClass,
    Staff,
    StaffRole,
    Student,
    Subject,
    WorkType,
)
from core.domain.enums import (
    AccountStatus,
    EducationLevel,
    GroupKind,
    LessonStatus,
    PersonStatus,
    Role,
    StudentStatus,
    YearStatus,
)
from core.settings import Settings
from locales import compile_catalogs
from webadmin.app import create_app

AiohttpClient = Callable[[web.Application], Awaitable[TestClient]]


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> list[Path]:
    return compile_catalogs()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, settings: Settings, engine: AsyncEngine) -> TestClient:
    return await aiohttp_client(create_app(settings, engine=engine))


@dataclass(frozen=True)
class Counts:
    students: int = 0
    classes: int = 0
    teachers: int = 0
    lessons_held: int = 0
    marks: int = 0


@dataclass(frozen=True)
class SchoolRow:
    id: int
    name: str
    slug: str

    @property
    def heading(self) -> str:
        """How the overview names the school: its name, then its slug."""
        return f"{self.name} {self.slug}"


AddSchool = Callable[..., Awaitable[SchoolRow]]


@pytest.fixture
def add_school(sessionmaker: async_sessionmaker[AsyncSession]) -> AddSchool:
    """Insert a school with exactly the given counts, plus rows of every kind the overview must not count."""

    async def add(counts: Counts, name: str | None = None) -> SchoolRow:
        assert not counts.marks or (counts.students and counts.lessons_held), (
            "marks need a student and a lesson"
        )
        slug = f"w-{uuid.uuid4().hex[:12]}"
        async with sessionmaker() as s:
            school = School(name=name or f"Школа {slug}", short_name=slug, slug=slug)
            s.add(school)
            await s.flush()
            sid = school.id
            current = AcademicYear(
                school_id=sid,
                title="2025/2026",
                start_date=date(2025, 9, 1),
                teaching_end_date=date(2026, 5, 26),
                end_date=date(2026, 8, 31),
                status=YearStatus.active,
            )
            closed = AcademicYear(
                school_id=sid,
                title="2024/2025",
                start_date=date(2024, 9, 1),
                teaching_end_date=date(2025, 5, 26),
                end_date=date(2025, 8, 31),
                status=YearStatus.closed,
            )
            s.add_all([current, closed])
            await s.flush()
            parallel = Parallel(school_id=sid, grade=5, level=EducationLevel.basic)
            s.add(parallel)
            await s.flush()
            s.add_all(
                SchoolClass(
                    school_id=sid, year_id=year.id, parallel_id=parallel.id, letter=letter, name=f"5{letter}"
                )
                for year, letters in ((current, "АБВГДЕЖИКЛ"[: counts.classes]), (closed, "А"))
                for letter in letters
            )
            students = [
                Student(school_id=sid, last_name="Ученик", first_name=str(n)) for n in range(counts.students)
            ]
            s.add_all(
                [
                    *students,
                    Student(school_id=sid, last_name="Выбыл", first_name="Б", status=StudentStatus.left),
                ]
            )

            teachers = [
                Staff(school_id=sid, last_name="Учитель", first_name=str(n)) for n in range(counts.teachers)
            ]
            gone = Staff(school_id=sid, last_name="Уволен", first_name="А", status=PersonStatus.left)
            head = Staff(school_id=sid, last_name="Директор", first_name="А")
            s.add_all([*teachers, gone, head])
            await s.flush()
            # A teacher with the role in two years is still one teacher.
            s.add_all(
                StaffRole(school_id=sid, staff_id=t.id, role=Role.teacher, year_id=current.id)
                for t in teachers
            )
            s.add_all(
                StaffRole(school_id=sid, staff_id=t.id, role=Role.teacher, year_id=closed.id)
                for t in teachers
            )
            s.add(StaffRole(school_id=sid, staff_id=gone.id, role=Role.teacher))
            s.add(StaffRole(school_id=sid, staff_id=head.id, role=Role.head))
            account = Account(school_id=sid, staff_id=head.id, status=AccountStatus.active)
            s.add(account)

            subject = Subject(school_id=sid, name="Математика", short_name="Матем.")
            bells = BellSchedule(school_id=sid, year_id=current.id, name="Основное")
            group = Group(school_id=sid, year_id=current.id, kind=GroupKind.whole_class, name="5А")
            work_type = WorkType(school_id=sid, code="oral", name="Устный ответ", short_name="УО")
            s.add_all([subject, bells, group, work_type])
            await s.flush()
            slot = BellSlot(
                school_id=sid, schedule_id=bells.id, number=1, start_time=time(8, 30), end_time=time(9, 15)
            )
            s.add(slot)
            await s.flush()

            def lesson(day: int, status: LessonStatus) -> Lesson:
                return Lesson(
                    school_id=sid,
                    date=date(2025, 9, day),
                    bell_slot_id=slot.id,
                    group_id=group.id,
                    subject_id=subject.id,
                    scheduled_teacher_id=head.id,
                    actual_teacher_id=head.id,
                    status=status,
                    topic="Тема" if status == LessonStatus.held else None,
                )

            held = [lesson(1 + n, LessonStatus.held) for n in range(counts.lessons_held)]
            s.add_all([*held, lesson(28, LessonStatus.planned)])
            await s.flush()
            now = datetime.now(UTC)

            def mark(status: str) -> Mark:
                return Mark(
                    school_id=sid,
                    student_id=students[0].id,
                    lesson_id=held[0].id,
                    work_type_id=work_type.id,
                    value_code="5",
                    entered_by=account.id,
                    entered_at=now,
                    first_entered_at=now,
                    status=status,
                )

            s.add_all([mark("active") for _ in range(counts.marks)])
            if counts.marks:
                s.add(mark("voided"))
            await s.commit()
            return SchoolRow(sid, school.name, slug)

    return add
