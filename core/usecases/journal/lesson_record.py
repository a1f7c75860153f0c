"""The lesson record: topic, material and the КТП link; a lesson is `held` once its topic is saved (R31, R32)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from core.audit.snapshot import snapshot
from core.db.models import Lesson, ThematicPlan, ThematicPlanItem
from core.domain.enums import AuditAction, LessonStatus
from core.domain.errors import InvalidInput
from core.policy.deadlines import lateness, topic_deadline
from core.policy.settings import SchoolPolicy
from core.usecases.access import require_lesson_write
from core.usecases.context import Ctx
from core.usecases.journal.entries import load_lesson, russian_text_warnings
from core.usecases.journal.lateness import late_seconds
from core.usecases.journal.locks import WriteKind, check_journal_write

CLOSED = (LessonStatus.cancelled, LessonStatus.rescheduled)


@dataclass(frozen=True)
class TopicResult:
    lesson_id: int
    topic_item_id: int | None
    late_seconds: int | None
    warnings: tuple[str, ...] = ()  # "R5": the text has no Cyrillic letter


async def _plan_item(ctx: Ctx, lesson: Lesson, item_id: int) -> ThematicPlanItem:
    """A КТП item of the plan for the lesson's group and subject (§3.3 ThematicPlan invariant)."""
    item = await ctx.session.scalar(
        select(ThematicPlanItem)
        .join(ThematicPlan, ThematicPlan.id == ThematicPlanItem.plan_id)
        .where(
            ThematicPlanItem.id == item_id,
            ThematicPlan.school_id == lesson.school_id,
            ThematicPlan.group_id == lesson.group_id,
            ThematicPlan.subject_id == lesson.subject_id,
        )
    )
    if item is None:
        raise InvalidInput("not an item of this group's КТП", rule="R32", field="topic_item_id")
    return item


async def record_topic(
    ctx: Ctx,
    *,
    lesson_id: int,
    topic: str | None = None,
    topic_item_id: int | None = None,
    material: str | None = None,
) -> TopicResult:
    """Save the topic (from a КТП item or free text) and material; the lesson becomes `held` (R32)."""
    lesson = await load_lesson(ctx, lesson_id)
    await require_lesson_write(ctx, lesson)
    if lesson.status in CLOSED:
        raise InvalidInput("the lesson was cancelled or moved", rule="R42", status=lesson.status.value)
    item_id = topic_item_id if topic_item_id is not None else lesson.topic_item_id
    if topic_item_id is not None:
        item = await _plan_item(ctx, lesson, topic_item_id)
        topic = topic if topic is not None else item.topic
    text = (topic or "").strip()
    if not text:
        raise InvalidInput("a topic is required", rule="R32", field="topic")
    warnings = await russian_text_warnings(ctx, text, material)
    await check_journal_write(ctx, lesson, WriteKind.topic)

    before = snapshot(lesson)
    if lesson.topic_entered_at is None:
        # The "topic missing" flag concerns the first entry; later edits are in the audit trail.
        lesson.topic_entered_at = ctx.now
        policy = await ctx.policy()
        lesson.topic_late_seconds = await late_seconds(ctx, lesson, lambda d: topic_deadline(d, policy))
    lesson.topic = text
    lesson.topic_item_id = item_id
    if material is not None:
        lesson.material = material.strip() or None
    lesson.status = LessonStatus.held
    await ctx.session.flush()
    await ctx.audit(AuditAction.update, "lesson", lesson.id, before=before, after=snapshot(lesson))
    return TopicResult(lesson.id, lesson.topic_item_id, lesson.topic_late_seconds, warnings)


async def mark_lesson_held(ctx: Ctx, *, lesson_id: int) -> None:
    """Mark a lesson held; refused without a topic (R32, C35)."""
    lesson = await load_lesson(ctx, lesson_id)
    await require_lesson_write(ctx, lesson)
    if lesson.status in CLOSED:
        raise InvalidInput("the lesson was cancelled or moved", rule="R42", status=lesson.status.value)
    if not (lesson.topic or "").strip():
        raise InvalidInput("a lesson without a topic cannot be held", rule="R32", field="topic")
    if lesson.status == LessonStatus.held:
        return
    await check_journal_write(ctx, lesson, WriteKind.topic)
    before = snapshot(lesson)
    lesson.status = LessonStatus.held
    await ctx.session.flush()
    await ctx.audit(AuditAction.update, "lesson", lesson.id, before=before, after=snapshot(lesson))


def topic_missing(lesson: Lesson, now: datetime, policy: SchoolPolicy) -> bool:
    """R32, C35: a lesson still without a topic after `day_end_time` of its date is flagged."""
    if lesson.status in CLOSED or (lesson.topic or "").strip():
        return False
    return lateness(now, topic_deadline(lesson.date, policy)) is not None
