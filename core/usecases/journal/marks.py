"""Current marks: record, change and void (R33–R35, R48, R52, R58, §5.2 family events, R125).

The helpers at the top (lesson loading, roster check, late flag, Cyrillic check) are shared by the
attendance, make-up and note use cases of this package.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import exists, select

from core.audit.snapshot import snapshot
from core.db.models import (
    Enrollment,
    Group,
    GroupClass,
    GroupMembership,
    Lesson,
    Mark,
    NotificationOutbox,
    ScaleValue,
    Subject,
    WorkType,
)
from core.domain.enums import (
    ADMIN_ROLES,
    AuditAction,
    ChangeReason,
    GroupKind,
    NotificationCategory,
    OutboxStatus,
    Role,
    RowStatus,
)
from core.domain.errors import ConcurrentChange, Forbidden, InvalidInput, NotFound
from core.outbox.family import notify_family, settle_delay, was_sent, withdraw_pending
from core.policy.deadlines import mark_deadline
from core.policy.settings import RetakeMode
from core.usecases.access import TEACHING_ROLES, require_lesson_write
from core.usecases.context import Ctx
from core.usecases.journal.entries import load_lesson, russian_text_warnings
from core.usecases.journal.lateness import late_seconds
from core.usecases.journal.locks import WriteKind, check_journal_write
from core.usecases.roster import on_roster, student_class_on
from core.usecases.scales import scale_for


class Keep(Enum):
    """Marker for "leave this field as it is" in change use cases."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class MarkResult:
    mark_id: int
    version: int
    value_code: str
    late_seconds: int | None
    warnings: tuple[str, ...] = ()


# ---- helpers shared by the journal-entry use cases -------------------------------------------


async def require_writer(ctx: Ctx, lesson: Lesson) -> Role:
    """Scope O on the lesson (R30, R47); administration is refused as such (§2.4.4–5, R56)."""
    try:
        return await require_lesson_write(ctx, lesson)
    except Forbidden as refusal:
        p = ctx.principal
        if refusal.rule == "R30" and p.has(*ADMIN_ROLES) and not p.has(*TEACHING_ROLES):
            raise Forbidden(
                "administration corrects only through approvals", rule="R56", entity="lesson", id=lesson.id
            ) from refusal
        raise


def author_id(ctx: Ctx) -> int:
    """Every entry is attributable to an account (R1)."""
    if ctx.actor.account_id is None:
        raise InvalidInput("journal entries need an author account", rule="R1")
    return ctx.actor.account_id


async def _ever_on_roster(ctx: Ctx, group: Group, student_id: int) -> bool:
    if group.kind == GroupKind.whole_class:
        condition = exists().where(
            Enrollment.student_id == student_id,
            Enrollment.class_id == GroupClass.class_id,
            GroupClass.group_id == group.id,
        )
    else:
        condition = exists().where(
            GroupMembership.group_id == group.id, GroupMembership.student_id == student_id
        )
    return bool(await ctx.session.scalar(select(condition)))


async def require_on_roster(ctx: Ctx, lesson: Lesson, student_id: int) -> None:
    """R48: only students on the group's roster on the lesson date; never members are outside O (R30)."""
    group = await ctx.session.get(Group, lesson.group_id)
    assert group is not None
    if await on_roster(ctx.session, group, lesson.date, [student_id]):
        return
    if not await _ever_on_roster(ctx, group, student_id):
        raise Forbidden("the student is not in this group", rule="R30", entity="student", id=student_id)
    raise InvalidInput(
        "the student is not on the group's roster on the lesson date",
        rule="R48",
        student_id=student_id,
        lesson_id=lesson.id,
    )


# ---- marks ------------------------------------------------------------------------------------


async def require_work_type(ctx: Ctx, work_type_id: int | None) -> WorkType:
    if work_type_id is None:
        raise InvalidInput("a mark needs exactly one work type", rule="R35", field="work_type_id")
    work_type = await ctx.session.get(WorkType, work_type_id)
    if work_type is None or work_type.school_id != ctx.actor.school_id or not work_type.is_active:
        raise InvalidInput("unknown work type", rule="R35", work_type_id=work_type_id)
    return work_type


async def effective_scale_id(ctx: Ctx, lesson: Lesson, student_id: int) -> int:
    """R35: the scale of the lesson's subject in the student's class on the lesson date."""
    class_id = await student_class_on(ctx.session, student_id, lesson.date)
    return await scale_for(ctx.session, await ctx.policy(), subject_id=lesson.subject_id, class_id=class_id)


async def require_scale_value(ctx: Ctx, lesson: Lesson, student_id: int, value_code: str) -> None:
    scale_id = await effective_scale_id(ctx, lesson, student_id)
    found = await ctx.session.scalar(
        select(exists().where(ScaleValue.scale_id == scale_id, ScaleValue.code == value_code))
    )
    if not found:
        raise InvalidInput("the value is not in the effective scale", rule="R35", value=value_code)


async def _check_mark_fields(
    ctx: Ctx, work_type: WorkType, title: str | None, weight_override: Decimal | None
) -> None:
    if work_type.title_required and not (title and title.strip()):
        raise InvalidInput("this work type needs its own title", rule="R32", field="title")
    if weight_override is not None:
        if not (await ctx.policy()).allow_mark_weight_override:
            raise InvalidInput("per-mark weights are switched off", rule="R74", field="weight_override")
        if weight_override <= 0:
            raise InvalidInput("a weight must be positive", rule="R74", field="weight_override")


async def mark_payload(ctx: Ctx, mark: Mark, lesson: Lesson) -> dict[str, Any]:
    """Content fields of a mark push (§5.2); the comment only when it is diary-visible (R45)."""
    subject = await ctx.session.get(Subject, lesson.subject_id)
    work_type = await ctx.session.get(WorkType, mark.work_type_id)
    assert subject is not None
    assert work_type is not None
    return {
        "mark_id": mark.id,
        "subject_id": subject.id,
        "subject": subject.name,
        "lesson_date": lesson.date.isoformat(),
        "work_type_id": work_type.id,
        "work_type": work_type.name,
        "value": mark.value_code,
        "comment": mark.comment if mark.comment_diary_visible else None,
        "is_makeup": mark.is_makeup,
    }


def mark_dedup_key(mark_id: int) -> str:
    return f"mark:{mark_id}"


async def announce_new_mark(ctx: Ctx, mark: Mark, lesson: Lesson) -> None:
    """Queue "mark_created" after the settle delay (R125)."""
    await notify_family(
        ctx,
        student_id=mark.student_id,
        category=NotificationCategory.marks,
        event_type="mark_created",
        payload=await mark_payload(ctx, mark, lesson),
        dedup_key=mark_dedup_key(mark.id),
        delay=await settle_delay(ctx),
    )


async def _last_sent_value(ctx: Ctx, key: str) -> str | None:
    payload = await ctx.session.scalar(
        select(NotificationOutbox.payload)
        .where(
            NotificationOutbox.school_id == ctx.actor.school_id,
            NotificationOutbox.dedup_key == key,
            NotificationOutbox.status == OutboxStatus.sent,
        )
        .order_by(NotificationOutbox.id.desc())
        .limit(1)
    )
    if payload is None:
        return None
    return payload.get("new_value", payload.get("value"))


async def _announce_change(ctx: Ctx, mark: Mark, lesson: Lesson, reason: ChangeReason) -> None:
    """Inside the delay only the final value goes out; after sending, families hear old → new."""
    key = mark_dedup_key(mark.id)
    await withdraw_pending(ctx, key)
    if not await was_sent(ctx, key):
        await announce_new_mark(ctx, mark, lesson)
        return
    old = await _last_sent_value(ctx, key)
    if old == mark.value_code:
        return  # changed back to what the family already knows
    payload = await mark_payload(ctx, mark, lesson)
    payload.update(old_value=old, new_value=mark.value_code, reason=reason.value)
    await notify_family(
        ctx,
        student_id=mark.student_id,
        category=NotificationCategory.marks,
        event_type="mark_changed",
        payload=payload,
        dedup_key=key,
        delay=await settle_delay(ctx),
    )


async def record_mark(
    ctx: Ctx,
    *,
    lesson_id: int,
    student_id: int,
    work_type_id: int | None,
    value_code: str,
    comment: str | None = None,
    comment_diary_visible: bool = False,
    title: str | None = None,
    weight_override: Decimal | None = None,
) -> MarkResult:
    """Enter a current mark (R30, R35, R48); late entries are stored and flagged (R33, R34, R4)."""
    lesson = await load_lesson(ctx, lesson_id)
    role = await require_writer(ctx, lesson)
    author = author_id(ctx)
    work_type = await require_work_type(ctx, work_type_id)
    await require_on_roster(ctx, lesson, student_id)
    await require_scale_value(ctx, lesson, student_id, value_code)
    await _check_mark_fields(ctx, work_type, title, weight_override)
    warnings = await russian_text_warnings(ctx, title, comment)
    approval_id = await check_journal_write(ctx, lesson, WriteKind.mark_create, student_id=student_id)
    policy = await ctx.policy()
    late = await late_seconds(ctx, lesson, lambda d: mark_deadline(d, work_type.deadline_rule, policy))
    mark = Mark(
        school_id=ctx.actor.school_id,
        student_id=student_id,
        lesson_id=lesson.id,
        work_type_id=work_type.id,
        value_code=value_code,
        weight_override=weight_override,
        comment=comment,
        comment_diary_visible=comment_diary_visible,
        title=title,
        entered_by=author,
        entered_at=ctx.now,
        first_entered_at=ctx.now,
        late_seconds=late,
        approval_id=approval_id,
    )
    ctx.session.add(mark)
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.create, "mark", mark.id, after=snapshot(mark), approval_id=approval_id, role=role
    )
    await announce_new_mark(ctx, mark, lesson)
    return MarkResult(mark.id, mark.version, mark.value_code, late, warnings)


async def _locked_mark(ctx: Ctx, mark_id: int) -> Mark:
    mark = await ctx.session.scalar(
        select(Mark).where(Mark.id == mark_id, Mark.school_id == ctx.actor.school_id).with_for_update()
    )
    if mark is None:
        raise NotFound("mark", entity="mark", id=mark_id)
    return mark


def _require_current(mark: Mark, expected_version: int | None) -> None:
    """Optimistic check: the caller must have seen the latest version, and the mark must be active."""
    mark_id = mark.id
    if expected_version is not None and mark.version != expected_version:
        raise ConcurrentChange(
            "the mark was changed meanwhile",
            entity="mark",
            id=mark_id,
            expected=expected_version,
            actual=mark.version,
        )
    if mark.status != RowStatus.active:
        raise InvalidInput("the mark is void", rule="R58", entity="mark", id=mark_id)


async def change_mark(
    ctx: Ctx,
    *,
    mark_id: int,
    expected_version: int | None,
    reason: ChangeReason,
    value_code: str | None = None,
    work_type_id: int | None = None,
    comment: str | Keep | None = KEEP,
    comment_diary_visible: bool | None = None,
    title: str | Keep | None = KEEP,
) -> MarkResult:
    """Change a current mark (R50–R52); `expected_version` is the version the caller saw."""
    reason = ChangeReason(reason)
    mark = await _locked_mark(ctx, mark_id)
    lesson = await load_lesson(ctx, mark.lesson_id)
    role = await require_writer(ctx, lesson)
    _require_current(mark, expected_version)
    author = author_id(ctx)
    if reason is ChangeReason.retake and (await ctx.policy()).retake_mode is RetakeMode.add_new:
        raise InvalidInput("this school records a retake as a new mark", rule="R52", retake_mode="add_new")
    work_type = await require_work_type(ctx, work_type_id if work_type_id is not None else mark.work_type_id)
    new_value = value_code if value_code is not None else mark.value_code
    new_title = mark.title if isinstance(title, Keep) else title
    new_comment = mark.comment if isinstance(comment, Keep) else comment
    await require_scale_value(ctx, lesson, mark.student_id, new_value)
    await _check_mark_fields(ctx, work_type, new_title, None)
    warnings = await russian_text_warnings(
        ctx, None if isinstance(title, Keep) else title, None if isinstance(comment, Keep) else comment
    )
    approval_id = await check_journal_write(
        ctx, lesson, WriteKind.mark_change, student_id=mark.student_id, mark=mark
    )
    before = snapshot(mark)
    mark.value_code = new_value
    mark.work_type_id = work_type.id
    mark.title = new_title
    mark.comment = new_comment
    if comment_diary_visible is not None:
        mark.comment_diary_visible = comment_diary_visible
    after = snapshot(mark)
    if after == before:
        return MarkResult(mark.id, mark.version, mark.value_code, mark.late_seconds, warnings)
    mark.entered_by = author
    mark.entered_at = ctx.now
    mark.approval_id = approval_id
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.update,
        "mark",
        mark.id,
        before=before,
        after=snapshot(mark),
        reason=reason.value,
        approval_id=approval_id,
        role=role,
    )
    await _announce_change(ctx, mark, lesson, reason)
    return MarkResult(mark.id, mark.version, mark.value_code, mark.late_seconds, warnings)


async def void_mark(
    ctx: Ctx, *, mark_id: int, expected_version: int | None, reason: ChangeReason
) -> MarkResult:
    """Void ("delete") a current mark: the row stays (R58); families hear of it only if it was sent."""
    reason = ChangeReason(reason)
    mark = await _locked_mark(ctx, mark_id)
    lesson = await load_lesson(ctx, mark.lesson_id)
    role = await require_writer(ctx, lesson)
    _require_current(mark, expected_version)
    author = author_id(ctx)
    approval_id = await check_journal_write(
        ctx, lesson, WriteKind.mark_change, student_id=mark.student_id, mark=mark
    )
    before = snapshot(mark)
    mark.void(at=ctx.now, by=author, reason=reason.value)
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.void,
        "mark",
        mark.id,
        before=before,
        after=snapshot(mark),
        reason=reason.value,
        approval_id=approval_id,
        role=role,
    )
    key = mark_dedup_key(mark.id)
    await withdraw_pending(ctx, key)
    if await was_sent(ctx, key):
        payload = await mark_payload(ctx, mark, lesson)
        payload.update(old_value=await _last_sent_value(ctx, key), new_value=None, reason=reason.value)
        await notify_family(
            ctx,
            student_id=mark.student_id,
            category=NotificationCategory.marks,
            event_type="mark_voided",
            payload=payload,
            dedup_key=key,
            delay=await settle_delay(ctx),
        )
    return MarkResult(mark.id, mark.version, mark.value_code, mark.late_seconds)
