"""Year promotion: mapping every student, new enrollments, a read-only old year (R28, R57, C22)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.audit.snapshot import snapshot
from core.db.models import (
    AcademicYear,
    Attendance,
    Enrollment,
    Group,
    GroupClass,
    GroupMembership,
    Lesson,
    SchoolClass,
    Student,
    YearPromotion,
)
from core.domain.enums import (
    AttendanceStatus,
    EnrollmentReason,
    GroupKind,
    PromotionDecision,
    StudentStatus,
    YearStatus,
)
from core.domain.errors import Forbidden, InvalidInput, Locked
from core.usecases.context import Ctx, execute
from core.usecases.journal.attendance import AttendanceEntry, record_attendance
from core.usecases.journal.locks import WriteKind, check_journal_write
from core.usecases.roster import roster
from core.usecases.setup.promotion import PromotionInput, promote_year
from tests.builders import SpecSchool, build_spec_school, msk

NEW_START = date(2026, 9, 1)
PROMOTED = PromotionDecision.promoted


@dataclass
class NewYear:
    year_id: int
    class_ids: dict[str, int]
    group_ids: dict[str, int]


async def _new_year(b: SpecSchool) -> NewYear:
    async with b.sessionmaker() as s:
        old_5a = await s.get(SchoolClass, b.class_ids["5А"])
        assert old_5a is not None
        year = AcademicYear(
            school_id=b.school_id,
            title="2026/2027",
            start_date=NEW_START,
            teaching_end_date=date(2027, 5, 26),
            end_date=date(2027, 8, 31),
            status=YearStatus.draft,
        )
        s.add(year)
        await s.flush()
        new = NewYear(year.id, {}, {})
        for name in ("6А", "6Б", "5А"):
            cls = SchoolClass(
                school_id=b.school_id,
                year_id=year.id,
                parallel_id=old_5a.parallel_id,
                letter=name[1],
                name=name,
            )
            s.add(cls)
            await s.flush()
            group = Group(school_id=b.school_id, year_id=year.id, kind=GroupKind.whole_class, name=name)
            s.add(group)
            await s.flush()
            s.add(GroupClass(school_id=b.school_id, group_id=group.id, class_id=cls.id))
            new.class_ids[name], new.group_ids[name] = cls.id, group.id
        await s.commit()
    return new


def _mapping(b: SpecSchool, new: NewYear, **special: PromotionInput) -> list[PromotionInput]:
    rows = [special.get(k, PromotionInput(b.student_ids[k], PROMOTED, new.class_ids["6А"])) for k in "SVXYWZ"]
    return [*rows, PromotionInput(b.student_ids["B"], PROMOTED, new.class_ids["6Б"])]


async def _promote(
    b: SpecSchool, new: NewYear, mapping: list[PromotionInput], who: str = "coordinator", at=None
):
    return await execute(
        b.sessionmaker,
        b.actor(who, at=at or msk(2026, 9, 1, 9)),
        promote_year,
        from_year_id=b.year_id,
        to_year_id=new.year_id,
        mapping=mapping,
        effective=NEW_START,
    )


async def _journal(b: SpecSchool) -> list[dict[str, Any]]:
    async with b.sessionmaker() as s:
        lessons = await s.scalars(select(Lesson).where(Lesson.school_id == b.school_id).order_by(Lesson.id))
        rows = [snapshot(row) for row in lessons]
        marks = await s.scalars(
            select(Attendance).where(Attendance.school_id == b.school_id).order_by(Attendance.id)
        )
        return rows + [snapshot(row) for row in marks]


async def _probe_write(ctx: Ctx, *, lesson_id: int) -> None:
    lesson = await ctx.session.get(Lesson, lesson_id)
    assert lesson is not None
    await check_journal_write(ctx, lesson, WriteKind.attendance)


async def _promotions(b: SpecSchool) -> list[YearPromotion]:
    async with b.sessionmaker() as s:
        return list(await s.scalars(select(YearPromotion).where(YearPromotion.school_id == b.school_id)))


async def test_promotion_moves_s_to_6a_and_leaves_the_old_journal_unchanged_and_read_only(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R28, R57, C22: after promotion to 2026/2027 the 5А journal is unchanged and refuses writes; S is in 6А."""
    b = await build_spec_school(sessionmaker)
    await execute(
        sessionmaker,
        b.actor("T", at=msk(2025, 10, 8, 11)),
        record_attendance,
        lesson_id=b.lesson_l,
        entries=[AttendanceEntry(b.student_ids["S"], AttendanceStatus.absent)],
    )
    new = await _new_year(b)
    journal = await _journal(b)

    assert await _promote(b, new, _mapping(b, new)) == 7

    assert await _journal(b) == journal
    async with sessionmaker() as s:
        old_year = await s.get(AcademicYear, b.year_id)
        assert old_year is not None
        assert old_year.status == YearStatus.closed
        new_6a = await s.get(Group, new.group_ids["6А"])
        old_5a = await s.get(Group, b.group_ids["5А"])
        assert new_6a is not None
        assert old_5a is not None
        assert b.student_ids["S"] in await roster(s, new_6a, NEW_START)
        assert b.student_ids["S"] in await roster(s, old_5a, date(2026, 5, 20))
        assert b.student_ids["S"] not in await roster(s, old_5a, NEW_START)
        enrollments = list(
            await s.scalars(
                select(Enrollment)
                .where(Enrollment.student_id == b.student_ids["S"])
                .order_by(Enrollment.from_date)
            )
        )
        membership = await s.scalar(
            select(GroupMembership).where(GroupMembership.student_id == b.student_ids["S"])
        )
    assert [(e.class_id, e.from_date, e.to_date, e.reason, e.leave_reason) for e in enrollments] == [
        (
            b.class_ids["5А"],
            date(2025, 9, 1),
            date(2026, 8, 31),
            EnrollmentReason.admission,
            EnrollmentReason.promotion,
        ),
        (new.class_ids["6А"], NEW_START, None, EnrollmentReason.promotion, None),
    ]
    assert membership is not None
    assert membership.to_date == date(2026, 8, 31)
    assert {p.student_id: p.decision for p in await _promotions(b)} == {
        b.student_ids[k]: PROMOTED for k in "SVXYWZB"
    }
    with pytest.raises(Locked) as refusal:
        await execute(sessionmaker, b.actor("T", at=msk(2026, 9, 2)), _probe_write, lesson_id=b.lesson_l)
    assert refusal.value.rule == "R57"
    with pytest.raises(Locked):
        await execute(
            sessionmaker,
            b.actor("T", at=msk(2026, 9, 2)),
            record_attendance,
            lesson_id=b.lesson_l,
            entries=[],
        )
    assert await _journal(b) == journal


async def test_every_enrolled_student_must_be_mapped_and_nothing_changes_otherwise(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R28: leaving out V and B is refused with both listed; no promotion, enrollment or year change is stored."""
    b = await build_spec_school(sessionmaker)
    new = await _new_year(b)
    mapping = [m for m in _mapping(b, new) if m.student_id not in (b.student_ids["V"], b.student_ids["B"])]
    with pytest.raises(InvalidInput) as refusal:
        await _promote(b, new, mapping)
    assert refusal.value.rule == "R28"
    assert refusal.value.details["missing"] == sorted([b.student_ids["V"], b.student_ids["B"]])
    assert await _promotions(b) == []
    async with sessionmaker() as s:
        open_ends = list(
            await s.scalars(select(Enrollment.to_date).where(Enrollment.school_id == b.school_id))
        )
        year = await s.get(AcademicYear, b.year_id)
    assert set(open_ends) == {None}
    assert year is not None
    assert year.status == YearStatus.active


async def test_graduation_and_retention_are_recorded_with_their_enrollments(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R28: V graduates (status graduated, no new class), X is retained in the new 5А; the mapping needs a class of the new year."""
    b = await build_spec_school(sessionmaker)
    new = await _new_year(b)
    wrong = _mapping(
        b, new, X=PromotionInput(b.student_ids["X"], PromotionDecision.retained, b.class_ids["5А"])
    )
    with pytest.raises(InvalidInput):
        await _promote(b, new, wrong)
    special = {
        "V": PromotionInput(b.student_ids["V"], PromotionDecision.graduated),
        "X": PromotionInput(b.student_ids["X"], PromotionDecision.retained, new.class_ids["5А"]),
    }
    await _promote(b, new, _mapping(b, new, **special))
    async with sessionmaker() as s:
        v = await s.get(Student, b.student_ids["V"])
        assert v is not None
        assert v.status == StudentStatus.graduated
        v_rows = list(await s.scalars(select(Enrollment).where(Enrollment.student_id == b.student_ids["V"])))
        x_new = await s.scalar(
            select(Enrollment.class_id).where(
                Enrollment.student_id == b.student_ids["X"], Enrollment.from_date == NEW_START
            )
        )
    assert [(e.to_date, e.leave_reason) for e in v_rows] == [(date(2026, 8, 31), EnrollmentReason.graduation)]
    assert x_new == new.class_ids["5А"]
    decisions = {p.student_id: (p.decision, p.to_class_id) for p in await _promotions(b)}
    assert decisions[b.student_ids["V"]] == (PromotionDecision.graduated, None)
    assert decisions[b.student_ids["X"]] == (PromotionDecision.retained, new.class_ids["5А"])
    with pytest.raises(InvalidInput) as again:
        await _promote(b, new, _mapping(b, new))
    assert again.value.rule == "R28"


async def test_promotion_before_the_year_end_leaves_the_year_open_until_end_date(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R28, R57: promoted on 15.06.2026 the old year stays active and writable; from 01.09 R57 refuses writes."""
    b = await build_spec_school(sessionmaker)
    new = await _new_year(b)
    june = await b.add_lesson(date(2026, 5, 20))
    await _promote(b, new, _mapping(b, new), who="deputy", at=msk(2026, 6, 15))
    async with sessionmaker() as s:
        year = await s.get(AcademicYear, b.year_id)
    assert year is not None
    assert year.status == YearStatus.active
    await execute(sessionmaker, b.system(at=msk(2026, 6, 16)), _probe_write, lesson_id=june)
    with pytest.raises(Locked) as refusal:
        await execute(sessionmaker, b.system(at=msk(2026, 9, 1, 9)), _probe_write, lesson_id=june)
    assert refusal.value.rule == "R57"


async def test_promotion_by_teacher_head_or_tutor_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R28, §2.3: only the coordinator or the deputy head promote; refusals change nothing."""
    b = await build_spec_school(sessionmaker)
    new = await _new_year(b)
    for who in ("T", "head", "K"):
        with pytest.raises(Forbidden) as refusal:
            await _promote(b, new, _mapping(b, new), who=who)
        assert refusal.value.rule == "R28"
    assert await _promotions(b) == []
