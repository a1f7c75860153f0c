"""Shared steps of the family-service tests: bindings, row look-ups of one school, a sent push."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select

from core.db.models import AuditEvent, Guardian, NotificationOutbox, TelegramBinding
from core.domain.enums import OutboxStatus
from tests.builders import SpecSchool, msk

T = TypeVar("T")


async def bind(b: SpecSchool, who: str) -> None:
    """A live Telegram binding of a fixture account, as if redeemed on 02.09.2025."""
    telegram_user_id = 20_000_000 + secrets.randbelow(2**40)
    async with b.sessionmaker() as s:
        s.add(
            TelegramBinding(
                school_id=b.school_id,
                account_id=b.account_ids[who],
                telegram_user_id=telegram_user_id,
                chat_id=telegram_user_id,
                bound_at=msk(2025, 9, 2),
            )
        )
        await s.commit()


async def set_paper_only(b: SpecSchool, guardian: str) -> None:
    """Flag a guardian paper-only without the use case (its effects are tested in accounts/)."""
    async with b.sessionmaker() as s:
        row = await s.get(Guardian, b.guardian_ids[guardian])
        assert row is not None
        row.paper_only = True
        await s.commit()


async def rows(b: SpecSchool, model: type[T], **where: Any) -> list[T]:
    """Rows of `model` in the test's school, oldest first."""
    async with b.sessionmaker() as s:
        query = select(model).where(model.school_id == b.school_id).filter_by(**where)  # type: ignore[attr-defined]
        return list(await s.scalars(query.order_by(model.id)))  # type: ignore[attr-defined]


async def audits(b: SpecSchool, entity_type: str | None = None, **where: Any) -> list[AuditEvent]:
    async with b.sessionmaker() as s:
        query = select(AuditEvent).where(AuditEvent.school_id == b.school_id).filter_by(**where)
        if entity_type is not None:
            query = query.where(AuditEvent.entity_type == entity_type)
        return list(await s.scalars(query.order_by(AuditEvent.seq)))


async def add_push(
    b: SpecSchool, who: str, status: OutboxStatus, at: datetime, sent_at: datetime | None = None
) -> int:
    """A push to `who` about their child, in the state the sender left it."""
    async with b.sessionmaker() as s:
        row = NotificationOutbox(
            school_id=b.school_id,
            recipient_account_id=b.account_ids[who],
            category="marks",
            event_type="mark_created",
            subject_ref="mark:1",
            payload={"value": "5"},
            not_before=at,
            created_at=at,
            status=status,
            sent_at=sent_at,
        )
        s.add(row)
        await s.commit()
        return row.id
