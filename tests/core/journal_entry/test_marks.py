"""Current marks: scope, validity, late flags, change and void with audit (R30, R33–R35, R47, R48, R52, R58)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import Enrollment, GradingScale, Student, Subject, Substitution
from core.domain.enums import (
    AuditAction,
    ChangeReason,
    EnrollmentReason,
    RequestStatus,
    RowStatus,
    SubstitutionKind,
)
from core.domain.errors import ConcurrentChange, Forbidden, InvalidInput, OutsideEditWindow
from core.usecases.context import execute
from core.usecases.journal.marks import change_mark, record_mark, void_mark
from tests.builders import L_DATE, SpecSchool, build_spec_school, msk
from tests.core.journal_entry.helpers import audit_events, marks_of

ON_TIME = msk(2025, 10, 8, 20, 59)


async def _mark(
    b: SpecSchool,
    who: str = "T",
    at=ON_TIME,
    *,
    lesson: int | None = None,
    student: str = "S",
    work_type: str | None = "classwork",
    value: str = "5",
    **kw: object,
):
    return await execute(
        b.sessionmaker,
        b.actor(who, at=at),
        record_mark,
        lesson_id=lesson or b.lesson_l,
        student_id=b.student_ids[student],
        work_type_id=b.work_type_ids[work_type] if work_type else None,
        value_code=value,
        **kw,
    )


async def add_substitute(b: SpecSchool, lesson_id: int, substitute: str = "U") -> None:
    async with b.sessionmaker() as s:
        s.add(
            Substitution(
                school_id=b.school_id,
                lesson_id=lesson_id,
                kind=SubstitutionKind.substitution,
                original_teacher_id=b.staff_ids["T"],
                substitute_teacher_id=b.staff_ids[substitute],
                status=RequestStatus.registered,
                registered_at=msk(2025, 10, 8, 7),
            )
        )
        await s.commit()


async def test_mark_saved_before_day_end_is_on_time_and_audited_with_its_values(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R33, R58, C24, C60: a classwork mark at 20:59 on the lesson day is on time; its create is audited."""
    b = await build_spec_school(sessionmaker)
    result = await _mark(b)
    assert result.late_seconds is None
    [mark] = await marks_of(b)
    assert (mark.value_code, mark.late_seconds, mark.entered_by) == ("5", None, b.account_ids["T"])
    [event] = await audit_events(b, "mark", mark.id)
    assert event.action == AuditAction.create
    assert (event.actor_account_id, event.actor_role, event.source) == (b.account_ids["T"], "teacher", "bot")
    assert event.before is None
    assert event.after is not None
    assert event.after["value_code"] == "5"
    assert event.at == ON_TIME


async def test_mark_saved_after_day_end_is_accepted_and_flagged_late(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R33, R4, C24: at 21:01 the mark is stored (not blocked) and carries late_seconds."""
    b = await build_spec_school(sessionmaker)
    result = await _mark(b, at=msk(2025, 10, 8, 21, 1))
    [mark] = await marks_of(b)
    assert mark.status == RowStatus.active
    assert mark.late_seconds == result.late_seconds
    assert mark.late_seconds is not None
    assert mark.late_seconds > 0


async def test_grace_days_move_the_mark_deadline_to_the_end_of_d_plus_g(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R33, C25: with lesson_mark_grace_days = 2, 10.10 23:59 is on time and 11.10 00:01 is late."""
    b = await build_spec_school(sessionmaker)
    await b.set_policy(lesson_mark_grace_days=2)
    assert (await _mark(b, at=msk(2025, 10, 10, 23, 59))).late_seconds is None
    late = await _mark(b, at=msk(2025, 10, 11, 0, 1), student="V")
    assert late.late_seconds == 60


async def test_written_control_work_marks_are_due_within_seven_days(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R34, C26: control-work marks saved on 15.10 are on time, on 16.10 they are flagged late."""
    b = await build_spec_school(sessionmaker)
    kw = {"work_type": "control", "title": "Контрольная работа № 2"}
    assert (await _mark(b, at=msk(2025, 10, 15, 23, 0), **kw)).late_seconds is None
    assert (await _mark(b, at=msk(2025, 10, 16, 9, 0), student="V", **kw)).late_seconds is not None


async def test_internal_control_marks_are_due_within_three_days(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R34, C27: ВШК marks saved on 11.10 are on time, on 12.10 they are flagged late."""
    b = await build_spec_school(sessionmaker)
    kw = {"work_type": "internal_control", "title": "ВШК по математике"}
    assert (await _mark(b, at=msk(2025, 10, 11, 22, 0), **kw)).late_seconds is None
    assert (await _mark(b, at=msk(2025, 10, 12, 0, 30), student="V", **kw)).late_seconds is not None


async def test_value_outside_the_scale_or_a_missing_work_type_is_refused_and_nothing_is_saved(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R35, C28: «6» on the five-point scale and a mark without a work type are refused; «Д» is valid."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(InvalidInput) as six:
        await _mark(b, value="6")
    assert six.value.rule == "R35"
    with pytest.raises(InvalidInput) as untyped:
        await _mark(b, work_type=None)
    assert untyped.value.rule == "R35"
    assert await marks_of(b) == []
    assert await audit_events(b, "mark") == []
    await _mark(b, value="Д")
    assert [m.value_code for m in await marks_of(b)] == ["Д"]


async def test_a_subject_scale_override_wins_over_the_parallel_scale(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R35: Maths switched to pass/fail accepts «зач» and refuses «5» (subject → parallel → school default)."""
    b = await build_spec_school(sessionmaker)
    async with sessionmaker() as s:
        subject = await s.get(Subject, b.subject_ids["maths"])
        assert subject is not None
        subject.grading_scale_id = await s.scalar(
            select(GradingScale.id).where(GradingScale.code == "pass_fail", GradingScale.school_id.is_(None))
        )
        await s.commit()
    with pytest.raises(InvalidInput):
        await _mark(b, value="5")
    await _mark(b, value="зач")
    assert [m.value_code for m in await marks_of(b)] == ["зач"]


async def test_work_types_that_need_a_title_refuse_a_mark_without_one(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R32, R35: a control-work mark without its own title is refused."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(InvalidInput) as refusal:
        await _mark(b, work_type="control")
    assert refusal.value.rule == "R32"


async def test_student_who_joined_later_cannot_get_a_mark_on_an_earlier_lesson(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R48, C39: a student enrolled in 5А from 15.10 gets no mark on the 08.10 lesson."""
    b = await build_spec_school(sessionmaker)
    async with sessionmaker() as s:
        newcomer = Student(school_id=b.school_id, last_name="Новиков", first_name="Ян")
        s.add(newcomer)
        await s.flush()
        s.add(
            Enrollment(
                school_id=b.school_id,
                student_id=newcomer.id,
                class_id=b.class_ids["5А"],
                from_date=date(2025, 10, 15),
                reason=EnrollmentReason.arrival,
            )
        )
        await s.commit()
        b.student_ids["N"] = newcomer.id
    with pytest.raises(InvalidInput) as refusal:
        await _mark(b, student="N")
    assert refusal.value.rule == "R48"
    assert await marks_of(b) == []


async def test_subgroup_teacher_marks_only_members_of_the_own_subgroup(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R30, R48, C2: E marks S (eng1) on the eng1 lesson; V (eng2) is refused."""
    b = await build_spec_school(sessionmaker)
    lesson = await b.add_lesson(L_DATE, group="eng1", subject="english", slot=2, teacher="E")
    await _mark(b, "E", lesson=lesson, student="S")
    with pytest.raises(Forbidden) as refusal:
        await _mark(b, "E", lesson=lesson, student="V")
    assert refusal.value.rule == "R30"
    assert [m.student_id for m in await marks_of(b)] == [b.student_ids["S"]]


async def test_teacher_cannot_mark_in_a_class_outside_the_assignment(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R30, C1: T teaches Maths in 5А only; a mark on the 5Б Maths lesson is refused and audited as denied."""
    b = await build_spec_school(sessionmaker)
    lesson = await b.add_lesson(L_DATE, group="5Б", teacher="T2")
    with pytest.raises(Forbidden) as refusal:
        await _mark(b, lesson=lesson, student="B")
    assert refusal.value.rule == "R30"
    assert [e.action for e in await audit_events(b, "lesson", lesson)] == [AuditAction.access_denied]


async def test_registered_substitute_marks_only_the_substituted_lesson(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R30, R42, C11: U substitutes L and may mark there; on the 09.10 Maths lesson U is refused."""
    b = await build_spec_school(sessionmaker)
    await add_substitute(b, b.lesson_l)
    other = await b.add_lesson(date(2025, 10, 9))
    await _mark(b, "U")
    with pytest.raises(Forbidden):
        await _mark(b, "U", at=msk(2025, 10, 9, 15), lesson=other)
    assert len(await marks_of(b)) == 1


async def test_student_identity_cannot_record_marks(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """R47, C7: a student account calling record_mark is refused."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden) as refusal:
        await _mark(b, "S")
    assert refusal.value.rule == "R47"
    assert await marks_of(b) == []


async def test_teacher_changes_a_mark_with_a_reason_and_the_audit_keeps_old_and_new(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R52, R58, C51, C60: 2 → 4 for a retake; the audit update holds 2 and 4 and reason retake."""
    b = await build_spec_school(sessionmaker)
    created = await _mark(b, value="2")
    changed = await execute(
        sessionmaker,
        b.actor("T", at=msk(2025, 10, 10, 12)),
        change_mark,
        mark_id=created.mark_id,
        expected_version=created.version,
        reason=ChangeReason.retake,
        value_code="4",
    )
    assert changed.version == created.version + 1
    [mark] = await marks_of(b)
    assert (mark.value_code, mark.first_entered_at, mark.entered_at) == ("4", ON_TIME, msk(2025, 10, 10, 12))
    _create, update = await audit_events(b, "mark", mark.id)
    assert update.action == AuditAction.update
    assert update.before is not None
    assert update.after is not None
    assert (update.before["value_code"], update.after["value_code"], update.reason) == ("2", "4", "retake")


async def test_change_to_a_value_outside_the_scale_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R35: changing a mark to «6» is refused and the mark keeps its value."""
    b = await build_spec_school(sessionmaker)
    created = await _mark(b, value="3")
    with pytest.raises(InvalidInput):
        await execute(
            sessionmaker,
            b.actor("T"),
            change_mark,
            mark_id=created.mark_id,
            expected_version=created.version,
            reason=ChangeReason.error,
            value_code="6",
        )
    assert [m.value_code for m in await marks_of(b)] == ["3"]


async def test_a_stale_version_is_refused_as_a_concurrent_change(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R58: a change based on an old version gets ConcurrentChange and changes nothing."""
    b = await build_spec_school(sessionmaker)
    created = await _mark(b, value="3")
    args = {"mark_id": created.mark_id, "reason": ChangeReason.error}
    await execute(
        sessionmaker, b.actor("T"), change_mark, expected_version=created.version, value_code="4", **args
    )
    with pytest.raises(ConcurrentChange):
        await execute(
            sessionmaker, b.actor("T"), change_mark, expected_version=created.version, value_code="5", **args
        )
    assert [m.value_code for m in await marks_of(b)] == ["4"]


async def test_deleting_a_mark_voids_it_and_the_row_remains(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R58, C60: a void keeps the row with status void, who and why, and audits before/after."""
    b = await build_spec_school(sessionmaker)
    created = await _mark(b)
    await execute(
        sessionmaker,
        b.actor("T"),
        void_mark,
        mark_id=created.mark_id,
        expected_version=created.version,
        reason=ChangeReason.error,
    )
    [mark] = await marks_of(b)
    assert (mark.status, mark.voided_by, mark.void_reason) == ("void", b.account_ids["T"], "error")
    event = (await audit_events(b, "mark", mark.id))[-1]
    assert event.action == AuditAction.void
    assert event.before is not None
    assert event.after is not None
    assert (event.before["status"], event.after["status"]) == ("active", "void")
    with pytest.raises(InvalidInput):
        await execute(
            sessionmaker,
            b.actor("T"),
            change_mark,
            mark_id=mark.id,
            expected_version=None,
            reason=ChangeReason.error,
            value_code="4",
        )


@pytest.mark.parametrize("who", ["head", "deputy", "coordinator"])
async def test_administration_cannot_change_or_void_marks_directly(
    sessionmaker: async_sessionmaker[AsyncSession], who: str
) -> None:
    """R56, C59: head, deputy head and coordinator are refused; the mark is unchanged."""
    b = await build_spec_school(sessionmaker)
    created = await _mark(b, value="2")
    with pytest.raises(Forbidden) as refusal:
        await execute(
            sessionmaker,
            b.actor(who),
            change_mark,
            mark_id=created.mark_id,
            expected_version=created.version,
            reason=ChangeReason.error,
            value_code="5",
        )
    assert refusal.value.rule == "R56"
    with pytest.raises(Forbidden):
        await execute(
            sessionmaker,
            b.actor(who),
            void_mark,
            mark_id=created.mark_id,
            expected_version=created.version,
            reason=ChangeReason.error,
        )
    with pytest.raises(Forbidden):
        await _mark(b, who, student="V")
    [mark] = await marks_of(b)
    assert (mark.value_code, mark.status, mark.version) == ("2", "active", created.version)


async def test_comment_without_cyrillic_warns_or_is_refused_per_policy(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R5: a Latin-only comment is saved with a warning; with cyrillic_check = block it is refused."""
    b = await build_spec_school(sessionmaker)
    assert (await _mark(b, comment="Good job")).warnings == ("R5",)
    assert (await _mark(b, student="V", comment="Молодец, good job")).warnings == ()
    await b.set_policy(cyrillic_check="block")
    with pytest.raises(InvalidInput) as refusal:
        await _mark(b, student="X", comment="Good job")
    assert refusal.value.rule == "R5"
    assert len(await marks_of(b)) == 2


async def test_change_and_void_after_the_edit_window_are_refused_and_nothing_changes(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R50: with the default 2-week window L's marks are editable until 22.10; on 23.10 change and void are refused."""
    b = await build_spec_school(sessionmaker)
    created = await _mark(b, value="2")
    args = {"mark_id": created.mark_id, "expected_version": created.version, "reason": ChangeReason.error}
    late = b.actor("T", at=msk(2025, 10, 23, 9))
    with pytest.raises(OutsideEditWindow):
        await execute(sessionmaker, late, change_mark, value_code="4", **args)
    with pytest.raises(OutsideEditWindow):
        await execute(sessionmaker, late, void_mark, **args)
    [mark] = await marks_of(b)
    assert (mark.value_code, mark.status, mark.version) == ("2", "active", created.version)
    assert [e.action for e in await audit_events(b, "mark", mark.id)] == [AuditAction.create]


async def test_with_retake_mode_add_new_a_retake_is_a_new_mark_not_a_replacement(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R52: under retake_mode = add_new, replacing with reason retake is refused; reason error still corrects."""
    b = await build_spec_school(sessionmaker)
    await b.set_policy(retake_mode="add_new")
    created = await _mark(b, value="2")
    args = {"mark_id": created.mark_id, "expected_version": created.version, "value_code": "4"}
    with pytest.raises(InvalidInput) as refusal:
        await execute(sessionmaker, b.actor("T"), change_mark, reason=ChangeReason.retake, **args)
    assert refusal.value.rule == "R52"
    await _mark(b, value="4", at=msk(2025, 10, 8, 20, 0))
    await execute(
        sessionmaker, b.actor("T"), change_mark, reason=ChangeReason.error, **{**args, "value_code": "3"}
    )
    assert sorted(m.value_code for m in await marks_of(b)) == ["3", "4"]
