"""Web admin passwords (R102, §7.3): login against an argon2id hash and the forced first change.

`authenticate` is a boundary of its own (there is no actor before a login): it commits, so a
failed attempt is audited even though it is refused. No password, hash or attempted login name
ever reaches the audit log.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit import chain
from core.db.models import Account, WebSession
from core.domain.enums import AccountStatus, AuditAction, Channel
from core.domain.errors import AccountBlocked, DomainError, Forbidden, InvalidInput
from core.security.passwords import hash_password, needs_rehash, verify_password
from core.usecases.accounts.bootstrap import MIN_PASSWORD_LENGTH
from core.usecases.context import Ctx

BLOCKED = (AccountStatus.compromised, AccountStatus.blocked, AccountStatus.disabled)


@dataclass(frozen=True)
class LoginResult:
    account_id: int
    school_id: int
    must_change_password: bool


@cache
def _dummy_hash() -> str:
    """Verified against for unknown logins, so they cost the same time as a wrong password."""
    return hash_password("not-a-real-password")


def _verify(stored: str | None, password: str) -> bool:
    return verify_password(stored or _dummy_hash(), password) and stored is not None


def _bad_credentials() -> InvalidInput:
    return InvalidInput("bad credentials", rule="R102", reason="bad_credentials")


async def _audit_login(
    session: AsyncSession, account: Account | None, at: datetime, ok: bool, reason: str | None = None
) -> None:
    await chain.append(
        session,
        school_id=account.school_id if account is not None else None,
        at=at,
        action=AuditAction.login,
        entity_type="account",
        entity_id=account.id if account is not None else None,
        source=Channel.web.value,
        actor_account_id=account.id if account is not None else None,
        after={"ok": ok},
        reason=reason,
    )


async def authenticate(session: AsyncSession, *, login: str, password: str, at: datetime) -> LoginResult:
    """R102: check a web login; unknown login and wrong password fail alike; commits the audit event."""
    account = await session.scalar(select(Account).where(Account.web_login == login))
    stored = account.password_hash if account is not None and account.password_hash else None
    matches = await asyncio.to_thread(_verify, stored, password)
    refusal: DomainError | None = None
    if stored is None or not matches:
        refusal = _bad_credentials()
    elif (
        account is not None
        and account.status in BLOCKED
        and (account.blocked_at is None or at >= account.blocked_at)
    ):
        refusal = AccountBlocked("account is blocked", rule="R104", since=account.blocked_at)
    elif account is not None and needs_rehash(stored):
        account.password_hash = await asyncio.to_thread(hash_password, password)
    await _audit_login(session, account, at, ok=refusal is None, reason=refusal.code if refusal else None)
    await session.commit()
    if refusal is not None or account is None:
        raise refusal or _bad_credentials()
    return LoginResult(account.id, account.school_id, account.must_change_password)


async def change_password(
    ctx: Ctx, *, old_password: str, new_password: str, keep_session_id: int | None = None
) -> int:
    """R102, C103: the account changes its own password; its other web sessions end."""
    account = await ctx.session.get(Account, ctx.actor.account_id) if ctx.actor.account_id else None
    if account is None or account.password_hash is None:
        raise Forbidden("the account has no web password", rule="R102", entity="account")
    if not await asyncio.to_thread(verify_password, account.password_hash, old_password):
        raise InvalidInput("bad credentials", rule="R102", reason="bad_credentials", field="old_password")
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            "password too short", rule="R102", field="new_password", min_length=MIN_PASSWORD_LENGTH
        )
    if new_password == old_password:
        raise InvalidInput("the new password equals the old one", rule="R102", field="new_password")
    before = {"must_change_password": account.must_change_password}
    account.password_hash = await asyncio.to_thread(hash_password, new_password)
    account.must_change_password = False
    conditions = [WebSession.account_id == account.id, WebSession.revoked_at.is_(None)]
    if keep_session_id is not None:
        conditions.append(WebSession.id != keep_session_id)
    revoked = await ctx.session.execute(
        update(WebSession)
        .where(*conditions)
        .values(revoked_at=ctx.now)
        .execution_options(synchronize_session="fetch")
    )
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.update,
        "account",
        account.id,
        before=before,
        after={
            "must_change_password": False,
            "password_changed": True,
            "sessions_revoked": int(revoked.rowcount or 0),  # type: ignore[attr-defined]
        },
    )
    return account.id


# The one use case a web account with a temporary password may run (R102 gate in `execute`).
change_password.allowed_before_password_change = True  # type: ignore[attr-defined]
