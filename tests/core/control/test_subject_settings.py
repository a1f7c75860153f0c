"""Subject settings (R19, R63, C66 permission part) and the effective scale of a subject (R35)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import AuditEvent, GradingScale, PeriodMark, Subject
from core.domain.enums import ActivityKind, AuditAction, PeriodMarkKind, SubjectComponent
from core.domain.errors import Forbidden, InvalidInput
from core.usecases.context import execute
from core.usecases.journal.period_marks import set_period_mark
from core.usecases.setup.subjects import effective_scale_id, set_subject_no_attestation, update_subject
from tests.builders import SpecSchool, build_spec_school, msk


async def _subject(b: SpecSchool, code: str) -> Subject:
    async with b.sessionmaker() as s:
        subject = await s.get(Subject, b.subject_ids[code])
        assert subject is not None
        return subject


async def _audit(b: SpecSchool, entity_id: int) -> list[AuditEvent]:
    async with b.sessionmaker() as s:
        return list(
            await s.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.school_id == b.school_id,
                    AuditEvent.entity_type == "subject",
                    AuditEvent.entity_id == entity_id,
                )
                .order_by(AuditEvent.seq)
            )
        )


async def _scale(b: SpecSchool, code: str) -> int:
    async with b.sessionmaker() as s:
        scale_id = await s.scalar(
            select(GradingScale.id).where(GradingScale.code == code, GradingScale.school_id.is_(None))
        )
        assert scale_id is not None
        return scale_id


async def test_only_the_coordinator_sets_no_attestation(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R63, C66: a teacher, the deputy head and the head setting «Без аттестации» are refused and nothing changes;
    the coordinator sets it, and the change is audited with before and after."""
    b = await build_spec_school(sessionmaker)
    music = b.subject_ids["music"]
    for who in ("T", "K", "deputy", "head"):
        with pytest.raises(Forbidden) as refusal:
            await execute(
                sessionmaker, b.actor(who), set_subject_no_attestation, subject_id=music, value=True
            )
        assert refusal.value.rule == "R63"
    assert (await _subject(b, "music")).no_attestation is False
    assert await _audit(b, music) == []

    await execute(
        sessionmaker, b.actor("coordinator"), set_subject_no_attestation, subject_id=music, value=True
    )

    assert (await _subject(b, "music")).no_attestation is True
    (event,) = await _audit(b, music)
    assert event.action == AuditAction.update
    assert (event.before or {})["no_attestation"] is False
    assert (event.after or {})["no_attestation"] is True
    assert event.actor_account_id == b.account_ids["coordinator"]


async def test_period_marks_are_refused_for_a_subject_without_attestation(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R63, C66: once the coordinator flags Music «Без аттестации», K's period mark for it is refused."""
    b = await build_spec_school(sessionmaker)
    await execute(
        sessionmaker,
        b.actor("coordinator"),
        set_subject_no_attestation,
        subject_id=b.subject_ids["music"],
        value=True,
    )
    with pytest.raises(InvalidInput) as refusal:
        await execute(
            sessionmaker,
            b.actor("K", at=msk(2025, 10, 22)),
            set_period_mark,
            student_id=b.student_ids["S"],
            group_id=b.group_ids["5А"],
            subject_id=b.subject_ids["music"],
            period_id=b.q1,
            kind=PeriodMarkKind.period,
            value_code="5",
            confirm_early=True,
        )
    assert refusal.value.rule == "R63"
    async with sessionmaker() as s:
        assert await s.scalar(select(PeriodMark.id).where(PeriodMark.school_id == b.school_id)) is None


async def test_the_deputy_updates_component_activity_kind_scale_and_short_name(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R19, §2.3 row 15: the deputy head changes a subject's component, activity kind, scale override and short
    name (audited); a teacher is refused; an unknown component is invalid; the override can be cleared."""
    b = await build_spec_school(sessionmaker)
    physics = b.subject_ids["physics"]
    ten = await _scale(b, "ten_point")
    with pytest.raises(Forbidden) as refusal:
        await execute(sessionmaker, b.actor("T"), update_subject, subject_id=physics, short_name="Физ")
    assert refusal.value.rule == "R19"
    with pytest.raises(InvalidInput):
        await execute(
            sessionmaker, b.actor("deputy"), update_subject, subject_id=physics, component="galactic"
        )

    await execute(
        sessionmaker,
        b.actor("deputy"),
        update_subject,
        subject_id=physics,
        component=SubjectComponent.regional,
        activity_kind=ActivityKind.elective,
        grading_scale_id=ten,
        short_name=" Физ ",
    )
    subject = await _subject(b, "physics")
    assert (subject.component, subject.activity_kind, subject.grading_scale_id, subject.short_name) == (
        SubjectComponent.regional,
        ActivityKind.elective,
        ten,
        "Физ",
    )
    (event,) = await _audit(b, physics)
    assert (event.before or {})["component"] == "federal"
    assert (event.after or {})["component"] == "regional"

    await execute(
        sessionmaker, b.actor("coordinator"), update_subject, subject_id=physics, clear_grading_scale=True
    )
    assert (await _subject(b, "physics")).grading_scale_id is None
    assert len(await _audit(b, physics)) == 2


async def test_the_effective_scale_is_subject_then_parallel_then_school_default(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R19, R35: the subject's override wins; otherwise grade 5 uses its parallel's five-point scale; a grade with
    no parallel scale uses the school default from the policy."""
    b = await build_spec_school(sessionmaker)
    five, ten, pass_fail = [await _scale(b, code) for code in ("five_point", "ten_point", "pass_fail")]
    maths, music = b.subject_ids["maths"], b.subject_ids["music"]
    await execute(
        sessionmaker, b.actor("coordinator"), update_subject, subject_id=music, grading_scale_id=pass_fail
    )
    async with sessionmaker() as s:
        assert await effective_scale_id(s, music, 5) == pass_fail
        assert await effective_scale_id(s, maths, 5) == five
        assert await effective_scale_id(s, maths, 7) == five  # built-in default
    await b.set_policy(default_grading_scale="ten_point")
    async with sessionmaker() as s:
        assert await effective_scale_id(s, maths, 7) == ten
        assert await effective_scale_id(s, maths, 5) == five
