"""Make-up of missed topics: a protocolled mark against the missed lesson (R44, C38)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from core.audit.snapshot import snapshot
from core.db.models import Attendance, MakeupProtocol, Mark
from core.domain.enums import AbsenceReason, AttendanceStatus, AuditAction, RowStatus
from core.domain.errors import InvalidInput
from core.usecases.context import Ctx
from core.usecases.journal.entries import load_lesson, russian_text_warnings
from core.usecases.journal.locks import WriteKind, check_journal_write
from core.usecases.journal.marks import (
    MarkResult,
    announce_new_mark,
    author_id,
    require_on_roster,
    require_scale_value,
    require_work_type,
    require_writer,
)

MAKEUP_REASONS = frozenset({AbsenceReason.ill, AbsenceReason.excused})


@dataclass(frozen=True)
class ProtocolInput:
    """The make-up protocol: number, date, the examining teacher or a commission with its members."""

    number: str
    date: date
    examiner: str
    commission: tuple[str, ...] = field(default_factory=tuple)
    result: str | None = None


def _require_protocol(protocol: ProtocolInput | None) -> ProtocolInput:
    if protocol is None:
        raise InvalidInput("a make-up mark needs a protocol", rule="R44", field="protocol")
    if not protocol.number.strip() or not protocol.examiner.strip():
        raise InvalidInput("the protocol needs a number and an examiner", rule="R44", field="protocol")
    return protocol


async def record_makeup_mark(
    ctx: Ctx,
    *,
    missed_lesson_id: int,
    student_id: int,
    work_type_id: int | None,
    value_code: str,
    protocol: ProtocolInput | None,
    comment: str | None = None,
    comment_diary_visible: bool = False,
) -> MarkResult:
    """Enter the make-up mark on the missed lesson; the absence stays, noted «тема зачтена» (R44)."""
    lesson = await load_lesson(ctx, missed_lesson_id)
    role = await require_writer(ctx, lesson)
    author = author_id(ctx)
    protocol = _require_protocol(protocol)
    work_type = await require_work_type(ctx, work_type_id)
    await require_on_roster(ctx, lesson, student_id)
    absence = await ctx.session.scalar(
        select(Attendance)
        .where(
            Attendance.lesson_id == lesson.id,
            Attendance.student_id == student_id,
            Attendance.status == RowStatus.active.value,
        )
        .with_for_update()
    )
    if absence is None or absence.kind != AttendanceStatus.absent or absence.reason not in MAKEUP_REASONS:
        raise InvalidInput(
            "a make-up needs an absence with reason ill or excused", rule="R44", lesson_id=lesson.id
        )
    await require_scale_value(ctx, lesson, student_id, value_code)
    warnings = await russian_text_warnings(ctx, comment)
    approval_id = await check_journal_write(ctx, lesson, WriteKind.makeup, student_id=student_id)

    record = MakeupProtocol(
        school_id=ctx.actor.school_id,
        student_id=student_id,
        missed_lesson_id=lesson.id,
        number=protocol.number.strip(),
        date=protocol.date,
        examiner=protocol.examiner.strip(),
        commission=list(protocol.commission),
        result=protocol.result,
    )
    ctx.session.add(record)
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "makeup_protocol", record.id, after=snapshot(record), role=role)
    mark = Mark(
        school_id=ctx.actor.school_id,
        student_id=student_id,
        lesson_id=lesson.id,
        work_type_id=work_type.id,
        value_code=value_code,
        comment=comment,
        comment_diary_visible=comment_diary_visible,
        is_makeup=True,
        makeup_protocol_id=record.id,
        entered_by=author,
        entered_at=ctx.now,
        first_entered_at=ctx.now,
        late_seconds=None,  # a make-up is dated by its protocol, not by the missed lesson's deadline
        approval_id=approval_id,
    )
    ctx.session.add(mark)
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.create, "mark", mark.id, after=snapshot(mark), approval_id=approval_id, role=role
    )
    if not absence.made_up:
        before = snapshot(absence)
        absence.made_up = True
        await ctx.session.flush()
        await ctx.audit(
            AuditAction.update,
            "attendance",
            absence.id,
            before=before,
            after=snapshot(absence),
            reason="makeup",
            approval_id=approval_id,
            role=role,
        )
    await announce_new_mark(ctx, mark, lesson)
    return MarkResult(mark.id, mark.version, mark.value_code, None, warnings)
