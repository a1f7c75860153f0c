"""Activity figures: who is bound to the bot and who used the system in the last 30 days (R123, §6.8).

"Active" means the account left a trace in the window: a diary view, an acknowledgement, an audit event
it made, a mark it entered, or a web session last seen in the window. Bot and web count alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, literal, or_, select, union, union_all

from core.db.models import (
    AcademicYear,
    Account,
    Acknowledgement,
    AuditEvent,
    DiaryView,
    Enrollment,
    GuardianLink,
    Mark,
    SchoolClass,
    StaffRole,
    TelegramBinding,
    WebSession,
)
from core.domain.enums import ADMIN_ROLES
from core.policy.calendar import local_at, local_end_of_day
from core.policy.computations import percent
from core.usecases.access import TEACHING_ROLES, require_role
from core.usecases.context import Ctx
from core.usecases.roster import covers

WINDOW_DAYS = 30


class Audience(StrEnum):
    teachers = "teachers"
    form_tutors = "form_tutors"
    parents = "parents"
    students = "students"


@dataclass(frozen=True)
class AudienceActivity:
    """People of one audience on the day; shares are of `people` (those without an account included)."""

    audience: Audience
    people: int
    bound: int
    bound_pct: Decimal | None
    active: int
    active_pct: Decimal | None


@dataclass(frozen=True)
class ActivityFigures:
    on: date
    window_days: int
    audiences: tuple[AudienceActivity, ...]

    def of(self, audience: Audience) -> AudienceActivity:
        return next(a for a in self.audiences if a.audience is audience)


async def activity_figures(ctx: Ctx, *, on: date) -> ActivityFigures:
    """Shares of teachers, form tutors, parents and students bound and active in the 30 days to `on` (R123)."""
    require_role(ctx, *ADMIN_ROLES, rule="R123", entity="activity_report")
    tz = (await ctx.policy()).tz
    start, end = local_at(on - timedelta(days=WINDOW_DAYS - 1), time(0), tz), local_end_of_day(on, tz)
    sid = ctx.actor.school_id
    people = await ctx.session.execute(union_all(*_audiences(sid, on)))
    members: dict[Audience, dict[int, int | None]] = {a: {} for a in Audience}
    for audience, person_id, account_id in people:
        # Keyed by person: a teacher who is also a specialist, or tutors two classes, counts once.
        members[Audience(audience)][person_id] = account_id
    bound = set(
        await ctx.session.scalars(
            select(TelegramBinding.account_id).where(
                TelegramBinding.school_id == sid,
                TelegramBinding.bound_at <= end,
                or_(TelegramBinding.revoked_at.is_(None), TelegramBinding.revoked_at > end),
            )
        )
    )
    active = set(await ctx.session.scalars(union(*_traces(sid, start, end))))
    audiences = []
    for audience in Audience:
        accounts = list(members[audience].values())
        n_bound = sum(a in bound for a in accounts if a is not None)
        n_active = sum(a in active for a in accounts if a is not None)
        total = len(accounts)
        audiences.append(
            AudienceActivity(
                audience, total, n_bound, percent(n_bound, total), n_active, percent(n_active, total)
            )
        )
    return ActivityFigures(on, WINDOW_DAYS, tuple(audiences))


def _audiences(school_id: int, on: date) -> list[Select[Any]]:
    """(audience, person id, account id or NULL) for everyone in each audience on `on`."""
    teachers = (
        select(literal(Audience.teachers.value), StaffRole.staff_id, Account.id)
        .outerjoin(Account, Account.staff_id == StaffRole.staff_id)
        .where(
            StaffRole.school_id == school_id,
            StaffRole.role.in_(TEACHING_ROLES),
            or_(StaffRole.valid_from.is_(None), StaffRole.valid_from <= on),
            or_(StaffRole.valid_to.is_(None), StaffRole.valid_to >= on),
        )
    )
    tutors = (
        select(literal(Audience.form_tutors.value), SchoolClass.form_tutor_staff_id, Account.id)
        .join(AcademicYear, AcademicYear.id == SchoolClass.year_id)
        .outerjoin(Account, Account.staff_id == SchoolClass.form_tutor_staff_id)
        .where(
            SchoolClass.school_id == school_id,
            SchoolClass.form_tutor_staff_id.is_not(None),
            AcademicYear.start_date <= on,
            AcademicYear.end_date >= on,
        )
    )
    parents = (
        select(literal(Audience.parents.value), GuardianLink.guardian_id, Account.id)
        .outerjoin(Account, Account.guardian_id == GuardianLink.guardian_id)
        .where(
            GuardianLink.school_id == school_id, covers(GuardianLink.active_from, GuardianLink.active_to, on)
        )
    )
    students = (
        select(literal(Audience.students.value), Enrollment.student_id, Account.id)
        .outerjoin(Account, Account.student_id == Enrollment.student_id)
        .where(Enrollment.school_id == school_id, covers(Enrollment.from_date, Enrollment.to_date, on))
    )
    return [teachers, tutors, parents, students]


def _traces(school_id: int, start: datetime, end: datetime) -> list[Select[Any]]:
    """Account ids with any activity between `start` and `end`."""
    return [
        select(DiaryView.viewer_account_id).where(
            DiaryView.school_id == school_id, DiaryView.viewed_at.between(start, end)
        ),
        select(Acknowledgement.account_id).where(
            Acknowledgement.school_id == school_id, Acknowledgement.acknowledged_at.between(start, end)
        ),
        select(AuditEvent.actor_account_id).where(
            AuditEvent.school_id == school_id,
            AuditEvent.actor_account_id.is_not(None),
            AuditEvent.at.between(start, end),
        ),
        select(Mark.entered_by).where(Mark.school_id == school_id, Mark.entered_at.between(start, end)),
        select(WebSession.account_id).where(
            WebSession.school_id == school_id, WebSession.last_seen_at.between(start, end)
        ),
    ]
