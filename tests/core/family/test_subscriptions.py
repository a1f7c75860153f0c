"""Push subscriptions: opt-in, defaults, always-on categories (R82, §5.2, §5.4, C83)."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import NotificationOutbox, Subscription
from core.domain.enums import AuditAction, DigestMode
from core.domain.errors import Forbidden, InvalidInput, NotFound
from core.usecases.context import execute
from core.usecases.family.subscriptions import confirm_subscription, unsubscribe_category, update_subscription
from core.usecases.journal.marks import record_mark
from tests.builders import SpecSchool, build_spec_school, msk
from tests.core.family.helpers import audits, bind, rows


async def _mark(b: SpecSchool, at_hour: int) -> None:
    await execute(
        b.sessionmaker,
        b.actor("T", at=msk(2025, 10, 8, at_hour)),
        record_mark,
        lesson_id=b.lesson_l,
        student_id=b.student_ids["S"],
        work_type_id=b.work_type_ids["classwork"],
        value_code="5",
    )


async def test_no_push_before_the_parent_confirms_marks_and_the_next_mark_is_pushed_after(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R82, C83: P is bound but unconfirmed: a mark writes no push; after confirming `marks` the next one does."""
    b = await build_spec_school(sessionmaker)
    await bind(b, "P")
    await _mark(b, 10)
    assert await rows(b, NotificationOutbox) == []
    await execute(
        sessionmaker,
        b.actor("P", at=msk(2025, 10, 8, 11)),
        confirm_subscription,
        student_id=b.student_ids["S"],
        categories=["marks"],
    )
    [service] = await rows(b, NotificationOutbox)
    assert (service.category, service.event_type) == ("service", "subscription_changed")
    await _mark(b, 12)
    pushes = await rows(b, NotificationOutbox, category="marks")
    assert [(p.recipient_account_id, p.event_type) for p in pushes] == [(b.account_ids["P"], "mark_created")]


async def test_confirming_without_choices_takes_the_policy_defaults_and_is_audited(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R82, §5.2: parent defaults (all but homework), quiet hours 22:00–07:00, confirmed_at set, audit create."""
    b = await build_spec_school(sessionmaker)
    at = msk(2025, 10, 8, 11)
    sub_id = await execute(
        sessionmaker, b.actor("P", at=at), confirm_subscription, student_id=b.student_ids["S"]
    )
    [sub] = await rows(b, Subscription)
    assert sub.id == sub_id
    assert sub.categories == sorted(
        ["marks", "attendance", "period_marks", "schedule", "control_works", "weekly_digest"]
    )
    assert (sub.quiet_start, sub.quiet_end, sub.confirmed_at, sub.digest_mode) == (
        time(22, 0),
        time(7, 0),
        at,
        DigestMode.instant,
    )
    assert [e.action for e in await audits(b, "subscription")] == [AuditAction.create]
    # the student's own defaults differ: no attendance, no weekly digest, homework on
    await execute(sessionmaker, b.actor("S", at=at), confirm_subscription, student_id=b.student_ids["S"])
    own = (await rows(b, Subscription, account_id=b.account_ids["S"]))[0]
    assert "homework" in own.categories
    assert "attendance" not in own.categories


async def test_nobody_subscribes_for_another_child_and_unknown_categories_are_refused(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R82, §2.4.6: P cannot subscribe to Y, K cannot subscribe to S; `grades` and `staff` are invalid."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden):
        await execute(sessionmaker, b.actor("P"), confirm_subscription, student_id=b.student_ids["Y"])
    with pytest.raises(Forbidden):
        await execute(sessionmaker, b.actor("K"), confirm_subscription, student_id=b.student_ids["S"])
    for bad in ("grades", "staff"):
        with pytest.raises(InvalidInput) as refusal:
            await execute(
                sessionmaker,
                b.actor("P"),
                confirm_subscription,
                student_id=b.student_ids["S"],
                categories=[bad],
            )
        assert refusal.value.rule == "R82"
    assert await rows(b, Subscription) == []
    assert await audits(b, "subscription") == []


async def test_messages_and_service_cannot_be_switched_off_but_marks_can(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R82, §5.4.4: unsubscribing `messages` or `service` is refused; `marks` is removed and audited."""
    b = await build_spec_school(sessionmaker)
    actor = b.actor("P")
    s_id = b.student_ids["S"]
    with pytest.raises(NotFound):
        await execute(sessionmaker, actor, unsubscribe_category, student_id=s_id, category="marks")
    await execute(
        sessionmaker, actor, confirm_subscription, student_id=s_id, categories=["marks", "messages"]
    )
    for always_on in ("messages", "service"):
        with pytest.raises(InvalidInput):
            await execute(sessionmaker, actor, unsubscribe_category, student_id=s_id, category=always_on)
    await execute(sessionmaker, actor, unsubscribe_category, student_id=s_id, category="marks")
    [sub] = await rows(b, Subscription)
    assert sub.categories == []
    events = await audits(b, "subscription")
    assert [e.action for e in events] == [AuditAction.create, AuditAction.update]
    assert events[-1].before is not None
    assert events[-1].before["categories"] == ["marks"]


async def test_settings_change_quiet_hours_and_digest_mode(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R82, R125: /settings removes quiet hours and switches to the daily digest; half a quiet range is invalid."""
    b = await build_spec_school(sessionmaker)
    actor = b.actor("P")
    s_id = b.student_ids["S"]
    await execute(sessionmaker, actor, confirm_subscription, student_id=s_id, categories=["marks"])
    with pytest.raises(InvalidInput):
        await execute(sessionmaker, actor, update_subscription, student_id=s_id, quiet_start=time(21, 0))
    await execute(
        sessionmaker,
        actor,
        update_subscription,
        student_id=s_id,
        no_quiet_hours=True,
        digest_mode=DigestMode.daily,
    )
    [sub] = await rows(b, Subscription)
    assert (sub.quiet_start, sub.quiet_end, sub.digest_mode, sub.categories) == (
        None,
        None,
        DigestMode.daily,
        ["marks"],
    )
