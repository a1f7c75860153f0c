"""What an account is in its school: its identities, roles and the scopes they give (§2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import Account, GuardianLink, Inspector, SchoolClass, StaffRole
from core.domain.enums import AccountStatus, Role


@dataclass(frozen=True)
class Principal:
    account_id: int | None
    school_id: int
    status: AccountStatus = AccountStatus.active
    blocked_at: datetime | None = None
    staff_id: int | None = None
    student_id: int | None = None
    guardian_id: int | None = None
    inspector_valid: tuple[date, date] | None = None
    staff_roles: frozenset[Role] = frozenset()
    tutor_class_ids: frozenset[int] = frozenset()
    child_ids: frozenset[int] = field(default_factory=frozenset)
    is_system: bool = False
    must_change_password: bool = False

    @property
    def roles(self) -> frozenset[Role]:
        roles = set(self.staff_roles)
        if self.tutor_class_ids:
            roles.add(Role.form_tutor)
        if self.student_id is not None:
            roles.add(Role.student)
        if self.guardian_id is not None:
            roles.add(Role.parent)
        if self.inspector_valid is not None:
            roles.add(Role.inspector)
        return frozenset(roles)

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    def inspector_on(self, day: date) -> bool:
        return self.inspector_valid is not None and self.inspector_valid[0] <= day <= self.inspector_valid[1]


def system_principal(school_id: int) -> Principal:
    return Principal(account_id=None, school_id=school_id, is_system=True)


async def load_principal(
    session: AsyncSession, account_id: int, school_id: int, today: date
) -> Principal | None:
    """The account's identities and current roles; None when it does not exist in that school."""
    account = await session.get(Account, account_id)
    if account is None or account.school_id != school_id:
        return None
    staff_roles: frozenset[Role] = frozenset()
    tutor_classes: frozenset[int] = frozenset()
    if account.staff_id is not None:
        rows = await session.scalars(
            select(StaffRole.role).where(
                StaffRole.staff_id == account.staff_id,
                or_(StaffRole.valid_from.is_(None), StaffRole.valid_from <= today),
                or_(StaffRole.valid_to.is_(None), StaffRole.valid_to >= today),
            )
        )
        staff_roles = frozenset(rows)
        tutor_classes = frozenset(
            await session.scalars(
                select(SchoolClass.id).where(SchoolClass.form_tutor_staff_id == account.staff_id)
            )
        )
    children: frozenset[int] = frozenset()
    if account.guardian_id is not None:
        children = frozenset(
            await session.scalars(
                select(GuardianLink.student_id).where(
                    GuardianLink.guardian_id == account.guardian_id,
                    GuardianLink.verified_at.is_not(None),
                    GuardianLink.active_from <= today,
                    or_(GuardianLink.active_to.is_(None), GuardianLink.active_to >= today),
                )
            )
        )
    inspector_valid = None
    if account.inspector_id is not None:
        inspector = await session.get(Inspector, account.inspector_id)
        if inspector is not None:
            inspector_valid = (inspector.valid_from, inspector.valid_to)
    return Principal(
        account_id=account.id,
        school_id=account.school_id,
        status=account.status,
        blocked_at=account.blocked_at,
        staff_id=account.staff_id,
        student_id=account.student_id,
        guardian_id=account.guardian_id,
        inspector_valid=inspector_valid,
        staff_roles=staff_roles,
        tutor_class_ids=tutor_classes,
        child_ids=children,
        # Only a web password can be temporary (R102); bot-only accounts never have one.
        must_change_password=account.must_change_password and account.password_hash is not None,
    )
