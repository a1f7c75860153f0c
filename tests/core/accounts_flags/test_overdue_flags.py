"""Overdue flags of consent, invites and access-details requests (R94, R96–R99, C97, C101)."""

from __future__ import annotations

import secrets
from datetime import date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import (
    AccessDetailsRequest,
    Account,
    AuditEvent,
    CalendarDay,
    ConsentRecord,
    Enrollment,
    Guardian,
    GuardianLink,
    Invite,
    Student,
    StudentAccessApplication,
)
from core.domain.enums import (
    AuditAction,
    CalendarDayKind,
    ConsentDecision,
    EnrollmentReason,
    GuardianRelation,
    InviteChannel,
    PersonType,
    Role,
)
from core.domain.errors import Forbidden, InvalidInput
from core.usecases.accounts.flags import (
    PersonRef,
    answer_access_request,
    file_access_request,
    not_registered,
    overdue_access_requests,
    overdue_contingent_invites,
    overdue_staff_invites,
    pending_consents_overdue,
)
from core.usecases.context import execute
from tests.builders import SpecSchool, build_spec_school, msk
from tests.core.accounts.accounts_helpers import issue, redeem, telegram_id

Sm = async_sessionmaker[AsyncSession]


def guardian(b: SpecSchool, key: str) -> PersonRef:
    return PersonRef(PersonType.guardian, b.guardian_ids[key])


async def add_consent(
    b: SpecSchool, person_type: PersonType, person_id: int, decision: ConsentDecision, on: date
) -> None:
    async with b.sessionmaker() as s:
        s.add(
            ConsentRecord(
                school_id=b.school_id,
                subject_type=person_type,
                subject_id=person_id,
                decision=decision,
                electronic_delivery_messenger=decision == ConsentDecision.given,
                decision_date=on,
                document_ref="С-тест",
                recorded_at=msk(on.year, on.month, on.day, 9),
            )
        )
        await s.commit()


async def add_student(b: SpecSchool, class_name: str, from_date: date, reason: EnrollmentReason) -> int:
    async with b.sessionmaker() as s:
        student = Student(school_id=b.school_id, last_name="Новый", first_name="Ученик")
        s.add(student)
        await s.flush()
        s.add(
            Enrollment(
                school_id=b.school_id,
                student_id=student.id,
                class_id=b.class_ids[class_name],
                from_date=from_date,
                reason=reason,
            )
        )
        await s.commit()
        return student.id


async def add_guardian(b: SpecSchool, student_id: int, *, paper_only: bool = False) -> int:
    async with b.sessionmaker() as s:
        g = Guardian(school_id=b.school_id, last_name="Родитель", first_name="Новый", paper_only=paper_only)
        s.add(g)
        await s.flush()
        s.add(
            GuardianLink(
                school_id=b.school_id,
                guardian_id=g.id,
                student_id=student_id,
                relation=GuardianRelation.father,
                verified_at=msk(2025, 10, 1),
                active_from=date(2025, 10, 1),
            )
        )
        await s.commit()
        return g.id


async def add_invite(b: SpecSchool, person_type: PersonType, person_id: int, role: Role, at: datetime) -> int:
    async with b.sessionmaker() as s:
        invite = Invite(
            school_id=b.school_id,
            person_type=person_type,
            person_id=person_id,
            role=role,
            token_hash=secrets.token_hex(32),
            code_hash=secrets.token_hex(32),
            issued_at=at,
            channel=InviteChannel.paper_slip,
            expires_at=msk(2026, 1, 1),
        )
        s.add(invite)
        await s.commit()
        return invite.id


async def test_pending_consent_is_flagged_only_after_thirty_days_have_passed(sessionmaker: Sm) -> None:
    """R94, R93, C97: pending since 01.09 is not flagged on 01.10 and flagged from 02.10; K sees own class."""
    b = await build_spec_school(sessionmaker)
    await b.set_policy(consent_mode="lenient")
    pending = await add_student(b, "5А", date(2025, 9, 1), EnrollmentReason.admission)
    await add_consent(b, PersonType.student, pending, ConsentDecision.pending, date(2025, 9, 1))
    decided = await add_student(b, "5А", date(2025, 9, 1), EnrollmentReason.admission)
    await add_consent(b, PersonType.student, decided, ConsentDecision.pending, date(2025, 9, 1))
    await add_consent(b, PersonType.student, decided, ConsentDecision.given, date(2025, 9, 20))
    ref = PersonRef(PersonType.student, pending)

    coordinator = b.actor("coordinator")
    assert await execute(sessionmaker, coordinator, pending_consents_overdue, on=date(2025, 10, 1)) == []
    assert await execute(sessionmaker, coordinator, pending_consents_overdue, on=date(2025, 10, 2)) == [ref]
    assert await execute(sessionmaker, b.actor("head"), pending_consents_overdue, on=date(2025, 10, 2)) == [
        ref
    ]
    assert await execute(sessionmaker, b.actor("K"), pending_consents_overdue, on=date(2025, 10, 2)) == [ref]
    assert await execute(sessionmaker, b.actor("T2"), pending_consents_overdue, on=date(2025, 10, 2)) == []
    with pytest.raises(Forbidden) as refusal:
        await execute(sessionmaker, b.actor("T"), pending_consents_overdue, on=date(2025, 10, 2))
    assert refusal.value.rule == "R94"


async def test_staff_without_invite_is_flagged_after_seven_days(sessionmaker: Sm) -> None:
    """R96, C101: staff entered 01.09 with no invite are flagged on 09.09, not on 08.09; invited, web or refused not."""
    b = await build_spec_school(sessionmaker)
    await add_invite(b, PersonType.staff, b.staff_ids["T"], Role.teacher, msk(2025, 9, 3))
    await add_consent(b, PersonType.staff, b.staff_ids["E"], ConsentDecision.refused, date(2025, 9, 1))
    async with sessionmaker() as s:
        account = await s.get(Account, b.account_ids["coordinator"])
        assert account is not None
        account.web_login, account.password_hash = f"coord-{b.school_id}", "$argon2id$stub"
        await s.commit()

    coordinator = b.actor("coordinator")
    assert await execute(sessionmaker, coordinator, overdue_staff_invites, on=date(2025, 9, 8)) == []
    flagged = await execute(sessionmaker, coordinator, overdue_staff_invites, on=date(2025, 9, 9))
    assert b.staff_ids["U"] in flagged
    assert b.staff_ids["K"] in flagged
    assert not {b.staff_ids[k] for k in ("T", "E", "coordinator")} & set(flagged)
    assert (
        await execute(sessionmaker, b.actor("deputy"), overdue_staff_invites, on=date(2025, 9, 9)) == flagged
    )
    with pytest.raises(Forbidden) as refusal:
        await execute(sessionmaker, b.actor("K"), overdue_staff_invites, on=date(2025, 9, 9))
    assert refusal.value.rule == "R96"


async def test_guardian_of_arrived_student_is_flagged_after_ten_working_days(sessionmaker: Sm) -> None:
    """R97, C101: arrival 01.10; the guardian without invite is flagged on 16.10, not 15.10; paper, refused, invited not."""
    b = await build_spec_school(sessionmaker)
    student = await add_student(b, "5А", date(2025, 10, 1), EnrollmentReason.arrival)
    waiting = await add_guardian(b, student)
    await add_consent(b, PersonType.guardian, waiting, ConsentDecision.given, date(2025, 10, 1))
    paper = await add_guardian(b, student, paper_only=True)
    refused = await add_guardian(b, student)
    await add_consent(b, PersonType.guardian, refused, ConsentDecision.refused, date(2025, 10, 1))
    invited = await add_guardian(b, student)
    await add_consent(b, PersonType.guardian, invited, ConsentDecision.given, date(2025, 10, 1))
    await add_invite(b, PersonType.guardian, invited, Role.parent, msk(2025, 10, 2))
    waiting_ref = PersonRef(PersonType.guardian, waiting)

    coordinator = b.actor("coordinator")
    on_15 = await execute(sessionmaker, coordinator, overdue_contingent_invites, on=date(2025, 10, 15))
    assert waiting_ref not in on_15
    assert guardian(b, "P") in on_15  # S was admitted on 01.09 and P never got an invite
    on_16 = await execute(sessionmaker, coordinator, overdue_contingent_invites, on=date(2025, 10, 16))
    assert waiting_ref in on_16
    assert not {PersonRef(PersonType.guardian, g) for g in (paper, refused, invited)} & set(on_16)
    assert PersonRef(PersonType.student, student) not in on_16  # no access application yet (R101)

    async with sessionmaker() as s:
        s.add(
            StudentAccessApplication(
                school_id=b.school_id, student_id=student, received_at=msk(2025, 10, 2), document_ref="З-7"
            )
        )
        await s.commit()
    on_16 = await execute(sessionmaker, coordinator, overdue_contingent_invites, on=date(2025, 10, 16))
    assert PersonRef(PersonType.student, student) in on_16

    tutor_k = await execute(sessionmaker, b.actor("K"), overdue_contingent_invites, on=date(2025, 10, 16))
    assert waiting_ref in tutor_k
    assert guardian(b, "PB") not in tutor_k
    tutor_t2 = await execute(sessionmaker, b.actor("T2"), overdue_contingent_invites, on=date(2025, 10, 16))
    assert tutor_t2 == [guardian(b, "PB")]


async def test_a_non_working_day_moves_the_contingent_invite_deadline(sessionmaker: Sm) -> None:
    """R97, R3: with 13.10 entered as non-working, a 01.10 arrival is due on 16.10 and flagged only on 17.10."""
    b = await build_spec_school(sessionmaker)
    student = await add_student(b, "5А", date(2025, 10, 1), EnrollmentReason.arrival)
    waiting = await add_guardian(b, student)
    await add_consent(b, PersonType.guardian, waiting, ConsentDecision.given, date(2025, 10, 1))
    async with sessionmaker() as s:
        s.add(
            CalendarDay(
                school_id=b.school_id,
                year_id=b.year_id,
                day=date(2025, 10, 13),
                kind=CalendarDayKind.non_working,
            )
        )
        await s.commit()
    ref = PersonRef(PersonType.guardian, waiting)
    coordinator = b.actor("coordinator")
    assert ref not in await execute(
        sessionmaker, coordinator, overdue_contingent_invites, on=date(2025, 10, 16)
    )
    assert ref in await execute(sessionmaker, coordinator, overdue_contingent_invites, on=date(2025, 10, 17))


async def test_not_registered_lists_unredeemed_invites_and_marks_expired_ones(sessionmaker: Sm) -> None:
    """R98, C99: unredeemed invites are listed, expired after 20.10 for a 06.10 issue; redeemed and revoked are not."""
    b = await build_spec_school(sessionmaker)
    for_p = await issue(b, "coordinator", PersonType.guardian, b.guardian_ids["P"], Role.parent)
    for_py = await issue(b, "coordinator", PersonType.guardian, b.guardian_ids["PY"], Role.parent)
    await redeem(b, for_py.token, telegram_id(), msk(2025, 10, 7))
    first_pb = await issue(b, "coordinator", PersonType.guardian, b.guardian_ids["PB"], Role.parent)
    second_pb = await issue(
        b, "coordinator", PersonType.guardian, b.guardian_ids["PB"], Role.parent, at=msk(2025, 10, 8)
    )

    listed = await execute(sessionmaker, b.actor("coordinator", at=msk(2025, 10, 20, 23)), not_registered)
    assert [(r.invite_id, r.expired) for r in listed] == [
        (for_p.invite_id, False),
        (second_pb.invite_id, False),
    ]
    listed = await execute(sessionmaker, b.actor("coordinator", at=msk(2025, 10, 21, 9)), not_registered)
    assert [(r.invite_id, r.expired) for r in listed] == [
        (for_p.invite_id, True),
        (second_pb.invite_id, False),
    ]
    assert first_pb.invite_id not in {r.invite_id for r in listed}

    tutor_k = await execute(sessionmaker, b.actor("K", at=msk(2025, 10, 21, 9)), not_registered)
    assert [r.invite_id for r in tutor_k] == [for_p.invite_id]
    with pytest.raises(Forbidden) as refusal:
        await execute(sessionmaker, b.actor("T", at=msk(2025, 10, 21, 9)), not_registered)
    assert refusal.value.rule == "R98"


async def test_access_request_unanswered_after_five_days_is_flagged(sessionmaker: Sm) -> None:
    """R99, C101: a request filed 01.09 and unanswered is flagged on 07.09, not on 06.09; answered ones never."""
    b = await build_spec_school(sessionmaker)
    filed_at = msk(2025, 9, 1, 10)
    late = await execute(sessionmaker, b.actor("T", at=filed_at), file_access_request)
    answered = await execute(sessionmaker, b.actor("U", at=filed_at), file_access_request)
    await execute(
        sessionmaker, b.actor("coordinator", at=msk(2025, 9, 3)), answer_access_request, request_id=answered
    )

    coordinator = b.actor("coordinator", at=msk(2025, 9, 7))
    assert await execute(sessionmaker, coordinator, overdue_access_requests, on=date(2025, 9, 6)) == []
    assert await execute(sessionmaker, coordinator, overdue_access_requests, on=date(2025, 9, 7)) == [late]
    assert await execute(sessionmaker, b.actor("head"), overdue_access_requests, on=date(2025, 9, 7)) == [
        late
    ]

    async with sessionmaker() as s:
        row = await s.get(AccessDetailsRequest, answered)
        assert row is not None
        assert row.answered_by == b.account_ids["coordinator"]
        assert row.staff_id == b.staff_ids["U"]
        actions = list(
            await s.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.school_id == b.school_id, AuditEvent.entity_type == "access_details_request"
                )
            )
        )
    assert sorted(actions) == [AuditAction.create, AuditAction.create, AuditAction.update]


async def test_only_staff_file_and_only_the_coordinator_answers_access_requests(sessionmaker: Sm) -> None:
    """R99: a student cannot file; a teacher cannot answer; a second answer is refused and changes nothing."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden):
        await execute(sessionmaker, b.actor("S"), file_access_request)
    request = await execute(sessionmaker, b.actor("T", at=msk(2025, 9, 1)), file_access_request)
    with pytest.raises(Forbidden) as refusal:
        await execute(sessionmaker, b.actor("T2"), answer_access_request, request_id=request)
    assert refusal.value.rule == "R99"
    coordinator = b.actor("coordinator", at=msk(2025, 9, 2))
    await execute(sessionmaker, coordinator, answer_access_request, request_id=request)
    with pytest.raises(InvalidInput):
        await execute(
            sessionmaker,
            b.actor("coordinator", at=msk(2025, 9, 5)),
            answer_access_request,
            request_id=request,
        )
    async with sessionmaker() as s:
        row = await s.get(AccessDetailsRequest, request)
        assert row is not None
        assert row.answered_at == msk(2025, 9, 2)
        assert row.answered_by == b.account_ids["coordinator"]
