"""Class summary sheet per period (§6.3): live cells, deferrals, missing marks, footers and scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import AuditEvent, Subject
from core.domain.enums import AbsenceReason, AuditAction, DeferralReason, PeriodMarkKind
from core.domain.errors import Forbidden
from core.reports.summary_sheet import CellKind, class_summary_sheet
from core.usecases.context import execute
from core.usecases.journal.deferrals import grant_deferral
from core.usecases.journal.period_marks import set_period_mark
from tests.builders import SpecSchool, build_spec_school, msk
from tests.core.read_side.journal_rows import add_absence

ON_TIME = msk(2025, 10, 24, 12)
AFTER_DEADLINE = msk(2025, 10, 27, 12)


async def _sheet(b: SpecSchool, who: str, at=ON_TIME):  # type: ignore[no-untyped-def]
    return await execute(
        b.sessionmaker, b.actor(who, at=at), class_summary_sheet, class_id=b.class_ids["5А"], period_id=b.q1
    )


async def _mark(
    b: SpecSchool, student: str, value: str, *, teacher: str = "T", subject: str = "maths"
) -> None:
    group = "5А" if subject != "english" else "eng1"
    await execute(
        b.sessionmaker,
        b.actor(teacher, at=ON_TIME),
        set_period_mark,
        student_id=b.student_ids[student],
        group_id=b.group_ids[group],
        subject_id=b.subject_ids[subject],
        period_id=b.q1,
        kind=PeriodMarkKind.period,
        value_code=value,
    )


async def test_a_saved_period_mark_shows_on_the_summary_sheet_without_a_rebuild(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R69, C71: the sheet is read live; T's Q1 mark for S shows the moment it is saved."""
    b = await build_spec_school(sessionmaker)
    before = await _sheet(b, "K")
    maths = b.subject_ids["maths"]
    assert before.rows[0].cells[maths].kind is CellKind.pending

    await _mark(b, "S", "5")

    after = await _sheet(b, "K")
    cell = next(r for r in after.rows if r.student_id == b.student_ids["S"]).cells[maths]
    assert (cell.kind, cell.value) == (CellKind.mark, "5")
    footer = next(f for f in after.footers if f.subject_id == maths)
    assert footer.counts == {"5": 1}
    assert footer.average == Decimal(5)


async def test_an_open_deferral_shows_as_deferred_and_a_missing_mark_only_after_the_deadline(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R62, R65, R67, C70: «отсрочка» for V; X pending until end of 24.10, then missing; codes are complete."""
    b = await build_spec_school(sessionmaker)
    maths = b.subject_ids["maths"]
    await execute(
        sessionmaker,
        b.actor("deputy", at=msk(2025, 10, 22, 10)),
        grant_deferral,
        student_id=b.student_ids["V"],
        subject_id=maths,
        period_id=b.q1,
        reason=DeferralReason.illness,
        document_ref="Справка № 12",
    )
    await _mark(b, "S", "4")
    await _mark(b, "Y", "осв")
    await _mark(b, "W", "2")

    def cells(sheet):  # type: ignore[no-untyped-def]
        return {r.student_id: r.cells[maths] for r in sheet.rows}

    on_time = cells(await _sheet(b, "deputy", ON_TIME))
    assert on_time[b.student_ids["V"]].kind is CellKind.deferred
    assert not on_time[b.student_ids["V"]].deferral_overdue
    assert on_time[b.student_ids["X"]].kind is CellKind.pending
    assert (on_time[b.student_ids["Y"]].kind, on_time[b.student_ids["Y"]].value) == (CellKind.code, "осв")

    late_sheet = await _sheet(b, "deputy", AFTER_DEADLINE)
    late = cells(late_sheet)
    assert late[b.student_ids["X"]].kind is CellKind.missing
    assert late[b.student_ids["Z"]].kind is CellKind.missing
    assert late[b.student_ids["V"]].kind is CellKind.deferred
    overdue = cells(await _sheet(b, "deputy", msk(2025, 11, 24, 12)))
    assert overdue[b.student_ids["V"]].deferral_overdue

    # R76: осв and the deferral leave the denominator; 4 attested (S=4, W=2, X and Z missing).
    footer = next(f for f in late_sheet.footers if f.subject_id == maths)
    assert footer.counts == {"4": 1, "2": 1}
    assert (footer.rates.attested, footer.rates.passing, footer.rates.quality) == (4, 1, 1)
    assert footer.rates.success_pct == Decimal("25.0")
    assert footer.average == Decimal(3)


async def test_a_subject_without_attestation_has_no_column(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R63, C66: «Без аттестации» music is left out; the attested curriculum subjects are the columns."""
    b = await build_spec_school(sessionmaker)
    async with sessionmaker() as s:
        await s.execute(
            update(Subject).where(Subject.id == b.subject_ids["music"]).values(no_attestation=True)
        )
        await s.commit()
    sheet = await _sheet(b, "K")
    assert {c.subject_id for c in sheet.columns} == {
        b.subject_ids[k] for k in ("maths", "physics", "english")
    }
    assert all(b.subject_ids["music"] not in row.cells for row in sheet.rows)
    assert {r.student_id for r in sheet.rows} == {b.student_ids[k] for k in "SVXYWZ"}


async def test_row_totals_count_absences_by_reason_and_lateness(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """§6.3, R79: row totals — all / ill / excused / unexcused absences and lateness in the period."""
    b = await build_spec_school(sessionmaker)
    second = await b.add_lesson(date(2025, 10, 9), subject="physics", teacher="U", slot=2)
    await add_absence(b, b.lesson_l, "S", AbsenceReason.ill)
    await add_absence(b, second, "S", AbsenceReason.unexcused)
    await add_absence(b, second, "V", late_minutes=5)
    sheet = await _sheet(b, "head")
    totals = {r.student_id: r.absences for r in sheet.rows}
    s = totals[b.student_ids["S"]]
    assert (s.all, s.ill, s.excused, s.unexcused, s.late) == (2, 1, 0, 1, 0)
    assert totals[b.student_ids["V"]].late == 1
    assert totals[b.student_ids["X"]].all == 0


async def test_a_teacher_sees_only_the_own_subject_column(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """§6.3, R30: T (maths in 5А) gets the maths column only; full_view is False."""
    b = await build_spec_school(sessionmaker)
    sheet = await _sheet(b, "T")
    assert [c.subject_id for c in sheet.columns] == [b.subject_ids["maths"]]
    assert not sheet.full_view


async def test_the_inspector_reads_the_sheet_with_an_audited_read(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """§6.3, R106: the inspector sees the whole sheet and the read is audited."""
    b = await build_spec_school(sessionmaker)
    sheet = await _sheet(b, "inspector")
    assert sheet.full_view
    async with sessionmaker() as s:
        reads = await s.scalar(
            select(func.count()).where(
                AuditEvent.school_id == b.school_id,
                AuditEvent.action == AuditAction.inspector_read,
                AuditEvent.entity_type == "class_summary_sheet",
            )
        )
    assert reads == 1


@pytest.mark.parametrize("who", ["T2", "E", "P", "S"])
async def test_people_outside_the_class_scope_are_refused_the_sheet(
    sessionmaker: async_sessionmaker[AsyncSession], who: str
) -> None:
    """§6.3, R30, R105: 5Б's teacher, a parent and a student are refused (E teaches eng1 in 5А: allowed)."""
    b = await build_spec_school(sessionmaker)
    if who == "E":
        sheet = await _sheet(b, "E")
        assert [c.subject_id for c in sheet.columns] == [b.subject_ids["english"]]
        return
    with pytest.raises(Forbidden) as refused:
        await _sheet(b, who)
    assert refused.value.rule == "R30"
    async with sessionmaker() as s:
        denials = await s.scalar(
            select(func.count()).where(
                AuditEvent.school_id == b.school_id, AuditEvent.action == AuditAction.access_denied
            )
        )
    assert denials == 1
