"""The append-only, hash-chained audit log (R58): one chain per school, verifiable end to end.

hash = SHA-256(prev_hash || canonical(event)). Editing an event breaks its own hash; inserting or
deleting one breaks the next event's prev_hash; deleting the last one breaks the chain head.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.snapshot import json_value
from core.db.models import AuditChainHead, AuditEvent
from core.domain.enums import AuditAction

GENESIS = "0" * 64
_FIELDS = (
    "school_id",
    "at",
    "actor_account_id",
    "actor_role",
    "source",
    "action",
    "entity_type",
    "entity_id",
    "before",
    "after",
    "reason",
    "approval_id",
    "request_id",
)


def _chain_id(school_id: int | None) -> int:
    return school_id or 0


def canonical(event: AuditEvent) -> bytes:
    """The event's content as canonical JSON (sorted keys, no spaces), the input of its hash."""
    data = {name: json_value(getattr(event, name)) for name in _FIELDS}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(event)).hexdigest()


async def append(
    session: AsyncSession,
    *,
    school_id: int | None,
    at: datetime,
    action: AuditAction,
    entity_type: str,
    entity_id: int | None,
    source: str,
    actor_account_id: int | None = None,
    actor_role: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    approval_id: int | None = None,
    request_id: str | None = None,
) -> AuditEvent:
    """Append one event to the school's chain inside the caller's transaction."""
    head = await session.scalar(
        select(AuditChainHead).where(AuditChainHead.id == _chain_id(school_id)).with_for_update()
    )
    if head is None:
        head = AuditChainHead(id=_chain_id(school_id), last_seq=0, last_hash=GENESIS)
        session.add(head)
    # Millisecond precision survives every engine's timestamp round trip unchanged.
    at_ms = at.astimezone(UTC).replace(microsecond=at.microsecond // 1000 * 1000)
    event = AuditEvent(
        school_id=school_id,
        at=at_ms,
        actor_account_id=actor_account_id,
        actor_role=actor_role,
        source=source,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=json_value(before) if before is not None else None,
        after=json_value(after) if after is not None else None,
        reason=reason,
        approval_id=approval_id,
        request_id=request_id,
        prev_hash=head.last_hash,
    )
    event.hash = event_hash(head.last_hash, event)
    session.add(event)
    await session.flush()
    head.last_seq = event.seq
    head.last_hash = event.hash
    return event


@dataclass(frozen=True)
class ChainBreak:
    """The first place where a chain does not verify."""

    school_id: int | None
    seq: int | None
    problem: str  # "altered", "inserted_or_deleted", "tail_deleted"


async def verify(session: AsyncSession, batch: int = 5000) -> list[ChainBreak]:
    """Walk every chain and report its first break; an empty list means the log is intact."""
    breaks: list[ChainBreak] = []
    heads = {h.id: h for h in await session.scalars(select(AuditChainHead))}
    school_ids = set(await session.scalars(select(AuditEvent.school_id).distinct()))
    for school_id in sorted(school_ids, key=lambda s: s or 0):
        found = await _verify_chain(session, school_id, heads.get(_chain_id(school_id)), batch)
        if found:
            breaks.append(found)
    return breaks


async def _verify_chain(
    session: AsyncSession, school_id: int | None, head: AuditChainHead | None, batch: int
) -> ChainBreak | None:
    prev_hash, last_seq = GENESIS, 0
    condition = AuditEvent.school_id.is_(None) if school_id is None else AuditEvent.school_id == school_id
    while True:
        rows = list(
            await session.scalars(
                select(AuditEvent)
                .where(condition, AuditEvent.seq > last_seq)
                .order_by(AuditEvent.seq)
                .limit(batch)
            )
        )
        for event in rows:
            if event.prev_hash != prev_hash:
                return ChainBreak(school_id, event.seq, "inserted_or_deleted")
            if event_hash(prev_hash, event) != event.hash:
                return ChainBreak(school_id, event.seq, "altered")
            prev_hash, last_seq = event.hash, event.seq
        if len(rows) < batch:
            break
    if head is None or head.last_hash != prev_hash:
        return ChainBreak(school_id, last_seq or None, "tail_deleted")
    return None
