"""Look-ups the family use cases share: who teaches a student, a class's students, guardian accounts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.db.models import Account, Assignment, Enrollment, GuardianLink, SchoolClass
from core.policy.calendar import local_at
from core.usecases.context import Ctx
from core.usecases.roster import covers, student_on_roster


async def teacher_staff_ids(ctx: Ctx, student_id: int, day: date) -> set[int]:
    """Staff with an active assignment to a group the student is on on `day` (scope O seen from K)."""
    return set(
        await ctx.session.scalars(
            select(Assignment.staff_id).where(
                Assignment.school_id == ctx.actor.school_id,
                covers(Assignment.from_date, Assignment.to_date, day),
                student_on_roster(student_id, Assignment.group_id, day),
            )
        )
    )


async def tutor_staff_id(ctx: Ctx, class_id: int | None) -> int | None:
    if class_id is None:
        return None
    return await ctx.session.scalar(select(SchoolClass.form_tutor_staff_id).where(SchoolClass.id == class_id))


async def class_students(ctx: Ctx, class_id: int, date_from: date, date_to: date | None = None) -> set[int]:
    """Students enrolled in the class at any time in [date_from, date_to]."""
    end = date_to or date_from
    return set(
        await ctx.session.scalars(
            select(Enrollment.student_id).where(
                Enrollment.class_id == class_id,
                Enrollment.from_date <= end,
                (Enrollment.to_date.is_(None)) | (Enrollment.to_date >= date_from),
            )
        )
    )


async def guardian_accounts(ctx: Ctx, student_ids: Iterable[int], day: date) -> dict[int, int]:
    """Guardian account → one of `student_ids` it is actively and verifiably linked to on `day`."""
    wanted = sorted(set(student_ids))
    if not wanted:
        return {}
    rows = (
        await ctx.session.execute(
            select(Account.id, GuardianLink.student_id)
            .join(GuardianLink, GuardianLink.guardian_id == Account.guardian_id)
            .where(
                Account.school_id == ctx.actor.school_id,
                GuardianLink.student_id.in_(wanted),
                GuardianLink.verified_at.is_not(None),
                covers(GuardianLink.active_from, GuardianLink.active_to, day),
            )
            .order_by(GuardianLink.student_id)
        )
    ).all()
    found: dict[int, int] = {}
    for account_id, student_id in rows:
        found.setdefault(account_id, student_id)
    return found


def local_day_span(date_from: date, date_to: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start of date_from, start of the day after date_to) in the school's zone, as aware UTC."""
    return local_at(date_from, time(0), tz), local_at(date_to + timedelta(days=1), time(0), tz)
