"""Weekly paper summaries for paper-only guardians and their handover (R84, C87 data side)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import PaperSummaryIssue
from core.domain.enums import AuditAction
from core.domain.errors import Forbidden, InvalidInput
from core.usecases.accounts.paper_service import refuse_electronic_service
from core.usecases.context import execute
from core.usecases.family.paper_summaries import generate_paper_summaries, overdue_handovers, record_handover
from tests.builders import SpecSchool, build_spec_school, msk
from tests.core.family.helpers import audits, rows

WEEK_41 = date(2025, 10, 6)
MONDAY_42 = msk(2025, 10, 13, 6)


async def _paper_only_py(b: SpecSchool) -> None:
    await execute(
        b.sessionmaker,
        b.actor("K", at=msk(2025, 10, 1, 10)),
        refuse_electronic_service,
        guardian_id=b.guardian_ids["PY"],
        decided_on=date(2025, 10, 1),
        basis="Заявление № 7 от 01.10.2025",
    )


async def _generate(b: SpecSchool) -> int:
    return await execute(b.sessionmaker, b.system(MONDAY_42), generate_paper_summaries, week_start=WEEK_41)


async def test_monday_generates_one_issue_per_paper_only_guardian_and_child_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R84, C87: PY is paper-only: Monday of week 42 creates one issue for PY × Y for week 41; a rerun adds none."""
    b = await build_spec_school(sessionmaker)
    await _paper_only_py(b)
    assert await _generate(b) == 1
    assert await _generate(b) == 0
    [issue] = await rows(b, PaperSummaryIssue)
    assert (issue.guardian_id, issue.student_id, issue.week_start, issue.generated_at) == (
        b.guardian_ids["PY"],
        b.student_ids["Y"],
        WEEK_41,
        MONDAY_42,
    )
    assert issue.handed_over_at is None
    assert issue.document_id is None
    assert [e.action for e in await audits(b, "paper_summary_issue")] == [AuditAction.create]


async def test_generation_is_for_the_system_or_coordinator_and_a_week_starts_on_monday(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R84: K (tutor) cannot run the weekly generation; a Tuesday week start is invalid; nothing is written."""
    b = await build_spec_school(sessionmaker)
    await _paper_only_py(b)
    with pytest.raises(Forbidden):
        await execute(sessionmaker, b.actor("K", at=MONDAY_42), generate_paper_summaries, week_start=WEEK_41)
    with pytest.raises(InvalidInput):
        await execute(
            sessionmaker,
            b.actor("coordinator", at=MONDAY_42),
            generate_paper_summaries,
            week_start=date(2025, 10, 7),
        )
    assert await rows(b, PaperSummaryIssue) == []
    assert (
        await execute(
            sessionmaker, b.actor("coordinator", at=MONDAY_42), generate_paper_summaries, week_start=WEEK_41
        )
        == 1
    )


async def test_a_summary_not_handed_over_within_seven_days_is_flagged(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R84, C87: generated 13.10: not flagged on 20.10, flagged on 21.10; handed over on 16.10 it is not."""
    b = await build_spec_school(sessionmaker)
    await _paper_only_py(b)
    await _generate(b)
    [issue] = await rows(b, PaperSummaryIssue)
    deputy = b.actor("deputy", at=msk(2025, 10, 22, 9))
    assert await execute(sessionmaker, deputy, overdue_handovers, on=date(2025, 10, 20)) == []
    assert await execute(sessionmaker, deputy, overdue_handovers, on=date(2025, 10, 21)) == [issue.id]
    tutor_view = await execute(sessionmaker, b.actor("K"), overdue_handovers, on=date(2025, 10, 21))
    other_tutor = await execute(sessionmaker, b.actor("T2"), overdue_handovers, on=date(2025, 10, 21))
    assert (tutor_view, other_tutor) == ([issue.id], [])
    with pytest.raises(Forbidden):
        await execute(sessionmaker, b.actor("T"), overdue_handovers, on=date(2025, 10, 21))

    handed = msk(2025, 10, 16, 14)
    await execute(
        sessionmaker,
        b.actor("K", at=msk(2025, 10, 16, 15)),
        record_handover,
        issue_id=issue.id,
        handed_over_at=handed,
        receipt_signed=True,
    )
    [issue] = await rows(b, PaperSummaryIssue)
    assert (issue.handed_over_at, issue.handed_over_by, issue.receipt_signed) == (
        handed,
        b.account_ids["K"],
        True,
    )
    assert await execute(sessionmaker, deputy, overdue_handovers, on=date(2025, 10, 21)) == []
    [update] = await audits(b, "paper_summary_issue", action=AuditAction.update)
    assert update.before is not None
    assert update.before["handed_over_at"] is None


async def test_handover_is_recorded_by_the_childs_tutor_once_and_refusals_change_nothing(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R84: T2 (tutor of 5Б) and P may not record the handover; a time before generation or a second record is invalid."""
    b = await build_spec_school(sessionmaker)
    await _paper_only_py(b)
    await _generate(b)
    [issue] = await rows(b, PaperSummaryIssue)
    at = msk(2025, 10, 16, 15)
    for who in ("T2", "P"):
        with pytest.raises(Forbidden):
            await execute(
                sessionmaker, b.actor(who, at=at), record_handover,
                issue_id=issue.id, handed_over_at=at, receipt_signed=True,
            )  # fmt: skip
    with pytest.raises(InvalidInput):
        await execute(
            sessionmaker, b.actor("K", at=at), record_handover,
            issue_id=issue.id, handed_over_at=msk(2025, 10, 10, 12), receipt_signed=True,
        )  # fmt: skip
    [unchanged] = await rows(b, PaperSummaryIssue)
    assert (unchanged.handed_over_at, unchanged.handed_over_by) == (None, None)
    await execute(
        sessionmaker, b.actor("coordinator", at=at), record_handover,
        issue_id=issue.id, handed_over_at=at, receipt_signed=False,
    )  # fmt: skip
    with pytest.raises(InvalidInput):
        await execute(
            sessionmaker, b.actor("K", at=at), record_handover,
            issue_id=issue.id, handed_over_at=at, receipt_signed=True,
        )  # fmt: skip
    [issue] = await rows(b, PaperSummaryIssue)
    assert (issue.handed_over_by, issue.receipt_signed) == (b.account_ids["coordinator"], False)
