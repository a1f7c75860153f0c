"""Control-work and attestation schedule (R23, C44 data side): planning, publishing, changes and scopes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import (
    AssessmentScheduleItem,
    AuditEvent,
    NotificationOutbox,
)
from core.domain.enums import AuditAction, OutboxStatus
from core.domain.errors import Forbidden, InvalidInput
from core.usecases.assessments import (
    cancel_assessment,
    change_assessment,
    publish_assessment,
    published_assessments,
    schedule_assessment,
)
from core.usecases.context import execute
from tests.builders import SpecSchool, build_spec_school, msk

TODAY = msk(2025, 10, 8, 15)


async def _schedule(b: SpecSchool, who: str = "T", day: date = date(2025, 10, 20), **extra: Any) -> int:
    return await execute(
        b.sessionmaker,
        b.actor(who, at=TODAY),
        schedule_assessment,
        group_id=b.group_ids[extra.pop("group", "5А")],
        subject_id=b.subject_ids["maths"],
        date=day,
        work_type_id=b.work_type_ids["control"],
        control_form="письменная",
        **extra,
    )


async def _published(
    b: SpecSchool, date_from: date = date(2025, 9, 1), date_to: date = date(2025, 12, 31)
) -> list[Any]:
    async with b.sessionmaker() as s:
        return await published_assessments(s, [b.group_ids["5А"]], date_from, date_to)


async def _outbox(b: SpecSchool) -> list[NotificationOutbox]:
    async with b.sessionmaker() as s:
        return list(
            await s.scalars(
                select(NotificationOutbox)
                .where(NotificationOutbox.school_id == b.school_id)
                .order_by(NotificationOutbox.id)
            )
        )


async def test_an_unpublished_item_is_hidden_and_publishing_tells_the_subscribed_guardian(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R23, C44: a control work for 5А on 20.10 (form «письменная») is not returned before publication; publishing
    makes it visible and queues a control_works push for the bound, subscribed guardian of S only."""
    b = await build_spec_school(sessionmaker)
    await b.subscribe("P", "S", ["control_works"])
    item_id = await _schedule(b)
    assert await _published(b) == []
    assert await _outbox(b) == []

    await execute(sessionmaker, b.actor("T", at=TODAY), publish_assessment, item_id=item_id)

    (item,) = await _published(b)
    assert (item.item_id, item.date, item.control_form, item.published_at) == (
        item_id,
        date(2025, 10, 20),
        "письменная",
        TODAY,
    )
    (push,) = await _outbox(b)
    assert (push.recipient_account_id, push.student_id, push.category, push.event_type) == (
        b.account_ids["P"],
        b.student_ids["S"],
        "control_works",
        "control_work_published",
    )
    assert push.payload["date"] == "2025-10-20"
    assert push.payload["control_form"] == "письменная"
    assert push.payload["subject_id"] == b.subject_ids["maths"]
    async with sessionmaker() as s:
        actions = list(
            await s.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.entity_type == "assessment", AuditEvent.entity_id == item_id)
                .order_by(AuditEvent.seq)
            )
        )
    assert actions == [AuditAction.create, AuditAction.update]
    # Publishing twice changes nothing and pushes nothing more.
    await execute(sessionmaker, b.actor("T", at=msk(2025, 10, 9)), publish_assessment, item_id=item_id)
    assert len(await _outbox(b)) == 1


async def test_an_item_outside_the_current_period_is_published_without_a_push(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R23: only the current period's items reach families; a Q2 item published in Q1 sends nothing yet."""
    b = await build_spec_school(sessionmaker)
    await b.subscribe("P", "S", ["control_works"])
    item_id = await _schedule(b, day=date(2025, 11, 20), is_attestation=True)
    await execute(sessionmaker, b.actor("T", at=TODAY), publish_assessment, item_id=item_id)
    assert [(i.item_id, i.is_attestation) for i in await _published(b)] == [(item_id, True)]
    assert await _outbox(b) == []


async def test_only_the_subject_teacher_deputy_or_coordinator_plan_control_works(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R23, §2.3: T2 (not teaching 5А Maths), a parent and the head are refused; the deputy and the coordinator
    plan for any group; nothing is written by a refusal."""
    b = await build_spec_school(sessionmaker)
    for who in ("T2", "P", "head"):
        with pytest.raises(Forbidden) as refusal:
            await _schedule(b, who)
        assert refusal.value.rule == "R23"
    async with sessionmaker() as s:
        assert (
            await s.scalar(
                select(AssessmentScheduleItem.id).where(AssessmentScheduleItem.school_id == b.school_id)
            )
            is None
        )
    assert await _schedule(b, "deputy", is_internal_control=True) > 0
    assert await _schedule(b, "coordinator", group="5Б") > 0
    item_id = await _schedule(b, "T")
    with pytest.raises(Forbidden):
        await execute(sessionmaker, b.actor("T2", at=TODAY), publish_assessment, item_id=item_id)
    with pytest.raises(InvalidInput) as bad:
        await _schedule(b, "T", day=date(2026, 9, 10))
    assert bad.value.rule == "R23"


async def test_changing_and_cancelling_a_published_item_are_announced_and_cancelled_items_disappear(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R23: after the publication push went out, a moved date is announced as control_work_changed, and so is the
    cancellation; a cancelled item is no longer returned but its row stays (void)."""
    b = await build_spec_school(sessionmaker)
    await b.subscribe("P", "S", ["control_works"])
    item_id = await _schedule(b)
    await execute(sessionmaker, b.actor("T", at=TODAY), publish_assessment, item_id=item_id)
    async with sessionmaker() as s:
        await s.execute(
            update(NotificationOutbox)
            .where(NotificationOutbox.school_id == b.school_id)
            .values(status=OutboxStatus.sent)
        )
        await s.commit()

    await execute(
        sessionmaker,
        b.actor("T", at=msk(2025, 10, 9)),
        change_assessment,
        item_id=item_id,
        date=date(2025, 10, 21),
    )
    assert [i.date for i in await _published(b)] == [date(2025, 10, 21)]
    await execute(sessionmaker, b.actor("deputy", at=msk(2025, 10, 10)), cancel_assessment, item_id=item_id)
    assert await _published(b) == []

    pushes = await _outbox(b)
    assert [(p.event_type, p.status) for p in pushes] == [
        ("control_work_published", OutboxStatus.sent),
        ("control_work_changed", OutboxStatus.cancelled),  # superseded by the cancellation
        ("control_work_changed", OutboxStatus.pending),
    ]
    assert (pushes[1].payload["old_date"], pushes[1].payload["date"]) == ("2025-10-20", "2025-10-21")
    assert pushes[2].payload["cancelled"] is True
    async with sessionmaker() as s:
        item = await s.get(AssessmentScheduleItem, item_id)
    assert item is not None
    assert item.status == "void"


async def test_a_change_before_the_push_went_out_replaces_the_queued_publication(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R23: families never heard of the old date, so the queued push is withdrawn and re-queued with the new one."""
    b = await build_spec_school(sessionmaker)
    await b.subscribe("P", "S", ["control_works"])
    item_id = await _schedule(b)
    await execute(sessionmaker, b.actor("T", at=TODAY), publish_assessment, item_id=item_id)
    await execute(
        sessionmaker, b.actor("T", at=TODAY), change_assessment, item_id=item_id, control_form="тест"
    )
    pushes = await _outbox(b)
    assert [(p.event_type, p.status, p.payload["control_form"]) for p in pushes] == [
        ("control_work_published", OutboxStatus.cancelled, "письменная"),
        ("control_work_published", OutboxStatus.pending, "тест"),
    ]
