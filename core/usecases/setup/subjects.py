"""Subject settings (R19, R63): curriculum component, activity kind, scale override, «Без аттестации».

The scale a subject's marks use is resolved here once for callers that know a grade but no lesson:
subject override, then the grade's parallel, then the school default, then the built-in five-point.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.snapshot import snapshot
from core.db.models import GradingScale, SchoolPolicyRecord, Subject
from core.domain.enums import ActivityKind, AuditAction, Role, SubjectComponent
from core.domain.errors import InvalidInput, NotFound
from core.policy.settings import SchoolPolicy
from core.usecases.access import require_role
from core.usecases.context import Ctx
from core.usecases.scales import scale_for


async def _subject(ctx: Ctx, subject_id: int) -> Subject:
    subject = await ctx.session.scalar(
        select(Subject)
        .where(Subject.id == subject_id, Subject.school_id == ctx.actor.school_id)
        .with_for_update()
    )
    if subject is None:
        raise NotFound("subject", entity="subject", id=subject_id)
    return subject


async def set_subject_no_attestation(ctx: Ctx, *, subject_id: int, value: bool) -> None:
    """Set or clear «Без аттестации»: the coordinator alone may (R63)."""
    role = require_role(ctx, Role.coordinator, rule="R63", entity="subject")
    subject = await _subject(ctx, subject_id)
    if subject.no_attestation == value:
        return
    before = snapshot(subject)
    subject.no_attestation = value
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.update, "subject", subject.id, before=before, after=snapshot(subject), role=role
    )


async def _require_scale(ctx: Ctx, scale_id: int) -> None:
    found = await ctx.session.scalar(
        select(GradingScale.id).where(
            GradingScale.id == scale_id,
            or_(GradingScale.school_id.is_(None), GradingScale.school_id == ctx.actor.school_id),
        )
    )
    if found is None:
        raise InvalidInput("unknown grading scale", rule="R19", grading_scale_id=scale_id)


async def update_subject(
    ctx: Ctx,
    *,
    subject_id: int,
    component: SubjectComponent | str | None = None,
    activity_kind: ActivityKind | str | None = None,
    grading_scale_id: int | None = None,
    clear_grading_scale: bool = False,
    short_name: str | None = None,
) -> None:
    """Change a subject's component, activity kind, scale override or short name (R19; §2.3 row 15)."""
    role = require_role(ctx, Role.coordinator, Role.deputy_head, rule="R19", entity="subject")
    subject = await _subject(ctx, subject_id)
    try:
        new_component = SubjectComponent(component) if component is not None else subject.component
        new_kind = ActivityKind(activity_kind) if activity_kind is not None else subject.activity_kind
    except ValueError as bad:
        raise InvalidInput("unknown component or activity kind", rule="R19", value=str(bad)) from bad
    if grading_scale_id is not None and clear_grading_scale:
        raise InvalidInput("set or clear the scale override, not both", rule="R19", field="grading_scale_id")
    if grading_scale_id is not None:
        await _require_scale(ctx, grading_scale_id)
    new_short = subject.short_name
    if short_name is not None:
        new_short = short_name.strip()
        if not new_short or len(new_short) > 50:
            raise InvalidInput("a short name has 1–50 characters", rule="R19", field="short_name")
    before = snapshot(subject)
    subject.component = new_component
    subject.activity_kind = new_kind
    subject.short_name = new_short
    if grading_scale_id is not None:
        subject.grading_scale_id = grading_scale_id
    elif clear_grading_scale:
        subject.grading_scale_id = None
    after = snapshot(subject)
    if after == before:
        return
    await ctx.session.flush()
    await ctx.audit(AuditAction.update, "subject", subject.id, before=before, after=after, role=role)


async def effective_scale_id(session: AsyncSession, subject_id: int, grade: int) -> int:
    """R35: the subject's override, then the parallel's scale, then the school default, then five-point."""
    subject = await session.get(Subject, subject_id)
    if subject is None:
        raise NotFound("subject", entity="subject", id=subject_id)
    stored = await session.scalar(
        select(SchoolPolicyRecord.data).where(SchoolPolicyRecord.school_id == subject.school_id)
    )
    policy = SchoolPolicy.from_stored(dict(stored or {}))
    return await scale_for(session, policy, subject_id=subject_id, grade=grade)
