"""Shared steps of the account tests: binding a Telegram user, issuing and redeeming invites."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import NotificationOutbox, StudentAccessApplication, TelegramBinding
from core.domain.enums import InviteChannel, OutboxStatus, PersonType, Role
from core.usecases.accounts.invites import IssuedInvite, issue_invite
from core.usecases.accounts.redeem import Redeemed, WrongCode, redeem_invite
from core.usecases.context import execute
from tests.builders import SpecSchool, msk

ISSUE_AT = msk(2025, 10, 6, 10)


def telegram_id() -> int:
    """A Telegram user id no other test uses (invite attempts are counted across schools)."""
    return 10_000_000 + secrets.randbelow(2**40)


async def bind(b: SpecSchool, who: str, telegram_user_id: int, at: datetime = ISSUE_AT) -> int:
    """An existing binding of a fixture account, as if redeemed earlier."""
    async with b.sessionmaker() as s:
        binding = TelegramBinding(
            school_id=b.school_id,
            account_id=b.account_ids[who],
            telegram_user_id=telegram_user_id,
            chat_id=telegram_user_id,
            bound_at=at,
        )
        s.add(binding)
        await s.commit()
        return binding.id


async def issue(
    b: SpecSchool, issuer: str, person_type: PersonType, person_id: int, role: Role, at: datetime = ISSUE_AT
) -> IssuedInvite:
    return await execute(
        b.sessionmaker,
        b.actor(issuer, at=at),
        issue_invite,
        person_type=person_type,
        person_id=person_id,
        role=role,
        channel=InviteChannel.paper_slip,
    )


async def redeem(b: SpecSchool, secret: str, telegram_user_id: int, at: datetime) -> Redeemed | WrongCode:
    return await execute(
        b.sessionmaker,
        b.system(at),
        redeem_invite,
        token_or_code=secret,
        telegram_user_id=telegram_user_id,
        chat_id=telegram_user_id,
    )


async def add_application(b: SpecSchool, student: str, guardian: str = "P") -> None:
    async with b.sessionmaker() as s:
        s.add(
            StudentAccessApplication(
                school_id=b.school_id,
                student_id=b.student_ids[student],
                applicant_guardian_id=b.guardian_ids[guardian],
                received_at=msk(2025, 10, 1),
                document_ref="З-1",
            )
        )
        await s.commit()


async def pending_push(b: SpecSchool, who: str, at: datetime = ISSUE_AT) -> int:
    async with b.sessionmaker() as s:
        row = NotificationOutbox(
            school_id=b.school_id,
            recipient_account_id=b.account_ids[who],
            category="marks",
            event_type="mark_created",
            payload={},
            not_before=at,
            created_at=at,
            status=OutboxStatus.pending,
        )
        s.add(row)
        await s.commit()
        return row.id


async def rows(session_maker: async_sessionmaker[AsyncSession], model: type, *where: object) -> list:
    async with session_maker() as s:
        return list(await s.scalars(select(model).where(*where)))
