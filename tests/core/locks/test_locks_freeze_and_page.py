"""Freeze (R53), page lock (R54), the stricter-wins rule (R55) and targeted correction unlocks (R56)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import CorrectionTarget, Deferral, ReportingPeriod
from core.domain.enums import AuditAction, DeferralReason, PeriodStatus
from core.domain.errors import Forbidden, Locked
from core.usecases.context import execute
from core.usecases.journal.corrections import CorrectionTargetSpec, decide_correction, request_correction
from core.usecases.journal.deferrals import grant_deferral
from core.usecases.journal.locks import WriteKind
from core.usecases.journal.period_marks import missing_period_marks, withdraw_period_mark
from core.usecases.journal.periods import close_period
from tests.builders import SpecSchool, build_spec_school, msk
from tests.core.locks.helpers import (
    add_mark,
    audit_events,
    change_mark,
    lesson_write,
    mark_value,
    period_mark,
)

SM = async_sessionmaker[AsyncSession]
OCT20 = date(2025, 10, 20)


async def _complete_q1(b: SpecSchool, *, skip: tuple[str, ...] = ()) -> None:
    """Every 5А student gets a Q1 Maths mark or code on 23.10 (except `skip`)."""
    values = {"S": "5", "V": "4", "X": "осв", "Y": "н/а", "W": "3", "Z": "безотм"}
    for student, value in values.items():
        if student not in skip:
            await period_mark(b, "T", msk(2025, 10, 23, 12), student, value)


async def test_a_saved_period_mark_freezes_that_students_current_marks_only(sessionmaker: SM) -> None:
    """R53, C52: after S's Q1 Maths mark on 22.10, T cannot add or change S's 20.10 marks; V's are accepted."""
    b = await build_spec_school(sessionmaker)
    lesson = await b.add_lesson(OCT20)
    s_mark = await add_mark(b, lesson, "S", "3", at=msk(2025, 10, 20, 15))
    v_mark = await add_mark(b, lesson, "V", "3", at=msk(2025, 10, 20, 15))
    await period_mark(b, "T", msk(2025, 10, 22, 12), "S", "4")
    at = msk(2025, 10, 22, 13)
    with pytest.raises(Locked) as refusal:
        await change_mark(b, "T", at, s_mark)
    assert (refusal.value.rule, refusal.value.details["lock"]) == ("R53", "freeze")
    with pytest.raises(Locked):
        await lesson_write(b, "T", at, lesson, WriteKind.mark_create, "S")
    assert await mark_value(b, s_mark) == "3"
    assert await change_mark(b, "T", at, v_mark) is None
    assert await lesson_write(b, "T", at, lesson, WriteKind.mark_create, "V") is None
    assert await lesson_write(b, "T", at, lesson, WriteKind.attendance) is None  # X6: no whole-page lock


async def test_withdrawing_the_period_mark_lifts_the_freeze_and_is_audited(sessionmaker: SM) -> None:
    """R53, C53: before the page lock T withdraws S's period mark; S's Q1 marks can change again."""
    b = await build_spec_school(sessionmaker)
    lesson = await b.add_lesson(OCT20)
    s_mark = await add_mark(b, lesson, "S", "3", at=msk(2025, 10, 20, 15))
    saved = await period_mark(b, "T", msk(2025, 10, 22, 12), "S", "4")
    with pytest.raises(Forbidden):
        await execute(
            sessionmaker,
            b.actor("K", at=msk(2025, 10, 22, 13)),
            withdraw_period_mark,
            period_mark_id=saved.period_mark_id,
        )
    await execute(
        sessionmaker,
        b.actor("T", at=msk(2025, 10, 22, 13)),
        withdraw_period_mark,
        period_mark_id=saved.period_mark_id,
    )
    assert await change_mark(b, "T", msk(2025, 10, 22, 14), s_mark) is None
    [void] = await audit_events(b, "period_mark", AuditAction.void)
    assert (void.entity_id, void.reason, void.actor_account_id) == (
        saved.period_mark_id,
        "withdrawal",
        b.account_ids["T"],
    )


async def test_complete_page_locks_after_the_period_deadline(sessionmaker: SM) -> None:
    """R54, C54: with every 5А student settled by 23.10, attendance and topic edits refuse from 25.10 00:00."""
    b = await build_spec_school(sessionmaker)
    lesson = await b.add_lesson(OCT20)
    await _complete_q1(b)
    assert await lesson_write(b, "T", msk(2025, 10, 24, 23, 59), lesson, WriteKind.topic) is None
    for kind in (WriteKind.attendance, WriteKind.topic, WriteKind.homework):
        with pytest.raises(Locked) as refusal:
            await lesson_write(b, "T", msk(2025, 10, 25, 0, 0), lesson, kind)
        assert (refusal.value.rule, refusal.value.details["lock"]) == ("R54", "page")
    q2_lesson = await b.add_lesson(date(2025, 11, 10))
    assert await lesson_write(b, "T", msk(2025, 11, 10, 15), q2_lesson, WriteKind.topic) is None


async def test_incomplete_page_stays_open_until_the_coordinator_closes_the_period(sessionmaker: SM) -> None:
    """R54, R62, C55: on 25.10 Z has nothing, so the page stays open and Z is missing; closing Q1 locks it."""
    b = await build_spec_school(sessionmaker)
    lesson = await b.add_lesson(OCT20)
    await _complete_q1(b, skip=("Z",))
    at = msk(2025, 10, 25, 10)
    assert await lesson_write(b, "T", at, lesson, WriteKind.topic) is None
    missing = await execute(
        sessionmaker,
        b.actor("T", at=at),
        missing_period_marks,
        group_id=b.group_ids["5А"],
        subject_id=b.subject_ids["maths"],
        period_id=b.q1,
    )
    assert missing == [b.student_ids["Z"]]
    with pytest.raises(Forbidden):
        await execute(sessionmaker, b.actor("T", at=at), close_period, period_id=b.q1)
    await execute(sessionmaker, b.actor("coordinator", at=at), close_period, period_id=b.q1)
    with pytest.raises(Locked):
        await lesson_write(b, "T", msk(2025, 10, 25, 11), lesson, WriteKind.topic)
    async with sessionmaker() as s:
        period = await s.get(ReportingPeriod, b.q1)
        assert period is not None
        assert (period.status, period.closed_by) == (PeriodStatus.closed, b.account_ids["coordinator"])
    assert [e.action for e in await audit_events(b, "reporting_period")] == [
        AuditAction.access_denied,
        AuditAction.lock,
    ]


async def test_a_deferral_keeps_the_make_up_and_period_mark_open_on_a_locked_page(sessionmaker: SM) -> None:
    """R54, R67, C56: S has an open deferral; on the locked page T enters S's make-up and period mark,
    while a change to V's mark is refused; the period mark closes the deferral."""
    b = await build_spec_school(sessionmaker)
    lesson = await b.add_lesson(OCT20)
    v_mark = await add_mark(b, lesson, "V", "3", at=msk(2025, 10, 20, 15))
    await execute(
        sessionmaker,
        b.actor("deputy", at=msk(2025, 10, 22, 10)),
        grant_deferral,
        student_id=b.student_ids["S"],
        subject_id=b.subject_ids["maths"],
        period_id=b.q1,
        reason=DeferralReason.illness,
        document_ref="Справка № 12",
    )
    await _complete_q1(b, skip=("S",))
    at = msk(2025, 10, 27, 12)
    with pytest.raises(Locked):
        await change_mark(b, "T", at, v_mark)
    with pytest.raises(Locked):
        await lesson_write(b, "T", at, lesson, WriteKind.mark_create, "S")
    assert await lesson_write(b, "T", at, lesson, WriteKind.makeup, "S") is None
    saved = await period_mark(b, "T", at, "S", "4")
    assert saved.late_seconds is not None
    assert saved.late_seconds > 0
    async with sessionmaker() as s:
        closed_at = await s.scalar(select(Deferral.closed_at).where(Deferral.school_id == b.school_id))
    assert closed_at is not None


async def test_until_year_end_never_overrides_a_locked_page(sessionmaker: SM) -> None:
    """R55, C57: with `until_year_end` and Q1 closed, T editing a Q1 mark is refused."""
    b = await build_spec_school(sessionmaker)
    await b.set_policy(edit_window="until_year_end")
    mark_id = await add_mark(b, b.lesson_l, "S", "3")
    await execute(sessionmaker, b.actor("coordinator", at=msk(2025, 10, 27, 9)), close_period, period_id=b.q1)
    with pytest.raises(Locked) as refusal:
        await change_mark(b, "T", msk(2025, 10, 27, 10), mark_id)
    assert refusal.value.rule == "R54"
    assert await mark_value(b, mark_id) == "3"


async def test_an_approved_correction_unlocks_exactly_its_mark_for_48_hours(sessionmaker: SM) -> None:
    """R56, C58: on a locked page the deputy approves T's correction at 10:00; T's change of that mark
    is accepted until 10:00 two days later and refused after; other marks stay refused; audit links it."""
    b = await build_spec_school(sessionmaker)
    mark_id = await add_mark(b, b.lesson_l, "S", "2")
    other = await add_mark(b, b.lesson_l, "V", "2")
    await execute(sessionmaker, b.actor("coordinator", at=msk(2025, 10, 27, 9)), close_period, period_id=b.q1)
    with pytest.raises(Forbidden):  # T2 does not teach 5А Maths
        await execute(
            sessionmaker,
            b.actor("T2", at=msk(2025, 10, 27, 9)),
            request_correction,
            targets=[CorrectionTargetSpec("mark", mark_id)],
            proposed_change="2 → 4",
            reason="ошибка",
        )
    approval_id = await execute(
        sessionmaker,
        b.actor("T", at=msk(2025, 10, 27, 9, 30)),
        request_correction,
        targets=[CorrectionTargetSpec("mark", mark_id)],
        proposed_change="2 → 4",
        reason="ошибка ввода",
    )
    with pytest.raises(Locked):  # still pending
        await change_mark(b, "T", msk(2025, 10, 27, 9, 45), mark_id, "4")
    with pytest.raises(Forbidden):
        await execute(
            sessionmaker,
            b.actor("T", at=msk(2025, 10, 27, 10)),
            decide_correction,
            approval_id=approval_id,
            approve=True,
        )
    await execute(
        sessionmaker,
        b.actor("deputy", at=msk(2025, 10, 27, 10)),
        decide_correction,
        approval_id=approval_id,
        approve=True,
        note="согласовано",
    )
    assert await change_mark(b, "T", msk(2025, 10, 29, 9, 59), mark_id, "4") == approval_id
    with pytest.raises(Locked):
        await change_mark(b, "T", msk(2025, 10, 29, 9, 59), other, "4")
    with pytest.raises(Locked):
        await change_mark(b, "T", msk(2025, 10, 29, 10, 0), mark_id, "5")
    assert (await mark_value(b, mark_id), await mark_value(b, other)) == ("4", "2")
    [change] = await audit_events(b, "mark", AuditAction.update)
    assert (change.entity_id, change.approval_id) == (mark_id, approval_id)
    events = await audit_events(b, "correction_approval")
    assert [e.action for e in events if e.action != AuditAction.access_denied] == [
        AuditAction.create,
        AuditAction.approve,
    ]
    async with sessionmaker() as s:
        used_at = await s.scalar(
            select(CorrectionTarget.used_at).where(CorrectionTarget.approval_id == approval_id)
        )
    assert used_at is not None


async def test_a_rejected_correction_unlocks_nothing(sessionmaker: SM) -> None:
    """R56: the head rejects the request; the locked lesson's topic stays refused."""
    b = await build_spec_school(sessionmaker)
    await execute(sessionmaker, b.actor("coordinator", at=msk(2025, 10, 27, 9)), close_period, period_id=b.q1)
    approval_id = await execute(
        sessionmaker,
        b.actor("T", at=msk(2025, 10, 27, 9)),
        request_correction,
        targets=[CorrectionTargetSpec("lesson", b.lesson_l)],
        proposed_change="тема",
        reason="опечатка",
    )
    await execute(
        sessionmaker,
        b.actor("head", at=msk(2025, 10, 27, 10)),
        decide_correction,
        approval_id=approval_id,
        approve=False,
    )
    with pytest.raises(Locked):
        await lesson_write(b, "T", msk(2025, 10, 27, 11), b.lesson_l, WriteKind.topic)
