"""Personal invites: who issues them, expiry, single use, the R126 lock and R47 identity separation."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import Account, AuditEvent, CalendarDay, Invite, InviteAttempt, TelegramBinding
from core.domain.enums import (
    AccountStatus,
    AuditAction,
    CalendarDayKind,
    ConsentDecision,
    InviteChannel,
    PersonType,
    Provenance,
    Role,
    StaffPosition,
)
from core.domain.errors import ConsentMissing, Forbidden, InvalidInput, RateLimited
from core.usecases.accounts.consent import ConsentInput
from core.usecases.accounts.invites import acknowledge_receipt
from core.usecases.accounts.people import create_staff
from core.usecases.accounts.redeem import Redeemed, WrongCode
from core.usecases.context import execute
from tests.builders import build_spec_school, msk
from tests.core.accounts.accounts_helpers import add_application, bind, issue, redeem, rows, telegram_id


async def test_form_tutor_issues_invites_for_own_class_parents_only(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R95, R100, C98: K (tutor of 5А) is refused for a 5Б parent; for a 5А parent the register row is written."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden) as refusal:
        await issue(b, "K", PersonType.guardian, b.guardian_ids["PB"], Role.parent)
    assert refusal.value.rule == "R95"
    assert await rows(sessionmaker, Invite, Invite.school_id == b.school_id) == []
    issued = await issue(b, "K", PersonType.guardian, b.guardian_ids["P"], Role.parent)
    await execute(
        sessionmaker,
        b.actor("K", at=msk(2025, 10, 7)),
        acknowledge_receipt,
        issued.invite_id,
        date(2025, 10, 7),
    )
    [invite] = await rows(sessionmaker, Invite, Invite.school_id == b.school_id)
    assert (invite.person_type, invite.person_id, invite.role) == (
        PersonType.guardian,
        b.guardian_ids["P"],
        Role.parent,
    )
    assert (invite.issued_by, invite.issued_at, invite.channel) == (
        b.account_ids["K"],
        msk(2025, 10, 6, 10),
        InviteChannel.paper_slip,
    )
    assert (invite.receipt_acknowledged, invite.receipt_date) == (True, date(2025, 10, 7))
    created = await rows(
        sessionmaker,
        AuditEvent,
        AuditEvent.entity_type == "invite",
        AuditEvent.entity_id == invite.id,
        AuditEvent.action == AuditAction.create,
    )
    assert len(created) == 1


async def test_staff_invites_come_from_the_coordinator_only(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R95: a form tutor cannot issue a staff invite; the coordinator can once staff consent is given (R93)."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden):
        await issue(b, "K", PersonType.staff, b.staff_ids["U"], Role.teacher)
    with pytest.raises(ConsentMissing) as refusal:
        await issue(b, "coordinator", PersonType.staff, b.staff_ids["U"], Role.teacher)
    assert refusal.value.rule == "R93"


async def test_invite_stores_only_hashes_of_token_and_code(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R126: the token is ≤64 URL-safe characters, the code 10 Crockford characters; neither is stored."""
    b = await build_spec_school(sessionmaker)
    issued = await issue(b, "coordinator", PersonType.guardian, b.guardian_ids["P"], Role.parent)
    assert len(issued.token) <= 64
    assert all(c.isalnum() or c in "-_" for c in issued.token)
    assert len(issued.short_code) == 10
    assert set(issued.short_code) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    [invite] = await rows(sessionmaker, Invite, Invite.id == issued.invite_id)
    stored = " ".join(str(getattr(invite, c.key)) for c in Invite.__table__.columns)
    assert issued.token not in stored
    assert issued.short_code not in stored
    events = await rows(sessionmaker, AuditEvent, AuditEvent.school_id == b.school_id)
    dumped = " ".join(f"{e.before} {e.after}" for e in events)
    assert issued.token not in dumped
    assert issued.short_code not in dumped


async def test_invite_issued_monday_expires_after_ten_working_days(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R98, R3, C99: issued Mon 06.10, it works on 20.10 23:00 and is expired on 21.10; a non-working 13.10 moves expiry to 21.10."""
    b = await build_spec_school(sessionmaker)
    first = await issue(b, "coordinator", PersonType.guardian, b.guardian_ids["P"], Role.parent)
    assert first.expires_at == msk(2025, 10, 20, 23, 59, 59).replace(microsecond=999999)
    with pytest.raises(InvalidInput) as refusal:
        await redeem(b, first.token, telegram_id(), msk(2025, 10, 21, 0, 0, 1))
    assert (refusal.value.rule, refusal.value.details["reason"]) == ("R98", "expired")
    result = await redeem(b, first.short_code, telegram_id(), msk(2025, 10, 20, 23))
    assert isinstance(result, Redeemed)

    async with sessionmaker() as s:
        s.add(
            CalendarDay(
                school_id=b.school_id,
                year_id=b.year_id,
                day=date(2025, 10, 13),
                kind=CalendarDayKind.non_working,
            )
        )
        await s.commit()
    moved = await issue(b, "coordinator", PersonType.guardian, b.guardian_ids["PY"], Role.parent)
    assert moved.expires_at == msk(2025, 10, 21, 23, 59, 59).replace(microsecond=999999)
    assert isinstance(await redeem(b, moved.token, telegram_id(), msk(2025, 10, 21, 23)), Redeemed)


async def test_redeemed_invite_cannot_be_redeemed_again(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R126, C100: a second redemption, from any Telegram account, is refused."""
    b = await build_spec_school(sessionmaker)
    issued = await issue(b, "coordinator", PersonType.guardian, b.guardian_ids["P"], Role.parent)
    first_user = telegram_id()
    assert isinstance(await redeem(b, issued.token, first_user, msk(2025, 10, 7)), Redeemed)
    for user in (telegram_id(), first_user):
        with pytest.raises(InvalidInput) as refusal:
            await redeem(b, issued.short_code, user, msk(2025, 10, 8))
        assert (refusal.value.rule, refusal.value.details["reason"]) == ("R126", "redeemed")
    bindings = await rows(sessionmaker, TelegramBinding, TelegramBinding.school_id == b.school_id)
    assert [x.telegram_user_id for x in bindings] == [first_user]


async def test_reissuing_revokes_the_earlier_unredeemed_invite(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R98: a new invite for the same person and role revokes the open one, which can then not be redeemed."""
    b = await build_spec_school(sessionmaker)
    old = await issue(b, "coordinator", PersonType.guardian, b.guardian_ids["P"], Role.parent)
    new = await issue(
        b, "coordinator", PersonType.guardian, b.guardian_ids["P"], Role.parent, at=msk(2025, 10, 7)
    )
    with pytest.raises(InvalidInput) as refusal:
        await redeem(b, old.token, telegram_id(), msk(2025, 10, 8))
    assert refusal.value.details["reason"] == "revoked"
    assert isinstance(await redeem(b, new.token, telegram_id(), msk(2025, 10, 8)), Redeemed)


async def test_binding_records_invite_provenance(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """R89, C93: the guardian's binding has provenance invite_redeemed and references invite I."""
    b = await build_spec_school(sessionmaker)
    issued = await issue(b, "K", PersonType.guardian, b.guardian_ids["P"], Role.parent)
    user = telegram_id()
    result = await redeem(b, issued.token, user, msk(2025, 10, 7))
    assert isinstance(result, Redeemed)
    assert result.account_id == b.account_ids["P"]
    assert result.person.children == (b.student_ids["S"],)
    [binding] = await rows(sessionmaker, TelegramBinding, TelegramBinding.id == result.binding_id)
    assert (binding.provenance, binding.via_invite_id, binding.telegram_user_id) == (
        Provenance.invite_redeemed,
        issued.invite_id,
        user,
    )
    [invite] = await rows(sessionmaker, Invite, Invite.id == issued.invite_id)
    assert (invite.redeemed_at, invite.redeemed_telegram_user_id) == (msk(2025, 10, 7), user)


async def test_student_invite_requires_an_access_application(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R101, C102: without a recorded application K's invite for S is refused; with one it is issued."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(InvalidInput) as refusal:
        await issue(b, "K", PersonType.student, b.student_ids["S"], Role.student)
    assert refusal.value.rule == "R101"
    assert await rows(sessionmaker, Invite, Invite.school_id == b.school_id) == []
    await add_application(b, "S")
    issued = await issue(b, "K", PersonType.student, b.student_ids["S"], Role.student)
    assert issued.invite_id


async def test_student_invite_requires_a_consenting_legal_representative(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R83: student V has an application but no linked guardian with given consent, so the invite is refused."""
    b = await build_spec_school(sessionmaker)
    await add_application(b, "V")
    with pytest.raises(ConsentMissing) as refusal:
        await issue(b, "coordinator", PersonType.student, b.student_ids["V"], Role.student)
    assert refusal.value.rule == "R83"


async def test_telegram_account_of_a_student_cannot_take_a_staff_invite(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R47, C8: a Telegram user bound to student S cannot redeem a staff invite, nor a teacher's a student invite."""
    b = await build_spec_school(sessionmaker)
    student_user, teacher_user = telegram_id(), telegram_id()
    await bind(b, "S", student_user)
    await bind(b, "T", teacher_user)
    staff_id = await execute(
        sessionmaker,
        b.actor("coordinator", at=msk(2025, 10, 6, 9)),
        create_staff,
        last_name="Новикова",
        first_name="Ольга",
        patronymic=None,
        positions=[StaffPosition.teacher],
        entered_on=date(2025, 10, 6),
        consent=ConsentInput(ConsentDecision.given, date(2025, 10, 6), "С-15", messenger=True),
    )
    staff_invite = await issue(b, "coordinator", PersonType.staff, staff_id, Role.teacher)
    with pytest.raises(Forbidden) as refusal:
        await redeem(b, staff_invite.token, student_user, msk(2025, 10, 7))
    assert refusal.value.rule == "R47"
    await add_application(b, "S")
    student_invite = await issue(b, "coordinator", PersonType.student, b.student_ids["S"], Role.student)
    with pytest.raises(Forbidden):
        await redeem(b, student_invite.token, teacher_user, msk(2025, 10, 7))
    async with sessionmaker() as s:
        redeemed = await s.scalar(
            select(func.count())
            .select_from(Invite)
            .where(Invite.school_id == b.school_id, Invite.redeemed_at.is_not(None))
        )
        account = await s.scalar(select(Account).where(Account.staff_id == staff_id))
    assert redeemed == 0
    assert account is not None
    assert account.status == AccountStatus.invited


async def test_six_wrong_codes_lock_code_entry_for_an_hour(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R126, C107: after 6 wrong codes within an hour even a valid code is refused until the hour has passed."""
    b = await build_spec_school(sessionmaker)
    issued = await issue(b, "coordinator", PersonType.guardian, b.guardian_ids["P"], Role.parent)
    user = telegram_id()
    results = [await redeem(b, "WRONGCODE0", user, msk(2025, 10, 7, 10, minute)) for minute in range(6)]
    assert all(isinstance(r, WrongCode) for r in results)
    assert [r.attempts_left for r in results] == [4, 3, 2, 1, 0, 0]  # type: ignore[union-attr]
    assert results[-1].locked_until == msk(2025, 10, 7, 11, 5)  # type: ignore[union-attr]
    assert len(await rows(sessionmaker, InviteAttempt, InviteAttempt.telegram_user_id == user)) == 6
    with pytest.raises(RateLimited) as refusal:
        await redeem(b, issued.token, user, msk(2025, 10, 7, 10, 30))
    assert refusal.value.rule == "R126"
    assert refusal.value.details["until"] == msk(2025, 10, 7, 11, 5)
    with pytest.raises(RateLimited):
        await redeem(b, issued.short_code, user, msk(2025, 10, 7, 11, 4))
    assert isinstance(await redeem(b, issued.short_code, user, msk(2025, 10, 7, 11, 6)), Redeemed)
