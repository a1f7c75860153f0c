"""Period, annual, exam and final marks, codes, deferrals and completeness (R62–R70)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import CurriculumPlan, Deferral, Subject
from core.domain.enums import AuditAction, DeferralReason, PeriodMarkKind
from core.domain.errors import Forbidden, InvalidInput, NeedsConfirmation
from core.policy.deadlines import deferral_is_overdue
from core.policy.settings import SchoolPolicy
from core.usecases.context import execute
from core.usecases.journal.deferrals import grant_deferral
from core.usecases.journal.period_marks import missing_period_marks
from tests.builders import SpecSchool, build_spec_school, msk
from tests.core.locks.helpers import add_mark, audit_events, outbox, period_mark, period_marks

SM = async_sessionmaker[AsyncSession]
ON_TIME = msk(2025, 10, 22, 12)


async def _missing(b: SpecSchool, who: str, subject: str = "maths") -> list[int]:
    return await execute(
        b.sessionmaker,
        b.actor(who, at=msk(2025, 10, 23, 12)),
        missing_period_marks,
        group_id=b.group_ids["5А"],
        subject_id=b.subject_ids[subject],
        period_id=b.q1,
    )


async def test_students_without_mark_code_or_deferral_are_listed_missing(sessionmaker: SM) -> None:
    """R62, R71, C65: codes осв, н/а and безотм count as complete; the rest is missing for T and for K."""
    b = await build_spec_school(sessionmaker)
    for student, value in (("S", "5"), ("V", "осв"), ("X", "н/а"), ("Y", "безотм")):
        await period_mark(b, "T", ON_TIME, student, value)
    expected = sorted([b.student_ids["W"], b.student_ids["Z"]])
    assert await _missing(b, "T") == expected
    assert await _missing(b, "K") == expected
    with pytest.raises(Forbidden):
        await _missing(b, "T2")


async def test_no_attestation_subject_refuses_entry_and_has_nobody_missing(sessionmaker: SM) -> None:
    """R63, C66: for a «Без аттестации» subject period-mark entry is refused and nobody is missing."""
    b = await build_spec_school(sessionmaker)
    async with sessionmaker() as s:
        await s.execute(
            update(Subject).where(Subject.id == b.subject_ids["music"]).values(no_attestation=True)
        )
        await s.commit()
    with pytest.raises(InvalidInput) as refusal:
        await period_mark(b, "K", ON_TIME, "S", "5", subject="music")
    assert refusal.value.rule == "R63"
    assert await period_marks(b) == []
    assert await _missing(b, "K", "music") == []


async def test_ungraded_curriculum_line_takes_only_the_ungraded_code(sessionmaker: SM) -> None:
    """R64, C67: with 5А Maths ungraded, a numeric period mark is refused and безотм is accepted."""
    b = await build_spec_school(sessionmaker)
    async with sessionmaker() as s:
        await s.execute(
            update(CurriculumPlan)
            .where(
                CurriculumPlan.school_id == b.school_id, CurriculumPlan.subject_id == b.subject_ids["maths"]
            )
            .values(ungraded=True)
        )
        await s.commit()
    with pytest.raises(InvalidInput) as refusal:
        await period_mark(b, "T", ON_TIME, "S", "4")
    assert refusal.value.rule == "R64"
    await period_mark(b, "T", ON_TIME, "S", "безотм")
    assert [p.value_code for p in await period_marks(b)] == ["безотм"]


async def test_values_outside_the_scale_and_notes_are_refused(sessionmaker: SM) -> None:
    """R62: «Д» is a note, not a period value; 6 is not on the five-point scale."""
    b = await build_spec_school(sessionmaker)
    for value in ("Д", "6"):
        with pytest.raises(InvalidInput):
            await period_mark(b, "T", ON_TIME, "S", value)
    assert await period_marks(b) == []


async def test_period_mark_timing_early_needs_confirmation_and_late_is_flagged(sessionmaker: SM) -> None:
    """R65, C68: Q1 ends 24.10: 17.10 needs confirmation, 18.10 is normal, 25.10 is flagged late."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(NeedsConfirmation) as refusal:
        await period_mark(b, "T", msk(2025, 10, 17, 12), "S", "5")
    assert refusal.value.rule == "R65"
    assert await period_marks(b) == []
    early = await period_mark(b, "T", msk(2025, 10, 17, 12), "S", "5", confirm_early=True)
    normal = await period_mark(b, "T", msk(2025, 10, 18, 0, 0), "V", "5")
    late = await period_mark(b, "T", msk(2025, 10, 25, 0, 0), "X", "5")
    assert (early.late_seconds, normal.late_seconds) == (None, None)
    assert late.late_seconds == 1
    rows = {p.student_id: p for p in await period_marks(b)}
    assert rows[b.student_ids["S"]].early_confirmed is True
    assert rows[b.student_ids["V"]].early_confirmed is False


async def test_grace_days_move_the_period_mark_deadline(sessionmaker: SM) -> None:
    """R65, X5, C68: with `period_mark_grace_days = 7`, 31.10 is on time and 01.11 is late."""
    b = await build_spec_school(sessionmaker)
    await b.set_policy(period_mark_grace_days=7)
    assert (await period_mark(b, "T", msk(2025, 10, 31, 23, 0), "S", "5")).late_seconds is None
    assert (await period_mark(b, "T", msk(2025, 11, 1, 9, 0), "V", "5")).late_seconds is not None


async def test_teacher_sets_the_mark_and_the_suggestion_is_only_a_snapshot(sessionmaker: SM) -> None:
    """R66, C69: S's suggestion is 4; T sets 5; 5 is stored with snapshot 4 and no mark appears unasked."""
    b = await build_spec_school(sessionmaker)
    for day, value in ((date(2025, 10, 1), "5"), (date(2025, 10, 6), "4"), (date(2025, 10, 13), "3")):
        lesson = await b.add_lesson(day)
        await add_mark(b, lesson, "S", value, at=msk(day.year, day.month, day.day, 15))
    await add_mark(b, b.lesson_l, "S", "Д")  # a note, skipped by the average
    assert await period_marks(b) == []
    saved = await period_mark(b, "T", ON_TIME, "S", "5")
    assert saved.suggested_value == "4"
    [row] = await period_marks(b)
    assert (row.value_code, row.suggested_value, row.entered_by) == ("5", "4", b.account_ids["T"])


@pytest.mark.parametrize("who", ["K", "deputy", "coordinator", "T2"])
async def test_only_the_groups_subject_teacher_sets_period_marks(sessionmaker: SM, who: str) -> None:
    """R66, R71, X11: the form tutor, the administration and another class's teacher are refused."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden) as refusal:
        await period_mark(b, who, ON_TIME, "S", "5")
    assert refusal.value.rule == "R66"
    assert await period_marks(b) == []


async def test_setting_again_replaces_the_active_row_and_audits_both(sessionmaker: SM) -> None:
    """R62, R58: one active row per student, subject, period and kind; the old one is voided, not deleted."""
    b = await build_spec_school(sessionmaker)
    first = await period_mark(b, "T", ON_TIME, "S", "4")
    second = await period_mark(b, "T", ON_TIME + timedelta(hours=1), "S", "5")
    rows = await period_marks(b)
    assert [(r.id, r.status, r.value_code) for r in rows] == [
        (first.period_mark_id, "void", "4"),
        (second.period_mark_id, "active", "5"),
    ]
    created = await audit_events(b, "period_mark", AuditAction.create)
    assert created[-1].before is not None
    assert created[-1].before["value_code"] == "4"
    assert [e.reason for e in await audit_events(b, "period_mark", AuditAction.void)] == ["replaced"]


async def test_deputy_grants_a_deferral_with_the_default_due_date(sessionmaker: SM) -> None:
    """R67, C70: a deferral granted on 22.10 is due 23.11; S is not missing; on 24.11 it is overdue;
    a teacher cannot grant one."""
    b = await build_spec_school(sessionmaker)
    kwargs = {
        "student_id": b.student_ids["S"],
        "subject_id": b.subject_ids["maths"],
        "period_id": b.q1,
        "reason": DeferralReason.illness,
        "document_ref": "Справка № 7",
    }
    with pytest.raises(Forbidden):
        await execute(sessionmaker, b.actor("T", at=ON_TIME), grant_deferral, **kwargs)
    deferral_id = await execute(sessionmaker, b.actor("deputy", at=ON_TIME), grant_deferral, **kwargs)
    async with sessionmaker() as s:
        deferral = await s.scalar(select(Deferral).where(Deferral.id == deferral_id))
    assert deferral is not None
    assert deferral.due_date == date(2025, 11, 23)
    assert b.student_ids["S"] not in await _missing(b, "T")
    tz = SchoolPolicy().tz
    assert not deferral_is_overdue(deferral.due_date, msk(2025, 11, 23, 23), tz)
    assert deferral_is_overdue(deferral.due_date, msk(2025, 11, 24, 0, 1), tz)
    with pytest.raises(InvalidInput):  # one open deferral at a time
        await execute(sessionmaker, b.actor("coordinator", at=ON_TIME), grant_deferral, **kwargs)


async def test_period_mark_is_published_at_once_and_pushed_to_the_family(sessionmaker: SM) -> None:
    """R70, C72: with delay 0 the mark is visible at entry and a period_marks push is queued for P."""
    b = await build_spec_school(sessionmaker)
    await b.subscribe("P", "S", ["period_marks"])
    saved = await period_mark(b, "T", ON_TIME, "S", "5")
    assert saved.published_at == ON_TIME
    [push] = await outbox(b, "period_mark_published")
    assert (push.recipient_account_id, push.category, push.not_before) == (
        b.account_ids["P"],
        "period_marks",
        ON_TIME,
    )
    assert push.payload["value_code"] == "5"


async def test_publication_delay_holds_the_result_for_at_most_24_hours(sessionmaker: SM) -> None:
    """R70, C72: with delay 24 the mark becomes visible and is pushed 24 h after entry."""
    b = await build_spec_school(sessionmaker)
    await b.set_policy(final_results_publish_delay_hours=24)
    await b.subscribe("P", "S", ["period_marks"])
    saved = await period_mark(b, "T", ON_TIME, "S", "5")
    assert saved.published_at == ON_TIME + timedelta(hours=24)
    [push] = await outbox(b, "period_mark_published")
    assert push.not_before == ON_TIME + timedelta(hours=24)


async def test_annual_exam_and_final_marks_are_separate_kinds_of_the_year(sessionmaker: SM) -> None:
    """R68, C73: the annual mark is stored as kind annual for the year with the same codes; exam and
    final marks are further kinds; an annual mark with a period is refused."""
    b = await build_spec_school(sessionmaker)
    await period_mark(b, "T", ON_TIME, "S", "4")
    at = msk(2026, 5, 25, 12)
    await period_mark(b, "T", at, "S", "4", kind=PeriodMarkKind.annual)
    await period_mark(b, "T", at, "V", "осв", kind=PeriodMarkKind.annual)
    await period_mark(b, "T", at, "S", "5", kind=PeriodMarkKind.exam)
    await period_mark(b, "T", at, "S", "5", kind=PeriodMarkKind.final)
    rows = [(r.student_id, r.kind, r.scope_key, r.period_id, r.value_code) for r in await period_marks(b)]
    year = f"y:{b.year_id}"
    assert rows == [
        (b.student_ids["S"], "period", f"p:{b.q1}", b.q1, "4"),
        (b.student_ids["S"], "annual", year, None, "4"),
        (b.student_ids["V"], "annual", year, None, "осв"),
        (b.student_ids["S"], "exam", year, None, "5"),
        (b.student_ids["S"], "final", year, None, "5"),
    ]
    from core.usecases.journal.period_marks import set_period_mark

    with pytest.raises(InvalidInput) as refusal:
        await execute(
            sessionmaker,
            b.actor("T", at=at),
            set_period_mark,
            student_id=b.student_ids["S"],
            group_id=b.group_ids["5А"],
            subject_id=b.subject_ids["maths"],
            period_id=b.q1,
            kind=PeriodMarkKind.annual,
            value_code="5",
        )
    assert refusal.value.rule == "R68"
