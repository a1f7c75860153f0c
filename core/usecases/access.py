"""Scope checks (§2.2–2.4): one place decides who may read or write what, for every front end."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Concatenate, ParamSpec

from sqlalchemy import exists, select

from core.db.models import Assignment, Group, Lesson, Student, Substitution
from core.domain.enums import ADMIN_ROLES, AuditAction, RequestStatus, Role, SubstitutionKind
from core.domain.errors import Forbidden
from core.usecases.context import Ctx
from core.usecases.roster import covers, group_class_ids, student_class_on, student_on_roster

TEACHING_ROLES = (Role.teacher, Role.specialist)
READ_ALL_ROLES = (*ADMIN_ROLES, Role.inspector)


P = ParamSpec("P")


def _grants(
    check: Callable[Concatenate[Ctx, P], Awaitable[Role]],
) -> Callable[Concatenate[Ctx, P], Awaitable[Role]]:
    """Remember the role a scope check granted, so the audit events of the use case name it (R58)."""

    @functools.wraps(check)
    async def wrapper(ctx: Ctx, *args: P.args, **kwargs: P.kwargs) -> Role:
        role = await check(ctx, *args, **kwargs)
        ctx.granted_role = role
        return role

    return wrapper


def _grants_sync(check: Callable[Concatenate[Ctx, P], Role]) -> Callable[Concatenate[Ctx, P], Role]:
    @functools.wraps(check)
    def wrapper(ctx: Ctx, *args: P.args, **kwargs: P.kwargs) -> Role:
        role = check(ctx, *args, **kwargs)
        ctx.granted_role = role
        return role

    return wrapper


def _require_same_school(ctx: Ctx, school_id: int, entity: str, entity_id: int | None) -> None:
    """Many schools share one database: nothing of another school is ever in scope (§2.4.1)."""
    if school_id != ctx.actor.school_id:
        raise _deny("the record belongs to another school", "§2.4", entity, entity_id)


def _deny(message: str, rule: str, entity: str, entity_id: int | None = None) -> Forbidden:
    return Forbidden(message, rule=rule, entity=entity, id=entity_id)


async def teaches(ctx: Ctx, group_id: int, subject_id: int, day: date) -> bool:
    """Scope O: an active assignment for the group and subject on that date (R30)."""
    staff_id = ctx.principal.staff_id
    if staff_id is None or not ctx.principal.has(*TEACHING_ROLES):
        return False
    return bool(
        await ctx.session.scalar(
            select(
                exists().where(
                    Assignment.staff_id == staff_id,
                    Assignment.group_id == group_id,
                    Assignment.subject_id == subject_id,
                    covers(Assignment.from_date, Assignment.to_date, day),
                )
            )
        )
    )


async def substitutes(ctx: Ctx, lesson_id: int) -> bool:
    """Scope O for a single lesson: the actor is its registered substitute (R42, §2.4.8)."""
    staff_id = ctx.principal.staff_id
    if staff_id is None:
        return False
    return bool(
        await ctx.session.scalar(
            select(
                exists().where(
                    Substitution.lesson_id == lesson_id,
                    Substitution.substitute_teacher_id == staff_id,
                    Substitution.status == RequestStatus.registered,
                    Substitution.kind.in_((SubstitutionKind.substitution, SubstitutionKind.combined)),
                )
            )
        )
    )


@_grants
async def require_lesson_write(ctx: Ctx, lesson: Lesson) -> Role:
    """Journal writes happen only in scope O (R30); students and administration never write (R47, R56)."""
    _require_same_school(ctx, lesson.school_id, "lesson", lesson.id)
    p = ctx.principal
    if p.is_system:
        return Role.operator
    if p.student_id is not None and p.staff_id is None:
        raise _deny("students never operate the journal", "R47", "lesson", lesson.id)
    if await substitutes(ctx, lesson.id):
        return Role.teacher
    replaced = await ctx.session.scalar(
        select(
            exists().where(
                Substitution.lesson_id == lesson.id,
                Substitution.status == RequestStatus.registered,
                Substitution.kind == SubstitutionKind.substitution,
                Substitution.original_teacher_id == p.staff_id,
            )
        )
    )
    if not replaced and await teaches(ctx, lesson.group_id, lesson.subject_id, lesson.date):
        return Role.specialist if Role.specialist in p.roles and Role.teacher not in p.roles else Role.teacher
    raise _deny("the lesson is outside the actor's teaching scope", "R30", "lesson", lesson.id)


@_grants
async def require_journal_read(ctx: Ctx, group: Group, subject_id: int, day: date) -> Role:
    """Reading a journal page: R for administration and inspectors, O for teachers, C for tutors."""
    _require_same_school(ctx, group.school_id, "journal_page", group.id)
    p = ctx.principal
    if p.is_system or p.has(*ADMIN_ROLES):
        return next(iter(sorted(p.roles & set(ADMIN_ROLES)))) if not p.is_system else Role.operator
    if p.inspector_on(day) or (p.inspector_valid and p.inspector_on(await ctx.today())):
        await ctx.audit(
            AuditAction.inspector_read, "journal_page", group.id, after={"subject_id": subject_id}
        )
        return Role.inspector
    if await teaches(ctx, group.id, subject_id, day):
        return Role.teacher
    if p.tutor_class_ids and p.tutor_class_ids & await group_class_ids(ctx.session, group.id):
        return Role.form_tutor
    raise _deny("the journal page is outside the actor's scope", "R30", "journal_page", group.id)


@_grants
async def require_student_read(ctx: Ctx, student_id: int, day: date) -> Role:
    """Reading one student's diary: S, K, C, O (subjects taught) or administration (R105–R108)."""
    student_school = await ctx.session.scalar(select(Student.school_id).where(Student.id == student_id))
    _require_same_school(ctx, student_school if student_school is not None else -1, "student", student_id)
    p = ctx.principal
    if p.is_system:
        return Role.operator
    if p.student_id == student_id:
        return Role.student
    if student_id in p.child_ids:
        return Role.parent
    if p.has(*ADMIN_ROLES):
        return sorted(p.roles & set(ADMIN_ROLES))[0]
    if p.inspector_valid and p.inspector_on(await ctx.today()):
        await ctx.audit(AuditAction.inspector_read, "diary", student_id)
        return Role.inspector
    class_id = await student_class_on(ctx.session, student_id, day)
    if class_id is not None and class_id in p.tutor_class_ids:
        return Role.form_tutor
    if p.staff_id is not None and p.has(*TEACHING_ROLES) and await _teaches_student(ctx, student_id, day):
        return Role.teacher
    raise _deny("the student is outside the actor's scope", "R105", "student", student_id)


async def _teaches_student(ctx: Ctx, student_id: int, day: date) -> bool:
    """Scope O over a student: one of the actor's assignments that day is for a group the student is in."""
    return bool(
        await ctx.session.scalar(
            select(
                exists().where(
                    Assignment.staff_id == ctx.principal.staff_id,
                    covers(Assignment.from_date, Assignment.to_date, day),
                    student_on_roster(student_id, Assignment.group_id, day),
                )
            )
        )
    )


@_grants_sync
def require_role(ctx: Ctx, *roles: Role, rule: str, entity: str = "operation") -> Role:
    """Administrative actions: the actor must hold one of `roles` (whole-school scope A)."""
    if ctx.principal.is_system:
        return Role.operator
    held = ctx.principal.roles & set(roles)
    if not held:
        raise _deny(f"requires one of: {', '.join(sorted(r.value for r in roles))}", rule, entity)
    return sorted(held)[0]


@_grants_sync
def require_tutor_of(ctx: Ctx, class_id: int | None, *, rule: str, entity: str = "class") -> Role:
    """Form-tutor actions on the own class (scope C), or the coordinator (A)."""
    p = ctx.principal
    if p.is_system:
        return Role.operator
    if Role.coordinator in p.roles:
        return Role.coordinator
    if class_id is not None and class_id in p.tutor_class_ids:
        return Role.form_tutor
    raise _deny("only the form tutor of this class or the coordinator", rule, entity, class_id)
