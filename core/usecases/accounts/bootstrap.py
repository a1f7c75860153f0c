"""The first web account of a school: a coordinator made from the server's command line.

Nobody can log in before it exists, so it runs as the system, outside any actor's scope. Run again
for the same login, it resets the password: the way back in when the only coordinator is locked out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit import chain
from core.db.models import Account, School, Staff, StaffRole, WebSession
from core.domain.enums import AccountStatus, AuditAction, Channel, Role
from core.domain.errors import InvalidInput, NotFound
from core.security.passwords import hash_password

MIN_PASSWORD_LENGTH = 8
MAX_LOGIN_LENGTH = 100
SHOWN_CHOICES = 10  # slugs named when the school is ambiguous


@dataclass(frozen=True, slots=True)
class AdminAccount:
    school_id: int
    school_slug: str
    account_id: int
    staff_id: int
    created: bool  # False: an existing account of that login got a new password


async def find_school(session: AsyncSession, slug: str | None) -> School:
    """The school named by slug, or the only school when slug is None."""
    if slug is not None:
        school = await session.scalar(select(School).where(School.slug == slug))
        if school is None:
            raise NotFound("no school with this slug", entity="school", slug=slug)
        return school
    schools = (await session.scalars(select(School).order_by(School.slug).limit(SHOWN_CHOICES + 1))).all()
    if not schools:
        raise NotFound("the database has no school", entity="school")
    if len(schools) > 1:
        choices = [school.slug for school in schools[:SHOWN_CHOICES]]
        raise InvalidInput(
            "several schools: name one", field="school", choices=choices, more=len(schools) > SHOWN_CHOICES
        )
    return schools[0]


def _check(login: str, password: str) -> None:
    if not login or len(login) > MAX_LOGIN_LENGTH or login != login.strip():
        raise InvalidInput("login must be 1-100 characters without surrounding spaces", field="login")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("password too short", field="password", min_length=MIN_PASSWORD_LENGTH)


async def create_admin(
    session: AsyncSession,
    *,
    login: str,
    password: str,
    school_slug: str | None = None,
    last_name: str,
    first_name: str,
    must_change_password: bool = True,
    at: datetime | None = None,
) -> AdminAccount:
    """Create (or reset) a coordinator's web account; runs in the caller's transaction, never commits."""
    _check(login, password)
    at = at or datetime.now(UTC)
    school = await find_school(session, school_slug)
    account = await session.scalar(select(Account).where(Account.web_login == login))
    if account is not None and (account.school_id != school.id or account.staff_id is None):
        raise InvalidInput("login belongs to another account", field="login", reason="taken")

    created = account is None
    if account is None:
        staff = Staff(school_id=school.id, last_name=last_name, first_name=first_name, entered_on=at.date())
        session.add(staff)
        await session.flush()
        account = Account(school_id=school.id, staff_id=staff.id, web_login=login)
        session.add(account)
    staff_id = account.staff_id
    assert staff_id is not None  # checked above for an existing account, set above for a new one
    account.password_hash = hash_password(password)
    account.must_change_password = must_change_password
    account.status = AccountStatus.active
    account.blocked_at = None
    await _ensure_coordinator_role(session, school.id, staff_id)
    await session.flush()
    # A new password ends every session opened with the old one.
    await session.execute(
        update(WebSession)
        .where(WebSession.account_id == account.id, WebSession.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    await chain.append(
        session,
        school_id=school.id,
        at=at,
        action=AuditAction.create if created else AuditAction.update,
        entity_type="account",
        entity_id=account.id,
        source=Channel.system.value,
        after={"role": Role.coordinator.value, "must_change_password": must_change_password},
        reason="create-admin",
    )
    return AdminAccount(school.id, school.slug, account.id, staff_id, created)


async def _ensure_coordinator_role(session: AsyncSession, school_id: int, staff_id: int) -> None:
    has_role = await session.scalar(
        select(StaffRole.id)
        .where(StaffRole.staff_id == staff_id, StaffRole.role == Role.coordinator)
        .limit(1)
    )
    if has_role is None:
        session.add(StaffRole(school_id=school_id, staff_id=staff_id, role=Role.coordinator))
