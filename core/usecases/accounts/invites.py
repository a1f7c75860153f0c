"""Personal invites (R95, R98, R100, R101, R126, §5.4, §7.3): issue, acknowledge, revoke.

Redeeming lives in `redeem.py`. The plaintext token and short code leave `issue_invite` once;
only their hashes are stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from core.audit.snapshot import snapshot
from core.db.models import (
    Account,
    Guardian,
    GuardianLink,
    Inspector,
    Invite,
    Staff,
    Student,
    StudentAccessApplication,
)
from core.domain.enums import (
    STAFF_ROLES,
    AccountStatus,
    AuditAction,
    ConsentDecision,
    InviteChannel,
    PersonType,
    Role,
)
from core.domain.errors import ConsentMissing, InvalidInput, NotFound
from core.policy.deadlines import invite_expiry
from core.security.tokens import hash_code, hash_token, new_short_code, new_token
from core.usecases.access import require_role, require_tutor_of
from core.usecases.accounts.common import account_of, class_for_person, revoke_open_invites, working_calendar
from core.usecases.accounts.consent import latest_consent, messenger_allowed
from core.usecases.context import Ctx
from core.usecases.roster import covers

PERSON_MODELS: dict[PersonType, type] = {
    PersonType.staff: Staff,
    PersonType.student: Student,
    PersonType.guardian: Guardian,
    PersonType.inspector: Inspector,
}
ACCOUNT_COLUMN = {
    PersonType.staff: "staff_id",
    PersonType.student: "student_id",
    PersonType.guardian: "guardian_id",
    PersonType.inspector: "inspector_id",
}


@dataclass(frozen=True)
class IssuedInvite:
    """Returned once, for the slip or the e-mail; never stored in plaintext."""

    invite_id: int
    token: str
    short_code: str
    expires_at: datetime


def _check_role(person_type: PersonType, role: Role) -> None:
    allowed = {
        PersonType.student: {Role.student},
        PersonType.guardian: {Role.parent},
        PersonType.inspector: {Role.inspector},
        PersonType.staff: set(STAFF_ROLES),
    }[person_type]
    if role not in allowed:
        raise InvalidInput("the role does not fit the person", rule="R95", field="role", role=role.value)


async def _require_issuer(ctx: Ctx, person_type: PersonType, person_id: int) -> None:
    """R95: staff and inspector invites come from the coordinator; students and parents also from the tutor (C)."""
    if person_type in (PersonType.staff, PersonType.inspector):
        require_role(ctx, Role.coordinator, rule="R95", entity="invite")
        return
    require_tutor_of(ctx, await class_for_person(ctx, person_type, person_id), rule="R95", entity="invite")


async def guardian_gate(ctx: Ctx, guardian_id: int) -> None:
    """R83/R84: a guardian gets an invite or a binding only with messenger consent and no paper service."""
    if not messenger_allowed(await latest_consent(ctx.session, PersonType.guardian, guardian_id)):
        raise ConsentMissing(
            "guardian consent for the messenger is missing", rule="R83", guardian_id=guardian_id
        )
    guardian = await ctx.session.get(Guardian, guardian_id)
    if guardian is not None and guardian.paper_only:
        raise ConsentMissing(
            "the guardian refused the electronic service", rule="R84", guardian_id=guardian_id
        )


async def student_gate(ctx: Ctx, student_id: int) -> None:
    """R101 application (if the policy asks for it) and R83 `given` from a linked legal representative."""
    own = await latest_consent(ctx.session, PersonType.student, student_id)
    if own is not None and own.decision != ConsentDecision.given:
        raise ConsentMissing("the student's consent is not given", rule="R93", student_id=student_id)
    if (await ctx.policy()).require_student_application:
        application = await ctx.session.scalar(
            select(StudentAccessApplication.id)
            .where(StudentAccessApplication.student_id == student_id)
            .limit(1)
        )
        if application is None:
            raise InvalidInput("no recorded access application", rule="R101", student_id=student_id)
    today = await ctx.today()
    representatives = await ctx.session.scalars(
        select(GuardianLink.guardian_id).where(
            GuardianLink.student_id == student_id,
            GuardianLink.is_legal_representative,
            covers(GuardianLink.active_from, GuardianLink.active_to, today),
        )
    )
    for guardian_id in representatives:
        if messenger_allowed(await latest_consent(ctx.session, PersonType.guardian, guardian_id)):
            return
    raise ConsentMissing("no legal representative has given consent", rule="R83", student_id=student_id)


async def staff_gate(ctx: Ctx, staff_id: int) -> None:
    """R93: a staff account only after a `given` decision."""
    record = await latest_consent(ctx.session, PersonType.staff, staff_id)
    if record is None or record.decision != ConsentDecision.given:
        raise ConsentMissing("staff consent is not given", rule="R93", staff_id=staff_id)


async def person_gate(ctx: Ctx, person_type: PersonType, person_id: int) -> None:
    """The consent and application gates for this person's electronic access."""
    if person_type == PersonType.guardian:
        await guardian_gate(ctx, person_id)
    elif person_type == PersonType.student:
        await student_gate(ctx, person_id)
    elif person_type == PersonType.staff:
        await staff_gate(ctx, person_id)


async def _ensure_account(ctx: Ctx, person_type: PersonType, person_id: int) -> Account:
    account = await account_of(ctx, person_type, person_id)
    if account is not None:
        return account
    account = Account(school_id=ctx.actor.school_id, status=AccountStatus.invited)
    setattr(account, ACCOUNT_COLUMN[person_type], person_id)
    ctx.session.add(account)
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "account", account.id, after=snapshot(account, ("status",)))
    return account


async def issue_invite(
    ctx: Ctx, *, person_type: PersonType, person_id: int, role: Role, channel: InviteChannel
) -> IssuedInvite:
    """Issue a personal invite (rows 25–26); an earlier unredeemed one for the same person and role is revoked."""
    person = await ctx.session.get(PERSON_MODELS[person_type], person_id)
    if person is None or person.school_id != ctx.actor.school_id:
        raise NotFound("person", entity=person_type.value, id=person_id)
    await _require_issuer(ctx, person_type, person_id)
    _check_role(person_type, role)
    await person_gate(ctx, person_type, person_id)
    await revoke_open_invites(ctx, person_type, person_id, "reissued", role=role)
    account = await _ensure_account(ctx, person_type, person_id)
    token, code = new_token(), new_short_code()
    invite = Invite(
        school_id=ctx.actor.school_id,
        person_type=person_type,
        person_id=person_id,
        role=role,
        account_id=account.id,
        token_hash=hash_token(token),
        code_hash=hash_code(code),
        issued_by=ctx.actor.account_id,
        issued_at=ctx.now,
        channel=channel,
        expires_at=invite_expiry(ctx.now, await working_calendar(ctx), await ctx.policy()),
    )
    ctx.session.add(invite)
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "invite", invite.id, after=snapshot(invite))
    return IssuedInvite(invite.id, token, code, invite.expires_at)


async def _load_invite(ctx: Ctx, invite_id: int) -> Invite:
    invite = await ctx.session.get(Invite, invite_id)
    if invite is None or invite.school_id != ctx.actor.school_id:
        raise NotFound("invite", entity="invite", id=invite_id)
    await _require_issuer(ctx, invite.person_type, invite.person_id)
    return invite


async def acknowledge_receipt(ctx: Ctx, invite_id: int, on: date) -> int:
    """Record the person's signature on the printed receipt sheet (R100)."""
    invite = await _load_invite(ctx, invite_id)
    before = snapshot(invite)
    invite.receipt_acknowledged = True
    invite.receipt_date = on
    await ctx.session.flush()
    await ctx.audit(AuditAction.update, "invite", invite.id, before=before, after=snapshot(invite))
    return invite.id


async def revoke_invite(ctx: Ctx, invite_id: int, reason: str = "revoked") -> int:
    """Revoke an unredeemed invite (rows 25–26)."""
    invite = await _load_invite(ctx, invite_id)
    if invite.redeemed_at is not None or invite.revoked_at is not None:
        raise InvalidInput("the invite is no longer open", rule="R126", invite_id=invite_id)
    before = snapshot(invite)
    invite.revoked_at = ctx.now
    invite.revoke_reason = reason
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.revoke, "invite", invite.id, before=before, after=snapshot(invite), reason=reason
    )
    return invite.id
