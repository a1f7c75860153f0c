"""The unit of work around every use case: one transaction, the actor's principal, audit and policy.

`execute` is the service boundary both fronts call: it opens the transaction, refuses blocked
accounts (R104), runs the use case, commits, and turns a refusal into a rollback. A Forbidden
refusal is itself audited (`access_denied`, §2.4.1) in a transaction of its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from core.audit import chain
from core.db.engine import SQLITE_IMMEDIATE
from core.db.models import School, SchoolPolicyRecord
from core.db.tenancy import bind_school
from core.domain.actor import Actor
from core.domain.enums import AccountStatus, AuditAction, Channel, Role
from core.domain.errors import (
    AccountBlocked,
    ConcurrentChange,
    DomainError,
    Forbidden,
    NotFound,
    PasswordChangeRequired,
)
from core.policy.calendar import to_local
from core.policy.settings import SchoolPolicy
from core.usecases.principal import Principal, load_principal, system_principal

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class Ctx:
    """Everything a use case needs; it never commits (the caller of `execute` owns the transaction)."""

    session: AsyncSession
    actor: Actor
    principal: Principal
    _policy: SchoolPolicy | None = field(default=None, repr=False)
    granted_role: Role | None = None  # the role the last scope check granted; audit events record it

    @property
    def now(self) -> datetime:
        return self.actor.at

    async def policy(self) -> SchoolPolicy:
        if self._policy is None:
            record = await self.session.scalar(
                select(SchoolPolicyRecord).where(SchoolPolicyRecord.school_id == self.actor.school_id)
            )
            self._policy = SchoolPolicy.from_stored(dict(record.data) if record is not None else {})
        return self._policy

    async def today(self) -> date:
        """The operation's date in the school's time zone (§0.2)."""
        return to_local(self.actor.at, (await self.policy()).tz).date()

    async def audit(
        self,
        action: AuditAction,
        entity_type: str,
        entity_id: int | None,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        reason: str | None = None,
        approval_id: int | None = None,
        role: str | None = None,
    ) -> None:
        await chain.append(
            self.session,
            school_id=self.actor.school_id,
            at=self.actor.at,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            source=self.actor.channel.value,
            actor_account_id=self.actor.account_id,
            actor_role=role or _role_value(self.granted_role or self.actor.role),
            before=before,
            after=after,
            reason=reason,
            approval_id=approval_id,
            request_id=self.actor.request_id,
        )


def _role_value(role: Role | None) -> str | None:
    return role.value if role is not None else None


async def _begin(sessionmaker: async_sessionmaker[AsyncSession], school_id: int) -> AsyncSession:
    session = sessionmaker()
    bind_school(session, school_id)
    if session.bind is not None and session.bind.dialect.name == "sqlite":
        await session.connection(execution_options={SQLITE_IMMEDIATE: True})
    return session


async def _principal(ctx: Ctx) -> Principal:
    actor = ctx.actor
    if actor.account_id is None:
        return system_principal(actor.school_id)
    if await ctx.session.get(School, actor.school_id) is None:
        raise NotFound("school", entity="school", id=actor.school_id)
    principal = await load_principal(ctx.session, actor.account_id, actor.school_id, await ctx.today())
    if principal is None:
        raise Forbidden("unknown account in this school", rule="§2.4")
    if principal.status in (AccountStatus.compromised, AccountStatus.blocked, AccountStatus.disabled) and (
        principal.blocked_at is None or actor.at >= principal.blocked_at
    ):
        raise AccountBlocked("account is blocked", rule="R104", since=principal.blocked_at)
    return principal


async def execute(
    sessionmaker: async_sessionmaker[AsyncSession],
    actor: Actor,
    use_case: Callable[Concatenate[Ctx, P], Awaitable[T]],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Run one use case as one transaction; commit on success, roll back on any refusal."""
    session = await _begin(sessionmaker, actor.school_id)
    try:
        ctx = Ctx(session, actor, system_principal(actor.school_id))
        ctx.principal = await _principal(ctx)
        if (
            ctx.principal.must_change_password
            and actor.channel == Channel.web
            and not getattr(use_case, "allowed_before_password_change", False)
        ):
            raise PasswordChangeRequired("change the temporary password first", rule="R102")
        result = await use_case(ctx, *args, **kwargs)
        await session.commit()
        return result
    except Forbidden as refusal:
        await session.rollback()
        await _audit_denial(sessionmaker, actor, refusal)
        raise
    except DomainError:
        await session.rollback()
        raise
    except (StaleDataError, IntegrityError) as race:
        await session.rollback()
        raise ConcurrentChange("the record was changed concurrently") from race
    finally:
        await session.close()


async def _audit_denial(
    sessionmaker: async_sessionmaker[AsyncSession], actor: Actor, refusal: Forbidden
) -> None:
    session = await _begin(sessionmaker, actor.school_id)
    try:
        await chain.append(
            session,
            school_id=actor.school_id,
            at=actor.at,
            action=AuditAction.access_denied,
            entity_type=str(refusal.details.get("entity", "operation")),
            entity_id=refusal.details.get("id"),
            source=actor.channel.value,
            actor_account_id=actor.account_id,
            actor_role=actor.role.value if actor.role else None,
            after={"rule": refusal.rule, "message": str(refusal)},
            request_id=actor.request_id,
        )
        await session.commit()
    finally:
        await session.close()
