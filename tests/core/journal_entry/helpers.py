"""Shared look-ups for the journal-entry tests: rows, audit events and outbox rows of one school."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.db.models import (
    Attendance,
    AuditEvent,
    Mark,
    NotificationOutbox,
)
from core.domain.enums import OutboxStatus
from tests.builders import SpecSchool


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
