"""Once per reporting period the form tutor informs all parents about the diary services (R87, C90)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import AuditEvent, Guardian, GuardianLink, NotificationOutbox
from core.domain.enums import AuditAction, GuardianRelation
from core.domain.errors import Forbidden
from core.usecases.context import execute
from core.usecases.family.informing import (
    InformingResult,
    inform_about_diary_services,
    informing_missing,
)
from tests.builders import YEAR_START, SpecSchool, build_spec_school, msk

Q2_START = msk(2025, 11, 5, 10)


async def _family_of_5a(b: SpecSchool) -> int:
    """P bound and also parent of X; PY bound but paper-only; a new guardian of V with no account."""
    await b.bind("P")
    await b.bind("PY")
    await b.bind("S")  # a student's own account is not a parent
    async with b.sessionmaker() as s:
        s.add(
            GuardianLink(
                school_id=b.school_id,
                guardian_id=b.guardian_ids["P"],
                student_id=b.student_ids["X"],
                relation=GuardianRelation.mother,
                verified_at=msk(2025, 9, 1),
                active_from=YEAR_START,
            )
        )
        await s.execute(update(Guardian).where(Guardian.id == b.guardian_ids["PY"]).values(paper_only=True))
        offline = Guardian(school_id=b.school_id, last_name="Родитель", first_name="В")
        s.add(offline)
        await s.flush()
        s.add(
            GuardianLink(
                school_id=b.school_id,
                guardian_id=offline.id,
                student_id=b.student_ids["V"],
                relation=GuardianRelation.father,
                verified_at=msk(2025, 9, 1),
                active_from=YEAR_START,
            )
        )
        await s.commit()
        return offline.id


async def _inform(b: SpecSchool, who: str, class_name: str = "5А", period: int = 1) -> InformingResult:
    return await execute(
        b.sessionmaker,
        b.actor(who, at=Q2_START),
        inform_about_diary_services,
        class_id=b.class_ids[class_name],
        period_id=b.period_ids[period],
    )


async def _outbox(b: SpecSchool) -> list[NotificationOutbox]:
    async with b.sessionmaker() as s:
        return list(
            await s.scalars(
                select(NotificationOutbox)
                .where(
                    NotificationOutbox.school_id == b.school_id,
                    NotificationOutbox.event_type == "diary_services_info",
                )
                .order_by(NotificationOutbox.id)
            )
        )


async def _missing(b: SpecSchool, period: int = 1) -> list[int]:
    return await execute(
        b.sessionmaker,
        b.actor("coordinator", at=Q2_START),
        informing_missing,
        period_id=b.period_ids[period],
    )


async def test_form_tutor_messages_bound_parents_once_and_lists_the_others_for_the_leaflet(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R87, C90, R84: K informs 5А for Q2 — bound P (two children) gets one service message; paper-only PY and unbound guardians are listed for the leaflet; the duty is recorded."""
    b = await build_spec_school(sessionmaker)
    offline = await _family_of_5a(b)
    result = await _inform(b, "K")
    assert result == InformingResult(
        messaged_account_ids=(b.account_ids["P"],),
        leaflet_guardian_ids=tuple(sorted((b.guardian_ids["PY"], offline))),
    )
    rows = await _outbox(b)
    assert [(r.recipient_account_id, r.category, r.not_before) for r in rows] == [
        (b.account_ids["P"], "service", Q2_START)
    ]
    assert rows[0].payload == {"class_id": b.class_ids["5А"], "period_id": b.period_ids[1]}
    async with sessionmaker() as s:
        [event] = await s.scalars(
            select(AuditEvent).where(
                AuditEvent.school_id == b.school_id,
                AuditEvent.entity_type == "diary_services_informing",
            )
        )
    assert (event.action, event.entity_id, event.actor_account_id, event.actor_role) == (
        AuditAction.create,
        b.class_ids["5А"],
        b.account_ids["K"],
        "form_tutor",
    )
    assert event.after is not None
    assert (event.after["class_id"], event.after["period_id"]) == (b.class_ids["5А"], b.period_ids[1])


async def test_informing_again_in_the_period_sends_no_second_message(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R87: repeating the duty in the same period does not message P again; a new period does."""
    b = await build_spec_school(sessionmaker)
    await _family_of_5a(b)
    await _inform(b, "K")
    again = await _inform(b, "K")
    assert again.messaged_account_ids == (b.account_ids["P"],)
    assert len(await _outbox(b)) == 1
    await _inform(b, "K", period=2)
    assert [r.payload["period_id"] for r in await _outbox(b)] == [b.period_ids[1], b.period_ids[2]]


async def test_classes_whose_tutor_has_not_informed_parents_are_listed_per_period(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R87, C90: before anyone acts both classes are missing for Q2; after K informs 5А only 5Б is; the coordinator may do 5Б's duty."""
    b = await build_spec_school(sessionmaker)
    assert await _missing(b) == sorted(b.class_ids.values())
    await _inform(b, "K", period=0)  # Q1 does not count for Q2
    await _inform(b, "K")
    assert await _missing(b) == [b.class_ids["5Б"]]
    assert await _missing(b, period=0) == [b.class_ids["5Б"]]
    result = await _inform(b, "coordinator", "5Б")
    assert result.leaflet_guardian_ids == (b.guardian_ids["PB"],)  # PB is not bound
    assert await _missing(b) == []


@pytest.mark.parametrize(("who", "class_name"), [("T", "5А"), ("T2", "5А"), ("P", "5А")])
async def test_only_the_form_tutor_or_coordinator_informs_a_class(
    sessionmaker: async_sessionmaker[AsyncSession], who: str, class_name: str
) -> None:
    """R87: a subject teacher, another class's tutor or a parent is refused; nothing is sent or recorded."""
    b = await build_spec_school(sessionmaker)
    await _family_of_5a(b)
    with pytest.raises(Forbidden) as refusal:
        await _inform(b, who, class_name)
    assert refusal.value.rule == "R87"
    assert await _outbox(b) == []
    assert await _missing(b) == sorted(b.class_ids.values())


async def test_only_administration_lists_missing_informing(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R87: a form tutor cannot run the school-wide check of the duty."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden):
        await execute(sessionmaker, b.actor("K", at=Q2_START), informing_missing, period_id=b.period_ids[1])
