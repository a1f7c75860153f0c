"""Entering people (R93, C96): the consent decision is written first, in the same transaction.

Without a decision nothing is written. With `refused` (or `pending` in lenient mode) only the
journal minimum is kept: names, class and journal data; no birth date, no contacts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from core.audit.snapshot import snapshot
from core.db.models import Enrollment, Guardian, GuardianContact, GuardianLink, Staff, Student
from core.domain.enums import (
    AuditAction,
    ConsentDecision,
    ContactKind,
    EnrollmentReason,
    GuardianRelation,
    PersonType,
    Provenance,
    Role,
    StaffPosition,
)
from core.domain.errors import NotFound
from core.usecases.access import require_role, require_tutor_of
from core.usecases.accounts.consent import ConsentInput, validate_consent, write_consent
from core.usecases.context import Ctx
from core.usecases.roster import student_class_on

CONTINGENT_ROLES = (Role.coordinator, Role.contingent_clerk)


@dataclass(frozen=True)
class ContactInput:
    kind: ContactKind
    value: str
    provenance: Provenance = Provenance.written_statement
    provenance_ref: str | None = None


def _full_data(consent: ConsentInput) -> bool:
    return consent.decision == ConsentDecision.given


def _require_contingent_or_tutor(ctx: Ctx, class_id: int | None) -> None:
    if ctx.principal.has(Role.contingent_clerk):
        return
    require_tutor_of(ctx, class_id, rule="R93", entity="student")


async def create_student(
    ctx: Ctx,
    *,
    last_name: str,
    first_name: str,
    patronymic: str | None,
    birth_date: date | None,
    class_id: int,
    from_date: date,
    consent: ConsentInput | None,
    reason: EnrollmentReason = EnrollmentReason.admission,
) -> int:
    """Enter a student with the consent decision first; returns the student id."""
    _require_contingent_or_tutor(ctx, class_id)
    consent = await validate_consent(ctx, consent)
    student = Student(
        school_id=ctx.actor.school_id,
        last_name=last_name,
        first_name=first_name,
        patronymic=patronymic,
        birth_date=birth_date if _full_data(consent) else None,
    )
    ctx.session.add(student)
    await ctx.session.flush()
    await write_consent(ctx, PersonType.student, student.id, consent)
    enrollment = Enrollment(
        school_id=ctx.actor.school_id,
        student_id=student.id,
        class_id=class_id,
        from_date=from_date,
        reason=reason,
        created_by=ctx.actor.account_id,
    )
    ctx.session.add(enrollment)
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "student", student.id, after=snapshot(student))
    await ctx.audit(AuditAction.create, "enrollment", enrollment.id, after=snapshot(enrollment))
    return student.id


async def create_guardian(
    ctx: Ctx,
    *,
    last_name: str,
    first_name: str,
    patronymic: str | None,
    student_id: int,
    relation: GuardianRelation,
    consent: ConsentInput | None,
    contacts: Sequence[ContactInput] = (),
    is_legal_representative: bool = True,
    active_from: date | None = None,
) -> int:
    """Enter a guardian linked (and verified) to a student, consent first; returns the guardian id."""
    day = active_from or await ctx.today()
    if await ctx.session.get(Student, student_id) is None:
        raise NotFound("student", entity="student", id=student_id)
    _require_contingent_or_tutor(ctx, await student_class_on(ctx.session, student_id, day))
    consent = await validate_consent(ctx, consent)
    guardian = Guardian(
        school_id=ctx.actor.school_id, last_name=last_name, first_name=first_name, patronymic=patronymic
    )
    ctx.session.add(guardian)
    await ctx.session.flush()
    await write_consent(ctx, PersonType.guardian, guardian.id, consent)
    link = GuardianLink(
        school_id=ctx.actor.school_id,
        guardian_id=guardian.id,
        student_id=student_id,
        relation=relation,
        is_legal_representative=is_legal_representative,
        verified_by=ctx.actor.account_id,
        verified_at=ctx.now,
        active_from=day,
        created_by=ctx.actor.account_id,
    )
    ctx.session.add(link)
    # Refused or pending consent keeps the journal minimum only: contacts are dropped (R93).
    stored = list(contacts) if _full_data(consent) else []
    for c in stored:
        ctx.session.add(
            GuardianContact(
                school_id=ctx.actor.school_id,
                guardian_id=guardian.id,
                kind=c.kind,
                value=c.value,
                provenance=c.provenance,
                provenance_ref=c.provenance_ref,
                recorded_at=ctx.now,
            )
        )
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.create, "guardian", guardian.id, after={**snapshot(guardian), "contacts": len(stored)}
    )
    await ctx.audit(AuditAction.create, "guardian_link", link.id, after=snapshot(link))
    return guardian.id


async def create_staff(
    ctx: Ctx,
    *,
    last_name: str,
    first_name: str,
    patronymic: str | None,
    positions: Sequence[StaffPosition],
    entered_on: date,
    consent: ConsentInput | None,
) -> int:
    """Enter a staff member (coordinator or contingent clerk), consent first; returns the staff id."""
    require_role(ctx, *CONTINGENT_ROLES, rule="R93", entity="staff")
    consent = await validate_consent(ctx, consent)
    staff = Staff(
        school_id=ctx.actor.school_id,
        last_name=last_name,
        first_name=first_name,
        patronymic=patronymic,
        positions=[p.value for p in positions],
        entered_on=entered_on,
    )
    ctx.session.add(staff)
    await ctx.session.flush()
    await write_consent(ctx, PersonType.staff, staff.id, consent)
    await ctx.audit(AuditAction.create, "staff", staff.id, after=snapshot(staff))
    return staff.id
