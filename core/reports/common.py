"""Set-based building blocks the read models share: rosters over dates, scales, names, diary-view log.

Every helper is one statement whatever the number of students, so reports stay a fixed number of
queries (issue item 13).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select, union_all

from core.db.models import (
    Assignment,
    DiaryView,
    Enrollment,
    GradingScale,
    Group,
    GroupClass,
    GroupMembership,
    Parallel,
    ReportingPeriod,
    ScaleValue,
    SchoolClass,
    Staff,
    Student,
)
from core.domain.enums import DiarySection, GroupKind, Role
from core.domain.errors import NotFound
from core.usecases.access import require_journal_read
from core.usecases.context import Ctx
from core.usecases.roster import covers

FAMILY_ROLES = (Role.student, Role.parent)


@dataclass(frozen=True, slots=True)
class Span:
    """One roster interval: a student is in a group from `start` to `end` (None = open)."""

    group_id: int
    student_id: int
    start: date
    end: date | None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


async def roster_spans(ctx: Ctx, group_ids: Iterable[int], date_from: date, date_to: date) -> list[Span]:
    """Every roster interval of the groups that touches the range, in one statement."""
    ids = list(set(group_ids))
    if not ids:
        return []
    whole = (
        select(GroupClass.group_id, Enrollment.student_id, Enrollment.from_date, Enrollment.to_date)
        .join(Group, Group.id == GroupClass.group_id)
        .join(Enrollment, Enrollment.class_id == GroupClass.class_id)
        .where(GroupClass.group_id.in_(ids), Group.kind == GroupKind.whole_class)
        .where(
            Enrollment.from_date <= date_to,
            or_(Enrollment.to_date.is_(None), Enrollment.to_date >= date_from),
        )
    )
    members = (
        select(
            GroupMembership.group_id,
            GroupMembership.student_id,
            GroupMembership.from_date,
            GroupMembership.to_date,
        )
        .join(Group, Group.id == GroupMembership.group_id)
        .where(GroupMembership.group_id.in_(ids), Group.kind != GroupKind.whole_class)
        .where(
            GroupMembership.from_date <= date_to,
            or_(GroupMembership.to_date.is_(None), GroupMembership.to_date >= date_from),
        )
    )
    rows = await ctx.session.execute(union_all(whole, members))
    return [Span(*row) for row in rows]


def on_roster(spans: Iterable[Span], group_id: int, day: date) -> set[int]:
    """Student ids on the group's roster on `day`, from already fetched spans."""
    return {s.student_id for s in spans if s.group_id == group_id and s.covers(day)}


@dataclass(frozen=True, slots=True)
class ScaleEntry:
    code: str
    numeric: Decimal | None
    is_passing: bool
    is_quality: bool
    is_unsatisfactory: bool


Scale = Mapping[str, ScaleEntry]


@dataclass(frozen=True)
class Scales:
    """The scales a school can use; which one applies is subject, then parallel, then policy default."""

    by_id: Mapping[int, Scale]
    default_id: int | None

    def resolve(self, subject_scale_id: int | None, parallel_scale_id: int | None) -> Scale:
        scale_id = subject_scale_id or parallel_scale_id or self.default_id
        return self.by_id.get(scale_id, {}) if scale_id is not None else {}

    def numeric_values(self, scale: Scale) -> list[Decimal]:
        return sorted(v.numeric for v in scale.values() if v.numeric is not None)


async def load_scales(ctx: Ctx) -> Scales:
    """Built-in and school scales with their values, in one statement."""
    rows = await ctx.session.execute(
        select(GradingScale.id, GradingScale.code, GradingScale.school_id, ScaleValue)
        .join(ScaleValue, ScaleValue.scale_id == GradingScale.id)
        .where(or_(GradingScale.school_id.is_(None), GradingScale.school_id == ctx.actor.school_id))
    )
    by_id: dict[int, dict[str, ScaleEntry]] = {}
    codes: dict[str, tuple[int | None, int]] = {}
    for scale_id, code, school_id, v in rows:
        by_id.setdefault(scale_id, {})[v.code] = ScaleEntry(
            v.code, v.numeric, v.is_passing, v.is_quality, v.is_unsatisfactory
        )
        # A school's own scale with the default code wins over the built-in one.
        if code not in codes or school_id is not None:
            codes[code] = (school_id, scale_id)
    wanted = (await ctx.policy()).default_grading_scale
    return Scales(by_id, codes[wanted][1] if wanted in codes else None)


async def class_parallel_scale(ctx: Ctx, class_id: int | None) -> int | None:
    """The grading scale set on the class's parallel, if any."""
    if class_id is None:
        return None
    return await ctx.session.scalar(
        select(Parallel.grading_scale_id)
        .join(SchoolClass, SchoolClass.parallel_id == Parallel.id)
        .where(SchoolClass.id == class_id)
    )


@dataclass(frozen=True, slots=True)
class PersonName:
    id: int
    last_name: str
    first_name: str
    patronymic: str | None


async def staff_names(ctx: Ctx, ids: Iterable[int | None]) -> dict[int, PersonName]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await ctx.session.execute(
        select(Staff.id, Staff.last_name, Staff.first_name, Staff.patronymic).where(Staff.id.in_(wanted))
    )
    return {r[0]: PersonName(*r) for r in rows}


def student_names_query(student_ids: Any) -> Any:
    return select(Student.id, Student.last_name, Student.first_name, Student.patronymic).where(
        Student.id.in_(student_ids)
    )


async def student_names(ctx: Ctx, ids: Iterable[int]) -> dict[int, PersonName]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await ctx.session.execute(student_names_query(wanted))
    return {r[0]: PersonName(*r) for r in rows}


def alphabetical(names: Mapping[int, PersonName]) -> list[int]:
    return sorted(
        names, key=lambda i: (names[i].last_name, names[i].first_name, names[i].patronymic or "", i)
    )


async def log_diary_view(
    ctx: Ctx,
    role: Role,
    student_id: int,
    section: DiarySection,
    date_from: date | None,
    date_to: date | None,
) -> None:
    """R88: every answer to a student or guardian is logged; staff reads are not diary views."""
    if role not in FAMILY_ROLES or ctx.actor.account_id is None:
        return
    ctx.session.add(
        DiaryView(
            school_id=ctx.actor.school_id,
            viewer_account_id=ctx.actor.account_id,
            student_id=student_id,
            section=section,
            range_from=date_from,
            range_to=date_to,
            channel=ctx.actor.channel.value,
            viewed_at=ctx.now,
        )
    )


def taught_subjects(ctx: Ctx, role: Role, day: date) -> Any | None:
    """For a teacher reading a diary, the subjects they teach (scope O, R105); None = no restriction."""
    if role != Role.teacher or ctx.principal.staff_id is None:
        return None
    return select(Assignment.subject_id).where(
        Assignment.staff_id == ctx.principal.staff_id, covers(Assignment.from_date, Assignment.to_date, day)
    )


def only_taught(query: Any, subject_col: Any, taught: Any | None) -> Any:
    return query if taught is None else query.where(subject_col.in_(taught))


async def open_page(
    ctx: Ctx, group_id: int, subject_id: int, period_id: int
) -> tuple[Group, ReportingPeriod]:
    """The group and period of a journal page, after the reader's scope check (R30, R105–R108)."""
    group = await ctx.session.get(Group, group_id)
    period = await ctx.session.get(ReportingPeriod, period_id)
    if group is None or group.school_id != ctx.actor.school_id:
        raise NotFound("group", entity="teaching_group", id=group_id)
    if period is None or period.school_id != ctx.actor.school_id:
        raise NotFound("reporting period", entity="reporting_period", id=period_id)
    await require_journal_read(
        ctx, group, subject_id, min(period.end_date, max(period.start_date, await ctx.today()))
    )
    return group, period
