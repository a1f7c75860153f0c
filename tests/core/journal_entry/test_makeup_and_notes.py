"""Make-up marks with protocol (R44) and comments, remarks and recommendations (R45)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import MakeupProtocol, Note
from core.domain.enums import AbsenceReason, AttendanceStatus, AuditAction, NoteKind
from core.domain.errors import Forbidden, InvalidInput
from core.usecases.context import execute
from core.usecases.journal.attendance import AttendanceEntry, record_attendance
from core.usecases.journal.makeup import ProtocolInput, record_makeup_mark
from core.usecases.journal.notes import void_note, write_note
from tests.builders import SpecSchool, build_spec_school, msk
from tests.core.journal_entry.helpers import (
    attendance_of,
    audit_events,
    marks_of,
    outbox_of,
)

PROTOCOL_3 = ProtocolInput(number="3", date=date(2025, 10, 20), examiner="Смирнова А. П.")


async def _absent(b: SpecSchool, reason: AbsenceReason) -> None:
    await execute(
        b.sessionmaker,
        b.actor("T", at=msk(2025, 10, 8, 11)),
        record_attendance,
        lesson_id=b.lesson_l,
        entries=[AttendanceEntry(b.student_ids["S"], AttendanceStatus.absent, reason=reason)],
    )


async def _makeup(b: SpecSchool, protocol: ProtocolInput | None):
    return await execute(
        b.sessionmaker,
        b.actor("T", at=msk(2025, 10, 20, 15)),
        record_makeup_mark,
        missed_lesson_id=b.lesson_l,
        student_id=b.student_ids["S"],
        work_type_id=b.work_type_ids["oral"],
        value_code="4",
        protocol=protocol,
    )


async def test_makeup_mark_goes_on_the_missed_lesson_and_the_absence_stays_made_up(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R44, R58, C38: with protocol No. 3 of 20.10 the mark is on L, flagged make-up; the absence stays, «тема зачтена»."""
    b = await build_spec_school(sessionmaker)
    await _absent(b, AbsenceReason.ill)
    result = await _makeup(b, PROTOCOL_3)
    [mark] = await marks_of(b)
    assert (mark.id, mark.lesson_id, mark.is_makeup, mark.value_code) == (
        result.mark_id,
        b.lesson_l,
        True,
        "4",
    )
    async with sessionmaker() as s:
        protocol = await s.get(MakeupProtocol, mark.makeup_protocol_id)
    assert protocol is not None
    assert (protocol.number, protocol.date, protocol.missed_lesson_id) == (
        "3",
        date(2025, 10, 20),
        b.lesson_l,
    )
    [absence] = await attendance_of(b)
    assert (absence.status, absence.made_up, absence.reason) == ("active", True, AbsenceReason.ill)
    assert [e.action for e in await audit_events(b, "attendance", absence.id)] == [
        AuditAction.create,
        AuditAction.update,
    ]
    assert [e.action for e in await audit_events(b, "makeup_protocol")] == [AuditAction.create]


async def test_makeup_mark_without_a_protocol_is_refused_and_nothing_changes(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R44, C38: no protocol, no make-up mark; the absence is not touched."""
    b = await build_spec_school(sessionmaker)
    await _absent(b, AbsenceReason.ill)
    with pytest.raises(InvalidInput) as refusal:
        await _makeup(b, None)
    assert refusal.value.rule == "R44"
    assert await marks_of(b) == []
    [absence] = await attendance_of(b)
    assert absence.made_up is False


async def test_makeup_needs_an_ill_or_excused_absence(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """R44: an unexcused absence (or none at all) cannot be made up."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(InvalidInput):
        await _makeup(b, PROTOCOL_3)
    await _absent(b, AbsenceReason.unexcused)
    with pytest.raises(InvalidInput) as refusal:
        await _makeup(b, PROTOCOL_3)
    assert refusal.value.rule == "R44"
    assert await marks_of(b) == []


async def _note(b: SpecSchool, who: str, kind: NoteKind, student: str = "S", **kw: object):
    return await execute(
        b.sessionmaker,
        b.actor(who),
        write_note,
        kind=kind,
        text="Решает задачи уверенно",
        student_id=b.student_ids[student],
        **kw,
    )


async def _notes(b: SpecSchool) -> list[Note]:
    async with b.sessionmaker() as s:
        return list(await s.scalars(select(Note).where(Note.school_id == b.school_id).order_by(Note.id)))


async def test_recommendation_is_diary_visible_by_default_and_a_comment_is_staff_only(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R45, C45: T's recommendation for S is diary-visible, T's comment on L is staff-only; both audited."""
    b = await build_spec_school(sessionmaker)
    recommendation = await _note(b, "T", NoteKind.recommendation)
    comment = await _note(b, "T", NoteKind.comment, lesson_id=b.lesson_l)
    assert (recommendation.diary_visible, comment.diary_visible) == (True, False)
    notes = await _notes(b)
    assert [(n.kind, n.diary_visible, n.lesson_id) for n in notes] == [
        (NoteKind.recommendation, True, None),
        (NoteKind.comment, False, b.lesson_l),
    ]
    assert len(await audit_events(b, "note")) == 2


async def test_form_tutor_writes_notes_on_own_class_students_only(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R45, R108: K writes a remark on S (5А); on B (5Б) K is refused."""
    b = await build_spec_school(sessionmaker)
    await _note(b, "K", NoteKind.remark)
    with pytest.raises(Forbidden):
        await _note(b, "K", NoteKind.remark, student="B")
    assert len(await _notes(b)) == 1


@pytest.mark.parametrize("who", ["S", "head", "T2"])
async def test_students_administration_and_other_teachers_cannot_write_notes(
    sessionmaker: async_sessionmaker[AsyncSession], who: str
) -> None:
    """R45, R47: a student, the head and a teacher who does not teach S are refused."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden):
        await _note(b, who, NoteKind.praise)
    assert await _notes(b) == []


async def test_diary_visible_recommendation_reaches_the_bound_parent_and_a_staff_only_remark_does_not(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R45, R82: a recommendation is queued for P as a `messages` event (always on); a staff-only remark is never pushed."""
    b = await build_spec_school(sessionmaker)
    await b.subscribe("P", "S", [])
    await _note(b, "T", NoteKind.remark, diary_visible=False)
    recommendation = await _note(b, "T", NoteKind.recommendation)
    [row] = await outbox_of(b)
    assert (row.category, row.event_type, row.recipient_account_id) == (
        "messages",
        "note_written",
        b.account_ids["P"],
    )
    assert (row.payload["note_id"], row.payload["kind"]) == (recommendation.note_id, "recommendation")


async def test_only_the_author_withdraws_a_note_and_the_row_remains_void(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R45, R58: K cannot withdraw T's note; T can, and the note stays as void with an audit event."""
    b = await build_spec_school(sessionmaker)
    written = await _note(b, "T", NoteKind.comment)
    with pytest.raises(Forbidden):
        await execute(sessionmaker, b.actor("K"), void_note, note_id=written.note_id)
    await execute(sessionmaker, b.actor("T"), void_note, note_id=written.note_id, reason="ошибка")
    [note] = await _notes(b)
    assert (note.status, note.voided_by) == ("void", b.account_ids["T"])
    assert [e.action for e in await audit_events(b, "note", note.id)] == [
        AuditAction.create,
        AuditAction.access_denied,  # K's refused attempt
        AuditAction.void,
    ]
