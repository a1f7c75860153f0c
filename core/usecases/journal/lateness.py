"""How late a journal entry is (R4: flagged, never blocked), with declared outages moving deadlines (R9)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import select

from core.db.models import BellSlot, Lesson, OutageWindow
from core.policy.deadlines import lateness, outage_adjusted_deadline
from core.usecases.context import Ctx


def seconds_late(entered_at: datetime, deadline: datetime) -> int | None:
    """None when on time, else whole seconds late (at least 1, so a late entry never reads as 0)."""
    late = lateness(entered_at, deadline)
    return None if late is None else max(1, int(late.total_seconds()))


async def late_seconds(
    ctx: Ctx, lesson: Lesson, normal_deadline_for: Callable[[date], datetime]
) -> int | None:
    """How late an entry made now is; an outage around the lesson start moves the deadline (R4, R9)."""
    policy = await ctx.policy()
    slot = await ctx.session.get(BellSlot, lesson.bell_slot_id)
    assert slot is not None
    start = datetime.combine(lesson.date, slot.start_time, tzinfo=policy.tz)
    outages = (
        await ctx.session.execute(
            select(OutageWindow.starts_at, OutageWindow.ends_at).where(
                OutageWindow.school_id == ctx.actor.school_id,
                OutageWindow.starts_at <= start,
                OutageWindow.ends_at > start,
            )
        )
    ).all()
    deadline = (
        outage_adjusted_deadline(start, normal_deadline_for, [(s, e) for s, e in outages])
        if outages
        else normal_deadline_for(lesson.date)
    )
    return seconds_late(ctx.now, deadline)
