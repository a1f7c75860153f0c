"""Scopes and roles (§2.2–2.4): who may read and write which journal data."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import AuditEvent, Group
from core.domain.actor import Actor
from core.domain.enums import AuditAction, Channel, Role
from core.domain.errors import Forbidden, NotFound
from core.usecases.access import require_journal_read
from core.usecases.context import Ctx, execute
from tests.builders import L_DATE, build_spec_school, msk


async def _open_page(ctx: Ctx, group_id: int, subject_id: int) -> Role:
    group = await ctx.session.get(Group, group_id)
    if group is None:
        raise NotFound("group", entity="group", id=group_id)
    return await require_journal_read(ctx, group, subject_id, L_DATE)


async def test_teacher_opening_another_class_journal_is_refused_and_audited(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R30, C1: T teaches Maths in 5А only; opening 5Б Maths is refused and an access_denied event is written."""
    b = await build_spec_school(sessionmaker)
    actor = b.actor("T")
    assert (
        await execute(sessionmaker, actor, _open_page, b.group_ids["5А"], b.subject_ids["maths"])
        == Role.teacher
    )
    with pytest.raises(Forbidden) as refusal:
        await execute(sessionmaker, actor, _open_page, b.group_ids["5Б"], b.subject_ids["maths"])
    assert refusal.value.rule == "R30"
    async with sessionmaker() as s:
        denied = list(
            await s.scalars(
                select(AuditEvent).where(
                    AuditEvent.school_id == b.school_id, AuditEvent.action == AuditAction.access_denied
                )
            )
        )
    assert [(e.actor_account_id, e.entity_id) for e in denied] == [(b.account_ids["T"], b.group_ids["5Б"])]


async def test_form_tutor_reads_every_subject_of_the_own_class_only(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R108, C3: K reads the 5А Maths page (not taught by K) as form tutor; 5Б stays closed."""
    b = await build_spec_school(sessionmaker)
    role = await execute(sessionmaker, b.actor("K"), _open_page, b.group_ids["5А"], b.subject_ids["maths"])
    assert role == Role.form_tutor
    with pytest.raises(Forbidden):
        await execute(sessionmaker, b.actor("K"), _open_page, b.group_ids["5Б"], b.subject_ids["maths"])


async def test_inspector_read_at_night_is_granted_and_logged(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R106, C10: an inspector valid today reads any journal on Sunday 03:00, and inspector_read is stored."""
    from tests.builders import msk

    b = await build_spec_school(sessionmaker)
    actor = b.actor("inspector", at=msk(2025, 10, 12, 3, 0))
    assert (
        await execute(sessionmaker, actor, _open_page, b.group_ids["5Б"], b.subject_ids["maths"])
        == Role.inspector
    )
    async with sessionmaker() as s:
        reads = await s.scalar(
            select(AuditEvent.seq).where(
                AuditEvent.school_id == b.school_id, AuditEvent.action == AuditAction.inspector_read
            )
        )
    assert reads is not None


async def test_nobody_reaches_another_school_through_any_door(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R105, R30: (§2.4.1) two schools share the database; A's staff reach none of B's journals, diaries or lessons."""
    from core.db.models import Mark
    from core.reports.diary import student_diary
    from core.reports.journal_page import journal_page
    from core.usecases.journal.marks import record_mark

    a = await build_spec_school(sessionmaker)
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden):  # an account of A presented as acting in B
        await execute(
            sessionmaker,
            Actor(a.account_ids["deputy"], b.school_id, Channel.web, at=msk(2025, 10, 8, 15)),
            _open_page,
            b.group_ids["5А"],
            b.subject_ids["maths"],
        )
    with pytest.raises((Forbidden, NotFound)):
        await execute(sessionmaker, a.actor("deputy"), _open_page, b.group_ids["5А"], b.subject_ids["maths"])
    with pytest.raises((Forbidden, NotFound)):
        await execute(
            sessionmaker,
            a.actor("deputy"),
            journal_page,
            group_id=b.group_ids["5А"],
            subject_id=b.subject_ids["maths"],
            period_id=b.q1,
        )
    with pytest.raises((Forbidden, NotFound)):
        await execute(
            sessionmaker,
            a.actor("head"),
            student_diary,
            student_id=b.student_ids["S"],
            date_from=L_DATE,
            date_to=L_DATE,
        )
    with pytest.raises((Forbidden, NotFound)):
        await execute(
            sessionmaker,
            a.actor("T"),
            record_mark,
            lesson_id=b.lesson_l,
            student_id=b.student_ids["S"],
            work_type_id=a.work_type_ids["classwork"],
            value_code="5",
        )
    async with sessionmaker() as s:
        assert await s.scalar(select(Mark.id).where(Mark.school_id == b.school_id)) is None
