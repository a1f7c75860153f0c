"""The landing overview: every school in the database with the size of its journal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from core.db.base import Base
from core.db.models import AcademicYear, Lesson, Mark, School, SchoolClass, Staff, StaffRole, Student
from core.domain.enums import LessonStatus, PersonStatus, Role, StudentStatus, YearStatus

# Classes are counted in the current year only: a closed year keeps its classes for the archive.
CURRENT_YEAR = (YearStatus.active, YearStatus.closing)


@dataclass(frozen=True, slots=True)
class SchoolOverview:
    school_id: int
    name: str
    short_name: str
    slug: str
    students: int  # enrolled now
    classes: int  # of the current academic year
    teachers: int  # active staff with the teacher role
    lessons_held: int
    marks: int  # active, not voided


def _per_school(
    school_id: InstrumentedAttribute[int],
    *where: ColumnElement[bool],
    join: tuple[type[Base], ColumnElement[bool]] | None = None,
    distinct: InstrumentedAttribute[int] | None = None,
) -> Select[tuple[int, int]]:
    """SELECT school_id, count(...) FROM <table> [JOIN ...] WHERE ... GROUP BY school_id."""
    count = func.count(func.distinct(distinct)) if distinct is not None else func.count()
    query = select(school_id, count)
    if join is not None:
        query = query.join(*join)
    return query.where(*where).group_by(school_id)


async def _counts(session: AsyncSession, query: Select[tuple[int, int]]) -> dict[int, int]:
    return dict((await session.execute(query)).all())


async def school_overview(session: AsyncSession) -> list[SchoolOverview]:
    """Every school, by name, with its counts; one grouped query per counted table."""
    schools: Sequence[School] = (await session.scalars(select(School).order_by(School.name, School.id))).all()
    if not schools:
        return []
    students = await _counts(
        session, _per_school(Student.school_id, Student.status == StudentStatus.enrolled)
    )
    classes = await _counts(
        session,
        _per_school(
            SchoolClass.school_id,
            AcademicYear.status.in_(CURRENT_YEAR),
            join=(AcademicYear, AcademicYear.id == SchoolClass.year_id),
        ),
    )
    teachers = await _counts(
        session,
        _per_school(
            StaffRole.school_id,
            StaffRole.role == Role.teacher,
            Staff.status == PersonStatus.active,
            join=(Staff, Staff.id == StaffRole.staff_id),
            distinct=StaffRole.staff_id,  # one person may hold the role in several years
        ),
    )
    lessons = await _counts(session, _per_school(Lesson.school_id, Lesson.status == LessonStatus.held))
    marks = await _counts(session, _per_school(Mark.school_id, Mark.status == "active"))
    return [
        SchoolOverview(
            school_id=school.id,
            name=school.name,
            short_name=school.short_name,
            slug=school.slug,
            students=students.get(school.id, 0),
            classes=classes.get(school.id, 0),
            teachers=teachers.get(school.id, 0),
            lessons_held=lessons.get(school.id, 0),
            marks=marks.get(school.id, 0),
        )
        for school in schools
    ]
