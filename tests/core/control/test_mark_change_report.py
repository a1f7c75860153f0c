"""Mark-change report (§6.7, R59): rows from the audit, scopes, filters and a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.db.models import AuditEvent
from core.domain.enums import AuditAction, ChangeReason, PeriodMarkKind
from core.domain.errors import Forbidden
from core.reports.mark_changes import mark_change_report
from core.usecases.accounts.compromise import report_compromise
from core.usecases.context import execute
from core.usecases.journal.marks import change_mark, record_mark, void_mark
from core.usecases.journal.period_marks import set_period_mark, withdraw_period_mark
from tests.builders import L_DATE, SpecSchool, build_spec_school, msk


async def _mark(b: SpecSchool, lesson_id: int, student: str, value: str, at: Any, teacher: str = "T") -> int:
    result = await execute(
        b.sessionmaker,
        b.actor(teacher, at=at),
        record_mark,
        lesson_id=lesson_id,
        student_id=b.student_ids[student],
        work_type_id=b.work_type_ids["oral"],
        value_code=value,
    )
    return result.mark_id


async def _change(
    b: SpecSchool, mark_id: int, value: str, reason: ChangeReason, at: Any, teacher: str = "T"
) -> None:
    await execute(
        b.sessionmaker,
        b.actor(teacher, at=at),
        change_mark,
        mark_id=mark_id,
        expected_version=None,
        reason=reason,
        value_code=value,
    )


async def _report(b: SpecSchool, who: str, at: Any = None, **filters: Any) -> list[Any]:
    return await execute(
        b.sessionmaker, b.actor(who, at=at or msk(2025, 10, 20)), mark_change_report, **filters
    )


async def test_september_changes_are_listed_in_may_with_full_names_and_values_including_voids(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R59, C62: changes made in September 2025 are listed in May 2026 with ФИО, date, original and final values;
    a voided mark is shown with the void flag."""
    b = await build_spec_school(sessionmaker)
    lesson = await b.add_lesson(date(2025, 9, 10))
    changed = await _mark(b, lesson, "S", "3", msk(2025, 9, 10, 14))
    voided = await _mark(b, lesson, "V", "5", msk(2025, 9, 10, 14))
    await _change(b, changed, "4", ChangeReason.error, msk(2025, 9, 12, 10))
    await execute(
        sessionmaker,
        b.actor("T", at=msk(2025, 9, 12, 11)),
        void_mark,
        mark_id=voided,
        expected_version=None,
        reason=ChangeReason.error,
    )

    rows = await _report(
        b, "coordinator", at=msk(2026, 5, 15), date_from=date(2025, 9, 1), date_to=date(2025, 9, 30)
    )

    assert [(r.entity_id, r.original_value, r.new_value, r.voided) for r in rows] == [
        (changed, "3", "4", False),
        (voided, "5", None, True),
    ]
    first = rows[0]
    assert first.teacher_name == "Смирнова Анна Петровна"
    assert first.student_name == "Иванов Пётр Алексеевич"
    assert (first.class_name, first.subject, first.lesson_date) == ("5А", "Математика", date(2025, 9, 10))
    assert first.work_type == "Ответ на уроке"
    assert first.changed_at == msk(2025, 9, 12, 10)
    assert (first.reason, first.source) == ("error", "bot")
    assert rows[1].student_name == "Петрова Мария Алексеевич"
    # The range is the change date: nothing changed in October.
    assert await _report(b, "coordinator", at=msk(2026, 5, 15), date_from=date(2025, 10, 1)) == []


async def test_a_retake_row_shows_the_teacher_both_values_and_the_reason(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R52, R59, C51: T changes 2 → 4 on L with reason retake; the report row shows T's ФИО, time, 2, 4, retake."""
    b = await build_spec_school(sessionmaker)
    mark_id = await _mark(b, b.lesson_l, "S", "2", msk(2025, 10, 8, 14))
    await _change(b, mark_id, "4", ChangeReason.retake, msk(2025, 10, 10, 9, 30))

    (row,) = await _report(b, "head")

    assert (row.teacher_name, row.changed_at) == ("Смирнова Анна Петровна", msk(2025, 10, 10, 9, 30))
    assert (row.original_value, row.new_value, row.reason, row.voided) == ("2", "4", "retake", False)
    assert (row.lesson_date, row.teacher_staff_id, row.approval_id) == (L_DATE, b.staff_ids["T"], None)
    async with sessionmaker() as s:
        audit = await s.scalar(
            select(AuditEvent).where(
                AuditEvent.school_id == b.school_id,
                AuditEvent.entity_type == "mark",
                AuditEvent.action == AuditAction.update,
            )
        )
    assert audit is not None
    assert row.event_seq == audit.seq


async def _two_teachers_changes(b: SpecSchool) -> tuple[int, int]:
    mark_a = await _mark(b, b.lesson_l, "S", "2", msk(2025, 10, 8, 14))
    await _change(b, mark_a, "3", ChangeReason.error, msk(2025, 10, 9, 9))
    lesson_b = await b.add_lesson(L_DATE, group="5Б", teacher="T2")
    mark_b = await _mark(b, lesson_b, "B", "5", msk(2025, 10, 8, 14), teacher="T2")
    await _change(b, mark_b, "4", ChangeReason.correction, msk(2025, 10, 9, 9), teacher="T2")
    return mark_a, mark_b


async def test_teachers_see_only_their_own_changes_and_the_form_tutor_the_own_class(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R59, §2.3 row 29: a teacher sees own changes (S), the form tutor the own class (C), administration and
    the inspector everything."""
    b = await build_spec_school(sessionmaker)
    mark_a, mark_b = await _two_teachers_changes(b)

    assert [r.entity_id for r in await _report(b, "T")] == [mark_a]
    assert [r.entity_id for r in await _report(b, "T2")] == [mark_b]
    assert [r.entity_id for r in await _report(b, "K")] == [mark_a]  # tutor of 5А, changed nothing
    for who in ("coordinator", "head", "deputy", "inspector"):
        assert [r.entity_id for r in await _report(b, who)] == [mark_a, mark_b]
    # A teacher cannot widen the scope with a filter.
    assert await _report(b, "T", teacher_staff_id=b.staff_ids["T2"]) == []


async def test_filters_narrow_by_teacher_class_subject_student_and_reason(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R59, §6.7: filters by teacher, class, subject, student and reason."""
    b = await build_spec_school(sessionmaker)
    mark_a, mark_b = await _two_teachers_changes(b)

    async def ids(**filters: Any) -> list[int]:
        return [r.entity_id for r in await _report(b, "deputy", **filters)]

    assert await ids(teacher_staff_id=b.staff_ids["T2"]) == [mark_b]
    assert await ids(class_id=b.class_ids["5А"]) == [mark_a]
    assert await ids(student_id=b.student_ids["B"]) == [mark_b]
    assert await ids(reason="correction") == [mark_b]
    assert await ids(subject_id=b.subject_ids["maths"]) == [mark_a, mark_b]
    assert await ids(subject_id=b.subject_ids["music"]) == []


async def test_parents_and_students_are_refused_and_the_refusal_is_audited(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R59, §2.3 row 29, §2.4.1: parent and student have no access; access_denied is written."""
    b = await build_spec_school(sessionmaker)
    await _two_teachers_changes(b)
    for who in ("P", "S"):
        with pytest.raises(Forbidden) as refusal:
            await _report(b, who)
        assert refusal.value.rule == "R59"
    async with sessionmaker() as s:
        denied = list(
            await s.scalars(
                select(AuditEvent.actor_account_id).where(
                    AuditEvent.school_id == b.school_id, AuditEvent.action == AuditAction.access_denied
                )
            )
        )
    assert denied == [b.account_ids["P"], b.account_ids["S"]]


async def test_replaced_and_withdrawn_period_marks_are_rows_of_the_report(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R59, R62: a period mark replaced 3 → 4 and then withdrawn gives two rows (replaced; voided withdrawal)."""
    b = await build_spec_school(sessionmaker)
    at = msk(2025, 10, 22, 10)

    async def set_value(value: str, when: Any) -> int:
        saved = await execute(
            sessionmaker,
            b.actor("T", at=when),
            set_period_mark,
            student_id=b.student_ids["S"],
            group_id=b.group_ids["5А"],
            subject_id=b.subject_ids["maths"],
            period_id=b.q1,
            kind=PeriodMarkKind.period,
            value_code=value,
            confirm_early=True,
        )
        return saved.period_mark_id

    await set_value("3", at)
    second = await set_value("4", msk(2025, 10, 22, 11))
    await execute(
        sessionmaker, b.actor("T", at=msk(2025, 10, 22, 12)), withdraw_period_mark, period_mark_id=second
    )

    rows = await _report(b, "coordinator", at=msk(2025, 10, 23))

    assert [(r.entity_type, r.original_value, r.new_value, r.voided, r.reason) for r in rows] == [
        ("period_mark", "3", "4", False, "replaced"),
        ("period_mark", "4", None, True, "withdrawal"),
    ]
    assert {(r.period_mark_kind, r.class_name, r.lesson_date, r.work_type) for r in rows} == {
        ("period", "5А", None, None)
    }


@contextmanager
def _counted(engine: AsyncEngine) -> Iterator[list[str]]:
    statements: list[str] = []

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", on_execute)


async def test_the_report_runs_a_fixed_number_of_queries_whatever_the_row_count(
    sessionmaker: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    """R59, §6.7: one statement per kind of referenced row, never one per change."""
    b = await build_spec_school(sessionmaker)
    await _two_teachers_changes(b)
    with _counted(engine) as few:
        assert len(await _report(b, "coordinator")) == 2
    for student in ("V", "X", "Y", "W", "Z"):
        mark_id = await _mark(b, b.lesson_l, student, "2", msk(2025, 10, 8, 14))
        await _change(b, mark_id, "5", ChangeReason.retake, msk(2025, 10, 9, 9))
    with _counted(engine) as many:
        assert len(await _report(b, "coordinator")) == 7
    assert len(many) == len(few)


async def test_marks_voided_by_a_compromise_report_are_listed_as_voided_with_that_reason(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R59, R104, §6.7: a mark entered at or after the compromise time T is voided; the report shows it with
    reason compromise, the void flag and the coordinator who registered the compromise."""
    b = await build_spec_school(sessionmaker)
    mark_id = await _mark(b, b.lesson_l, "S", "2", msk(2025, 10, 8, 14))
    await execute(
        sessionmaker,
        b.actor("coordinator", at=msk(2025, 10, 8, 13)),
        report_compromise,
        account_id=b.account_ids["T"],
        learned_at=msk(2025, 10, 8, 12),
        channel="web",
    )

    (row,) = await _report(b, "coordinator", reason="compromise")

    assert (row.entity_id, row.original_value, row.new_value, row.voided) == (mark_id, "2", None, True)
    assert row.teacher_name == "Лебедев Артём Олегович"
    assert row.student_id == b.student_ids["S"]
