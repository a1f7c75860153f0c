"""Weekly data checks and monthly control notes, with their flags (R29, R120, C119, C120)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import AuditEvent, ControlRecord, DataCheck, NotificationOutbox
from core.domain.enums import AuditAction, OutboxStatus
from core.domain.errors import Forbidden
from core.usecases.context import execute
from core.usecases.control.duties import (
    missing_control_notes,
    missing_data_checks,
    record_control_note,
    record_data_check,
)
from tests.builders import SpecSchool, build_spec_school, msk

WEEK_40, WEEK_41, WEEK_42, WEEK_43 = (
    date(2025, 9, 29),
    date(2025, 10, 6),
    date(2025, 10, 13),
    date(2025, 10, 20),
)


async def _check(b: SpecSchool, at, who: str = "coordinator") -> int:
    return await execute(b.sessionmaker, b.actor(who, at=at), record_data_check, note="Проверены отметки 5А")


async def _flags(b: SpecSchool, at, who: str = "deputy") -> list[date]:
    weeks = [WEEK_40, WEEK_41, WEEK_42, WEEK_43]
    return await execute(b.sessionmaker, b.actor(who, at=at), missing_data_checks, weeks=weeks)


async def _rows(b: SpecSchool, model: type) -> list:
    async with b.sessionmaker() as s:
        order = model.seq if model is AuditEvent else model.id
        return list(await s.scalars(select(model).where(model.school_id == b.school_id).order_by(order)))


async def test_iso_week_without_a_data_check_is_flagged(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R29, C120: checks in weeks 40 and 42 only; week 41 is flagged, the running week 43 is not."""
    b = await build_spec_school(sessionmaker)
    first = await _check(b, msk(2025, 10, 1, 16))
    second = await _check(b, msk(2025, 10, 14, 16))
    assert await _flags(b, msk(2025, 10, 21, 9)) == [WEEK_41]
    check = (await _rows(b, DataCheck))[0]
    assert (check.id, check.checked_by, check.note) == (
        first,
        b.account_ids["coordinator"],
        "Проверены отметки 5А",
    )
    events = [e for e in await _rows(b, AuditEvent) if e.entity_type == "data_check"]
    assert [(e.action, e.entity_id) for e in events] == [
        (AuditAction.create, first),
        (AuditAction.create, second),
    ]


async def test_data_check_weeks_run_on_school_local_time(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R29: a check at 00:30 Moscow on Monday 13.10 (still 12.10 in UTC) counts for week 42, not week 41."""
    b = await build_spec_school(sessionmaker)
    await _check(b, msk(2025, 9, 30))
    await _check(b, msk(2025, 10, 13, 0, 30))
    await _check(b, msk(2025, 10, 21))
    assert await _flags(b, msk(2025, 10, 27, 9)) == [WEEK_41]


async def test_weekly_data_check_switched_off_flags_nothing(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R29: with `weekly_data_check` false no week is flagged."""
    b = await build_spec_school(sessionmaker)
    assert await _flags(b, msk(2025, 10, 28)) == [WEEK_40, WEEK_41, WEEK_42, WEEK_43]
    await b.set_policy(weekly_data_check=False)
    assert await _flags(b, msk(2025, 10, 28)) == []


async def test_only_the_coordinator_records_a_data_check(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R29, §2.3: the head, deputy head and T cannot record the data check; T cannot read the flags."""
    b = await build_spec_school(sessionmaker)
    for who in ("head", "deputy", "T"):
        with pytest.raises(Forbidden) as refusal:
            await _check(b, msk(2025, 10, 8), who=who)
        assert refusal.value.rule == "R29"
    assert await _rows(b, DataCheck) == []
    with pytest.raises(Forbidden):
        await _flags(b, msk(2025, 10, 28), who="T")


async def _note(b: SpecSchool, who: str, day: date, at=None, to: tuple[str, ...] = ("T", "K")) -> int:
    return await execute(
        b.sessionmaker,
        b.actor(who, at=at or msk(day.year, day.month, day.day, 17)),
        record_control_note,
        date=day,
        scope="Проверка журнала 5А: своевременность отметок",
        findings="Отметки за 08.10 выставлены с опозданием",
        addressed_to_staff_ids=[b.staff_ids[k] for k in to],
    )


async def test_control_note_is_stored_and_its_findings_go_to_the_addressed_staff(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R120: the head's note is stored with its addressees, audited, and a `staff` outbox row goes to T and K."""
    b = await build_spec_school(sessionmaker)
    record_id = await _note(b, "head", date(2025, 10, 15))
    record = (await _rows(b, ControlRecord))[0]
    assert (record.id, record.inspector_staff_id) == (record_id, b.staff_ids["head"])
    assert sorted(record.addressed_to) == sorted([b.staff_ids["T"], b.staff_ids["K"]])
    assert record.sent_at == msk(2025, 10, 15, 17)
    outbox = await _rows(b, NotificationOutbox)
    assert sorted(o.recipient_account_id for o in outbox) == sorted([b.account_ids["T"], b.account_ids["K"]])
    assert {(o.category, o.event_type, o.status, o.payload["control_record_id"]) for o in outbox} == {
        ("staff", "control_findings", OutboxStatus.pending, record_id)
    }
    events = [e for e in await _rows(b, AuditEvent) if e.entity_type == "control_record"]
    assert [(e.action, e.entity_id) for e in events] == [(AuditAction.create, record_id)]


async def test_control_note_by_the_coordinator_or_a_teacher_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R120, §2.3 row 44: the coordinator and T cannot record a control note; no record and no outbox row remain."""
    b = await build_spec_school(sessionmaker)
    for who in ("coordinator", "T", "K"):
        with pytest.raises(Forbidden) as refusal:
            await _note(b, who, date(2025, 10, 15))
        assert refusal.value.rule == "R120"
    assert await _rows(b, ControlRecord) == []
    assert await _rows(b, NotificationOutbox) == []


async def test_month_without_a_deputy_control_note_is_flagged_on_the_first_of_the_next(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R120, C119: the head noted in October, the deputy did not; on 01.11 the deputy is flagged, on 31.10 nobody."""
    b = await build_spec_school(sessionmaker)
    await _note(b, "head", date(2025, 10, 15))
    await _note(b, "deputy", date(2025, 9, 30))

    async def flags(at, month: date = date(2025, 10, 1)) -> list[int]:
        return await execute(sessionmaker, b.actor("coordinator", at=at), missing_control_notes, month=month)

    assert await flags(msk(2025, 10, 31, 23)) == []
    assert await flags(msk(2025, 11, 1, 9)) == [b.staff_ids["deputy"]]
    assert await flags(msk(2025, 11, 1, 9), month=date(2025, 9, 17)) == [b.staff_ids["head"]]
    await b.set_policy(monthly_control_check=False)
    assert await flags(msk(2025, 11, 1, 9)) == []
    with pytest.raises(Forbidden):
        await execute(
            sessionmaker, b.actor("T", at=msk(2025, 11, 1)), missing_control_notes, month=date(2025, 10, 1)
        )
