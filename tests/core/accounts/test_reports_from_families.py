"""Wrong-mark reports (R60) and data-inaccuracy reports (R61)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import DataCorrectionRequest, DiaryView, Mark, NotificationOutbox
from core.domain.enums import DataRequestKind, DiarySection
from core.domain.errors import Forbidden
from core.usecases.context import execute
from core.usecases.reports_from_families import (
    file_data_report,
    file_wrong_mark_report,
    overdue_data_reports,
    resolve_data_report,
)
from tests.builders import SpecSchool, build_spec_school, msk
from tests.core.accounts.accounts_helpers import rows


async def _mark_viewed_by_p(b: SpecSchool) -> int:
    async with b.sessionmaker() as s:
        mark = Mark(
            school_id=b.school_id,
            student_id=b.student_ids["S"],
            lesson_id=b.lesson_l,
            work_type_id=next(iter(b.work_type_ids.values())),
            value_code="3",
            entered_by=b.account_ids["T"],
            entered_at=msk(2025, 10, 9, 15),
            first_entered_at=msk(2025, 10, 9, 15),
        )
        s.add(mark)
        for viewed in (msk(2025, 10, 8, 19), msk(2025, 10, 10, 19), msk(2025, 10, 11, 9)):
            s.add(
                DiaryView(
                    school_id=b.school_id,
                    viewer_account_id=b.account_ids["P"],
                    student_id=b.student_ids["S"],
                    section=DiarySection.marks,
                    channel="bot",
                    viewed_at=viewed,
                )
            )
        await s.commit()
        return mark.id


async def test_wrong_mark_report_is_late_after_three_days_from_first_view(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R60, C63: P first viewed M on 10.10; a report on 13.10 is on time, on 14.10 late; T, K and the coordinator receive both."""
    b = await build_spec_school(sessionmaker)
    mark_id = await _mark_viewed_by_p(b)
    on_time = await execute(
        sessionmaker,
        b.actor("P", at=msk(2025, 10, 13, 22)),
        file_wrong_mark_report,
        mark_id=mark_id,
        description="Я был на олимпиаде",
    )
    late = await execute(
        sessionmaker,
        b.actor("P", at=msk(2025, 10, 14, 8)),
        file_wrong_mark_report,
        mark_id=mark_id,
        description="Повторно",
    )
    assert (on_time.late, late.late) == (False, True)
    requests = {
        r.id: r
        for r in await rows(
            sessionmaker, DataCorrectionRequest, DataCorrectionRequest.school_id == b.school_id
        )
    }
    assert requests[on_time.request_id].first_viewed_at == msk(2025, 10, 10, 19)
    assert requests[late.request_id].late
    expected = sorted(b.account_ids[w] for w in ("T", "K", "coordinator"))
    for filed in (on_time, late):
        pushes = await rows(
            sessionmaker,
            NotificationOutbox,
            NotificationOutbox.school_id == b.school_id,
            NotificationOutbox.event_type == "wrong_mark_report",
        )
        got = sorted(p.recipient_account_id for p in pushes if p.payload["request_id"] == filed.request_id)
        assert got == expected


async def test_only_the_student_or_a_linked_parent_files_a_wrong_mark_report(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R60: PY is not linked to S, so the report is refused and nothing is filed."""
    b = await build_spec_school(sessionmaker)
    mark_id = await _mark_viewed_by_p(b)
    with pytest.raises(Forbidden):
        await execute(
            sessionmaker,
            b.actor("PY", at=msk(2025, 10, 13)),
            file_wrong_mark_report,
            mark_id=mark_id,
            description="не моё",
        )
    assert (
        await rows(sessionmaker, DataCorrectionRequest, DataCorrectionRequest.school_id == b.school_id) == []
    )
    filed = await execute(
        sessionmaker,
        b.actor("S", at=msk(2025, 10, 13)),
        file_wrong_mark_report,
        mark_id=mark_id,
        description="ошибка",
    )
    assert filed.late is False


async def test_data_report_is_overdue_after_a_day_and_the_reporter_hears_the_outcome(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R61, C64: filed 10.10 09:00, open at 12.10 00:00 → overdue; resolved → the reporter gets a service message."""
    b = await build_spec_school(sessionmaker)
    filed = await execute(
        sessionmaker,
        b.actor("P", at=msk(2025, 10, 10, 9)),
        file_data_report,
        kind=DataRequestKind.wrong_data,
        description="Неверное отчество",
        target_ref="student:S",
    )
    coordinator = b.actor("coordinator", at=msk(2025, 10, 11, 23, 59))
    assert await execute(sessionmaker, coordinator, overdue_data_reports) == []
    coordinator = b.actor("coordinator", at=msk(2025, 10, 12, 0, 0))
    assert await execute(sessionmaker, coordinator, overdue_data_reports) == [filed.request_id]
    with pytest.raises(Forbidden):
        await execute(
            sessionmaker,
            b.actor("T", at=msk(2025, 10, 12, 10)),
            resolve_data_report,
            request_id=filed.request_id,
            resolution="исправлено",
        )
    await execute(
        sessionmaker,
        b.actor("coordinator", at=msk(2025, 10, 12, 10)),
        resolve_data_report,
        request_id=filed.request_id,
        resolution="Отчество исправлено",
    )
    assert (
        await execute(sessionmaker, b.actor("coordinator", at=msk(2025, 10, 12, 11)), overdue_data_reports)
        == []
    )
    [told] = await rows(
        sessionmaker,
        NotificationOutbox,
        NotificationOutbox.recipient_account_id == b.account_ids["P"],
        NotificationOutbox.event_type == "data_report_resolved",
    )
    assert (told.category, told.payload) == (
        "service",
        {"request_id": filed.request_id, "resolution": "Отчество исправлено"},
    )
