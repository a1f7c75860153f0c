"""Audit, monitoring records, printouts, archive and backups (spec §3.6)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, IdMixin, SchoolOwned, TimestampMixin, str_enum
from core.domain.enums import ArchiveKind, AuditAction, BackupKind, PromotionDecision


class AuditEvent(Base):
    """Append-only, hash-chained record of every change (R58): hash = SHA-256(prev_hash || canonical)."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_entity", "entity_type", "entity_id"),
        Index("ix_audit_school_at", "school_id", "at"),
        Index("ix_audit_actor", "actor_account_id"),
    )

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    at: Mapped[dt.datetime]
    actor_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    action: Mapped[AuditAction] = mapped_column(str_enum(AuditAction, "audit_action"))
    entity_type: Mapped[str] = mapped_column(String(48))
    entity_id: Mapped[int | None] = mapped_column(BigInteger)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(String(64))
    approval_id: Mapped[int | None] = mapped_column(ForeignKey("correction_approval.id"))
    request_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditChainHead(Base):
    """The last hash of the chain: one row whose update serialises appends across processes."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class ControlRecord(IdMixin, SchoolOwned, TimestampMixin, Base):
    """A head's or deputy head's monthly control note (R120)."""

    __tablename__ = "control_record"

    inspector_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    scope: Mapped[str] = mapped_column(String(300))
    findings: Mapped[str] = mapped_column(Text)
    addressed_to: Mapped[list[Any]] = mapped_column(JSON, default=list)
    sent_at: Mapped[dt.datetime | None]


class DataCheck(IdMixin, SchoolOwned, TimestampMixin, Base):
    """The coordinator's weekly data check (R29)."""

    __tablename__ = "data_check"

    checked_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    checked_at: Mapped[dt.datetime]
    note: Mapped[str | None] = mapped_column(Text)


class OutageWindow(IdMixin, SchoolOwned, TimestampMixin, Base):
    """A declared outage: entries for lessons inside it are not flagged late (R9)."""

    __tablename__ = "outage_window"
    __table_args__ = (CheckConstraint("starts_at < ends_at", name="times"),)

    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    declared_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    reason: Mapped[str] = mapped_column(String(300))


class PrintedDocument(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "printed_document"

    type: Mapped[str] = mapped_column(String(48))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    generated_at: Mapped[dt.datetime]
    generated_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(Integer, default=1)
    certified_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    certified_at: Mapped[dt.datetime | None]
    seal_applied: Mapped[bool] = mapped_column(Boolean, default=False)
    archive_export_id: Mapped[int | None] = mapped_column(ForeignKey("archive_export.id"))


class ArchiveExport(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "archive_export"

    kind: Mapped[ArchiveKind] = mapped_column(str_enum(ArchiveKind, "archive_kind"))
    scope: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    year_id: Mapped[int | None] = mapped_column(ForeignKey("academic_year.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    signature: Mapped[str | None] = mapped_column(String(200))
    anchor_hash: Mapped[str | None] = mapped_column(String(64))
    retention_until: Mapped[dt.date] = mapped_column(Date)
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    purged_at: Mapped[dt.datetime | None]


class ArchiveFile(IdMixin, SchoolOwned, Base):
    __tablename__ = "archive_file"

    export_id: Mapped[int] = mapped_column(ForeignKey("archive_export.id"), index=True)
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)


class ArchiveCopy(IdMixin, SchoolOwned, Base):
    """One stored copy of an export; R114 wants two verified copies in different places."""

    __tablename__ = "archive_copy"
    __table_args__ = (UniqueConstraint("export_id", "location"),)

    export_id: Mapped[int] = mapped_column(ForeignKey("archive_export.id"))
    location: Mapped[str] = mapped_column(String(200))
    stored_at: Mapped[dt.datetime | None]
    last_verified_at: Mapped[dt.datetime | None]
    verify_ok: Mapped[bool] = mapped_column(Boolean, default=False)


class Backup(IdMixin, TimestampMixin, Base):
    __tablename__ = "backup"

    kind: Mapped[BackupKind] = mapped_column(str_enum(BackupKind, "backup_kind"))
    location: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime]
    restore_tested_at: Mapped[dt.datetime | None]


class YearPromotion(IdMixin, SchoolOwned, TimestampMixin, Base):
    """Mapping of a student from one year to the next (R28)."""

    __tablename__ = "year_promotion"
    __table_args__ = (UniqueConstraint("student_id", "from_year_id"),)

    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    from_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id"))
    to_year_id: Mapped[int | None] = mapped_column(ForeignKey("academic_year.id"))
    to_class_id: Mapped[int | None] = mapped_column(ForeignKey("school_class.id"))
    decision: Mapped[PromotionDecision] = mapped_column(str_enum(PromotionDecision, "promotion_decision"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
