"""Overdue flags of consent and credential issuance (R94, R96–R99) and staff access-details requests.

Flags never block (R4): these are reads that list who is overdue on a given school-local date. A day
`on` counts as overdue when the deadline instant lies before the start of `on`, so a deadline
"+N days" is met on day N itself and flagged from day N+1 (C97: pending since 01.09 is flagged on
02.10, once 01.10 has passed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from core.audit.snapshot import snapshot
from core.db.models import (
    AccessDetailsRequest,
    Account,
    ConsentRecord,
    Enrollment,
    Guardian,
    GuardianLink,
    Invite,
    Staff,
    StudentAccessApplication,
)
from core.domain.enums import AuditAction, ConsentDecision, EnrollmentReason, PersonStatus, PersonType, Role
from core.domain.errors import Forbidden, InvalidInput, NotFound
from core.policy.calendar import local_at
from core.policy.deadlines import access_request_due, contingent_invite_due, staff_invite_due
from core.usecases.access import require_role
from core.usecases.accounts.common import working_calendar
from core.usecases.context import Ctx
from core.usecases.roster import covers

PENDING_CONSENT_DAYS = 30  # R93/R94: lenient `pending` lasts at most 30 days
CONTINGENT_ENTRY = (EnrollmentReason.admission, EnrollmentReason.arrival, EnrollmentReason.transfer)
NO_ELECTRONIC_ACCESS = (ConsentDecision.refused, ConsentDecision.withdrawn)
WHOLE_SCHOOL_READERS = (Role.coordinator, Role.head, Role.deputy_head)


@dataclass(frozen=True, order=True)
class PersonRef:
    person_type: PersonType
    person_id: int


@dataclass(frozen=True)
class InviteRef:
    """An unredeemed invite on the "not registered" list (R98); `expired` ones can be reissued."""

    invite_id: int
    person_type: PersonType
    person_id: int
    role: Role
    issued_at: datetime
    expires_at: datetime
    expired: bool


@dataclass(frozen=True)
class _Scope:
    """None for the whole school; otherwise the students and guardians of the tutor's own classes (C)."""

    students: frozenset[int] | None = None
    guardians: frozenset[int] | None = None

    def sees(self, ref: PersonRef) -> bool:
        if self.students is None or self.guardians is None:
            return True
        if ref.person_type == PersonType.student:
            return ref.person_id in self.students
        if ref.person_type == PersonType.guardian:
            return ref.person_id in self.guardians
        return False


async def _scope(ctx: Ctx, rule: str, day: date, *, tutor_allowed: bool = True) -> _Scope:
    """Coordinator, head and deputy read the whole school; a form tutor the own class (C)."""
    p = ctx.principal
    if p.is_system or p.has(*WHOLE_SCHOOL_READERS):
        return _Scope()
    if not tutor_allowed or not p.tutor_class_ids:
        require_role(ctx, *WHOLE_SCHOOL_READERS, rule=rule, entity="flags")
    students = frozenset(
        await ctx.session.scalars(
            select(Enrollment.student_id).where(
                Enrollment.class_id.in_(p.tutor_class_ids),
                covers(Enrollment.from_date, Enrollment.to_date, day),
            )
        )
    )
    guardians = frozenset(
        await ctx.session.scalars(
            select(GuardianLink.guardian_id).where(
                GuardianLink.student_id.in_(students),
                covers(GuardianLink.active_from, GuardianLink.active_to, day),
            )
        )
    )
    return _Scope(students, guardians)


async def _day_start(ctx: Ctx, on: date) -> datetime:
    return local_at(on, time.min, (await ctx.policy()).tz)


async def _latest_consents(
    ctx: Ctx, subject_type: PersonType | None = None
) -> dict[PersonRef, ConsentRecord]:
    """The current decision of every person with one (the latest record wins, R93)."""
    query = select(ConsentRecord).where(ConsentRecord.school_id == ctx.actor.school_id)
    if subject_type is not None:
        query = query.where(ConsentRecord.subject_type == subject_type)
    latest: dict[PersonRef, ConsentRecord] = {}
    for record in await ctx.session.scalars(query.order_by(ConsentRecord.recorded_at, ConsentRecord.id)):
        latest[PersonRef(record.subject_type, record.subject_id)] = record
    return latest


async def _invited(ctx: Ctx, person_type: PersonType) -> set[int]:
    """People of this type who were ever issued an invite (revoked or not)."""
    return set(
        await ctx.session.scalars(
            select(Invite.person_id).where(
                Invite.school_id == ctx.actor.school_id, Invite.person_type == person_type
            )
        )
    )


async def pending_consents_overdue(ctx: Ctx, *, on: date) -> list[PersonRef]:
    """R93/R94, C97: people whose current decision is `pending` since more than 30 days before `on`."""
    scope = await _scope(ctx, "R94", on)
    return sorted(
        ref
        for ref, record in (await _latest_consents(ctx)).items()
        if record.decision == ConsentDecision.pending
        and on > record.decision_date + timedelta(days=PENDING_CONSENT_DAYS)
        and scope.sees(ref)
    )


async def overdue_staff_invites(ctx: Ctx, *, on: date) -> list[int]:
    """R96, C101: active staff entered more than 7 days before `on` who never got an invite.

    A staff member with web credentials (a password set by the coordinator) already has access
    details; one whose consent is refused or withdrawn cannot get an account (R93) and is not flagged.
    """
    await _scope(ctx, "R96", on, tutor_allowed=False)
    start = await _day_start(ctx, on)
    tz = (await ctx.policy()).tz
    staff = (
        await ctx.session.execute(
            select(Staff.id, Staff.entered_on).where(
                Staff.school_id == ctx.actor.school_id,
                Staff.status == PersonStatus.active,
                Staff.entered_on.is_not(None),
            )
        )
    ).all()
    with_password = set(
        await ctx.session.scalars(
            select(Account.staff_id).where(
                Account.school_id == ctx.actor.school_id,
                Account.staff_id.is_not(None),
                Account.password_hash.is_not(None),
            )
        )
    )
    excluded = with_password | _invited_or_refused(
        await _invited(ctx, PersonType.staff), await _latest_consents(ctx, PersonType.staff)
    )
    return sorted(
        staff_id
        for staff_id, entered_on in staff
        if staff_invite_due(entered_on, tz) < start and staff_id not in excluded
    )


def _invited_or_refused(invited: set[int], consents: dict[PersonRef, ConsentRecord]) -> set[int]:
    refused = {ref.person_id for ref, r in consents.items() if r.decision in NO_ELECTRONIC_ACCESS}
    return invited | refused


async def overdue_contingent_invites(ctx: Ctx, *, on: date) -> list[PersonRef]:
    """R97, C101: guardians (and applying students) still without an invite 10 working days after entry.

    Entry is the earliest admission/arrival/transfer of a student enrolled on `on`. Paper-only
    guardians and people whose consent is refused or withdrawn get no invite (R84, R93) and are not
    flagged; a student is flagged only once an invite can be issued (application recorded when R101
    asks for it).
    """
    scope = await _scope(ctx, "R97", on)
    start = await _day_start(ctx, on)
    policy = await ctx.policy()
    calendar = await working_calendar(ctx)
    enrollments = (
        await ctx.session.execute(
            select(Enrollment.student_id, Enrollment.from_date, Enrollment.to_date, Enrollment.reason).where(
                Enrollment.school_id == ctx.actor.school_id, Enrollment.from_date <= on
            )
        )
    ).all()
    current = {s for s, _, to_date, _ in enrollments if to_date is None or to_date >= on}
    entered: dict[int, date] = {}
    for student_id, from_date, _, reason in enrollments:
        if student_id in current and reason in CONTINGENT_ENTRY:
            entered[student_id] = min(from_date, entered.get(student_id, from_date))
    due_students = {s for s, d in entered.items() if contingent_invite_due(d, calendar, policy.tz) < start}
    if not due_students:
        return []
    consents = await _latest_consents(ctx)
    refused = {ref for ref, r in consents.items() if r.decision in NO_ELECTRONIC_ACCESS}
    guardians = set(
        await ctx.session.scalars(
            select(GuardianLink.guardian_id)
            .join(Guardian, Guardian.id == GuardianLink.guardian_id)
            .where(
                GuardianLink.student_id.in_(due_students),
                covers(GuardianLink.active_from, GuardianLink.active_to, on),
                Guardian.paper_only.is_(False),
            )
        )
    )
    flagged = {
        PersonRef(PersonType.guardian, g) for g in guardians - await _invited(ctx, PersonType.guardian)
    }
    students = due_students - await _invited(ctx, PersonType.student)
    if students and policy.require_student_application:
        students &= set(
            await ctx.session.scalars(
                select(StudentAccessApplication.student_id).where(
                    StudentAccessApplication.student_id.in_(students)
                )
            )
        )
    flagged |= {PersonRef(PersonType.student, s) for s in students}
    return sorted(ref for ref in flagged - refused if scope.sees(ref))


async def not_registered(ctx: Ctx) -> list[InviteRef]:
    """R98: issued invites never redeemed nor revoked; `expired` ones are due for reissue."""
    scope = await _scope(ctx, "R98", await ctx.today())
    invites = await ctx.session.scalars(
        select(Invite)
        .where(
            Invite.school_id == ctx.actor.school_id,
            Invite.redeemed_at.is_(None),
            Invite.revoked_at.is_(None),
        )
        .order_by(Invite.issued_at, Invite.id)
    )
    return [
        InviteRef(i.id, i.person_type, i.person_id, i.role, i.issued_at, i.expires_at, i.expires_at < ctx.now)
        for i in invites
        if scope.sees(PersonRef(i.person_type, i.person_id))
    ]


async def overdue_access_requests(ctx: Ctx, *, on: date) -> list[int]:
    """R99, C101: staff access-details requests still unanswered 5 calendar days after filing."""
    await _scope(ctx, "R99", on, tutor_allowed=False)
    start = await _day_start(ctx, on)
    tz = (await ctx.policy()).tz
    rows = (
        await ctx.session.execute(
            select(AccessDetailsRequest.id, AccessDetailsRequest.filed_at).where(
                AccessDetailsRequest.school_id == ctx.actor.school_id,
                AccessDetailsRequest.answered_at.is_(None),
            )
        )
    ).all()
    return sorted(rid for rid, filed_at in rows if access_request_due(filed_at, tz) < start)


async def file_access_request(ctx: Ctx) -> int:
    """R99: a staff member asks for their own access details; returns the request id."""
    staff_id = ctx.principal.staff_id
    if staff_id is None:
        raise Forbidden("only staff request access details", rule="R99", entity="access_details_request")
    request = AccessDetailsRequest(school_id=ctx.actor.school_id, staff_id=staff_id, filed_at=ctx.now)
    ctx.session.add(request)
    await ctx.session.flush()
    await ctx.audit(AuditAction.create, "access_details_request", request.id, after=snapshot(request))
    return request.id


async def answer_access_request(ctx: Ctx, *, request_id: int) -> int:
    """R99: the coordinator records that the access details were handed over."""
    require_role(ctx, Role.coordinator, rule="R99", entity="access_details_request")
    request = await ctx.session.get(AccessDetailsRequest, request_id)
    if request is None or request.school_id != ctx.actor.school_id:
        raise NotFound("access details request", entity="access_details_request", id=request_id)
    if request.answered_at is not None:
        raise InvalidInput("already answered", rule="R99", reason="already_answered", id=request_id)
    before = snapshot(request)
    request.answered_at = ctx.now
    request.answered_by = ctx.actor.account_id
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.update, "access_details_request", request.id, before=before, after=snapshot(request)
    )
    return request.id
