"""Retention of archive exports: no purge before the retention date (R112, C111)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import ArchiveExport, AuditEvent
from core.domain.enums import ArchiveKind, AuditAction
from core.domain.errors import Forbidden, InvalidInput, RetentionBlock
from core.usecases.archive.retention import purge_archive_export, retention_until_for
from core.usecases.context import execute
from tests.builders import SpecSchool, build_spec_school, msk

YEAR_END = date(2026, 8, 31)  # end of the 2025/2026 academic year in the fixture


async def _export(b: SpecSchool, kind: ArchiveKind, *, legal_hold: bool = False) -> int:
    async with b.sessionmaker() as s:
        export = ArchiveExport(
            school_id=b.school_id,
            kind=kind,
            scope={"year": "2025/2026"},
            year_id=b.year_id,
            retention_until=retention_until_for(kind, YEAR_END),
            legal_hold=legal_hold,
        )
        s.add(export)
        await s.commit()
        return export.id


async def _purge(b: SpecSchool, export_id: int, at: datetime, who: str = "coordinator") -> object:
    return await execute(b.sessionmaker, b.actor(who, at=at), purge_archive_export, export_id=export_id)


async def _state(b: SpecSchool, export_id: int) -> tuple[ArchiveExport, list[AuditEvent]]:
    async with b.sessionmaker() as s:
        export = await s.get(ArchiveExport, export_id)
        assert export is not None  # the row is never deleted
        events = list(
            await s.scalars(
                select(AuditEvent)
                .where(AuditEvent.entity_type == "archive_export", AuditEvent.entity_id == export_id)
                .order_by(AuditEvent.seq)
            )
        )
        return export, events


def test_retention_is_five_years_for_journals_and_twenty_five_for_summary_sheets() -> None:
    """R112, §3.6: retention_until is the year end + 5 years for journals and + 25 years for summary sheets."""
    for kind in (ArchiveKind.yearly, ArchiveKind.journal_print, ArchiveKind.period_close, ArchiveKind.weekly):
        assert retention_until_for(kind, YEAR_END) == date(2031, 8, 31)
    assert retention_until_for(ArchiveKind.summary_sheet, YEAR_END) == date(2051, 8, 31)
    assert retention_until_for("yearly", date(2028, 2, 29)) == date(2033, 2, 28)


async def test_journal_export_purged_in_2028_is_refused_and_kept(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R112, R4, C111: purging the 2025/2026 journal export in 2028 and on its last retention day is refused; the export stays unpurged and unaudited."""
    b = await build_spec_school(sessionmaker)
    export_id = await _export(b, ArchiveKind.yearly)
    for at in (msk(2028, 3, 1), msk(2031, 8, 31, 23, 59)):
        with pytest.raises(RetentionBlock) as refusal:
            await _purge(b, export_id, at)
        assert refusal.value.rule == "R112"
    export, events = await _state(b, export_id)
    assert (export.purged_at, events) == (None, [])


async def test_summary_sheet_export_purged_before_2051_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R112, C111: a summary-sheet export is kept 25 years — a purge in 2032 or 2050 is refused, after 31.08.2051 it goes through."""
    b = await build_spec_school(sessionmaker)
    export_id = await _export(b, ArchiveKind.summary_sheet)
    for at in (msk(2032, 1, 10), msk(2050, 12, 1)):
        with pytest.raises(RetentionBlock):
            await _purge(b, export_id, at)
    assert (await _state(b, export_id))[0].purged_at is None
    await _purge(b, export_id, msk(2051, 9, 1))
    assert (await _state(b, export_id))[0].purged_at == msk(2051, 9, 1)


async def test_purge_after_expiry_marks_the_export_purged_and_is_audited_as_void(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R112, R58: after 31.08.2031 the coordinator purges the journal export: purged_at is set, the row remains, a void event with reason retention_expired is logged; a second purge is refused."""
    b = await build_spec_school(sessionmaker)
    export_id = await _export(b, ArchiveKind.yearly)
    at = msk(2031, 9, 1, 10)
    await _purge(b, export_id, at)
    export, events = await _state(b, export_id)
    assert export.purged_at == at
    [event] = events
    assert (event.action, event.reason, event.actor_account_id, event.actor_role) == (
        AuditAction.void,
        "retention_expired",
        b.account_ids["coordinator"],
        "coordinator",
    )
    assert event.before is not None
    assert event.after is not None
    assert (event.before["purged_at"], event.after["purged_at"] is not None) == (None, True)
    with pytest.raises(InvalidInput):
        await _purge(b, export_id, msk(2031, 9, 2))
    assert len((await _state(b, export_id))[1]) == 1


@pytest.mark.parametrize("who", ["head", "deputy", "T", "K"])
async def test_only_the_coordinator_purges_an_expired_export(
    sessionmaker: async_sessionmaker[AsyncSession], who: str
) -> None:
    """R112, §2: purging even after expiry is a coordinator action; the head, deputy and teachers are refused."""
    b = await build_spec_school(sessionmaker)
    export_id = await _export(b, ArchiveKind.yearly)
    with pytest.raises(Forbidden) as refusal:
        await _purge(b, export_id, msk(2031, 9, 1), who)
    assert refusal.value.rule == "R112"
    export, events = await _state(b, export_id)
    assert (export.purged_at, events) == (None, [])


async def test_export_under_legal_hold_is_not_purged_after_expiry(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """R112: an export under legal hold is refused even after its retention date."""
    b = await build_spec_school(sessionmaker)
    export_id = await _export(b, ArchiveKind.yearly, legal_hold=True)
    with pytest.raises(RetentionBlock):
        await _purge(b, export_id, msk(2031, 9, 1))
    assert (await _state(b, export_id))[0].purged_at is None
