"""Refusal of (and return to) the electronic service (R84, §5.5, C88)."""

from __future__ import annotations

from datetime import date

from core.audit.snapshot import snapshot
from core.db.models import Guardian, PaperServiceDecision
from core.domain.enums import AuditAction, PersonType
from core.domain.errors import InvalidInput, NotFound
from core.usecases.access import require_tutor_of
from core.usecases.accounts.common import class_for_person, cut_off_guardian
from core.usecases.context import Ctx


async def _decide(ctx: Ctx, guardian_id: int, paper_only: bool, decided_on: date, basis: str) -> Guardian:
    guardian = await ctx.session.get(Guardian, guardian_id)
    if guardian is None or guardian.school_id != ctx.actor.school_id:
        raise NotFound("guardian", entity="guardian", id=guardian_id)
    require_tutor_of(
        ctx, await class_for_person(ctx, PersonType.guardian, guardian_id), rule="R84", entity="guardian"
    )
    if not basis.strip():
        raise InvalidInput("the written statement's reference is required", rule="R84", field="basis")
    if guardian.paper_only == paper_only:
        raise InvalidInput("the guardian is already in this service mode", rule="R84", paper_only=paper_only)
    before = snapshot(guardian)
    guardian.paper_only = paper_only
    guardian.paper_only_since = decided_on if paper_only else None
    guardian.paper_only_basis = basis if paper_only else None
    decision = PaperServiceDecision(
        school_id=ctx.actor.school_id,
        guardian_id=guardian_id,
        paper_only=paper_only,
        decided_on=decided_on,
        basis=basis,
        recorded_by=ctx.actor.account_id,
        recorded_at=ctx.now,
    )
    ctx.session.add(decision)
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "paper_service_decision", decision.id, after=snapshot(decision))
    await ctx.audit(AuditAction.update, "guardian", guardian.id, before=before, after=snapshot(guardian))
    return guardian


async def refuse_electronic_service(ctx: Ctx, *, guardian_id: int, decided_on: date, basis: str) -> int:
    """Put a guardian on paper service; invites, bindings and pending pushes go in this transaction."""
    await _decide(ctx, guardian_id, True, decided_on, basis)
    effects = await cut_off_guardian(ctx, guardian_id, "paper_only")
    await ctx.audit(AuditAction.revoke, "guardian_access", guardian_id, after=effects, reason="paper_only")
    return guardian_id


async def return_to_electronic_service(ctx: Ctx, *, guardian_id: int, decided_on: date, basis: str) -> int:
    """Record the new written statement; access then returns only through a new invite."""
    await _decide(ctx, guardian_id, False, decided_on, basis)
    return guardian_id
