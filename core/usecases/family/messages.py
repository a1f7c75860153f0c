"""Messages between staff and families (R86, R92, §2.3 rows 38–39, C89, C94).

Staff write to the guardians (and, for a direct message, the student) inside their scope: A for
the administration, C for the form tutor's own class, O for the students a teacher teaches today.
A guardian writes to the form tutor or a teacher of the own child; a student only when the school
enables `student_messaging`. Every recipient gets a MessageRecipient row; pushes (`messages`, always
on while bound) go to staff directly and to families only through the consent and paper gates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import exists, select

from core.audit.snapshot import snapshot
from core.db.models import (
    Account,
    Enrollment,
    Message,
    MessageRecipient,
    NotificationOutbox,
    SchoolClass,
    Student,
)
from core.domain.enums import (
    ADMIN_ROLES,
    STAFF_ROLES,
    AuditAction,
    MessageKind,
    NotificationCategory,
    OutboxStatus,
    Role,
)
from core.domain.errors import Forbidden, InvalidInput, NotFound
from core.outbox.family import family_recipients
from core.usecases.access import TEACHING_ROLES, require_role
from core.usecases.context import Ctx
from core.usecases.family.common import (
    class_students,
    guardian_accounts,
    local_day_span,
    teacher_staff_ids,
    tutor_staff_id,
)
from core.usecases.roster import student_class_on

MAX_TEXT = 4000
EVENT = "message"


def _deny(message: str, entity: str = "message", entity_id: int | None = None) -> Forbidden:
    return Forbidden(message, rule="R92", entity=entity, id=entity_id)


async def send_message(
    ctx: Ctx,
    *,
    kind: MessageKind,
    text: str,
    student_context_id: int | None = None,
    class_id: int | None = None,
    recipient_account_ids: Sequence[int] | None = None,
) -> int:
    """Send a message; returns its id. Recipients outside the sender's scope are refused (R92, C94)."""
    day = await ctx.today()
    body = text.strip()
    wanted = list(dict.fromkeys(recipient_account_ids or ()))
    staff_recipients = await _staff_accounts(ctx, wanted)
    if wanted and len(staff_recipients) == len(wanted):
        audience = await _family_to_staff(ctx, kind, student_context_id, staff_recipients, day)
        student_context_id = next(iter(audience.values()))  # a student writes about itself
    else:
        audience = await _staff_to_family(ctx, kind, student_context_id, class_id, wanted, day)
    if not body or len(body) > MAX_TEXT:
        raise InvalidInput("the message text is empty or too long", rule="R92", field="text", limit=MAX_TEXT)
    message = Message(
        school_id=ctx.actor.school_id,
        kind=kind,
        sender_account_id=ctx.actor.account_id,
        student_context_id=student_context_id,
        class_id=class_id,
        text=body,
        sent_at=ctx.now,
    )
    ctx.session.add(message)
    await ctx.session.flush()
    pushed = await _deliver(ctx, message, audience, staff_side=set(staff_recipients), day=day)
    after = snapshot(message) | {"recipients": sorted(audience), "pushed": sorted(pushed)}
    await ctx.audit(AuditAction.create, "message", message.id, after=after)
    return message.id


async def _staff_accounts(ctx: Ctx, account_ids: list[int]) -> dict[int, int]:
    """Addressed accounts that belong to staff of this school: account → staff id."""
    if not account_ids:
        return {}
    rows = await ctx.session.execute(
        select(Account.id, Account.staff_id).where(
            Account.id.in_(account_ids),
            Account.school_id == ctx.actor.school_id,
            Account.staff_id.is_not(None),
        )
    )
    return {int(a): int(s) for a, s in rows.all()}


async def _family_to_staff(
    ctx: Ctx, kind: MessageKind, student_id: int | None, recipients: dict[int, int], day: date
) -> dict[int, int | None]:
    """Row 39: a guardian (K) or, when enabled, a student (S) writes to the child's tutor or teachers."""
    p = ctx.principal
    if p.guardian_id is not None and student_id is not None and student_id in p.child_ids:
        pass
    elif p.student_id is not None and student_id in (None, p.student_id) and p.guardian_id is None:
        if not (await ctx.policy()).student_messaging:
            raise _deny("student-initiated messages are switched off")
        student_id = p.student_id
    else:
        raise _deny("only a guardian of the child or, when enabled, the student may write to staff")
    if kind != MessageKind.direct:
        raise InvalidInput("a family writes direct messages only", rule="R92", field="kind")
    assert student_id is not None
    allowed = await teacher_staff_ids(ctx, student_id, day)
    tutor = await tutor_staff_id(ctx, await student_class_on(ctx.session, student_id, day))
    if tutor is not None:
        allowed.add(tutor)
    for account_id, staff_id in recipients.items():
        if staff_id not in allowed:
            raise _deny(
                "the recipient neither teaches the child nor is the form tutor", "account", account_id
            )
    return dict.fromkeys(recipients, student_id)


async def _staff_to_family(
    ctx: Ctx,
    kind: MessageKind,
    student_id: int | None,
    class_id: int | None,
    wanted: list[int],
    day: date,
) -> dict[int, int | None]:
    """Row 38: staff reach the families of the students in their scope; returns account → student."""
    p = ctx.principal
    if p.staff_id is None or not p.has(*STAFF_ROLES, Role.form_tutor):
        raise _deny("only staff send messages to families")
    if class_id is not None:
        reach = await _class_reach(ctx, class_id, day)
    elif student_id is not None:
        student = await ctx.session.get(Student, student_id)
        if student is None or student.school_id != ctx.actor.school_id:
            raise NotFound("student", entity="student", id=student_id)
        if not await _staff_reaches(ctx, student_id, day):
            raise _deny("the student is outside the sender's scope", "student", student_id)
        reach = {student_id}
    elif kind == MessageKind.announcement:
        require_role(ctx, *ADMIN_ROLES, rule="R92", entity="message")
        reach = await _school_students(ctx, day)
    else:
        raise InvalidInput("a message concerns a student or a class", rule="R92", field="student_context_id")
    allowed: dict[int, int | None] = dict(await guardian_accounts(ctx, reach, day))
    if kind == MessageKind.direct and student_id is not None:
        own = await ctx.session.scalar(select(Account.id).where(Account.student_id == student_id))
        if own is not None:
            allowed[own] = student_id
    if not wanted:
        guardians = await guardian_accounts(ctx, reach, day)
        return {a: allowed[a] for a in guardians}
    for account_id in wanted:
        if account_id not in allowed:
            raise _deny("the recipient is outside the sender's scope", "account", account_id)
    return {a: allowed[a] for a in wanted}


async def _staff_reaches(ctx: Ctx, student_id: int, day: date) -> bool:
    p = ctx.principal
    if p.has(*ADMIN_ROLES):
        return True
    if await student_class_on(ctx.session, student_id, day) in p.tutor_class_ids:
        return True
    return p.has(*TEACHING_ROLES) and p.staff_id in await teacher_staff_ids(ctx, student_id, day)


async def _class_reach(ctx: Ctx, class_id: int, day: date) -> set[int]:
    cls = await ctx.session.get(SchoolClass, class_id)
    if cls is None or cls.school_id != ctx.actor.school_id:
        raise NotFound("class", entity="school_class", id=class_id)
    students = await class_students(ctx, class_id, day)
    p = ctx.principal
    if p.has(*ADMIN_ROLES) or class_id in p.tutor_class_ids:
        return students
    taught = {
        s for s in students if p.has(*TEACHING_ROLES) and p.staff_id in await teacher_staff_ids(ctx, s, day)
    }
    if not taught:
        raise _deny("the sender teaches nobody in this class", "school_class", class_id)
    return taught


async def _school_students(ctx: Ctx, day: date) -> set[int]:
    return set(
        await ctx.session.scalars(
            select(Enrollment.student_id).where(
                Enrollment.school_id == ctx.actor.school_id,
                Enrollment.from_date <= day,
                (Enrollment.to_date.is_(None)) | (Enrollment.to_date >= day),
            )
        )
    )


async def _deliver(
    ctx: Ctx, message: Message, audience: dict[int, int | None], *, staff_side: set[int], day: date
) -> set[int]:
    """MessageRecipient rows for all; `messages` pushes to staff and to families past the gates."""
    reachable: dict[int, set[int]] = {}
    pushed: set[int] = set()
    payload = {
        "message_id": message.id,
        "kind": message.kind.value,
        "sender_account_id": message.sender_account_id,
        "class_id": message.class_id,
        "text": message.text,
    }
    for account_id, student_id in sorted(audience.items()):
        ctx.session.add(
            MessageRecipient(school_id=ctx.actor.school_id, message_id=message.id, account_id=account_id)
        )
        if account_id not in staff_side:
            if student_id is None:
                continue
            if student_id not in reachable:
                found = await family_recipients(ctx, student_id, NotificationCategory.messages, day)
                reachable[student_id] = {r.account_id for r in found}
            if account_id not in reachable[student_id]:
                continue  # not bound, no messenger consent or paper-only: the message waits in the register
        pushed.add(account_id)
        ctx.session.add(
            NotificationOutbox(
                school_id=ctx.actor.school_id,
                recipient_account_id=account_id,
                student_id=student_id,
                category=NotificationCategory.messages.value,
                event_type=EVENT,
                subject_ref=f"message:{message.id}",
                payload=payload,
                not_before=ctx.now,
                created_at=ctx.now,
                status=OutboxStatus.pending,
            )
        )
    return pushed


async def weekly_message_missing(ctx: Ctx, *, week_start: date) -> list[int]:
    """R86, C89: classes whose form tutor sent no message to the class's parents in that ISO week."""
    require_role(ctx, *ADMIN_ROLES, rule="R86", entity="weekly_message_check")
    if week_start.weekday() != 0:
        raise InvalidInput("an ISO week starts on Monday", rule="R86", field="week_start")
    policy = await ctx.policy()
    if not policy.form_tutor_weekly_message_check:
        return []
    week_end = week_start + timedelta(days=6)
    start, end = local_day_span(week_start, week_end, policy.tz)
    classes = (
        await ctx.session.execute(
            select(SchoolClass.id, SchoolClass.form_tutor_staff_id).where(
                SchoolClass.school_id == ctx.actor.school_id, SchoolClass.form_tutor_staff_id.is_not(None)
            )
        )
    ).all()
    missing = []
    for class_id, tutor_staff in classes:
        students = await class_students(ctx, class_id, week_start, week_end)
        if not students:
            continue
        sent = await ctx.session.scalar(
            select(
                exists().where(
                    Message.school_id == ctx.actor.school_id,
                    Message.sent_at >= start,
                    Message.sent_at < end,
                    Message.sender_account_id.in_(select(Account.id).where(Account.staff_id == tutor_staff)),
                    (Message.class_id == class_id) | Message.student_context_id.in_(students),
                    exists().where(
                        MessageRecipient.message_id == Message.id,
                        MessageRecipient.account_id.in_(
                            select(Account.id).where(Account.guardian_id.is_not(None))
                        ),
                    ),
                )
            )
        )
        if not sent:
            missing.append(class_id)
    return sorted(missing)
