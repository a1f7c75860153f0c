"""Consent decisions (R83, R93, §7.2): append-only records, the latest wins; withdrawal cuts the bot off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.snapshot import snapshot
from core.db.models import ConsentRecord, GuardianLink
from core.domain.enums import AuditAction, ConsentDecision, PersonType, Role
from core.domain.errors import InvalidInput
from core.policy.settings import ConsentMode
from core.usecases.access import require_role, require_tutor_of
from core.usecases.accounts.common import (
    account_of,
    cancel_pending_outbox,
    class_for_person,
    cut_off_guardian,
    guardian_children,
    revoke_bindings,
    revoke_open_invites,
)
from core.usecases.context import Ctx
from core.usecases.roster import covers

CUT_OFF = frozenset({ConsentDecision.refused, ConsentDecision.withdrawn})


@dataclass(frozen=True)
class ConsentInput:
    """A decision as written on the signed paper form."""

    decision: ConsentDecision
    decision_date: date
    document_ref: str | None
    messenger: bool = False
    given_by_guardian_id: int | None = None


async def latest_consent(
    session: AsyncSession, subject_type: PersonType, subject_id: int
) -> ConsentRecord | None:
    """The person's current consent decision (the latest record), or None when there is none."""
    return await session.scalar(
        select(ConsentRecord)
        .where(ConsentRecord.subject_type == subject_type, ConsentRecord.subject_id == subject_id)
        .order_by(ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc())
        .limit(1)
    )


def messenger_allowed(record: ConsentRecord | None) -> bool:
    """R83: bot binding and pushes need `given` with the messenger scope."""
    return (
        record is not None
        and record.decision == ConsentDecision.given
        and record.electronic_delivery_messenger
    )


async def validate_consent(ctx: Ctx, consent: ConsentInput | None) -> ConsentInput:
    """R93: a decision must exist; `pending` only in lenient mode; a real decision needs its document."""
    if consent is None:
        raise InvalidInput("a consent decision must be recorded first", rule="R93", field="consent")
    if consent.decision == ConsentDecision.pending:
        if (await ctx.policy()).consent_mode != ConsentMode.lenient:
            raise InvalidInput("pending consent needs lenient mode", rule="R93", field="consent")
    elif not (consent.document_ref or "").strip():
        raise InvalidInput("the signed form's reference is required", rule="R93", field="document_ref")
    return consent


async def write_consent(
    ctx: Ctx, subject_type: PersonType, subject_id: int, consent: ConsentInput
) -> ConsentRecord:
    """Append the record and audit it; a guardian's refusal or withdrawal revokes access at once (R83)."""
    record = ConsentRecord(
        school_id=ctx.actor.school_id,
        subject_type=subject_type,
        subject_id=subject_id,
        given_by_guardian_id=consent.given_by_guardian_id,
        decision=consent.decision,
        processing_in_system=consent.decision == ConsentDecision.given,
        electronic_delivery_messenger=consent.decision == ConsentDecision.given and consent.messenger,
        decision_date=consent.decision_date,
        document_ref=consent.document_ref,
        recorded_by=ctx.actor.account_id,
        recorded_at=ctx.now,
    )
    ctx.session.add(record)
    await ctx.session.flush()
    effects = None
    if subject_type == PersonType.guardian and (
        consent.decision in CUT_OFF or not record.electronic_delivery_messenger
    ):
        effects = await cut_off_guardian(ctx, subject_id, f"consent_{consent.decision.value}")
        effects["students_cut_off"] = await _cut_off_unrepresented_children(ctx, subject_id)
    await ctx.audit(
        AuditAction.create,
        "consent_record",
        record.id,
        after={**snapshot(record), **({"effects": effects} if effects else {})},
    )
    return record


async def _cut_off_unrepresented_children(ctx: Ctx, guardian_id: int) -> list[int]:
    """R83: a child whose last consenting legal representative withdrew loses its own bot access too."""
    cut: list[int] = []
    today = await ctx.today()
    for student_id in await guardian_children(ctx, guardian_id, today):
        others = await ctx.session.scalars(
            select(GuardianLink.guardian_id).where(
                GuardianLink.student_id == student_id,
                GuardianLink.guardian_id != guardian_id,
                GuardianLink.is_legal_representative,
                covers(GuardianLink.active_from, GuardianLink.active_to, today),
            )
        )
        if any(
            [messenger_allowed(await latest_consent(ctx.session, PersonType.guardian, g)) for g in others]
        ):
            continue
        await revoke_open_invites(ctx, PersonType.student, student_id, "guardian_consent")
        account = await account_of(ctx, PersonType.student, student_id)
        if account is not None and await revoke_bindings(ctx, account.id, "guardian_consent"):
            await cancel_pending_outbox(ctx, account.id)
            cut.append(student_id)
    return cut


async def record_consent(
    ctx: Ctx,
    *,
    subject_type: PersonType,
    subject_id: int,
    decision: ConsentDecision,
    decision_date: date,
    document_ref: str | None,
    messenger: bool,
    given_by_guardian_id: int | None = None,
) -> int:
    """Record a consent decision (row 23): coordinator, or the form tutor for own-class students and guardians."""
    if subject_type in (PersonType.student, PersonType.guardian):
        require_tutor_of(
            ctx, await class_for_person(ctx, subject_type, subject_id), rule="R93", entity="consent"
        )
    else:
        require_role(ctx, Role.coordinator, rule="R93", entity="consent")
    consent = await validate_consent(
        ctx, ConsentInput(decision, decision_date, document_ref, messenger, given_by_guardian_id)
    )
    record = await write_consent(ctx, subject_type, subject_id, consent)
    return record.id
