"""Shared look-ups for the journal-entry tests: rows, audit events and outbox rows of one school."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import (
    Attendance,
    AuditEvent,
    Mark,
    NotificationOutbox,
    Subscription,
    TelegramBinding,
)
from core.domain.enums import OutboxStatus
from tests.builders import SpecSchool, msk


async def audit_events(b: SpecSchool, entity_type: str, entity_id: int | None = None) -> list[AuditEvent]:
    async with b.sessionmaker() as s:
        query = select(AuditEvent).where(
            AuditEvent.school_id == b.school_id, AuditEvent.entity_type == entity_type
        )
        if entity_id is not None:
            query = query.where(AuditEvent.entity_id == entity_id)
        return list(await s.scalars(query.order_by(AuditEvent.seq)))


async def marks_of(b: SpecSchool, **where: Any) -> list[Mark]:
    async with b.sessionmaker() as s:
        query = select(Mark).where(Mark.school_id == b.school_id).filter_by(**where)
        return list(await s.scalars(query.order_by(Mark.id)))


async def attendance_of(b: SpecSchool, **where: Any) -> list[Attendance]:
    async with b.sessionmaker() as s:
        query = select(Attendance).where(Attendance.school_id == b.school_id).filter_by(**where)
        return list(await s.scalars(query.order_by(Attendance.id)))


async def outbox_of(b: SpecSchool, **where: Any) -> list[NotificationOutbox]:
    async with b.sessionmaker() as s:
        query = (
            select(NotificationOutbox).where(NotificationOutbox.school_id == b.school_id).filter_by(**where)
        )
        return list(await s.scalars(query.order_by(NotificationOutbox.id)))


async def bind_and_subscribe(
    b: SpecSchool, who: str, child: str, categories: list[str], *, confirmed: bool = True
) -> None:
    """Give `who` a live Telegram binding and a (confirmed) subscription about `child`."""
    sessionmaker: async_sessionmaker[AsyncSession] = b.sessionmaker
    async with sessionmaker() as s:
        account_id = b.account_ids[who]
        s.add(
            TelegramBinding(
                school_id=b.school_id,
                account_id=account_id,
                telegram_user_id=900_000_000 + account_id,
                chat_id=900_000_000 + account_id,
                bound_at=msk(2025, 9, 2),
            )
        )
        s.add(
            Subscription(
                school_id=b.school_id,
                account_id=account_id,
                student_id=b.student_ids[child],
                categories=categories,
                confirmed_at=msk(2025, 9, 2) if confirmed else None,
            )
        )
        await s.commit()


async def mark_outbox_sent(b: SpecSchool, dedup_key: str, at: datetime) -> None:
    """Play the sender: every pending push for `dedup_key` went out at `at`."""
    async with b.sessionmaker() as s:
        rows = await s.scalars(
            select(NotificationOutbox).where(
                NotificationOutbox.school_id == b.school_id,
                NotificationOutbox.dedup_key == dedup_key,
                NotificationOutbox.status == OutboxStatus.pending,
            )
        )
        for row in rows:
            row.status = OutboxStatus.sent
            row.sent_at = at
        await s.commit()
