"""Redeeming a personal invite in the bot (R47, R83, R89, R98, R126, §5.4, C8, C86, C93, C99–C100, C106–C107).

Run it through `execute` with a system actor (`Actor.system(school_id, at)`): the Telegram user is
not an account yet. A wrong code is not a refusal but a result, `WrongCode`, so that the
InviteAttempt row it writes is committed and counts towards the R126 lock; every other refusal
raises and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from core.audit.snapshot import snapshot
from core.db.models import Account, Guardian, Invite, InviteAttempt, Staff, Student, TelegramBinding
from core.domain.enums import AccountStatus, AuditAction, PersonType, Provenance
from core.domain.errors import Forbidden, InvalidInput, RateLimited
from core.security.tokens import hash_code, hash_token
from core.usecases.accounts.common import guardian_children
from core.usecases.accounts.invites import person_gate
from core.usecases.context import Ctx

MAX_WRONG_CODES = 5
LOCK_WINDOW = timedelta(hours=1)
LOCK_DURATION = timedelta(hours=1)


@dataclass(frozen=True)
class PersonSummary:
    """Who is being bound, for the confirmation screen ("родитель: …; ребёнок: …")."""

    person_type: PersonType
    person_id: int
    last_name: str
    first_name: str
    patronymic: str | None
    children: tuple[int, ...] = ()


@dataclass(frozen=True)
class Redeemed:
    account_id: int
    invite_id: int
    binding_id: int
    person: PersonSummary


@dataclass(frozen=True)
class WrongCode:
    """No invite matches; `locked_until` is set when this attempt triggered the R126 lock."""

    attempts_left: int
    locked_until: datetime | None


def lock_until(wrong_attempts: list[datetime]) -> datetime | None:
    """End of the latest lock: more than 5 wrong codes within an hour lock entry for an hour (R126)."""
    times = sorted(wrong_attempts)
    until = None
    for i in range(MAX_WRONG_CODES, len(times)):
        if times[i] - times[i - MAX_WRONG_CODES] <= LOCK_WINDOW:
            until = times[i] + LOCK_DURATION
    return until


async def _recent_wrong(ctx: Ctx, telegram_user_id: int) -> list[datetime]:
    return list(
        await ctx.session.scalars(
            select(InviteAttempt.attempted_at).where(
                InviteAttempt.telegram_user_id == telegram_user_id,
                InviteAttempt.succeeded.is_(False),
                InviteAttempt.attempted_at > ctx.now - LOCK_WINDOW - LOCK_DURATION,
                InviteAttempt.attempted_at <= ctx.now,
            )
        )
    )


async def _find(ctx: Ctx, token_or_code: str) -> Invite | None:
    return await ctx.session.scalar(
        select(Invite).where(
            Invite.school_id == ctx.actor.school_id,
            or_(Invite.token_hash == hash_token(token_or_code), Invite.code_hash == hash_code(token_or_code)),
        )
    )


def _check_open(invite: Invite, now: datetime) -> None:
    if invite.redeemed_at is not None:
        raise InvalidInput("the invite was already used", rule="R126", reason="redeemed", invite_id=invite.id)
    if invite.revoked_at is not None:
        raise InvalidInput("the invite was revoked", rule="R126", reason="revoked", invite_id=invite.id)
    if now > invite.expires_at:
        raise InvalidInput(
            "the invite has expired", rule="R98", reason="expired", expires_at=invite.expires_at
        )


async def _check_identity_mix(ctx: Ctx, invite: Invite, telegram_user_id: int, account: Account) -> None:
    """R47: a Telegram user bound to a student never holds a staff identity, and the reverse."""
    bound = (
        await ctx.session.scalars(
            select(Account)
            .join(TelegramBinding, TelegramBinding.account_id == Account.id)
            .where(TelegramBinding.telegram_user_id == telegram_user_id, TelegramBinding.revoked_at.is_(None))
        )
    ).all()
    for other in bound:
        if other.id == account.id:
            continue  # the same person binding again: the old binding is replaced below
        is_staff_invite = invite.person_type in (PersonType.staff, PersonType.inspector)
        if (is_staff_invite and other.student_id is not None) or (
            invite.person_type == PersonType.student and other.staff_id is not None
        ):
            raise Forbidden(
                "a student identity and a staff identity never share a Telegram account",
                rule="R47",
                entity="invite",
                id=invite.id,
            )
        if other.school_id == ctx.actor.school_id:
            raise InvalidInput(
                "this Telegram account is bound to another person",
                rule="R47",
                reason="bound_elsewhere",
                invite_id=invite.id,
            )


async def _summary(ctx: Ctx, invite: Invite) -> PersonSummary:
    model = {PersonType.staff: Staff, PersonType.student: Student, PersonType.guardian: Guardian}.get(
        invite.person_type
    )
    person = await ctx.session.get(model, invite.person_id) if model is not None else None
    children: tuple[int, ...] = ()
    if invite.person_type == PersonType.guardian:
        children = tuple(await guardian_children(ctx, invite.person_id, await ctx.today()))
    return PersonSummary(
        invite.person_type,
        invite.person_id,
        getattr(person, "last_name", ""),
        getattr(person, "first_name", ""),
        getattr(person, "patronymic", None),
        children,
    )


async def redeem_invite(
    ctx: Ctx, *, token_or_code: str, telegram_user_id: int, chat_id: int
) -> Redeemed | WrongCode:
    """Bind the Telegram user to the invite's account (single use, provenance `invite_redeemed`)."""
    until = lock_until(await _recent_wrong(ctx, telegram_user_id))
    if until is not None and ctx.now < until:
        raise RateLimited("too many wrong codes", rule="R126", until=until)
    invite = await _find(ctx, token_or_code)
    if invite is None:
        ctx.session.add(
            InviteAttempt(telegram_user_id=telegram_user_id, attempted_at=ctx.now, succeeded=False)
        )
        await ctx.session.flush()
        wrong = await _recent_wrong(ctx, telegram_user_id)
        in_window = [t for t in wrong if t > ctx.now - LOCK_WINDOW]
        return WrongCode(max(0, MAX_WRONG_CODES - len(in_window)), lock_until(wrong))
    _check_open(invite, ctx.now)
    await person_gate(ctx, invite.person_type, invite.person_id)
    account = await ctx.session.get(Account, invite.account_id)
    assert account is not None  # issue_invite always sets it
    await _check_identity_mix(ctx, invite, telegram_user_id, account)
    await ctx.session.execute(
        update(TelegramBinding)
        .where(
            TelegramBinding.account_id == account.id,
            TelegramBinding.telegram_user_id == telegram_user_id,
            TelegramBinding.revoked_at.is_(None),
        )
        .values(revoked_at=ctx.now, revoke_reason="rebound")
        .execution_options(synchronize_session="fetch")
    )
    before = snapshot(invite)
    invite.redeemed_at = ctx.now
    invite.redeemed_telegram_user_id = telegram_user_id
    binding = TelegramBinding(
        school_id=ctx.actor.school_id,
        account_id=account.id,
        telegram_user_id=telegram_user_id,
        chat_id=chat_id,
        bound_at=ctx.now,
        via_invite_id=invite.id,
        provenance=Provenance.invite_redeemed,
    )
    ctx.session.add(binding)
    account_before = snapshot(account, ("status", "blocked_at"))
    # A compromised account comes back only here, through a new invite (R104, C106).
    account.status = AccountStatus.active
    account.blocked_at = None
    await ctx.session.flush()
    await ctx.audit(AuditAction.redeem, "invite", invite.id, before=before, after=snapshot(invite))
    await ctx.audit(AuditAction.create, "telegram_binding", binding.id, after=snapshot(binding))
    await ctx.audit(
        AuditAction.update,
        "account",
        account.id,
        before=account_before,
        after=snapshot(account, ("status", "blocked_at")),
    )
    return Redeemed(account.id, invite.id, binding.id, await _summary(ctx, invite))
