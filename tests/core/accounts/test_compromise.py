"""Credential compromise: late flag, block at T, voiding later operations, review list, return by invite."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import (
    Account,
    Attendance,
    AuditEvent,
    CompromiseReport,
    Mark,
    NotificationOutbox,
    Subscription,
    TelegramBinding,
)
from core.domain.enums import (
    AccountStatus,
    AttendanceStatus,
    AuditAction,
    ConsentDecision,
    DataRequestKind,
    OutboxStatus,
    PersonType,
    Role,
)
from core.domain.errors import AccountBlocked, Forbidden
from core.usecases.accounts.compromise import compromise_review_list, report_compromise
from core.usecases.accounts.consent import record_consent
from core.usecases.accounts.redeem import Redeemed
from core.usecases.context import execute
from core.usecases.reports_from_families import file_data_report
from tests.builders import SpecSchool, build_spec_school, msk
from tests.core.accounts.accounts_helpers import bind, issue, pending_push, redeem, rows, telegram_id

T_RECEIVED = msk(2025, 10, 8, 12)


async def _mark(b: SpecSchool, entered_at: datetime, sent: bool = False) -> int:
    async with b.sessionmaker() as s:
        mark = Mark(
            school_id=b.school_id,
            student_id=b.student_ids["S"],
            lesson_id=b.lesson_l,
            work_type_id=next(iter(b.work_type_ids.values())),
            value_code="5",
            entered_by=b.account_ids["T"],
            entered_at=entered_at,
            first_entered_at=entered_at,
        )
        s.add(mark)
        await s.flush()
        if sent:
            s.add(
                NotificationOutbox(
                    school_id=b.school_id,
                    recipient_account_id=b.account_ids["P"],
                    student_id=b.student_ids["S"],
                    category="marks",
                    event_type="mark_created",
                    dedup_key=f"mark:{mark.id}",
                    payload={"value": "5"},
                    not_before=entered_at,
                    created_at=entered_at,
                    status=OutboxStatus.sent,
                    sent_at=entered_at,
                )
            )
        await s.commit()
        return mark.id


async def _report(
    b: SpecSchool, who: str, learned: datetime, received: datetime, by: str = "coordinator"
) -> int:
    result = await execute(
        b.sessionmaker,
        b.actor(by, at=received),
        report_compromise,
        account_id=b.account_ids[who],
        learned_at=learned,
        channel="web",
    )
    return result.report_id


async def test_compromise_report_is_late_after_one_working_day(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R103, C104: learned Mon 06.10 10:00; received Tue 07.10 18:00 is on time, Wed 08.10 09:00 is late."""
    b = await build_spec_school(sessionmaker)
    on_time = await _report(b, "T", msk(2025, 10, 6, 10), msk(2025, 10, 7, 18))
    late = await _report(b, "E", msk(2025, 10, 6, 10), msk(2025, 10, 8, 9))
    reports = {
        r.id: r for r in await rows(sessionmaker, CompromiseReport, CompromiseReport.school_id == b.school_id)
    }
    assert (reports[on_time].late, reports[late].late) == (False, True)
    alerts = await rows(
        sessionmaker,
        NotificationOutbox,
        NotificationOutbox.school_id == b.school_id,
        NotificationOutbox.event_type == "compromise_reported",
    )
    assert sorted(a.recipient_account_id for a in alerts) == sorted(
        [b.account_ids["coordinator"], b.account_ids["head"]] * 2
    )
    assert {a.category for a in alerts} == {"service"}


async def test_only_the_account_itself_or_coordinator_and_head_register_a_compromise(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R103, §2 rows 27–28: T reports for itself; K cannot report for T."""
    b = await build_spec_school(sessionmaker)
    with pytest.raises(Forbidden):
        await _report(b, "T", msk(2025, 10, 8, 9), T_RECEIVED, by="K")
    await _report(b, "T", msk(2025, 10, 8, 9), T_RECEIVED, by="T")
    [account] = await rows(sessionmaker, Account, Account.id == b.account_ids["T"])
    assert (account.status, account.blocked_at) == (AccountStatus.compromised, T_RECEIVED)


async def test_compromise_blocks_later_requests_and_voids_later_operations(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R104, C105: at 12:00 T is blocked; a 12:01 request is refused; a stored 12:05 mark is voided and parents told; 11:00 stays for review."""
    b = await build_spec_school(sessionmaker)
    await bind(b, "P", telegram_id())
    async with sessionmaker() as s:
        s.add(
            Subscription(
                school_id=b.school_id,
                account_id=b.account_ids["P"],
                student_id=b.student_ids["S"],
                categories=["marks"],
                confirmed_at=msk(2025, 9, 2),
            )
        )
        await s.commit()
    t_binding = await bind(b, "T", telegram_id())
    t_push = await pending_push(b, "T")
    before = await _mark(b, msk(2025, 10, 8, 11))
    after = await _mark(b, msk(2025, 10, 8, 12, 5), sent=True)
    async with sessionmaker() as s:
        absence = Attendance(
            school_id=b.school_id,
            student_id=b.student_ids["V"],
            lesson_id=b.lesson_l,
            kind=AttendanceStatus.absent,
            entered_by=b.account_ids["T"],
            entered_at=msk(2025, 10, 8, 12, 10),
        )
        s.add(absence)
        await s.commit()
    report_id = await _report(b, "T", msk(2025, 10, 8, 11, 30), T_RECEIVED)

    with pytest.raises(AccountBlocked) as refusal:
        await execute(
            sessionmaker,
            b.actor("T", at=msk(2025, 10, 8, 12, 1)),
            file_data_report,
            kind=DataRequestKind.other,
            description="проверка",
        )
    assert refusal.value.rule == "R104"
    marks = {m.id: m for m in await rows(sessionmaker, Mark, Mark.id.in_([before, after]))}
    assert (marks[after].status, marks[after].void_reason) == ("void", "compromise")
    assert marks[before].status == "active"
    voided_push = await rows(
        sessionmaker,
        NotificationOutbox,
        NotificationOutbox.dedup_key == f"mark:{after}",
        NotificationOutbox.event_type == "mark_voided",
    )
    assert [p.recipient_account_id for p in voided_push] == [b.account_ids["P"]]
    [binding] = await rows(sessionmaker, TelegramBinding, TelegramBinding.id == t_binding)
    [push] = await rows(sessionmaker, NotificationOutbox, NotificationOutbox.id == t_push)
    assert binding.revoked_at == T_RECEIVED
    assert push.status == OutboxStatus.cancelled
    [report] = await rows(sessionmaker, CompromiseReport, CompromiseReport.id == report_id)
    assert report.voided_operation_ids == [
        {"entity_type": "mark", "id": after},
        {"entity_type": "attendance", "id": absence.id},
    ]
    [voided_absence] = await rows(sessionmaker, Attendance, Attendance.id == absence.id)
    assert voided_absence.status == "void"
    assert report.review_window_from == msk(2025, 10, 1, 12)
    review = await execute(
        sessionmaker, b.actor("coordinator", at=msk(2025, 10, 8, 13)), compromise_review_list, report_id
    )
    assert [(i.entity_type, i.entity_id) for i in review] == [("mark", before)]
    voids = await rows(
        sessionmaker,
        AuditEvent,
        AuditEvent.entity_type == "mark",
        AuditEvent.entity_id == after,
        AuditEvent.action == AuditAction.void,
    )
    assert [v.reason for v in voids] == ["compromise"]


async def test_compromised_account_returns_only_through_a_new_invite(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R104, C106: after a new invite is redeemed T works again; the old binding stays revoked."""
    b = await build_spec_school(sessionmaker)
    old_user = telegram_id()
    old_binding = await bind(b, "T", old_user)
    await _report(b, "T", msk(2025, 10, 8, 11, 30), T_RECEIVED)
    await execute(
        sessionmaker,
        b.actor("coordinator", at=msk(2025, 10, 8, 13)),
        record_consent,
        subject_type=PersonType.staff,
        subject_id=b.staff_ids["T"],
        decision=ConsentDecision.given,
        decision_date=date(2025, 9, 1),
        document_ref="С-T",
        messenger=True,
    )
    issued = await issue(
        b, "coordinator", PersonType.staff, b.staff_ids["T"], Role.teacher, at=msk(2025, 10, 8, 14)
    )
    new_user = telegram_id()
    result = await redeem(b, issued.token, new_user, msk(2025, 10, 8, 15))
    assert isinstance(result, Redeemed)
    assert result.account_id == b.account_ids["T"]
    filed = await execute(
        sessionmaker,
        b.actor("T", at=msk(2025, 10, 8, 16)),
        file_data_report,
        kind=DataRequestKind.other,
        description="снова работаю",
    )
    assert filed.request_id
    bindings = {
        x.id: x
        for x in await rows(sessionmaker, TelegramBinding, TelegramBinding.account_id == b.account_ids["T"])
    }
    assert bindings[old_binding].revoked_at == T_RECEIVED
    assert bindings[result.binding_id].revoked_at is None
    assert bindings[result.binding_id].telegram_user_id == new_user
