"""General rules of journal entries: authorship (R1), school time (R2), no medical data (R6), lesson record (R31)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.base import Base
from core.db.models import Attendance, AuditEvent, Homework, Lesson, Mark
from core.domain.enums import AttendanceStatus, AuditAction, SubstitutionKind
from core.domain.errors import InvalidInput
from core.usecases.context import execute
from core.usecases.journal.attendance import AttendanceEntry, record_attendance, set_absence_reason
from core.usecases.journal.homework import set_homework
from core.usecases.journal.lesson_record import record_topic
from core.usecases.journal.marks import record_mark
from core.usecases.timetable.substitutions import register_substitution
from tests.builders import SpecSchool, build_spec_school, msk

VLAD = ZoneInfo("Asia/Vladivostok")
MEDICAL_FRAGMENTS = ("diagnos", "medical", "illness_details", "health")


def vlad(y: int, mo: int, d: int, h: int, mi: int) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=VLAD).astimezone(UTC)


async def _rows(b: SpecSchool, model: Any, **where: Any) -> list[Any]:
    async with b.sessionmaker() as s:
        query = select(model).where(model.school_id == b.school_id).filter_by(**where)
        return list(await s.scalars(query.order_by(model.id)))


async def _events(b: SpecSchool, entity_type: str, entity_id: int) -> list[AuditEvent]:
    async with b.sessionmaker() as s:
        return list(
            await s.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.school_id == b.school_id,
                    AuditEvent.entity_type == entity_type,
                    AuditEvent.entity_id == entity_id,
                )
                .order_by(AuditEvent.seq)
            )
        )


async def _classwork(b: SpecSchool, at: datetime, student: str = "S", value: str = "5") -> int | None:
    result = await execute(
        b.sessionmaker,
        b.actor("T", at=at),
        record_mark,
        lesson_id=b.lesson_l,
        student_id=b.student_ids[student],
        work_type_id=b.work_type_ids["classwork"],
        value_code=value,
    )
    return result.late_seconds


async def test_every_journal_entry_carries_its_author_and_time_and_one_audit_event(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R1, R58: a mark, an absence, a topic and homework saved by T each keep T as author and the entry time, with one audit event naming actor, role, channel and UTC time."""
    b = await build_spec_school(sessionmaker)
    t = b.account_ids["T"]
    times = [msk(2025, 10, 8, 11, m) for m in (10, 20, 30, 40)]
    mark = await execute(
        sessionmaker,
        b.actor("T", at=times[0]),
        record_mark,
        lesson_id=b.lesson_l,
        student_id=b.student_ids["S"],
        work_type_id=b.work_type_ids["oral"],
        value_code="4",
    )
    absence = await execute(
        sessionmaker,
        b.actor("T", at=times[1]),
        record_attendance,
        lesson_id=b.lesson_l,
        entries=[AttendanceEntry(b.student_ids["V"], AttendanceStatus.absent)],
    )
    await execute(sessionmaker, b.actor("T", at=times[2]), record_topic, lesson_id=b.lesson_l, topic="Дроби")
    homework = await execute(
        sessionmaker, b.actor("T", at=times[3]), set_homework, lesson_id=b.lesson_l, text="№ 12, 14"
    )

    [mark_row] = await _rows(b, Mark, id=mark.mark_id)
    [absence_row] = await _rows(b, Attendance, id=absence.attendance_ids[b.student_ids["V"]])
    [homework_row] = await _rows(b, Homework, id=homework.homework_id)
    [lesson] = await _rows(b, Lesson, id=b.lesson_l)
    assert (mark_row.entered_by, mark_row.entered_at) == (t, times[0])
    assert (absence_row.entered_by, absence_row.entered_at) == (t, times[1])
    assert lesson.topic_entered_at == times[2]
    assert (homework_row.entered_by, homework_row.entered_at) == (t, times[3])

    topic_events = [
        e
        for e in await _events(b, "lesson", b.lesson_l)
        if e.after and e.after.get("topic") != (e.before or {}).get("topic")
    ]
    entries = [
        (await _events(b, "mark", mark.mark_id), times[0]),
        (await _events(b, "attendance", absence_row.id), times[1]),
        (topic_events, times[2]),
        (await _events(b, "homework", homework.homework_id), times[3]),
    ]
    for events, at in entries:
        [event] = [e for e in events if e.action in (AuditAction.create, AuditAction.update)]
        assert (event.actor_account_id, event.source, event.at) == (t, "bot", at)
        assert event.at.utcoffset() == timedelta(0)  # stored and returned in UTC
    # The role of topic and homework events: see the test below.
    assert [entries[i][0][0].actor_role for i in (0, 1)] == ["teacher", "teacher"]


async def test_topic_and_homework_audit_events_name_the_actor_role(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R1: the audit events of a topic and of homework name the role the author acted in, as marks and attendance do."""
    b = await build_spec_school(sessionmaker)
    actor = b.actor("T", at=msk(2025, 10, 8, 11))
    await execute(sessionmaker, actor, record_topic, lesson_id=b.lesson_l, topic="Дроби")
    homework = await execute(sessionmaker, actor, set_homework, lesson_id=b.lesson_l, text="№ 12")
    roles = [e.actor_role for e in await _events(b, "homework", homework.homework_id)]
    roles += [e.actor_role for e in await _events(b, "lesson", b.lesson_l)]
    assert roles == ["teacher"] * len(roles)


async def test_mark_deadline_follows_the_school_time_zone_not_moscow(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R2, R33, R4, C24: in a Vladivostok school a classwork mark at 20:59 local is on time and at 21:01 local (14:01 Moscow) is stored and flagged late."""
    b = await build_spec_school(sessionmaker)
    await b.set_policy(timezone="Asia/Vladivostok")
    assert await _classwork(b, vlad(2025, 10, 8, 20, 59), "S") is None
    late = await _classwork(b, vlad(2025, 10, 8, 21, 1), "V")
    assert late is not None
    assert 0 < late <= 60
    marks = await _rows(b, Mark, lesson_id=b.lesson_l)
    assert [(m.student_id, m.late_seconds is not None) for m in marks] == [
        (b.student_ids["S"], False),
        (b.student_ids["V"], True),
    ]


async def test_day_end_time_moves_the_same_day_deadline(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R2, R33: with day_end_time 20:00 in Vladivostok a mark at 20:00 local is on time, at 20:01 late, and 20:59 is no longer on time."""
    b = await build_spec_school(sessionmaker)
    await b.set_policy(timezone="Asia/Vladivostok", day_end_time=time(20, 0))
    assert await _classwork(b, vlad(2025, 10, 8, 20, 0), "S") is None
    assert await _classwork(b, vlad(2025, 10, 8, 20, 1), "V") is not None
    assert await _classwork(b, vlad(2025, 10, 8, 20, 59), "X") is not None


async def test_absence_reason_outside_the_coarse_codes_is_refused_and_changes_nothing(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R6, R38: an absence reason other than ill/excused/unexcused/unknown (e.g. a diagnosis) is refused on entry and on change; nothing is written."""
    b = await build_spec_school(sessionmaker)
    actor = b.actor("T", at=msk(2025, 10, 8, 11))
    with pytest.raises((InvalidInput, ValueError, StatementError)):
        await execute(
            sessionmaker,
            actor,
            record_attendance,
            lesson_id=b.lesson_l,
            entries=[AttendanceEntry(b.student_ids["V"], AttendanceStatus.absent, reason="ОРВИ")],  # type: ignore[arg-type]
        )
    assert await _rows(b, Attendance, lesson_id=b.lesson_l) == []
    [lesson] = await _rows(b, Lesson, id=b.lesson_l)
    assert lesson.attendance_taken_at is None

    saved = await execute(
        sessionmaker,
        actor,
        record_attendance,
        lesson_id=b.lesson_l,
        entries=[AttendanceEntry(b.student_ids["V"], AttendanceStatus.absent)],
    )
    row_id = saved.attendance_ids[b.student_ids["V"]]
    events_before = len(await _events(b, "attendance", row_id))
    with pytest.raises((InvalidInput, ValueError)):
        await execute(sessionmaker, actor, set_absence_reason, attendance_id=row_id, reason="грипп")  # type: ignore[arg-type]
    [row] = await _rows(b, Attendance, id=row_id)
    assert (row.reason.value, row.version) == ("unknown", 1)
    assert len(await _events(b, "attendance", row_id)) == events_before


def test_the_data_model_has_no_column_for_medical_data() -> None:
    """R6: schema guard — no table has a column for diagnoses, medical or health details."""
    offending = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if any(fragment in column.name.lower() for fragment in MEDICAL_FRAGMENTS)
    ]
    assert offending == []
    assert len(Base.metadata.tables) > 50  # the guard really looked at the full model


async def test_lesson_record_holds_date_slot_group_subject_teachers_topic_material_and_work_types(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R31, R42: after a registered substitution by U, a topic with material and marks of two work types, the lesson row and its marks show every R31 field."""
    b = await build_spec_school(sessionmaker)
    await execute(
        sessionmaker,
        b.actor("deputy", at=msk(2025, 10, 8, 7, 30)),
        register_substitution,
        lesson_id=b.lesson_l,
        kind=SubstitutionKind.substitution,
        substitute_staff_id=b.staff_ids["U"],
    )
    u = b.actor("U", at=msk(2025, 10, 8, 11))
    await execute(
        sessionmaker,
        u,
        record_topic,
        lesson_id=b.lesson_l,
        topic="Сложение дробей",
        material="Учебник, § 12",
    )
    for student, work_type in (("S", "oral"), ("V", "classwork")):
        await execute(
            sessionmaker,
            u,
            record_mark,
            lesson_id=b.lesson_l,
            student_id=b.student_ids[student],
            work_type_id=b.work_type_ids[work_type],
            value_code="5",
        )
    [lesson] = await _rows(b, Lesson, id=b.lesson_l)
    assert (lesson.date, lesson.bell_slot_id, lesson.group_id, lesson.subject_id) == (
        datetime(2025, 10, 8).date(),
        b.slot_ids[3],
        b.group_ids["5А"],
        b.subject_ids["maths"],
    )
    assert (lesson.scheduled_teacher_id, lesson.actual_teacher_id) == (b.staff_ids["T"], b.staff_ids["U"])
    assert (lesson.topic, lesson.material, lesson.lesson_type) == ("Сложение дробей", "Учебник, § 12", None)
    assert Lesson.__table__.c.lesson_type.nullable  # the lesson type is optional
    marks = await _rows(b, Mark, lesson_id=b.lesson_l)
    assert {m.work_type_id for m in marks} == {b.work_type_ids["oral"], b.work_type_ids["classwork"]}
    assert {m.entered_by for m in marks} == {b.account_ids["U"]}
