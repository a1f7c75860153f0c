"""Marks per subject with averages and forecast (R73–R75) and published period results (R70)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import Deferral, DiaryView, PeriodMark
from core.domain.enums import DeferralReason, DiarySection, PeriodMarkKind
from core.policy.computations import round_half_up
from core.reports.marks_summary import SubjectSummary, marks_summary, period_results
from core.usecases.context import execute
from tests.builders import SpecSchool, build_spec_school, msk
from tests.core.read_side.journal_rows import add_mark, add_row


def _maths(summary_subjects: tuple[SubjectSummary, ...]) -> SubjectSummary:
    return next(s for s in summary_subjects if s.subject == "Математика")


async def test_average_and_weighted_average_leave_out_notes_and_voided_marks(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R73, R74, C74: 5 (w1), control 2 (w2), homework 4 (w1), «Д», voided 3 → average 3.67, weighted 3.25."""
    b = await build_spec_school(sessionmaker)
    await add_mark(b, b.lesson_l, "S", "5", "classwork")
    await add_mark(b, b.lesson_l, "S", "2", "control")
    await add_mark(b, b.lesson_l, "S", "4", "homework")
    await add_mark(b, b.lesson_l, "S", "Д", "classwork")
    await add_mark(b, b.lesson_l, "S", "3", "classwork", voided=True)
    summary = await execute(
        sessionmaker, b.actor("P"), marks_summary, student_id=b.student_ids["S"], period_id=b.q1
    )
    maths = _maths(summary.subjects)
    assert maths.average is not None
    assert maths.weighted_average is not None
    assert round_half_up(maths.average, 20) == Decimal("3.66666666666666666667")  # exact 11/3, unrounded
    assert maths.weighted_average == Decimal("3.25")
    assert (round_half_up(maths.average, 2), round_half_up(maths.weighted_average, 2)) == (
        Decimal("3.67"),
        Decimal("3.25"),
    )
    assert [m.value for m in maths.marks] == ["5", "2", "4", "Д"]
    assert (maths.forecast, maths.insufficient) == (Decimal(3), False)
    async with sessionmaker() as s:
        (view,) = list(await s.scalars(select(DiaryView).where(DiaryView.school_id == b.school_id)))
    assert (view.section, view.viewer_account_id) == (DiarySection.marks, b.account_ids["P"])


async def test_weight_override_counts_only_when_the_school_allows_it(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R74: a per-mark weight override of 3 on a 2 is ignored by default and used once allowed."""
    b = await build_spec_school(sessionmaker)
    await add_mark(b, b.lesson_l, "S", "5")
    await add_mark(b, b.lesson_l, "S", "2", weight_override=Decimal(3))
    by_default = await execute(
        sessionmaker, b.actor("T"), marks_summary, student_id=b.student_ids["S"], period_id=b.q1
    )
    assert _maths(by_default.subjects).weighted_average == Decimal("3.5")
    await b.set_policy(allow_mark_weight_override=True)
    allowed = await execute(
        sessionmaker, b.actor("T"), marks_summary, student_id=b.student_ids["S"], period_id=b.q1
    )
    assert _maths(allowed.subjects).weighted_average == Decimal("2.75")


async def _three_marks(b: SpecSchool, *values: str) -> None:
    for value in values:
        await add_mark(b, b.lesson_l, "S", value)


async def test_forecast_rounds_at_the_school_threshold(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R75, C75: weighted 3.50 with t = 0.5 forecasts 4; with t = 0.6 the same average forecasts 3."""
    b = await build_spec_school(sessionmaker)
    await _three_marks(b, "3", "4", "3", "4")
    summary = await execute(
        sessionmaker, b.actor("S"), marks_summary, student_id=b.student_ids["S"], period_id=b.q1
    )
    assert (_maths(summary.subjects).weighted_average, _maths(summary.subjects).forecast) == (
        Decimal("3.5"),
        4,
    )
    await b.set_policy(rounding_threshold=Decimal("0.6"))
    summary = await execute(
        sessionmaker, b.actor("S"), marks_summary, student_id=b.student_ids["S"], period_id=b.q1
    )
    assert _maths(summary.subjects).forecast == 3


async def test_two_numeric_marks_give_no_forecast_only_insufficient(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R75, C76: with 2 numeric marks (and a «Д») there is no forecast value, only the «insufficient» flag."""
    b = await build_spec_school(sessionmaker)
    await _three_marks(b, "5", "5", "Д")
    summary = await execute(
        sessionmaker, b.actor("P"), marks_summary, student_id=b.student_ids["S"], period_id=b.q1
    )
    maths = _maths(summary.subjects)
    assert (maths.forecast, maths.insufficient, maths.average) == (None, True, Decimal(5))
    assert "Физика" not in [s.subject for s in summary.subjects]  # no physics lessons or marks yet


async def test_forecast_switched_off_shows_averages_without_a_value(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R75: with forecast_enabled off the averages stay and the forecast value is absent."""
    b = await build_spec_school(sessionmaker)
    await _three_marks(b, "5", "4", "4")
    await b.set_policy(forecast_enabled=False)
    summary = await execute(
        sessionmaker, b.actor("P"), marks_summary, student_id=b.student_ids["S"], period_id=b.q1
    )
    maths = _maths(summary.subjects)
    assert maths.forecast is None
    assert round_half_up(maths.average or Decimal(0), 2) == Decimal("4.33")


async def test_period_marks_reach_families_only_once_published(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R70: a period mark published tomorrow is hidden from P today but listed for the deputy; deferrals show."""
    b = await build_spec_school(sessionmaker)
    now = msk(2025, 10, 27, 12)
    for subject, published in (("maths", now - timedelta(hours=1)), ("music", now + timedelta(hours=20))):
        await add_row(
            b,
            PeriodMark(
                school_id=b.school_id,
                student_id=b.student_ids["S"],
                subject_id=b.subject_ids[subject],
                group_id=b.group_ids["5А"],
                year_id=b.year_id,
                period_id=b.q1,
                scope_key=f"p:{b.q1}",
                kind=PeriodMarkKind.period,
                value_code="4",
                entered_by=b.account_ids["T"],
                entered_at=now,
                published_at=published,
            ),
        )
    await add_row(
        b,
        Deferral(
            school_id=b.school_id,
            student_id=b.student_ids["S"],
            subject_id=b.subject_ids["physics"],
            period_id=b.q1,
            reason=DeferralReason.illness,
            document_ref="Справка 7",
            granted_by=b.account_ids["deputy"],
            granted_at=now,
            due_date=date(2025, 11, 24),
        ),
    )
    for_parent = await execute(
        sessionmaker, b.actor("P", at=now), period_results, student_id=b.student_ids["S"], year_id=b.year_id
    )
    assert [m.subject for m in for_parent.marks] == ["Математика"]
    assert [d.subject for d in for_parent.deferrals] == ["Физика"]
    for_deputy = await execute(
        sessionmaker,
        b.actor("deputy", at=now),
        period_results,
        student_id=b.student_ids["S"],
        year_id=b.year_id,
    )
    assert sorted(m.subject for m in for_deputy.marks) == ["Математика", "Музыка"]


async def test_subject_teacher_reads_only_the_subjects_they_teach(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R105, R30: E (English of S's subgroup) sees S's English marks, not S's Maths mark, in summary and diary."""
    from core.reports.diary import student_diary
    from tests.builders import L_DATE

    b = await build_spec_school(sessionmaker)
    english = await b.add_lesson(L_DATE, group="eng1", subject="english", slot=4, teacher="E")
    await add_mark(b, b.lesson_l, "S", "2")
    await add_mark(b, english, "S", "5")
    summary = await execute(
        sessionmaker, b.actor("E"), marks_summary, student_id=b.student_ids["S"], period_id=b.q1
    )
    assert [(s.subject, [m.value for m in s.marks]) for s in summary.subjects] == [("Английский язык", ["5"])]
    diary = await execute(
        sessionmaker,
        b.actor("E"),
        student_diary,
        student_id=b.student_ids["S"],
        date_from=L_DATE,
        date_to=L_DATE,
    )
    (day,) = diary.days
    assert [m.value for m in day.marks] == ["5"]
    assert [lesson.subject for lesson in day.lessons] == ["Английский язык"]
    full = await execute(
        sessionmaker, b.actor("K"), marks_summary, student_id=b.student_ids["S"], period_id=b.q1
    )
    assert len(full.subjects) == 2  # K is the form tutor: every subject
