"""Retention of archive exports: purging is refused before `retention_until` (R112, C111).

Journals, their audit and the mark-change report are kept 5 years after the academic year ends,
summary sheets 25 years. A purge after expiry is a coordinator action that marks the export as
purged; the export row itself stays as the record that the files were destroyed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from core.audit.snapshot import snapshot
from core.db.models import ArchiveExport
from core.domain.enums import ArchiveKind, AuditAction, Role
from core.domain.errors import InvalidInput, NotFound, RetentionBlock
from core.usecases.access import require_role
from core.usecases.context import Ctx

JOURNAL_RETENTION_YEARS = 5
SUMMARY_SHEET_RETENTION_YEARS = 25
PURGE_REASON = "retention_expired"


@dataclass(frozen=True)
class PurgeResult:
    export_id: int
    purged_at: datetime


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a non-leap target year
        return day.replace(year=day.year + years, day=28)


def retention_until_for(kind: ArchiveKind | str, year_end: date) -> date:
    """The last day an export must be kept: year end + 25 years for summary sheets, + 5 otherwise (R112)."""
    years = (
        SUMMARY_SHEET_RETENTION_YEARS
        if ArchiveKind(kind) == ArchiveKind.summary_sheet
        else JOURNAL_RETENTION_YEARS
    )
    return _add_years(year_end, years)


async def purge_archive_export(ctx: Ctx, *, export_id: int) -> PurgeResult:
    """Mark an expired export as purged; refused before its retention date or under legal hold (R112)."""
    role = require_role(ctx, Role.coordinator, rule="R112", entity="archive_export")
    export = await ctx.session.scalar(
        select(ArchiveExport)
        .where(ArchiveExport.id == export_id, ArchiveExport.school_id == ctx.actor.school_id)
        .with_for_update()
    )
    if export is None:
        raise NotFound("archive export", entity="archive_export", id=export_id)
    if export.purged_at is not None:
        raise InvalidInput("the export is already purged", rule="R112", entity="archive_export", id=export_id)
    today = await ctx.today()
    if today <= export.retention_until:
        raise RetentionBlock(
            "the export is within its retention period",
            rule="R112",
            entity="archive_export",
            id=export_id,
            retention_until=export.retention_until.isoformat(),
        )
    if export.legal_hold:
        raise RetentionBlock(
            "the export is under legal hold", rule="R112", entity="archive_export", id=export_id
        )
    before = snapshot(export)
    export.purged_at = ctx.now
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.void,
        "archive_export",
        export.id,
        before=before,
        after=snapshot(export),
        reason=PURGE_REASON,
        role=role.value,
    )
    return PurgeResult(export.id, ctx.now)
