"""Comments, remarks, praise and recommendations on a lesson, mark or student (R45, C45).

A note is diary-visible or staff-only; recommendations are diary-visible by default. Teachers write
in scope O, form tutors on students of their own class (C); administration and students never do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from core.audit.snapshot import snapshot
from core.db.models import Assignment, Group, Lesson, Mark, Note
from core.domain.enums import AuditAction, NoteKind, NotificationCategory, Role, RowStatus
from core.domain.errors import Forbidden, InvalidInput, NotFound
from core.outbox.family import notify_family
from core.usecases.access import TEACHING_ROLES
from core.usecases.context import Ctx
from core.usecases.journal.entries import load_lesson, russian_text_warnings
from core.usecases.journal.marks import (
    author_id,
    require_on_roster,
    require_writer,
)
from core.usecases.roster import covers, roster, student_class_on

VISIBLE_BY_DEFAULT = frozenset({NoteKind.recommendation})
PUSHED_KINDS = frozenset({NoteKind.remark, NoteKind.recommendation})  # §5.2 `messages`


@dataclass(frozen=True)
class NoteResult:
    note_id: int
    diary_visible: bool
    warnings: tuple[str, ...] = ()


def _deny(student_id: int | None) -> Forbidden:
    return Forbidden(
        "notes only in the own teaching scope or own class", rule="R45", entity="student", id=student_id
    )


async def _teaches_student(ctx: Ctx, student_id: int, day: date) -> bool:
    p = ctx.principal
    if p.staff_id is None or not p.has(*TEACHING_ROLES):
        return False
    groups = await ctx.session.scalars(
        select(Group)
        .join(Assignment, Assignment.group_id == Group.id)
        .where(Assignment.staff_id == p.staff_id, covers(Assignment.from_date, Assignment.to_date, day))
    )
    for group in groups:
        if student_id in await roster(ctx.session, group, day):
            return True
    return False


async def _tutors_student(ctx: Ctx, student_id: int, day: date) -> bool:
    class_id = await student_class_on(ctx.session, student_id, day)
    return class_id is not None and class_id in ctx.principal.tutor_class_ids


async def _role_for(ctx: Ctx, lesson: Lesson | None, student_id: int | None) -> Role:
    p = ctx.principal
    if p.student_id is not None and p.staff_id is None:
        raise Forbidden("students never operate the journal", rule="R47", entity="note")
    day = lesson.date if lesson is not None else await ctx.today()
    if lesson is not None:
        try:
            role = await require_writer(ctx, lesson)
        except Forbidden:
            if student_id is None or not await _tutors_student(ctx, student_id, day):
                raise
            return Role.form_tutor
        if student_id is not None:
            await require_on_roster(ctx, lesson, student_id)
        return role
    assert student_id is not None
    if p.is_system:
        return Role.operator
    if await _teaches_student(ctx, student_id, day):
        return Role.teacher
    if await _tutors_student(ctx, student_id, day):
        return Role.form_tutor
    raise _deny(student_id)


async def write_note(
    ctx: Ctx,
    *,
    kind: NoteKind,
    text: str,
    student_id: int | None = None,
    lesson_id: int | None = None,
    mark_id: int | None = None,
    diary_visible: bool | None = None,
) -> NoteResult:
    """Attach a note to a lesson, mark or student; staff-only unless diary-visible (R45)."""
    kind = NoteKind(kind)
    lesson: Lesson | None = None
    if mark_id is not None:
        mark = await ctx.session.get(Mark, mark_id)
        if mark is None or mark.school_id != ctx.actor.school_id:
            raise NotFound("mark", entity="mark", id=mark_id)
        if student_id is not None and student_id != mark.student_id:
            raise InvalidInput("the note's student differs from the mark's", rule="R45", mark_id=mark_id)
        student_id = mark.student_id
        lesson_id = mark.lesson_id
    if lesson_id is not None:
        lesson = await load_lesson(ctx, lesson_id)
    if lesson is None and student_id is None:
        raise InvalidInput("a note needs a lesson, mark or student", rule="R45", field="target")
    role = await _role_for(ctx, lesson, student_id)
    author = author_id(ctx)
    if not text.strip():
        raise InvalidInput("a note needs text", rule="R45", field="text")
    warnings = await russian_text_warnings(ctx, text)
    visible = kind in VISIBLE_BY_DEFAULT if diary_visible is None else diary_visible
    note = Note(
        school_id=ctx.actor.school_id,
        kind=kind,
        student_id=student_id,
        lesson_id=lesson_id,
        mark_id=mark_id,
        text=text.strip(),
        diary_visible=visible,
        author_account_id=author,
        written_at=ctx.now,
    )
    ctx.session.add(note)
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "note", note.id, after=snapshot(note), role=role)
    if visible and student_id is not None and kind in PUSHED_KINDS:
        await notify_family(
            ctx,
            student_id=student_id,
            category=NotificationCategory.messages,
            event_type="note_written",
            payload={
                "note_id": note.id,
                "kind": kind.value,
                "text": note.text,
                "author_account_id": author,
                "lesson_id": lesson_id,
                "lesson_date": lesson.date.isoformat() if lesson is not None else None,
            },
            dedup_key=f"note:{note.id}",
        )
    return NoteResult(note.id, visible, warnings)


async def void_note(ctx: Ctx, *, note_id: int, reason: str | None = None) -> int:
    """Withdraw one's own note: it is voided and stays (R58); only its author may do so (R45)."""
    note = await ctx.session.scalar(
        select(Note).where(Note.id == note_id, Note.school_id == ctx.actor.school_id).with_for_update()
    )
    if note is None:
        raise NotFound("note", entity="note", id=note_id)
    if ctx.actor.account_id is None or note.author_account_id != ctx.actor.account_id:
        raise Forbidden("only the author withdraws a note", rule="R45", entity="note", id=note_id)
    if note.status != RowStatus.active:
        raise InvalidInput("the note is void", rule="R58", entity="note", id=note_id)
    before = snapshot(note)
    note.void(at=ctx.now, by=ctx.actor.account_id, reason=reason)
    await ctx.session.flush()
    await ctx.audit(AuditAction.void, "note", note.id, before=before, after=snapshot(note), reason=reason)
    return note.id
