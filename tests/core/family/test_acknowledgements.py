"""«Ознакомлен» and the view and acknowledgement register (R88, R90, C91, C95)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import Acknowledgement, NotificationOutbox
from core.domain.enums import AuditAction, DiarySection, OutboxStatus
from core.domain.errors import Forbidden, InvalidInput
from core.reports.diary import student_diary
from core.usecases.context import execute
from core.usecases.family.acknowledgements import BOUND, PAPER_ONLY, UNBOUND, acknowledge, view_register
from tests.builders import build_spec_school, msk
from tests.core.family.helpers import add_push, audits, bind, rows, set_paper_only

OCT_6, OCT_12 = date(2025, 10, 6), date(2025, 10, 12)


async def test_parent_view_and_acknowledgement_are_stored_and_appear_in_the_tutors_register(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R88, C91: P runs /marks and taps «Ознакомлен»: DiaryView and Acknowledgement stored; K's register shows both."""
    b = await build_spec_school(sessionmaker)
    await bind(b, "P")
    viewed_at, pushed_at, tapped_at = msk(2025, 10, 8, 19), msk(2025, 10, 8, 18), msk(2025, 10, 8, 19, 5)
    await execute(
        sessionmaker,
        b.actor("P", at=viewed_at),
        student_diary,
        student_id=b.student_ids["S"],
        date_from=OCT_6,
        date_to=OCT_12,
        section=DiarySection.marks,
    )
    push_id = await add_push(b, "P", OutboxStatus.sent, pushed_at, sent_at=msk(2025, 10, 8, 18, 0, 30))
    ack_id = await execute(sessionmaker, b.actor("P", at=tapped_at), acknowledge, notification_id=push_id)
    again = await execute(
        sessionmaker, b.actor("P", at=msk(2025, 10, 8, 20)), acknowledge, notification_id=push_id
    )
    assert again == ack_id
    [ack] = await rows(b, Acknowledgement)
    assert (ack.notification_id, ack.account_id, ack.acknowledged_at) == (
        push_id,
        b.account_ids["P"],
        tapped_at,
    )
    [push] = await rows(b, NotificationOutbox)
    assert push.acknowledged_at == tapped_at
    assert [e.action for e in await audits(b, "acknowledgement")] == [AuditAction.create]

    register = await execute(
        sessionmaker, b.actor("K", at=msk(2025, 10, 13, 9)), view_register,
        class_id=b.class_ids["5А"], date_from=OCT_6, date_to=OCT_12,
    )  # fmt: skip
    p_row = next(r for r in register if r.guardian_id == b.guardian_ids["P"])
    assert (p_row.status, p_row.unreached, p_row.last_view_at, p_row.views_in_range) == (
        BOUND,
        False,
        viewed_at,
        1,
    )
    assert (p_row.notifications_sent, p_row.notifications_acknowledged, p_row.median_latency_seconds) == (
        1,
        1,
        30.0,
    )
    assert {r.guardian_id for r in register} == {b.guardian_ids["P"], b.guardian_ids["PY"]}


async def test_only_the_recipient_acknowledges_a_delivered_push(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R88: PY cannot acknowledge P's push (refused, audited, nothing changed); a pending push cannot be acknowledged."""
    b = await build_spec_school(sessionmaker)
    sent = await add_push(b, "P", OutboxStatus.sent, msk(2025, 10, 8, 18), sent_at=msk(2025, 10, 8, 18))
    pending = await add_push(b, "P", OutboxStatus.pending, msk(2025, 10, 8, 18))
    with pytest.raises(Forbidden) as refusal:
        await execute(sessionmaker, b.actor("PY"), acknowledge, notification_id=sent)
    assert refusal.value.rule == "R88"
    with pytest.raises(InvalidInput):
        await execute(sessionmaker, b.actor("P"), acknowledge, notification_id=pending)
    assert await rows(b, Acknowledgement) == []
    assert all(p.acknowledged_at is None for p in await rows(b, NotificationOutbox))
    assert [e.actor_account_id for e in await audits(b, action=AuditAction.access_denied)] == [
        b.account_ids["PY"]
    ]


async def test_register_lists_failed_deliveries_and_guardians_neither_bound_nor_paper_only(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R90, C95: PY's push failed after 24 h and P is neither bound nor paper-only: the register shows both."""
    b = await build_spec_school(sessionmaker)
    await bind(b, "PY")
    failed = await add_push(b, "PY", OutboxStatus.failed, msk(2025, 10, 7, 10))
    register = await execute(
        sessionmaker, b.actor("deputy", at=msk(2025, 10, 13, 9)), view_register,
        class_id=b.class_ids["5А"], date_from=OCT_6, date_to=OCT_12,
    )  # fmt: skip
    by_guardian = {r.guardian_id: r for r in register}
    py, p = by_guardian[b.guardian_ids["PY"]], by_guardian[b.guardian_ids["P"]]
    assert (py.status, py.failed_notification_ids, py.notifications_sent) == (BOUND, (failed,), 0)
    assert (p.status, p.unreached, p.last_view_at) == (UNBOUND, True, None)
    await set_paper_only(b, "P")
    register = await execute(
        sessionmaker,
        b.actor("head"),
        view_register,
        class_id=b.class_ids["5А"],
        date_from=OCT_6,
        date_to=OCT_12,
    )
    p = next(r for r in register if r.guardian_id == b.guardian_ids["P"])
    assert (p.status, p.unreached) == (PAPER_ONLY, False)


async def test_register_is_closed_to_teachers_and_other_classes_tutors(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R88, §2.3 row 42: T (teacher only) and T2 (tutor of 5Б) may not see the 5А register; refusals are audited."""
    b = await build_spec_school(sessionmaker)
    for who in ("T", "T2", "P"):
        with pytest.raises(Forbidden):
            await execute(
                sessionmaker,
                b.actor(who),
                view_register,
                class_id=b.class_ids["5А"],
                date_from=OCT_6,
                date_to=OCT_12,
            )
    denied = await audits(b, action=AuditAction.access_denied)
    assert [e.actor_account_id for e in denied] == [b.account_ids[w] for w in ("T", "T2", "P")]
