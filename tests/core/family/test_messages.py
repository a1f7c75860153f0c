"""Messages between staff and families, and the form tutor's weekly-message duty (R86, R92)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import Message, MessageRecipient, NotificationOutbox
from core.domain.enums import AuditAction, MessageKind
from core.domain.errors import Forbidden, InvalidInput
from core.usecases.context import execute
from core.usecases.family.messages import send_message, weekly_message_missing
from tests.builders import SpecSchool, build_spec_school, msk
from tests.core.family.helpers import audits, bind, rows, set_paper_only

AT = msk(2025, 10, 8, 16)


async def _send(b: SpecSchool, who: str, **kw: object) -> int:
    kw.setdefault("kind", MessageKind.direct)
    kw.setdefault("text", "Добрый день! Прошу связаться со мной.")
    return await execute(b.sessionmaker, b.actor(who, at=kw.pop("at", AT)), send_message, **kw)  # type: ignore[arg-type]


async def _nothing_written(b: SpecSchool) -> None:
    assert await rows(b, Message) == []
    assert await rows(b, MessageRecipient) == []
    assert await rows(b, NotificationOutbox) == []


async def test_parent_message_to_the_childs_maths_teacher_is_delivered_and_audited(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R92, C94: P writes to T (Maths of S): a message, a recipient row and an always-on push to T."""
    b = await build_spec_school(sessionmaker)
    message_id = await _send(
        b, "P", student_context_id=b.student_ids["S"], recipient_account_ids=[b.account_ids["T"]]
    )
    [message] = await rows(b, Message)
    assert (message.id, message.sender_account_id, message.student_context_id) == (
        message_id,
        b.account_ids["P"],
        b.student_ids["S"],
    )
    assert [r.account_id for r in await rows(b, MessageRecipient)] == [b.account_ids["T"]]
    [push] = await rows(b, NotificationOutbox)
    assert (push.recipient_account_id, push.category, push.event_type, push.not_before) == (
        b.account_ids["T"],
        "messages",
        "message",
        AT,
    )
    assert push.payload["message_id"] == message_id
    [event] = await audits(b, "message", entity_id=message_id)
    assert event.action == AuditAction.create
    assert event.after is not None
    assert event.after["recipients"] == [b.account_ids["T"]]


async def test_parent_message_to_the_form_tutor_is_delivered(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R92, §2.3 row 39: PY writes to K, the form tutor of Y's class 5А."""
    b = await build_spec_school(sessionmaker)
    await _send(b, "PY", student_context_id=b.student_ids["Y"], recipient_account_ids=[b.account_ids["K"]])
    assert [r.recipient_account_id for r in await rows(b, NotificationOutbox)] == [b.account_ids["K"]]


async def test_parent_message_to_a_teacher_who_does_not_teach_the_child_is_refused_and_changes_nothing(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R92, C94: P → T2 (Maths 5Б) and PY → E (English eng1, Y is in eng2) are refused and audited."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden) as refusal:
        await _send(
            b, "P", student_context_id=b.student_ids["S"], recipient_account_ids=[b.account_ids["T2"]]
        )
    assert refusal.value.rule == "R92"
    with pytest.raises(Forbidden):
        await _send(
            b, "PY", student_context_id=b.student_ids["Y"], recipient_account_ids=[b.account_ids["E"]]
        )
    await _nothing_written(b)
    denied = await audits(b, action=AuditAction.access_denied)
    assert [e.actor_account_id for e in denied] == [b.account_ids["P"], b.account_ids["PY"]]


async def test_parent_cannot_write_about_another_childs_context_or_to_other_parents(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R92, §2.4.6: P may not use Y as context, nor address another guardian."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden):
        await _send(b, "P", student_context_id=b.student_ids["Y"], recipient_account_ids=[b.account_ids["T"]])
    with pytest.raises(Forbidden):
        await _send(
            b, "P", student_context_id=b.student_ids["S"], recipient_account_ids=[b.account_ids["PY"]]
        )
    await _nothing_written(b)


async def test_student_message_is_refused_while_student_messaging_is_off_and_delivered_when_on(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R92, C94: with student_messaging = false S's message to T is refused; switched on, it goes."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden) as refusal:
        await _send(b, "S", recipient_account_ids=[b.account_ids["T"]])
    assert refusal.value.rule == "R92"
    await _nothing_written(b)
    await b.set_policy(student_messaging=True)
    message_id = await _send(b, "S", recipient_account_ids=[b.account_ids["T"]])
    [message] = await rows(b, Message)
    assert (message.id, message.student_context_id) == (message_id, b.student_ids["S"])
    with pytest.raises(Forbidden):
        await _send(b, "S", recipient_account_ids=[b.account_ids["T2"]])


async def test_teacher_messages_only_guardians_of_students_taught(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R92, §2.3 row 38 (O): T writes to P about S; T2 (not teaching S) is refused; T cannot broadcast to 5Б."""
    b = await build_spec_school(sessionmaker)
    await bind(b, "P")
    await _send(b, "T", student_context_id=b.student_ids["S"])
    [push] = await rows(b, NotificationOutbox)
    assert (push.recipient_account_id, push.student_id) == (b.account_ids["P"], b.student_ids["S"])
    with pytest.raises(Forbidden):
        await _send(b, "T2", student_context_id=b.student_ids["S"])
    with pytest.raises(Forbidden):
        await _send(b, "T", kind=MessageKind.class_broadcast, class_id=b.class_ids["5Б"])
    assert len(await rows(b, Message)) == 1


async def test_form_tutor_broadcast_is_pushed_only_past_binding_consent_and_paper_gates(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R92, R83, R84, §5.1.4: K broadcasts to 5А: P (bound) gets a push naming no student; PY (paper-only) only a recipient row."""
    b = await build_spec_school(sessionmaker)
    await bind(b, "P")
    await bind(b, "PY")
    await set_paper_only(b, "PY")
    message_id = await _send(b, "K", kind=MessageKind.class_broadcast, class_id=b.class_ids["5А"])
    recipients = {r.account_id for r in await rows(b, MessageRecipient, message_id=message_id)}
    assert recipients == {b.account_ids["P"], b.account_ids["PY"]}
    [push] = await rows(b, NotificationOutbox)
    assert (push.recipient_account_id, push.student_id) == (b.account_ids["P"], b.student_ids["S"])
    assert set(push.payload) == {"message_id", "kind", "sender_account_id", "class_id", "text"}
    with pytest.raises(Forbidden):
        await _send(b, "K", kind=MessageKind.class_broadcast, class_id=b.class_ids["5Б"])
    assert len(await rows(b, Message)) == 1


async def test_inspector_and_empty_text_are_refused(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R92: the inspector sends no messages; an empty text is invalid; neither writes anything."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden):
        await _send(b, "inspector", student_context_id=b.student_ids["S"])
    with pytest.raises(InvalidInput):
        await _send(b, "K", kind=MessageKind.class_broadcast, class_id=b.class_ids["5А"], text="   ")
    await _nothing_written(b)


async def test_form_tutor_without_a_message_in_the_iso_week_is_flagged(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R86, C89: K and T2 sent nothing to their parents in week 41: both classes flagged; after K writes, only 5Б."""
    b = await build_spec_school(sessionmaker)
    monday_42 = msk(2025, 10, 13, 9)
    week_41 = date(2025, 10, 6)
    check = b.actor("deputy", at=monday_42)
    assert await execute(sessionmaker, check, weekly_message_missing, week_start=week_41) == sorted(
        [b.class_ids["5А"], b.class_ids["5Б"]]
    )
    await _send(b, "K", student_context_id=b.student_ids["Y"], at=msk(2025, 10, 12, 23, 30))
    assert await execute(sessionmaker, check, weekly_message_missing, week_start=week_41) == [
        b.class_ids["5Б"]
    ]
    # a message sent after the week does not count for it
    await _send(
        b, "T2", kind=MessageKind.class_broadcast, class_id=b.class_ids["5Б"], at=msk(2025, 10, 13, 0, 5)
    )
    assert await execute(sessionmaker, check, weekly_message_missing, week_start=week_41) == [
        b.class_ids["5Б"]
    ]


async def test_weekly_message_check_follows_the_policy_and_is_for_the_administration(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R86: with form_tutor_weekly_message_check off nothing is flagged; a teacher may not run the check."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden):
        await execute(sessionmaker, b.actor("T"), weekly_message_missing, week_start=date(2025, 10, 6))
    with pytest.raises(InvalidInput):
        await execute(sessionmaker, b.actor("deputy"), weekly_message_missing, week_start=date(2025, 10, 7))
    await b.set_policy(form_tutor_weekly_message_check=False)
    assert (
        await execute(sessionmaker, b.actor("deputy"), weekly_message_missing, week_start=date(2025, 10, 6))
        == []
    )
