"""Diary services, notifications, messages, reports from families and corrections (spec §3.5)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, IdMixin, SchoolOwned, TimestampMixin, str_enum
from core.domain.enums import (
    ApprovalDecision,
    DataRequestKind,
    DiarySection,
    DigestMode,
    MessageKind,
    OutboxStatus,
)


class Subscription(IdMixin, SchoolOwned, TimestampMixin, Base):
    """Push preferences of one account about one student (or about itself for staff); opt-in (R82)."""

    __tablename__ = "subscription"
    __table_args__ = (UniqueConstraint("account_id", "student_id"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"), index=True)
    categories: Mapped[list[Any]] = mapped_column(JSON, default=list)
    quiet_start: Mapped[dt.time | None] = mapped_column(Time)
    quiet_end: Mapped[dt.time | None] = mapped_column(Time)
    digest_mode: Mapped[DigestMode] = mapped_column(
        str_enum(DigestMode, "digest_mode"), default=DigestMode.instant
    )
    confirmed_at: Mapped[dt.datetime | None]


class NotificationOutbox(IdMixin, SchoolOwned, Base):
    """A notification written in the same transaction as the change it reports (§5.7).

    `dedup_key` lets a later change of the same mark replace a pending push (settle delay, R125).
    """

    __tablename__ = "notification_outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "not_before"),
        Index("ix_outbox_dedup", "dedup_key", "status"),
        Index("ix_outbox_recipient", "recipient_account_id"),
    )

    recipient_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"))
    category: Mapped[str] = mapped_column(String(24))
    event_type: Mapped[str] = mapped_column(String(48))
    subject_ref: Mapped[str | None] = mapped_column(String(64))
    dedup_key: Mapped[str | None] = mapped_column(String(96))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    not_before: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime]
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.pending
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[dt.datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    acknowledged_at: Mapped[dt.datetime | None]


class Message(IdMixin, SchoolOwned, TimestampMixin, Base):
    __tablename__ = "message"

    kind: Mapped[MessageKind] = mapped_column(str_enum(MessageKind, "message_kind"))
    sender_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    student_context_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("school_class.id"))
    text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[dt.datetime]


class MessageRecipient(IdMixin, SchoolOwned, Base):
    __tablename__ = "message_recipient"
    __table_args__ = (UniqueConstraint("message_id", "account_id"),)

    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    delivered_at: Mapped[dt.datetime | None]
    read_at: Mapped[dt.datetime | None]


class DiaryView(IdMixin, SchoolOwned, Base):
    """Every diary answer to a guardian or student is logged (R88)."""

    __tablename__ = "diary_view"
    __table_args__ = (Index("ix_diary_view_student", "student_id", "viewed_at"),)

    viewer_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    section: Mapped[DiarySection] = mapped_column(str_enum(DiarySection, "diary_section"))
    range_from: Mapped[dt.date | None] = mapped_column(Date)
    range_to: Mapped[dt.date | None] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(16))
    viewed_at: Mapped[dt.datetime]


class Acknowledgement(IdMixin, SchoolOwned, Base):
    __tablename__ = "acknowledgement"
    __table_args__ = (UniqueConstraint("notification_id", "account_id"),)

    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notification_outbox.id"))
    item_ref: Mapped[str | None] = mapped_column(String(64))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    acknowledged_at: Mapped[dt.datetime]


class PaperSummaryIssue(IdMixin, SchoolOwned, TimestampMixin, Base):
    """The weekly paper summary for a paper-only guardian and child, and its handover (R84)."""

    __tablename__ = "paper_summary_issue"
    __table_args__ = (UniqueConstraint("guardian_id", "student_id", "week_start"),)

    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    week_start: Mapped[dt.date] = mapped_column(Date)
    generated_at: Mapped[dt.datetime]
    document_id: Mapped[int | None] = mapped_column(ForeignKey("printed_document.id"))
    handed_over_at: Mapped[dt.datetime | None]
    handed_over_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    receipt_signed: Mapped[bool] = mapped_column(Boolean, default=False)


class DataCorrectionRequest(IdMixin, SchoolOwned, TimestampMixin, Base):
    """A wrong-mark or data-inaccuracy report (R60–R61)."""

    __tablename__ = "data_correction_request"

    reporter_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    kind: Mapped[DataRequestKind] = mapped_column(str_enum(DataRequestKind, "data_request_kind"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"))
    target_ref: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    discovered_on: Mapped[dt.date | None] = mapped_column(Date)
    first_viewed_at: Mapped[dt.datetime | None]
    filed_at: Mapped[dt.datetime]
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    assignee_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    due_at: Mapped[dt.datetime]
    resolved_at: Mapped[dt.datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    resolution: Mapped[str | None] = mapped_column(Text)
    reporter_informed_at: Mapped[dt.datetime | None]


class CorrectionApproval(IdMixin, SchoolOwned, TimestampMixin, Base):
    """A correction request and its decision: a time-limited unlock of exactly its targets (R56)."""

    __tablename__ = "correction_approval"

    requested_by: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    requested_at: Mapped[dt.datetime]
    proposed_change: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    approver_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    decision: Mapped[ApprovalDecision] = mapped_column(
        str_enum(ApprovalDecision, "approval_decision"), default=ApprovalDecision.pending
    )
    decided_at: Mapped[dt.datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    unlock_until: Mapped[dt.datetime | None]


class CorrectionTarget(IdMixin, SchoolOwned, Base):
    """One record a correction unlocks: `entity_type` with `entity_id`, or a new mark on a lesson."""

    __tablename__ = "correction_target"
    __table_args__ = (Index("ix_correction_target_entity", "entity_type", "entity_id"),)

    approval_id: Mapped[int] = mapped_column(ForeignKey("correction_approval.id"), index=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column()
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"))
    used_at: Mapped[dt.datetime | None]
