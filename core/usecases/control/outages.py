"""Outage windows (R9): lessons starting inside one get their deadlines counted from the window end."""

from __future__ import annotations

from datetime import datetime

from core.audit.snapshot import snapshot
from core.db.models import OutageWindow
from core.domain.enums import AuditAction, Role
from core.domain.errors import InvalidInput
from core.usecases.access import require_role
from core.usecases.context import Ctx


async def declare_outage(ctx: Ctx, *, starts_at: datetime, ends_at: datetime, reason: str) -> int:
    """The coordinator declares an outage window [starts_at, ends_at) (R9, C43)."""
    role = require_role(ctx, Role.coordinator, rule="R9", entity="outage_window")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput("outage times carry a time zone", rule="R9", field="starts_at")
    if starts_at >= ends_at:
        raise InvalidInput("an outage ends after it starts", rule="R9", field="ends_at")
    if not reason.strip():
        raise InvalidInput("an outage needs a reason", rule="R9", field="reason")
    if ctx.actor.account_id is None:
        raise InvalidInput("an outage is declared by an account", rule="R9", field="declared_by")
    window = OutageWindow(
        school_id=ctx.actor.school_id,
        starts_at=starts_at,
        ends_at=ends_at,
        declared_by=ctx.actor.account_id,
        reason=reason.strip(),
    )
    ctx.session.add(window)
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "outage_window", window.id, after=snapshot(window), role=role)
    return window.id
