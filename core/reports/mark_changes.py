"""Mark-change report (§6.7, R59): one row per change of a current or period mark, read from the audit.

Voided marks are shown (§6 general rules). A fixed number of statements whatever the row count: the
events first, then the lessons, students, classes, subjects, work types, periods and staff they name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import or_, select

from core.db.models import (
    Account,
    AuditEvent,
    Enrollment,
    Lesson,
    ReportingPeriod,
    SchoolClass,
    Staff,
    Subject,
    WorkType,
)
from core.domain.enums import ADMIN_ROLES, AuditAction
from core.domain.errors import Forbidden
from core.policy.calendar import local_at, local_date, local_end_of_day
from core.reports.common import PersonName, student_names
from core.usecases.access import TEACHING_ROLES
from core.usecases.context import Ctx

REPLACED = "replaced"


@dataclass(frozen=True)
class MarkChangeRow:
    event_seq: int
    changed_at: datetime
    entity_type: str  # "mark" or "period_mark"
    entity_id: int
    actor_account_id: int | None
    teacher_staff_id: int | None
    teacher_name: str | None  # ФИО: last first patronymic
    student_id: int
    student_name: str
    class_id: int | None
    class_name: str | None
    subject_id: int
    subject: str
    lesson_date: date | None  # None for period marks
    work_type: str | None  # current marks
    period_mark_kind: str | None  # period marks: period/annual/exam/final
    original_value: str | None
    new_value: str | None  # None when voided
    voided: bool
    reason: str | None
    approval_id: int | None
    source: str


@dataclass(frozen=True)
class _Scope:
    everything: bool
    own_account: int | None
    tutor_class_ids: frozenset[int]

    def admits(self, actor_account_id: int | None, class_id: int | None) -> bool:
        return (
            self.everything
            or (self.own_account is not None and actor_account_id == self.own_account)
            or (class_id is not None and class_id in self.tutor_class_ids)
        )


async def _scope(ctx: Ctx) -> _Scope:
    """§2.3 row 29: A for administration, R for inspectors, S for teachers, C for form tutors."""
    p = ctx.principal
    if p.is_system or p.has(*ADMIN_ROLES):
        return _Scope(True, None, frozenset())
    if p.inspector_valid is not None and p.inspector_on(await ctx.today()):
        await ctx.audit(AuditAction.inspector_read, "mark_change_report", None)
        return _Scope(True, None, frozenset())
    own = ctx.actor.account_id if p.staff_id is not None and p.has(*TEACHING_ROLES) else None
    if own is None and not p.tutor_class_ids:
        raise Forbidden("the mark-change report is for staff", rule="R59", entity="mark_change_report")
    return _Scope(False, own, p.tutor_class_ids)


def _full_name(last: str, first: str, patronymic: str | None) -> str:
    return " ".join(part for part in (last, first, patronymic) if part)


def _is_change(event: AuditEvent) -> bool:
    before, after = event.before or {}, event.after or {}
    if event.entity_type == "mark":
        if event.action == AuditAction.void:
            return True
        return before.get("value_code") != after.get("value_code") or before.get("work_type_id") != after.get(
            "work_type_id"
        )
    # A period mark is replaced by voiding the old row and creating a new one whose event carries both.
    if event.action == AuditAction.create:
        return bool(before)
    return event.reason != REPLACED


async def _events(
    ctx: Ctx,
    scope: _Scope,
    date_from: date | None,
    date_to: date | None,
    teacher_staff_id: int | None,
) -> list[AuditEvent]:
    tz = (await ctx.policy()).tz
    query = select(AuditEvent).where(
        AuditEvent.school_id == ctx.actor.school_id,
        or_(
            (AuditEvent.entity_type == "mark")
            & AuditEvent.action.in_((AuditAction.update, AuditAction.void)),
            (AuditEvent.entity_type == "period_mark")
            & AuditEvent.action.in_((AuditAction.create, AuditAction.void)),
        ),
    )
    if date_from is not None:
        query = query.where(AuditEvent.at >= local_at(date_from, time.min, tz))
    if date_to is not None:
        query = query.where(AuditEvent.at <= local_end_of_day(date_to, tz))
    if teacher_staff_id is not None:
        query = query.where(
            AuditEvent.actor_account_id.in_(select(Account.id).where(Account.staff_id == teacher_staff_id))
        )
    if not scope.everything and not scope.tutor_class_ids:
        query = query.where(AuditEvent.actor_account_id == scope.own_account)
    rows = await ctx.session.scalars(query.order_by(AuditEvent.seq))
    return [e for e in rows if _is_change(e)]


async def _by_id(ctx: Ctx, model: Any, ids: Iterable[int | None]) -> dict[int, Any]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {row.id: row for row in await ctx.session.scalars(select(model).where(model.id.in_(wanted)))}


async def _staff_of_accounts(ctx: Ctx, account_ids: set[int]) -> dict[int, tuple[int, str]]:
    if not account_ids:
        return {}
    rows = await ctx.session.execute(
        select(Account.id, Staff.id, Staff.last_name, Staff.first_name, Staff.patronymic)
        .join(Staff, Staff.id == Account.staff_id)
        .where(Account.id.in_(account_ids))
    )
    return {acc: (staff, _full_name(last, first, patr)) for acc, staff, last, first, patr in rows}


async def _classes_on(ctx: Ctx, wanted: set[tuple[int, date]]) -> dict[tuple[int, date], tuple[int, str]]:
    """(student, day) → (class id, class name), from one statement over the students' enrollments."""
    students = {s for s, _ in wanted}
    if not students:
        return {}
    rows = (
        await ctx.session.execute(
            select(
                Enrollment.student_id,
                Enrollment.from_date,
                Enrollment.to_date,
                SchoolClass.id,
                SchoolClass.name,
            )
            .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
            .where(Enrollment.student_id.in_(students))
        )
    ).all()
    found: dict[tuple[int, date], tuple[int, str]] = {}
    for student_id, day in wanted:
        for sid, start, end, class_id, name in rows:
            if sid == student_id and start <= day and (end is None or day <= end):
                found[(student_id, day)] = (class_id, name)
                break
    return found


async def mark_change_report(
    ctx: Ctx,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    teacher_staff_id: int | None = None,
    class_id: int | None = None,
    subject_id: int | None = None,
    student_id: int | None = None,
    reason: str | None = None,
) -> list[MarkChangeRow]:
    """Changes and voids of current and period marks, oldest first, within the actor's scope (R59, §6.7)."""
    scope = await _scope(ctx)
    events = await _events(ctx, scope, date_from, date_to, teacher_staff_id)
    if not events:
        return []
    tz = (await ctx.policy()).tz
    # The row as it was before the change names the student, lesson and work type.
    olds = [e.before or {} for e in events]
    lessons = await _by_id(ctx, Lesson, (o.get("lesson_id") for o in olds))
    periods = await _by_id(ctx, ReportingPeriod, (o.get("period_id") for o in olds))
    subjects = {
        s.id: s.name
        for s in await ctx.session.scalars(select(Subject).where(Subject.school_id == ctx.actor.school_id))
    }
    work_types = {
        w.id: w.name
        for w in await ctx.session.scalars(select(WorkType).where(WorkType.school_id == ctx.actor.school_id))
    }
    names: dict[int, PersonName] = await student_names(ctx, (int(o["student_id"]) for o in olds))
    authors = {e.actor_account_id for e in events if e.actor_account_id is not None}
    authors |= {int(o["entered_by"]) for o in olds if o.get("entered_by") is not None}
    staff = await _staff_of_accounts(ctx, authors)

    drafts: list[tuple[AuditEvent, dict[str, Any], date | None, date, int]] = []
    for event, old in zip(events, olds, strict=True):
        lesson = lessons.get(old.get("lesson_id")) if event.entity_type == "mark" else None
        period = periods.get(old.get("period_id"))
        class_day = lesson.date if lesson else period.end_date if period else local_date(event.at, tz)
        subj = lesson.subject_id if lesson else int(old.get("subject_id") or 0)
        drafts.append((event, old, lesson.date if lesson else None, class_day, subj))
    classes = await _classes_on(ctx, {(int(old["student_id"]), day) for _, old, _, day, _ in drafts})

    rows: list[MarkChangeRow] = []
    for event, old, lesson_date, class_day, subj in drafts:
        sid = int(old["student_id"])
        cls = classes.get((sid, class_day))
        if not scope.admits(event.actor_account_id, cls[0] if cls else None):
            continue
        voided = event.action == AuditAction.void
        row_reason = REPLACED if event.entity_type == "period_mark" and not voided else event.reason
        if (
            (class_id is not None and (cls is None or cls[0] != class_id))
            or (subject_id is not None and subj != subject_id)
            or (student_id is not None and sid != student_id)
            or (reason is not None and row_reason != reason)
        ):
            continue
        author = staff.get(event.actor_account_id) if event.actor_account_id is not None else None
        if author is None and old.get("entered_by") is not None:
            author = staff.get(int(old["entered_by"]))
        name = names.get(sid)
        wt = old.get("work_type_id")
        rows.append(
            MarkChangeRow(
                event_seq=event.seq,
                changed_at=event.at,
                entity_type=event.entity_type,
                entity_id=int(event.entity_id or 0),
                actor_account_id=event.actor_account_id,
                teacher_staff_id=author[0] if author else None,
                teacher_name=author[1] if author else None,
                student_id=sid,
                student_name=_full_name(name.last_name, name.first_name, name.patronymic) if name else "",
                class_id=cls[0] if cls else None,
                class_name=cls[1] if cls else None,
                subject_id=subj,
                subject=subjects.get(subj, ""),
                lesson_date=lesson_date,
                work_type=work_types.get(int(wt)) if wt is not None else None,
                period_mark_kind=old.get("kind") if event.entity_type == "period_mark" else None,
                original_value=old.get("value_code"),
                new_value=None if voided else (event.after or {}).get("value_code"),
                voided=voided,
                reason=row_reason,
                approval_id=event.approval_id,
                source=event.source,
            )
        )
    return rows
