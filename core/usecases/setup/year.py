"""Academic year, reporting periods and holidays (R10, R15, R16)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from core.audit.snapshot import snapshot
from core.db.models import AcademicYear, Holiday, PeriodScheme, ReportingPeriod
from core.domain.enums import AuditAction, HolidayType, PeriodKind, Role, YearStatus
from core.domain.errors import InvalidInput, NotFound
from core.usecases.access import require_role
from core.usecases.context import Ctx

SETUP_ROLES = (Role.coordinator, Role.deputy_head)


async def create_year(
    ctx: Ctx, *, title: str, start_date: date, teaching_end_date: date, end_date: date
) -> int:
    """A new year in `draft`; it may be prepared while the current one is active (R10)."""
    role = require_role(ctx, *SETUP_ROLES, rule="R10", entity="academic_year")
    if not start_date <= teaching_end_date <= end_date:
        raise InvalidInput("start ≤ teaching end ≤ end", rule="R10", field="dates")
    overlapping = await ctx.session.scalar(
        select(AcademicYear.id).where(
            AcademicYear.school_id == ctx.actor.school_id,
            AcademicYear.start_date <= end_date,
            AcademicYear.end_date >= start_date,
        )
    )
    if overlapping is not None:
        raise InvalidInput(
            "academic years must not overlap", rule="R10", field="dates", other_year=overlapping
        )
    year = AcademicYear(
        school_id=ctx.actor.school_id,
        title=title,
        start_date=start_date,
        teaching_end_date=teaching_end_date,
        end_date=end_date,
        status=YearStatus.draft,
    )
    ctx.session.add(year)
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "academic_year", year.id, after=snapshot(year), role=role)
    return year.id


async def activate_year(ctx: Ctx, *, year_id: int) -> None:
    """Make a draft year the school's only active one (R10)."""
    role = require_role(ctx, Role.coordinator, rule="R10", entity="academic_year")
    year = await _year(ctx, year_id)
    active = await ctx.session.scalar(
        select(AcademicYear).where(
            AcademicYear.school_id == ctx.actor.school_id, AcademicYear.status == YearStatus.active
        )
    )
    if active is not None and active.id != year.id:
        raise InvalidInput("another year is active; close it first", rule="R10", active_year=active.id)
    before = snapshot(year)
    year.status = YearStatus.active
    await ctx.audit(
        AuditAction.update, "academic_year", year.id, before=before, after=snapshot(year), role=role
    )


@dataclass(frozen=True)
class PeriodInput:
    name: str
    start_date: date
    end_date: date


async def create_period_scheme(
    ctx: Ctx, *, year_id: int, kind: PeriodKind, name: str, grades: list[int], periods: list[PeriodInput]
) -> int:
    """A scheme with ordered, non-overlapping periods inside the year (R15)."""
    role = require_role(ctx, *SETUP_ROLES, rule="R15", entity="period_scheme")
    year = await _year(ctx, year_id)
    scheme = PeriodScheme(school_id=ctx.actor.school_id, year_id=year.id, kind=kind, name=name, grades=grades)
    ctx.session.add(scheme)
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "period_scheme", scheme.id, after=snapshot(scheme), role=role)
    for period in periods:
        await add_period(
            ctx, scheme_id=scheme.id, name=period.name, start_date=period.start_date, end_date=period.end_date
        )
    return scheme.id


async def add_period(ctx: Ctx, *, scheme_id: int, name: str, start_date: date, end_date: date) -> int:
    """Add the next period to a scheme; overlap or a date outside the year is refused (R15, C18)."""
    role = require_role(ctx, *SETUP_ROLES, rule="R15", entity="reporting_period")
    scheme = await ctx.session.get(PeriodScheme, scheme_id)
    if scheme is None or scheme.school_id != ctx.actor.school_id:
        raise NotFound("period scheme", entity="period_scheme", id=scheme_id)
    year = await _year(ctx, scheme.year_id)
    if start_date > end_date or start_date < year.start_date or end_date > year.end_date:
        raise InvalidInput("the period must lie inside the academic year", rule="R15", field="dates")
    existing = list(
        await ctx.session.scalars(
            select(ReportingPeriod)
            .where(ReportingPeriod.scheme_id == scheme.id)
            .order_by(ReportingPeriod.seq)
        )
    )
    for other in existing:
        if start_date <= other.end_date and end_date >= other.start_date:
            raise InvalidInput(
                "periods of a scheme must not overlap", rule="R15", field="dates", other=other.name
            )
    if existing and start_date < existing[-1].end_date:
        raise InvalidInput("periods are added in order", rule="R15", field="dates")
    period = ReportingPeriod(
        school_id=ctx.actor.school_id,
        scheme_id=scheme.id,
        seq=len(existing) + 1,
        name=name,
        start_date=start_date,
        end_date=end_date,
    )
    ctx.session.add(period)
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "reporting_period", period.id, after=snapshot(period), role=role)
    return period.id


async def add_holiday(
    ctx: Ctx,
    *,
    year_id: int,
    type: HolidayType,
    start_date: date,
    end_date: date,
    grades: list[int] | None = None,
    name: str | None = None,
) -> int:
    """A typed holiday inside the year, for every parallel or the given ones (R16)."""
    role = require_role(ctx, *SETUP_ROLES, rule="R16", entity="holiday")
    year = await _year(ctx, year_id)
    if start_date > end_date or start_date < year.start_date or end_date > year.end_date:
        raise InvalidInput("holidays must lie inside the academic year", rule="R16", field="dates")
    holiday = Holiday(
        school_id=ctx.actor.school_id,
        year_id=year.id,
        type=type,
        start_date=start_date,
        end_date=end_date,
        grades=grades or [],
        name=name,
    )
    ctx.session.add(holiday)
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "holiday", holiday.id, after=snapshot(holiday), role=role)
    return holiday.id


async def _year(ctx: Ctx, year_id: int) -> AcademicYear:
    year = await ctx.session.get(AcademicYear, year_id)
    if year is None or year.school_id != ctx.actor.school_id:
        raise NotFound("academic year", entity="academic_year", id=year_id)
    return year
