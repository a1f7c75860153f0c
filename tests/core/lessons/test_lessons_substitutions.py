"""Substitutions and schedule changes (R42, R43, R125): who registers, what changes, who hears of it."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import AuditEvent, Lesson, NotificationOutbox, Substitution
from core.domain.enums import LessonStatus, RequestStatus, SubstitutionKind
from core.domain.errors import Forbidden, InvalidInput
from core.usecases.context import execute
from core.usecases.timetable.substitutions import (
    approve_substitution_request,
    register_substitution,
    request_substitution,
)
from tests.builders import SpecSchool, build_spec_school, msk
from tests.core.lessons.support import add_room, audit_actions, can_write, count, fetch_all, get


async def _substitute_u(b: SpecSchool, lesson_id: int, at: object = None) -> int:
    result = await execute(
        b.sessionmaker,
        b.actor("deputy", at=at or msk(2025, 10, 8, 7, 30)),  # type: ignore[arg-type]
        register_substitution,
        lesson_id=lesson_id,
        kind=SubstitutionKind.substitution,
        substitute_staff_id=b.staff_ids["U"],
    )
    assert result.status == RequestStatus.registered
    return result.substitution_id


async def test_substitute_writes_only_the_registered_lesson(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R42, R30, C11: U substitutes L and may write it, not the 09.10 Maths lesson; T is out of L while substituted."""
    b = await build_spec_school(sessionmaker)
    next_day = await b.add_lesson(date(2025, 10, 9))
    await _substitute_u(b, b.lesson_l)
    at = msk(2025, 10, 8, 12)
    assert await execute(sessionmaker, b.actor("U", at=at), can_write, b.lesson_l)
    with pytest.raises(Forbidden):
        await execute(sessionmaker, b.actor("U", at=at), can_write, next_day)
    with pytest.raises(Forbidden):
        await execute(sessionmaker, b.actor("T", at=at), can_write, b.lesson_l)
    assert await execute(sessionmaker, b.actor("T", at=at), can_write, next_day)
    lesson = await get(sessionmaker, Lesson, b.lesson_l)
    assert (lesson.scheduled_teacher_id, lesson.actual_teacher_id) == (b.staff_ids["T"], b.staff_ids["U"])
    assert await audit_actions(b, "lesson", b.lesson_l) == ["update", "access_denied"]  # T refused


async def test_substitution_registered_the_day_after_is_saved_and_flagged_late(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R42, C40: a substitution for 08.10 registered on 09.10 is saved with late_seconds; on 08.10 at 23:00 it is on time."""
    b = await build_spec_school(sessionmaker)
    on_time = await _substitute_u(b, b.lesson_l, at=msk(2025, 10, 8, 23, 0))
    other = await b.add_lesson(date(2025, 10, 8), slot=5)
    late = await _substitute_u(b, other, at=msk(2025, 10, 9, 9, 0))
    assert (await get(sessionmaker, Substitution, on_time)).late_seconds is None
    assert (await get(sessionmaker, Substitution, late)).late_seconds == 9 * 3600


async def test_requested_substitution_takes_effect_only_when_the_deputy_approves(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R42, C41: U's bot request is `requested` and gives no access; after the deputy approves, U writes L."""
    b = await build_spec_school(sessionmaker)
    u = b.actor("U", at=msk(2025, 10, 8, 7, 0))
    asked = await execute(sessionmaker, u, request_substitution, lesson_id=b.lesson_l)
    assert asked.status == RequestStatus.requested
    with pytest.raises(Forbidden):
        await execute(sessionmaker, u, can_write, b.lesson_l)
    assert (await get(sessionmaker, Lesson, b.lesson_l)).actual_teacher_id == b.staff_ids["T"]
    with pytest.raises(Forbidden) as refusal:
        await execute(sessionmaker, u, approve_substitution_request, substitution_id=asked.substitution_id)
    assert refusal.value.rule == "R42"
    await execute(
        sessionmaker,
        b.actor("deputy", at=msk(2025, 10, 8, 7, 20)),
        approve_substitution_request,
        substitution_id=asked.substitution_id,
    )
    sub = await get(sessionmaker, Substitution, asked.substitution_id)
    assert (sub.status, sub.substitute_teacher_id, sub.late_seconds) == (
        RequestStatus.registered,
        b.staff_ids["U"],
        None,
    )
    assert await execute(sessionmaker, u, can_write, b.lesson_l)
    assert await audit_actions(b, "substitution", sub.id) == ["create", "approve"]


async def test_teacher_asks_for_cover_and_the_deputy_names_the_substitute_on_approval(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R42: T requests cover for L without naming anyone; approval needs a substitute, and with U it is applied."""
    b = await build_spec_school(sessionmaker)
    asked = await execute(
        sessionmaker, b.actor("T", at=msk(2025, 10, 7, 18)), request_substitution, lesson_id=b.lesson_l
    )
    deputy = b.actor("deputy", at=msk(2025, 10, 7, 19))
    with pytest.raises(InvalidInput):
        await execute(
            sessionmaker, deputy, approve_substitution_request, substitution_id=asked.substitution_id
        )
    assert (await get(sessionmaker, Substitution, asked.substitution_id)).status == RequestStatus.requested
    await execute(
        sessionmaker,
        deputy,
        approve_substitution_request,
        substitution_id=asked.substitution_id,
        substitute_staff_id=b.staff_ids["U"],
    )
    assert (await get(sessionmaker, Lesson, b.lesson_l)).actual_teacher_id == b.staff_ids["U"]


async def test_requests_are_refused_when_the_school_turns_them_off(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R42: with teacher_can_request_substitution off, U's request is refused and nothing is stored."""
    b = await build_spec_school(sessionmaker)
    await b.set_policy(teacher_can_request_substitution=False)
    with pytest.raises(Forbidden):
        await execute(sessionmaker, b.actor("U"), request_substitution, lesson_id=b.lesson_l)
    assert await count(sessionmaker, Substitution, Substitution.school_id == b.school_id) == 0


async def test_a_teacher_cannot_register_a_substitution_directly(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R42: only the coordinator or deputy head registers; T's attempt is refused and audited as access_denied."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden):
        await execute(
            sessionmaker,
            b.actor("T"),
            register_substitution,
            lesson_id=b.lesson_l,
            kind=SubstitutionKind.substitution,
            substitute_staff_id=b.staff_ids["U"],
        )
    assert await count(sessionmaker, Substitution, Substitution.school_id == b.school_id) == 0
    assert (
        await count(
            sessionmaker,
            AuditEvent,
            AuditEvent.school_id == b.school_id,
            AuditEvent.action == "access_denied",
        )
        == 1
    )


async def test_room_change_for_tomorrow_shows_at_once_and_notifies_subscribed_families(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R43, C42: the 09.10 lesson's room changes on saving and P (bound, subscribed to schedule) gets a schedule_changed push."""
    b = await build_spec_school(sessionmaker)
    await b.subscribe("P", "S", ["schedule"], quiet=(time(22, 0), time(7, 0)))
    await b.subscribe("PY", "Y", ["marks"], quiet=(time(22, 0), time(7, 0)))  # not subscribed to schedule
    tomorrow = await b.add_lesson(date(2025, 10, 9))
    room = await add_room(b, "214")
    at = msk(2025, 10, 8, 15)
    result = await execute(
        sessionmaker,
        b.actor("coordinator", at=at),
        register_substitution,
        lesson_id=tomorrow,
        kind=SubstitutionKind.room_change,
        new_room_id=room,
    )
    assert (await get(sessionmaker, Lesson, tomorrow)).room_id == room
    pushes = await fetch_all(sessionmaker, NotificationOutbox, NotificationOutbox.school_id == b.school_id)
    assert result.notified == 1
    assert [(p.recipient_account_id, p.student_id, p.category, p.event_type) for p in pushes] == [
        (b.account_ids["P"], b.student_ids["S"], "schedule", "schedule_changed")
    ]
    payload = pushes[0].payload
    assert (payload["date"], payload["slot"], payload["change"], payload["room"]) == (
        "2025-10-09",
        3,
        "room_change",
        "214",
    )
    assert payload["teacher"]["staff_id"] == b.staff_ids["T"]
    assert pushes[0].not_before == at


async def test_same_day_substitution_before_seven_is_pushed_despite_quiet_hours(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R125, R43, C85: with quiet hours 22:00–07:00, a same-day substitution registered at 06:30 is due at once."""
    b = await build_spec_school(sessionmaker)
    await b.subscribe("P", "S", ["schedule"], quiet=(time(22, 0), time(7, 0)))
    at = msk(2025, 10, 8, 6, 30)
    await _substitute_u(b, b.lesson_l, at=at)
    pushes = await fetch_all(sessionmaker, NotificationOutbox, NotificationOutbox.school_id == b.school_id)
    assert [(p.not_before, p.payload["teacher"]["staff_id"]) for p in pushes] == [(at, b.staff_ids["U"])]


async def test_changes_beyond_the_coming_week_are_not_pushed(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R43: a cancellation of a lesson three weeks ahead changes the lesson but writes no push."""
    b = await build_spec_school(sessionmaker)
    await b.subscribe("P", "S", ["schedule"], quiet=(time(22, 0), time(7, 0)))
    far = await b.add_lesson(date(2025, 10, 29))
    result = await execute(
        sessionmaker,
        b.actor("deputy"),
        register_substitution,
        lesson_id=far,
        kind=SubstitutionKind.cancellation,
    )
    assert result.notified == 0
    assert (await get(sessionmaker, Lesson, far)).status == LessonStatus.cancelled
    assert await count(sessionmaker, NotificationOutbox, NotificationOutbox.school_id == b.school_id) == 0


async def test_reschedule_creates_the_new_lesson_and_links_it(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R42: moving L to 10.10 slot 5 marks L rescheduled and links the new planned lesson; a second change of L is refused."""
    b = await build_spec_school(sessionmaker)
    result = await execute(
        sessionmaker,
        b.actor("deputy"),
        register_substitution,
        lesson_id=b.lesson_l,
        kind=SubstitutionKind.reschedule,
        new_date=date(2025, 10, 10),
        new_bell_slot_id=b.slot_ids[5],
    )
    old = await get(sessionmaker, Lesson, b.lesson_l)
    assert result.new_lesson_id is not None
    new = await get(sessionmaker, Lesson, result.new_lesson_id)
    assert (old.status, old.rescheduled_to_lesson_id) == (LessonStatus.rescheduled, new.id)
    assert (new.date, new.bell_slot_id, new.status, new.group_id) == (
        date(2025, 10, 10),
        b.slot_ids[5],
        LessonStatus.planned,
        old.group_id,
    )
    with pytest.raises(InvalidInput):
        await execute(
            sessionmaker,
            b.actor("deputy"),
            register_substitution,
            lesson_id=b.lesson_l,
            kind=SubstitutionKind.cancellation,
        )
