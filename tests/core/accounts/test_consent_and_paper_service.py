"""Consent before entry (R93), the consent gate (R83) and refusal of the electronic service (R84)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import (
    AuditEvent,
    ConsentRecord,
    Guardian,
    GuardianContact,
    Invite,
    NotificationOutbox,
    PaperServiceDecision,
    Student,
    TelegramBinding,
)
from core.domain.enums import (
    AuditAction,
    ConsentDecision,
    ContactKind,
    GuardianRelation,
    NotificationCategory,
    OutboxStatus,
    PersonType,
    Role,
)
from core.domain.errors import ConsentMissing, Forbidden, InvalidInput
from core.outbox.family import notify_family
from core.usecases.accounts.consent import ConsentInput, latest_consent, record_consent
from core.usecases.accounts.paper_service import refuse_electronic_service, return_to_electronic_service
from core.usecases.accounts.people import ContactInput, create_guardian, create_student
from core.usecases.context import Ctx, execute
from tests.builders import build_spec_school, msk
from tests.core.accounts.accounts_helpers import bind, issue, pending_push, redeem, rows, telegram_id

AT = msk(2025, 10, 6, 11)


def _student_kwargs(b: object, consent: ConsentInput | None) -> dict[str, object]:
    return {
        "last_name": "Громов",
        "first_name": "Ян",
        "patronymic": None,
        "birth_date": date(2014, 3, 1),
        "class_id": b.class_ids["5А"],  # type: ignore[attr-defined]
        "from_date": date(2025, 10, 6),
        "consent": consent,
    }


async def test_strict_mode_rejects_a_student_without_consent_and_keeps_minimum_on_refusal(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R93, C96: no decision → rejected, nothing written; `refused` → journal minimum, guardian invite refused."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(InvalidInput) as refusal:
        await execute(sessionmaker, b.actor("coordinator", at=AT), create_student, **_student_kwargs(b, None))
    assert refusal.value.rule == "R93"
    assert (
        await rows(sessionmaker, Student, Student.school_id == b.school_id, Student.last_name == "Громов")
        == []
    )

    refused = ConsentInput(ConsentDecision.refused, date(2025, 10, 6), "С-77")
    student_id = await execute(
        sessionmaker, b.actor("K", at=AT), create_student, **_student_kwargs(b, refused)
    )
    [student] = await rows(sessionmaker, Student, Student.id == student_id)
    assert student.birth_date is None
    guardian_id = await execute(
        sessionmaker,
        b.actor("K", at=AT),
        create_guardian,
        last_name="Громова",
        first_name="Ада",
        patronymic=None,
        student_id=student_id,
        relation=GuardianRelation.mother,
        consent=refused,
        contacts=[ContactInput(ContactKind.phone, "+7 900 000-00-00")],
    )
    assert await rows(sessionmaker, GuardianContact, GuardianContact.guardian_id == guardian_id) == []
    async with sessionmaker() as s:
        record = await latest_consent(s, PersonType.guardian, guardian_id)
    assert record is not None
    assert record.decision == ConsentDecision.refused
    with pytest.raises(ConsentMissing) as gate:
        await issue(b, "coordinator", PersonType.guardian, guardian_id, Role.parent)
    assert gate.value.rule == "R83"
    assert await rows(sessionmaker, Invite, Invite.school_id == b.school_id) == []


async def test_pending_consent_only_in_lenient_mode(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """R93: `pending` is refused in strict mode and accepted (journal minimum) in lenient mode."""
    b = await build_spec_school(sessionmaker)
    pending = ConsentInput(ConsentDecision.pending, date(2025, 10, 6), None)
    with pytest.raises(InvalidInput):
        await execute(
            sessionmaker, b.actor("coordinator", at=AT), create_student, **_student_kwargs(b, pending)
        )
    await b.set_policy(consent_mode="lenient")
    student_id = await execute(
        sessionmaker, b.actor("coordinator", at=AT), create_student, **_student_kwargs(b, pending)
    )
    [consent] = await rows(
        sessionmaker,
        ConsentRecord,
        ConsentRecord.subject_id == student_id,
        ConsentRecord.subject_type == PersonType.student,
    )
    assert consent.decision == ConsentDecision.pending


async def test_form_tutor_cannot_enter_a_student_into_another_class(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R93, §2 row 23: K tutors 5А only."""
    b = await build_spec_school(sessionmaker)
    given = ConsentInput(ConsentDecision.given, date(2025, 10, 6), "С-78", messenger=True)
    kwargs = {**_student_kwargs(b, given), "class_id": b.class_ids["5Б"]}
    with pytest.raises(Forbidden):
        await execute(sessionmaker, b.actor("K", at=AT), create_student, **kwargs)


async def test_withdrawing_consent_removes_bindings_and_open_invites(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R83, §5.4.5, C86: a withdrawal by K revokes P's (and child S's) bindings and P's open invite; nothing more is pushed."""
    b = await build_spec_school(sessionmaker)
    user = telegram_id()
    binding_id = await bind(b, "P", user)
    child_binding_id = await bind(b, "S", telegram_id())
    issued = await issue(b, "coordinator", PersonType.guardian, b.guardian_ids["P"], Role.parent)
    push_id = await pending_push(b, "P")
    await execute(
        sessionmaker,
        b.actor("K", at=AT),
        record_consent,
        subject_type=PersonType.guardian,
        subject_id=b.guardian_ids["P"],
        decision=ConsentDecision.withdrawn,
        decision_date=date(2025, 10, 6),
        document_ref="О-3",
        messenger=False,
    )
    [binding] = await rows(sessionmaker, TelegramBinding, TelegramBinding.id == binding_id)
    [invite] = await rows(sessionmaker, Invite, Invite.id == issued.invite_id)
    [push] = await rows(sessionmaker, NotificationOutbox, NotificationOutbox.id == push_id)
    assert binding.revoked_at == AT
    assert invite.revoked_at == AT
    assert push.status == OutboxStatus.cancelled
    [child_binding] = await rows(sessionmaker, TelegramBinding, TelegramBinding.id == child_binding_id)
    assert child_binding.revoked_at == AT  # P was S's only consenting legal representative
    with pytest.raises(InvalidInput):
        await redeem(b, issued.token, telegram_id(), msk(2025, 10, 7))
    with pytest.raises(ConsentMissing):
        await issue(b, "coordinator", PersonType.guardian, b.guardian_ids["P"], Role.parent)

    async def push_service(ctx: Ctx) -> int:
        return await notify_family(
            ctx,
            student_id=b.student_ids["S"],
            category=NotificationCategory.service,
            event_type="x",
            payload={},
        )

    await execute(sessionmaker, b.system(msk(2025, 10, 8)), push_service)
    to_p = await rows(
        sessionmaker,
        NotificationOutbox,
        NotificationOutbox.recipient_account_id == b.account_ids["P"],
        NotificationOutbox.status == OutboxStatus.pending,
    )
    assert to_p == []
    audit = await rows(
        sessionmaker,
        AuditEvent,
        AuditEvent.entity_type == "consent_record",
        AuditEvent.school_id == b.school_id,
        AuditEvent.action == AuditAction.create,
    )
    assert len(audit) == 1


async def test_guardian_with_refused_consent_cannot_redeem(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R83, C86: an invite issued before a refusal is refused at redemption and binds nobody."""
    b = await build_spec_school(sessionmaker)
    issued = await issue(b, "coordinator", PersonType.guardian, b.guardian_ids["PY"], Role.parent)
    async with sessionmaker() as s:
        # Recorded behind the use case's back, so the invite stays open and only the gate can stop it.
        s.add(
            ConsentRecord(
                school_id=b.school_id,
                subject_type=PersonType.guardian,
                subject_id=b.guardian_ids["PY"],
                decision=ConsentDecision.refused,
                decision_date=date(2025, 10, 6),
                document_ref="О-4",
                recorded_at=AT,
            )
        )
        await s.commit()
    with pytest.raises(ConsentMissing) as refusal:
        await redeem(b, issued.token, telegram_id(), msk(2025, 10, 7))
    assert refusal.value.rule == "R83"
    assert await rows(sessionmaker, TelegramBinding, TelegramBinding.school_id == b.school_id) == []


async def test_paper_only_guardian_loses_invites_and_bindings_in_the_same_transaction(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R84, C88: K marks bound guardian P paper-only; binding, open invite and pending pushes go at once."""
    b = await build_spec_school(sessionmaker)
    binding_id = await bind(b, "P", telegram_id())
    issued = await issue(b, "K", PersonType.guardian, b.guardian_ids["P"], Role.parent)
    push_id = await pending_push(b, "P")
    with pytest.raises(Forbidden):
        await execute(
            sessionmaker,
            b.actor("T2", at=AT),
            refuse_electronic_service,
            guardian_id=b.guardian_ids["P"],
            decided_on=date(2025, 10, 6),
            basis="Заявление № 5",
        )
    await execute(
        sessionmaker,
        b.actor("K", at=AT),
        refuse_electronic_service,
        guardian_id=b.guardian_ids["P"],
        decided_on=date(2025, 10, 6),
        basis="Заявление № 5",
    )
    [guardian] = await rows(sessionmaker, Guardian, Guardian.id == b.guardian_ids["P"])
    assert (guardian.paper_only, guardian.paper_only_since, guardian.paper_only_basis) == (
        True,
        date(2025, 10, 6),
        "Заявление № 5",
    )
    [binding] = await rows(sessionmaker, TelegramBinding, TelegramBinding.id == binding_id)
    [invite] = await rows(sessionmaker, Invite, Invite.id == issued.invite_id)
    [push] = await rows(sessionmaker, NotificationOutbox, NotificationOutbox.id == push_id)
    assert (binding.revoked_at, invite.revoked_at, push.status) == (AT, AT, OutboxStatus.cancelled)
    [decision] = await rows(
        sessionmaker, PaperServiceDecision, PaperServiceDecision.guardian_id == guardian.id
    )
    assert decision.paper_only
    assert decision.recorded_by == b.account_ids["K"]
    with pytest.raises(ConsentMissing) as refusal:
        await issue(b, "K", PersonType.guardian, b.guardian_ids["P"], Role.parent)
    assert refusal.value.rule == "R84"
    await execute(
        sessionmaker,
        b.actor("coordinator", at=msk(2025, 10, 20)),
        return_to_electronic_service,
        guardian_id=guardian.id,
        decided_on=date(2025, 10, 20),
        basis="Заявление № 9",
    )
    assert await issue(b, "K", PersonType.guardian, guardian.id, Role.parent, at=msk(2025, 10, 20))
